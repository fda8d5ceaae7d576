"""TOML loading with located errors (tomllib on 3.11+, tomli before)."""

from __future__ import annotations

import re
import sys
from typing import Any

from lockrisk.errors import ParseError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

_AT_LINE = re.compile(r"\(at line (\d+), column \d+\)")


def loads(text: str, path: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        m = _AT_LINE.search(msg)
        line = int(m.group(1)) if m else None
        msg = _AT_LINE.sub("", msg).strip().rstrip(".")
        raise ParseError(f"invalid TOML: {msg[:1].lower()}{msg[1:]}", path=path, line=line) from None
