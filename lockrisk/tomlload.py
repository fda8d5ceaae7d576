"""TOML loading with located errors.

The plain TOML lockfiles, manifests and the catalogue are written in is read in one pass by
`lockrisk.parsers.locktoml`, which gives exactly what Python's own reader would; anything else, and every
error, goes to tomllib (tomli before 3.11), imported only then.
"""

from __future__ import annotations

import re
import sys
from typing import Any

from lockrisk.errors import ParseError

_AT_LINE = re.compile(r"\(at line (\d+), column \d+\)")


MAX_NESTING = 100  # arrays and inline tables inside each other; Python's reader recurses once per level


def loads(text: str, path: str) -> dict[str, Any]:
    from lockrisk.parsers.locktoml import read_lock_toml

    doc = read_lock_toml(text)
    return doc if doc is not None else _tomllib_loads(text, path)


def _tomllib_loads(text: str, path: str) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python 3.10 only
        import tomli as tomllib

    try:
        return tomllib.loads(text)
    except RecursionError:
        raise ParseError(f"invalid TOML: values nested more than {MAX_NESTING} deep", path=path,
                         line=_deep_line(text)) from None
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        m = _AT_LINE.search(msg)
        line = int(m.group(1)) if m else None
        msg = _AT_LINE.sub("", msg).strip().rstrip(".")
        raise ParseError(f"invalid TOML: {msg[:1].lower()}{msg[1:]}", path=path, line=line) from None


def _deep_line(text: str) -> int | None:
    """The first line where brackets and braces open past MAX_NESTING (strings are not told apart: a guide
    for the message only)."""
    depth = 0
    for number, line in enumerate(text.split("\n"), start=1):
        for ch in line:
            if ch in "[{":
                depth += 1
                if depth > MAX_NESTING:
                    return number
            elif ch in "]}":
                depth = max(depth - 1, 0)
    return None
