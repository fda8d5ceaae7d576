"""Pair the packages of two lockfiles and classify every move."""

from __future__ import annotations

from dataclasses import dataclass

from lockrisk.model import Lockfile, Package
from lockrisk.versions import scheme_for
from lockrisk.versions.jump import Jump, classify


@dataclass(frozen=True, slots=True, kw_only=True)
class Change:
    key: str
    name: str
    lockfile: str
    old: Package | None
    new: Package | None
    jump: Jump
    source_changed: bool = False
    projected: bool = False  # audit: the registry's newest release, not a version any lockfile holds


def _same_source(a: Package, b: Package) -> bool:
    return (a.source.kind, a.source.url, a.source.revision) == (b.source.kind, b.source.url, b.source.revision)


def diff_lockfiles(old: Lockfile, new: Lockfile) -> list[Change]:
    """Every package added, removed, moved or re-sourced between `old` and `new`, by key."""
    scheme = scheme_for(new.ecosystem)
    changes: list[Change] = []
    for key in sorted(old.packages.keys() | new.packages.keys()):
        a = old.packages.get(key)
        b = new.packages.get(key)
        if a is None and b is not None:
            changes.append(Change(key=key, name=b.name, lockfile=new.path, old=None, new=b,
                                  jump=Jump(kind="added", direction="none")))
        elif b is None and a is not None:
            changes.append(Change(key=key, name=a.name, lockfile=new.path, old=a, new=None,
                                  jump=Jump(kind="removed", direction="none")))
        elif a is not None and b is not None:
            same_source = _same_source(a, b)
            if a.version == b.version and same_source:
                continue
            jump = classify(scheme.parse(a.version), scheme.parse(b.version))
            if jump.kind == "none" and same_source:
                continue  # the same version spelled differently
            if jump.kind == "none":
                jump = Jump(kind="source", direction="same", prerelease=jump.prerelease)
            changes.append(Change(key=key, name=b.name, lockfile=new.path, old=a, new=b, jump=jump,
                                  source_changed=not same_source))
    return changes
