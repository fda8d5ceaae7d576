"""Yes/no settings read from environment variables (`LOCKRISK_OFFLINE=1`, the Action's inputs)."""

from __future__ import annotations

_TRUE = ("1", "true", "yes", "on")


def flag(value: str | None, default: bool) -> bool:
    """True for 1/true/yes/on (any case), False for anything else; `default` when unset or blank."""
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in _TRUE
