"""Find lockrisk pins in a manifest whose removal condition now holds."""

from __future__ import annotations

import re
from dataclasses import dataclass

from lockrisk.errors import LockriskError
from lockrisk.model import Lockfile
from lockrisk.names import pypi_key
from lockrisk.suggest import PIN_MARK, REMOVE_MARK
from lockrisk.versions import scheme_for

_PIN = re.compile(rf"#\s*{re.escape(PIN_MARK)} ([A-Za-z0-9._-]+):")
_REMOVE = re.compile(rf"#\s*{re.escape(REMOVE_MARK)}\s*(.*)$")
_CONDITION = re.compile(r"^([A-Za-z0-9._-]+)\s+(>=|>)\s*(\S+)$")


@dataclass(frozen=True, slots=True, kw_only=True)
class FoundPin:
    """A pin lockrisk wrote earlier, found again in a manifest, with its removal condition."""

    name: str
    line: int  # 1-based, the pin's first comment line
    end_line: int  # the requirement line
    condition: str
    status: str


def find_stale_pins(text: str, lockfile: Lockfile) -> tuple[list[FoundPin], list[FoundPin]]:
    scheme = scheme_for(lockfile.ecosystem)
    lines = text.splitlines()
    stale, kept = [], []
    i = 0
    while i < len(lines):
        m = _PIN.search(lines[i])
        if not m:
            i += 1
            continue
        name, start, condition = m.group(1), i, ""
        j = i + 1
        while j < len(lines) and lines[j].lstrip().startswith("#"):
            r = _REMOVE.search(lines[j])
            if r:
                condition = r.group(1).strip()
            j += 1
        end = j  # the requirement line follows the comments
        pin = _judge(name, condition, lockfile, scheme, start + 1, end + 1)
        (stale if pin.status.startswith("condition met") else kept).append(pin)
        i = j + 1
    return stale, kept


def _judge(name: str, condition: str, lockfile: Lockfile, scheme, line: int, end_line: int) -> FoundPin:
    c = _CONDITION.match(condition)
    if not c:
        return FoundPin(name=name, line=line, end_line=end_line, condition=condition,
                        status=f"no automatic condition ({condition or 'none'}): review by hand")
    dep, op, version = c.groups()
    key = pypi_key(dep) if lockfile.ecosystem == "pypi" else dep
    locked = lockfile.packages.get(key)
    if locked is None:
        return FoundPin(name=name, line=line, end_line=end_line, condition=condition,
                        status=f"condition met: {dep} is no longer locked")
    try:
        met = scheme.constraint(f"{op} {version}" if lockfile.ecosystem == "rubygems" else f"{op}{version}").admits(locked.version)
    except LockriskError:
        met = False
    if met:
        return FoundPin(name=name, line=line, end_line=end_line, condition=condition,
                        status=f"condition met: {dep} {locked.version} is locked ({op} {version})")
    return FoundPin(name=name, line=line, end_line=end_line, condition=condition,
                    status=f"{dep} is still {locked.version}; waiting for {op} {version}")
