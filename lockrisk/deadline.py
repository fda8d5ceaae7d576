"""One deadline for a whole run: however a stranger's files are shaped, lockrisk stops in time.

`start(seconds)` arms a wall-clock alarm for the process; when it rings, DeadlineExceeded (a
LockriskError, so one line and exit 2) is raised wherever the main thread is. `remaining()`
lets slower parts (registry look-ups) fit their own budgets inside it.
"""

from __future__ import annotations

import signal
import threading
import time

from lockrisk.errors import LockriskError

DEFAULT_SECONDS = 300.0  # far below the six hours a GitHub-hosted job may run

_end: float | None = None  # monotonic time the run must stop by
_seconds = 0.0  # the deadline as given, for the message


class DeadlineExceeded(LockriskError):
    """The run reached its deadline."""


def _ring(signum, frame) -> None:
    raise DeadlineExceeded(f"stopped at the {_seconds:g} s deadline (--deadline, LOCKRISK_DEADLINE); "
                           "nothing was written after that point")


def start(seconds: float | None) -> None:
    """Arm the deadline (0 or None: none). Only the main thread can take the alarm; elsewhere
    (tests driving commands from threads) the deadline is recorded for `remaining()` only."""
    global _end, _seconds
    stop()
    if not seconds or seconds <= 0:
        return
    _seconds = seconds
    _end = time.monotonic() + seconds
    if hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGALRM, _ring)
        signal.setitimer(signal.ITIMER_REAL, seconds)


def stop() -> None:
    global _end
    if _end is not None and hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread():
        signal.setitimer(signal.ITIMER_REAL, 0)
    _end = None


def remaining() -> float | None:
    """Seconds left before the deadline, None when there is none."""
    return None if _end is None else max(0.0, _end - time.monotonic())


def parse(value: str | None, default: float = DEFAULT_SECONDS) -> float:
    """A deadline from an option or the environment: seconds, 0 for none."""
    if value is None or not str(value).strip():
        return default
    try:
        seconds = float(value)
    except ValueError:
        raise LockriskError(f"deadline: {value!r} is not a number of seconds") from None
    if seconds < 0 or seconds != seconds:
        raise LockriskError(f"deadline: {value!r} is not a number of seconds")
    return seconds
