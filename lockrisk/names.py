"""Canonical package names."""

from __future__ import annotations

import functools
import re

_RUNS = re.compile(r"[-_.]+")


@functools.lru_cache(maxsize=1 << 16)  # a name is normalised once, however many packages depend on it
def pypi_key(name: str) -> str:
    """PEP 503 normalized name: lower case, runs of -_. become one -."""
    return _RUNS.sub("-", name).lower()
