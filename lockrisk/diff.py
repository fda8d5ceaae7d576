"""Pair the packages of two lockfiles and classify every move."""

from __future__ import annotations

from dataclasses import dataclass

from lockrisk.redact import redact
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


_LOCAL = ("path", "directory", "file")


def _same_source(a: Package, b: Package) -> bool:
    """Whether both sides are the same code for the same version.

    One version from two registries is one release (a mirror, or poetry.lock's implicit
    default index against uv.lock's explicit one). A git source is the same only at the same
    revision (uv and Poetry spell the URL differently); a local path by its location.
    """
    x, y = a.source, b.source
    if x.kind == "registry" and y.kind == "registry":
        return True
    if x.kind == "git" and y.kind == "git":
        if x.revision and y.revision:
            return x.revision.startswith(y.revision) or y.revision.startswith(x.revision)
        return (x.url, x.revision) == (y.url, y.revision)
    if x.kind in _LOCAL and y.kind in _LOCAL:
        return _path(x.url) == _path(y.url)
    return (x.kind, x.url, x.revision) == (y.kind, y.url, y.revision)


def _path(url: str | None) -> str:
    import posixpath

    return posixpath.normpath((url or ".").replace("\\", "/"))


def registry_moves(old: Lockfile, new: Lockfile) -> list[str]:
    """One note per registry switch: 'N packages now come from NEW instead of OLD'."""
    counts: dict[tuple[str, str], int] = {}
    for key, b in new.packages.items():
        a = old.packages.get(key)
        if a is None or a.source.kind != "registry" or b.source.kind != "registry":
            continue
        if a.source.url and b.source.url and a.source.url.rstrip("/") != b.source.url.rstrip("/"):
            pair = (redact(a.source.url), redact(b.source.url))  # index credentials never reach a report
            counts[pair] = counts.get(pair, 0) + 1
    return [f"{n} package{'s' if n != 1 else ''} now come{'s' if n == 1 else ''} from {to} instead of {frm}: "
            "the same version from another registry is the same release, so only version moves are reported"
            for (frm, to), n in sorted(counts.items())]


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
