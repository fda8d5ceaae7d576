"""Atomic file writes (a temp file in the same directory, then os.replace) and reads that refuse non-regular files.

`atomic_write` can check the temp file before it replaces anything, and compare the file it
replaces with what the caller read, just before os.replace, so a save made meanwhile is not
lost; on any refusal the temp file is removed and the file is left as it was.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path
from typing import Callable

from lockrisk.errors import EditError

_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def _kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def read_regular(path: Path, shown: str | None = None) -> bytes:
    """The bytes of `path` (symlinks followed), refusing FIFOs, devices and directories without reading them.

    Raises FileNotFoundError when it is missing, EditError when it is not a regular file."""
    label = shown or str(path)
    mode = os.stat(path).st_mode
    if not stat.S_ISREG(mode):
        raise EditError(f"is {_kind(mode)}, not a regular file; nothing written", path=label)
    # O_NONBLOCK: a file swapped for a FIFO after the stat above cannot make the open wait for a writer
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    with os.fdopen(fd, "rb") as fh:
        mode = os.fstat(fh.fileno()).st_mode
        if not stat.S_ISREG(mode):
            raise EditError(f"is {_kind(mode)}, not a regular file; nothing written", path=label)
        return fh.read()


def atomic_write(path: Path, data: str | bytes, *, expect: bytes | None = None,
                 check: Callable[[Path], None] | None = None, shown: str | None = None) -> None:
    """Replace `path` with `data` atomically.

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
            os.fsync(fh.fileno())
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o7777)
        else:
            os.chmod(tmp, 0o644)
        if check is not None:
            check(Path(tmp))
        if expect is not None:
            _still(path, expect, shown or str(path))
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def _still(path: Path, expect: bytes, shown: str) -> None:
    """Refuse unless `path` still holds `expect` (the last look before the rename)."""
    try:
        current = read_regular(path, shown)
    except FileNotFoundError:
        raise EditError("disappeared while the edit was being written; nothing written", path=shown) from None
    if current != expect:
        raise EditError("changed since it was read; nothing written (run lockrisk pin again)", path=shown)
