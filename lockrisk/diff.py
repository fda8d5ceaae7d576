"""Pair the packages of two lockfiles and classify every move."""

from __future__ import annotations

from dataclasses import dataclass, replace

from lockrisk.redact import redact
from lockrisk.model import Lockfile, Package
from lockrisk.versions import scheme_for
from lockrisk.versions.jump import Jump, classify


@dataclass(frozen=True, slots=True, kw_only=True)
class Change:
    """One package that moved between two lockfiles (added, removed, a version or source move)."""

    key: str
    name: str
    lockfile: str
    old: Package | None
    new: Package | None
    jump: Jump
    source_changed: bool = False
    projected: bool = False  # audit: the registry's newest release, not a version any lockfile holds
    fork: str | None = None  # the lock holds several versions of it: the environments this move is for


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
    """Every package added, removed, moved or re-sourced between `old` and `new`, by key.

    A key locked at several versions (resolution forks) is compared entry by entry, see `_pair_forks`.
    """
    from lockrisk.catalogue.load import calendar_versioned

    scheme = scheme_for(new.ecosystem)
    calendar = calendar_versioned(new.ecosystem)
    changes: list[Change] = []
    for key in sorted(old.packages.keys() | new.packages.keys()):
        if key in old.forks or key in new.forks:
            for a, b in _pair_forks(old.entries(key), new.entries(key)):
                change = _compare(scheme, key, new.path, a, b, key in calendar)
                if change is not None:
                    fork = (b.fork if b is not None else None) or (a.fork if a is not None else None)
                    changes.append(replace(change, fork=fork or _other_versions(a, b, old, new, key)))
            continue
        a, b = old.packages.get(key), new.packages.get(key)
        if a is b:
            continue  # one entry both sides share (read once, see lockrisk.parsers.blocks): nothing moved
        change = _compare(scheme, key, new.path, a, b, key in calendar)
        if change is not None:
            changes.append(change)
    return changes


def _compare(scheme, key: str, lockfile: str, a: Package | None, b: Package | None,
             calendar: bool = False) -> Change | None:
    if a is None and b is not None:
        return Change(key=key, name=b.name, lockfile=lockfile, old=None, new=b, jump=Jump(kind="added", direction="none"))
    if b is None and a is not None:
        return Change(key=key, name=a.name, lockfile=lockfile, old=a, new=None,
                      jump=Jump(kind="removed", direction="none"))
    assert a is not None and b is not None
    same_source = _same_source(a, b)
    if a.version == b.version and same_source:
        return None
    if a.dynamic or b.dynamic:
        # a version computed at build time on either side: nothing to compare but where it comes from
        if same_source:
            return None
        return Change(key=key, name=b.name, lockfile=lockfile, old=a, new=b,
                      jump=Jump(kind="source", direction="none"), source_changed=True)
    jump = classify(scheme.parse(a.version), scheme.parse(b.version), calendar=calendar)
    if jump.kind == "none" and same_source:
        return None  # the same version spelled differently
    if jump.kind == "none":
        jump = Jump(kind="source", direction="same", prerelease=jump.prerelease)
    return Change(key=key, name=b.name, lockfile=lockfile, old=a, new=b, jump=jump, source_changed=not same_source)


MAX_FORKS = 64  # real locks fork a package a handful of ways; more entries are compared by version alone


def _pair_forks(olds: tuple[Package, ...], news: tuple[Package, ...]) -> list[tuple[Package | None, Package | None]]:
    """Pair the entries of one key across two lockfiles.

    A side with a single entry pairs with every entry of the other: a package that splits into forks
    moved from its one version to each of theirs (or merged back into one). Otherwise entries for the
    same environments (equal fork markers) pair first, then entries at the same version, then the rest
    in version order; what is still left was added or removed.
    """
    olds, news = olds[:MAX_FORKS], news[:MAX_FORKS]
    if len(olds) == 1:
        return [(olds[0], b) for b in news]
    if len(news) == 1:
        return [(a, news[0]) for a in olds]
    from lockrisk.versions.pep440 import locked_order  # forks exist in Python locks only

    left_old, left_new = list(olds), list(news)
    pairs: list[tuple[Package | None, Package | None]] = []
    for matches in (lambda a, b: a.fork is not None and a.fork == b.fork, lambda a, b: a.version == b.version):
        for a in list(left_old):
            b = next((b for b in left_new if matches(a, b)), None)
            if b is not None:
                pairs.append((a, b))
                left_old.remove(a)
                left_new.remove(b)
    left_old.sort(key=lambda p: locked_order(p.version))
    left_new.sort(key=lambda p: locked_order(p.version))
    pairs += list(zip(left_old, left_new))
    n = min(len(left_old), len(left_new))
    pairs += [(a, None) for a in left_old[n:]] + [(None, b) for b in left_new[n:]]
    return pairs


def _other_versions(a: Package | None, b: Package | None, old: Lockfile, new: Lockfile, key: str) -> str:
    """For a fork entry without markers of its own: which other versions it is locked alongside."""
    this = {p.version for p in (a, b) if p is not None}
    others = sorted({p.version for p in (*old.entries(key), *new.entries(key))} - this)
    return "alongside " + ", ".join(others) if others else "one of several entries"
