"""Canonical package names."""

from __future__ import annotations

import functools
import re

_RUNS = re.compile(r"[-_.]+")


def pypi_key(name: str) -> str:
    """PEP 503 normalized name: lower case, runs of -_. become one -."""
    if name.islower() and "_" not in name and "." not in name and "--" not in name:
        return name  # most names are written normalized already
    return _normalized(name)


@functools.lru_cache(maxsize=1 << 16)  # a name is normalised once, however many packages depend on it
def _normalized(name: str) -> str:
    return _RUNS.sub("-", name).lower()
