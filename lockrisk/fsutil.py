"""Atomic file writes (a temp file in the same directory, then os.replace) and reads that refuse non-regular files.

`atomic_write` can check the temp file before it replaces anything, and compare the file it
replaces with what the caller read, just before os.replace, so a save made meanwhile is not
lost; on any refusal the temp file is removed and the file is left as it was.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Callable

from lockrisk.errors import EditError

def read_regular(path: Path, shown: str | None = None) -> bytes:
    """The bytes of `path` (symlinks followed), refusing FIFOs, devices, directories and oversized files
    without reading them (the one input reader, `lockrisk.inputs`, with the edit's wording).

    Raises FileNotFoundError when it is missing, EditError when it cannot be read as a regular file."""
    from lockrisk.errors import ParseError
    from lockrisk.inputs import read_regular as read_input

    label = shown or str(path)
    try:
        data = read_input(path, label=label)
    except ParseError as exc:
        raise EditError(f"{exc.message}; nothing written", path=label) from None
    if data is None:
        raise FileNotFoundError(path)
    return data


def atomic_write(path: Path, data: str | bytes, *, expect: bytes | None = None,
                 check: Callable[[Path], None] | None = None, shown: str | None = None, durable: bool = True) -> None:
    """Replace `path` with `data` atomically (never half-written); `durable` also waits for the disk, which a
    cache entry, only ever a shortcut, need not.

    `check(temp_path)` may raise to refuse the new content before anything is replaced. With `expect`,
    the file is read again just before os.replace and the write is refused (EditError) unless it still
    holds exactly `expect`; `shown` names the file in that message."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    directory = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            if durable:
                os.fsync(fh.fileno())
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o7777)
        else:
            os.chmod(tmp, 0o644)
        if check is not None:
            check(Path(tmp))
        if expect is not None:
            still_holds(path, expect, shown or str(path), when="while the edit was being written")
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def still_holds(path: Path, expect: bytes, shown: str, *, when: str) -> None:
    """Refuse (EditError) unless `path` still holds `expect`; `when` says when it could have vanished."""
    try:
        current = read_regular(path, shown)
    except FileNotFoundError:
        raise EditError(f"disappeared {when}; nothing written", path=shown) from None
    if current != expect:
        raise EditError("changed since it was read; nothing written (run lockrisk pin again)", path=shown)
