"""Reading input files from disk the way a stranger's pull request cannot abuse: only regular files
(a FIFO would block forever, a link to /dev/zero would grow without end), and no more than a cap.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from lockrisk.errors import ParseError

MAX_INPUT_BYTES = 48 * 1024 * 1024  # the largest real lockfiles are a few MB; 48 MB is generous and bounded


def read_regular(path: Path, *, label: str | None = None, limit: int = MAX_INPUT_BYTES) -> bytes | None:
    """The file's bytes; None when it does not exist. Anything but a regular file, or a file over `limit`
    bytes, is a ParseError naming the file (symlinks are followed to what they point at)."""
    shown = label or str(path)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except (FileNotFoundError, NotADirectoryError):
        return None
    except IsADirectoryError:
        raise ParseError("is a directory, not a file", path=shown) from None
    except PermissionError:
        raise ParseError("permission denied", path=shown) from None
    except OSError as exc:
        raise ParseError(f"cannot be opened ({exc.strerror or type(exc).__name__})", path=shown) from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise ParseError("is a directory, not a file", path=shown)
        if not stat.S_ISREG(info.st_mode):
            raise ParseError(f"is not a regular file ({_kind(info.st_mode)}): refused", path=shown)
        if info.st_size > limit:
            raise ParseError(f"is {info.st_size // (1024 * 1024)} MB, over the {limit // (1024 * 1024)} MB "
                             "limit for an input file", path=shown)
        chunks, total = [], 0
        while True:  # bounded: at most limit + one chunk, even if the file grows while it is read
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                raise ParseError(f"grew over the {limit // (1024 * 1024)} MB limit while being read", path=shown)
        return b"".join(chunks)
    finally:
        os.close(fd)


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a plain file"
