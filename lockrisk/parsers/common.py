"""Checks every lockfile parser makes before reading its grammar."""

from __future__ import annotations

import re

from lockrisk.errors import ParseError

_CONFLICT = re.compile(r"^(<<<<<<<|=======|>>>>>>>|\|\|\|\|\|\|\|)", re.M)


def decode_text(data: bytes, path: str) -> str:
    """Bytes to text, refusing empty, binary and non-UTF-8 content with a located error."""
    if not data.strip():
        raise ParseError("file is empty", path=path, line=1)
    nul = data.find(b"\x00")
    if nul >= 0:
        raise ParseError("binary content (NUL byte): not a lockfile", path=path, line=data.count(b"\n", 0, nul) + 1)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ParseError("binary content (not UTF-8): not a lockfile", path=path, line=line) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    return text


def refuse_conflicts(text: str, path: str) -> None:
    m = _CONFLICT.search(text)
    if m:
        line = text.count("\n", 0, m.start()) + 1
        raise ParseError(
            "contains merge-conflict markers; resolve the conflict (or check out a clean lockfile) first",
            path=path,
            line=line,
        )
