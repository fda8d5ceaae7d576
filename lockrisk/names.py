"""Canonical package names."""

from __future__ import annotations

import re

_RUNS = re.compile(r"[-_.]+")


def pypi_key(name: str) -> str:
    """PEP 503 normalized name: lower case, runs of -_. become one -."""
    return _RUNS.sub("-", name).lower()
