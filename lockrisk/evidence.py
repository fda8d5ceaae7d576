"""Evidence: what the lockfiles, the manifests, the catalogue and the registry say about one move.

Every piece has a kind, where it comes from, one plain sentence, and the severity it calls for on
a runtime path. A finding's severity follows from its strongest piece (see lockrisk.weigh), never
from a sum:

| kind | what it says | level |
|---|---|---|
| runtime | the new version cannot install on the project's Ruby or Python | critical |
| known-breakage | a catalogued breakage of this move matches a locked dependent | critical |
| yanked | the registry withdrew the new version | high |
| platform | the new version lost its prebuilt build for a platform the lockfile serves (gem variant, wheel) | high |
| undeclared | it crossed into a major line (a 0.x minor on 0.x) that a requirement on it never declared support for: only a floor below that line, or no version at all | high |
| predates | a locked dependent was released before the new line existed, so it was never tested with it (registry) | high |
| hotfix | a patch of the same line followed within two weeks: the classic regression pattern (registry) | medium |
| fresh | released in the last three days (registry): weak alone, since bot updates are always fresh | low |
| new-dependency | a release that brings packages new to the lockfile (low when they are pure-Python wheels only: nothing to build) | medium |
| downgrade | it moved back across a major | medium |
| source | the same version now comes from other code (a git revision moved, registry to git) | medium |
| unrecorded | a major whose ranges the lockfile does not record (uv.lock), so support cannot be told | medium |
| declared | a major that every requirement declares support for, or that a dependent requires | low |
| intended | a major the project's own requirement asks for | low |
| standard-gem | a gem that ships with Ruby moving along its 0.x line: routine | info |

A minor, patch or calendar move with no such evidence is info. Pieces with level "context" explain
without weighing (a tier, who forced the move).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Literal

from lockrisk.analyse import Finding
from lockrisk.errors import VersionError
from lockrisk.graph import Graph
from lockrisk.versions import scheme_for
from lockrisk.versions.jump import major_line
from lockrisk.versions.scheme import ParsedVersion

Level = Literal["critical", "high", "medium", "low", "info", "context"]
LEVELS = ("critical", "high", "medium", "low", "info")
HOTFIX_DAYS = 14
FRESH_DAYS = 3


@dataclass(frozen=True, slots=True, kw_only=True)
class Evidence:
    """One piece of evidence about a move: its kind, where it was read, one sentence, and its level."""

    kind: str
    source: str  # where it was read: "Gemfile.lock", "poetry.lock python-versions", "registry", ...
    text: str  # one plain sentence
    level: Level

    def to_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "source": self.source, "text": self.text, "level": self.level}


CERTAIN = ("known-breakage", "runtime", "yanked")  # kinds that say a release breaks, not that it may


def breaks_inside_its_line(f: Finding) -> bool:
    """An upward minor, patch or calendar move that certain evidence says breaks: no ceiling on the old major
    line would hold it back, only a pin below the broken release (lockrisk.suggest.below_bound)."""
    change = f.change
    return (change.jump.direction == "up" and change.jump.kind in ("minor", "patch", "calver")
            and change.old is not None and change.new is not None and f.assessment is not None
            and any(e.kind in CERTAIN for e in f.assessment.evidence))


def release_line(version: ParsedVersion) -> tuple[int, ...]:
    """The line a version belongs to for compatibility: (3,) for 3.0.2, (0, 24) for 0.24.1, (0, 0, 55) for 0.0.55."""
    release = version.release or (0,)
    if len(release) >= 3 and release[0] == 0 and release[1] == 0:
        return (0, 0, release[2])
    return major_line(version)


def line_text(version: ParsedVersion) -> str:
    """The line as people write it: "3.x", "0.24.x", or "0.0.55" (on 0.0.x each release is its own line)."""
    line = release_line(version)
    return ".".join(map(str, line)) + (".x" if len(line) < 3 else "")


def declares_support(ecosystem: str, constraint: str, new_version: str) -> bool | None:
    """Whether a requirement explicitly supports `new_version`'s line.

    True: a ceiling above it, or a floor already inside the new line. False: it admits the new
    version only through a floor written below that line (or no version at all). None: unknown.
    """
    scheme = scheme_for(ecosystem)
    try:
        c = scheme.constraint(constraint)
        if not c.admits(new_version):
            return None
        if not c.is_floor_only():
            return True
        new_line = release_line(scheme.parse(new_version))
        return any(release_line(scheme.parse(v)) >= new_line for v in c.floors())
    except VersionError:
        return None


def name_list(items: list[str], limit: int = 4) -> str:
    """'a, b, c, d and 2 more'."""
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def support_evidence(f: Finding, graph: Graph, manifest: str) -> list[Evidence]:
    """declared / undeclared / intended / unrecorded / forced, for a move into a new major line."""
    change = f.change
    assert change.new is not None
    ecosystem = graph.lockfile.ecosystem
    scheme = scheme_for(ecosystem)
    new = change.new.version
    line = line_text(scheme.parse(new))
    lock = graph.lockfile.kind or "lockfile"
    out: list[Evidence] = []
    if f.forced:
        out.append(Evidence(kind="forced", source=lock, level="context",
                            text="forced: " + "; ".join(f.forced_by[:3])))
    forced = f.forced
    lifted = ""
    if f.direct and (f.intended or any(s.startswith(manifest) for s in f.forced_by)):
        own = ", ".join(r.constraint or scheme.any_version for r in f.direct_requirements)
        if any(declares_support(ecosystem, r.constraint, new) for r in f.direct_requirements):
            return out + [Evidence(kind="intended", source=manifest, level="low",
                                   text=f"intended: the {manifest} asks for {own}")]
        # the project lifted its ceiling without naming the new line (`~> 4.3` -> no version): allowed, not asked for
        lifted = f"the {manifest} lifted its ceiling ({own} now) without naming {line}; "
        forced = any(not s.startswith(manifest) for s in f.forced_by)
    never: list[str] = []
    declaring: list[str] = []
    for d in f.dependents:
        if d.requirement.startswith("("):  # not recorded
            continue
        says = declares_support(ecosystem, "" if d.requirement == scheme.any_version else d.requirement, new)
        if says is False:
            never.append(f"{d.name} {d.requirement}")
        elif says:
            declaring.append(d.name)
    for r in f.direct_requirements:
        says = declares_support(ecosystem, r.constraint, new)
        if says is False:
            never.append(f"the {manifest} ({r.constraint or 'no version'})")
        elif says:
            declaring.append(f"the {manifest}")
    if forced:
        requiring = [s.split(" requires ")[0] for s in f.forced_by
                     if not s.startswith(("holding ", manifest)) and " requires " in s]
        if requiring:
            text = f"declared: {name_list(requiring)} require{'s' if len(requiring) == 1 else ''} {change.name} {line}"
        else:
            text = f"declared: its old version could not stay with the rest of the change, so {line} came with it"
        if never:
            text += f"; never declared support: {name_list(never)}"
        return out + [Evidence(kind="declared", source=lock, level="low", text=text)]
    if f.unrecorded and not never:
        return out + [Evidence(kind="unrecorded", source=lock, level="medium",
                               text=f"{lock} does not record which versions {name_list(list(f.unrecorded))} accept, "
                                    f"so whether they support {line} cannot be told offline")]
    if never:
        level: Level = "high"
        if declaring:  # some do: the ones that never did are still running on a line they never knew
            text = (f"undeclared: {lifted}{name_list(never)} never declared support for {change.name} {line}, though "
                    f"{name_list(declaring)} did")
        else:
            text = (f"undeclared: {lifted}nothing declared support for {change.name} {line}; only floors below it: "
                    f"{name_list(never)}")
        if ecosystem == "rubygems" and change.key in standard_gems() and release_line(scheme.parse(new))[0] == 0:
            return out + [Evidence(kind="standard-gem", source="lockrisk catalogue (ruby_stdlib.toml)", level="info",
                                   text=f"{change.name} ships with Ruby and moves along its 0.x line with it: routine "
                                        f"({text})")]
        return out + [Evidence(kind="undeclared", source=lock if f.dependents else manifest, level=level, text=text)]
    return out + [Evidence(kind="declared", source=lock, level="low",
                           text=f"declared: every requirement on it admits {line} explicitly")]


def runtime_evidence(f: Finding, graph: Graph) -> list[Evidence]:
    """The new version declares a Python the project does not limit itself to (poetry.lock python-versions)."""
    change = f.change
    lockfile = graph.lockfile
    if change.new is None or lockfile.ecosystem != "pypi" or not change.new.requires_python:
        return []
    if not lockfile.python_range or f.markers or change.new.markers:
        return []  # a package limited to some environments: its markers already narrow the Pythons
    if f.direct_requirements and not f.dependents and all(r.markers for r in f.direct_requirements):
        return []  # the project asks for it only in some environments (Poetry's `python = ">=3.10"`)
    missing = _pythons_left_out(lockfile.python_range, change.new.requires_python)
    if not missing:
        return []
    if change.old is not None and change.old.requires_python and \
            _pythons_left_out(lockfile.python_range, change.old.requires_python):
        return []  # the old version had the same gap: not this change's doing
    return [Evidence(kind="runtime", source=f"{lockfile.kind} python-versions", level="critical",
                     text=f"{change.name} {change.new.version} needs Python {change.new.requires_python}, but the "
                          f"project supports Python {lockfile.python_range}: it cannot install on {missing}")]


_PYTHONS = ["2.7"] + [f"3.{minor}" for minor in range(0, 16)]


@functools.lru_cache(maxsize=1024)  # a handful of distinct pairs, asked about for every move
def _pythons_left_out(project: str, package: str) -> str | None:
    """The first Python the project supports that the package does not, or None."""
    scheme = scheme_for("pypi")
    try:
        supported = scheme.constraint(project)
        declared = scheme.constraint(package)
        for version in _PYTHONS:
            if supported.admits(version) and not declared.admits(version) and not declared.admits(version + ".99"):
                return f"Python {version}"
    except VersionError:
        return None
    return None


def ruby_evidence(f: Finding, graph: Graph, required: str | None, source: str) -> list[Evidence]:
    """The new version's declared Ruby (from the registry) against the project's Ruby."""
    ruby = graph.lockfile.ruby_version
    if not required or not ruby or f.change.new is None:
        return []
    scheme = scheme_for("rubygems")
    try:
        if scheme.constraint(required).admits(ruby):
            return []
    except VersionError:
        return []
    return [Evidence(kind="runtime", source=source, level="critical",
                     text=f"{f.change.name} {f.change.new.version} requires Ruby {required}, but the project runs "
                          f"Ruby {ruby}: it cannot install")]


def _platform_key(platform: str) -> str:
    return platform.removesuffix("-gnu")


_ARCH = {"amd64": "x86_64", "x86_64": "x86_64", "win32": "x86", "i686": "x86", "aarch64": "arm64", "arm64": "arm64",
         "intel": "x86_64"}
# where Python projects deploy: a lock does not say (uv and Poetry resolve for every platform), so only the
# losses that matter in practice count; 32-bit x86, ppc64le, s390x and armv7l wheels come and go routinely
DEPLOYED = frozenset({"linux-x86_64", "linux-arm64", "musl-x86_64", "musl-arm64", "macos-x86_64", "macos-arm64",
                      "windows-x86_64"})


def wheel_families(tags: frozenset[str]) -> set[str]:
    """Platform tags grouped the way a deployment sees them: linux-x86_64, macos-arm64, windows-x86_64, any."""
    out: set[str] = set()
    for tag in tags:
        if tag == "any":
            out.add("any")
        elif tag.startswith(("manylinux", "musllinux", "linux")):
            arch = tag.split("_", 3)[-1] if tag.startswith(("manylinux_", "musllinux_")) else tag.split("_", 1)[-1]
            out.add(f"{'musl' if tag.startswith('musl') else 'linux'}-{_ARCH.get(arch, arch)}")
        elif tag.startswith("macosx"):
            arch = tag.split("_", 3)[-1]
            out.update({"macos-x86_64", "macos-arm64"} if arch in ("universal2", "universal") else {f"macos-{_ARCH.get(arch, arch)}"})
        elif tag.startswith("win"):
            out.add(f"windows-{_ARCH.get(tag.split('_', 1)[-1] if '_' in tag else tag, 'x86')}")
    return out


def platform_evidence(f: Finding, graph: Graph) -> list[Evidence]:
    """A native package whose new version lost the prebuilt build for a platform the lockfile serves."""
    change = f.change
    if graph.lockfile.ecosystem == "pypi":
        return _wheel_evidence(f, graph)
    served = [p for p in graph.lockfile.platforms if p != "ruby"]
    if change.old is None or change.new is None or not served:
        return []
    had = {_platform_key(p) for p in change.old.platforms}
    has = {_platform_key(p) for p in change.new.platforms}
    lost = [p for p in served if _platform_key(p) in had and _platform_key(p) not in has]
    if not lost:
        return []
    fallback = "it builds from source there" if "ruby" in has else "it has no build there at all"
    return [Evidence(kind="platform", source=f"{graph.lockfile.kind} PLATFORMS", level="high",
                     text=f"{change.name} {change.new.version} has no prebuilt build for {', '.join(lost)}, which "
                          f"{change.old.version} had: {fallback}")]


def _wheel_evidence(f: Finding, graph: Graph) -> list[Evidence]:
    change = f.change
    if change.old is None or change.new is None or not change.old.wheels or change.new.wheels is None:
        return []
    had, has = wheel_families(change.old.wheels), wheel_families(change.new.wheels)
    if "any" in has or "any" in had:
        return []
    lost = [family for family in sorted((had - has) & DEPLOYED) if installed_on(graph, f.key, family)]
    if not lost:
        return []
    return [Evidence(kind="platform", source=f"{graph.lockfile.kind} wheels", level="high",
                     text=f"{change.name} {change.new.version} has no wheel for {', '.join(lost)}, which "
                          f"{change.old.version} had: it builds from source there, or fails to install")]


# the marker environment of each deployed platform family (musl cannot be told from glibc by markers)
_PLATFORM_ENV = {
    "linux-x86_64": ("linux", "Linux", "x86_64", "posix"), "linux-arm64": ("linux", "Linux", "aarch64", "posix"),
    "musl-x86_64": ("linux", "Linux", "x86_64", "posix"), "musl-arm64": ("linux", "Linux", "aarch64", "posix"),
    "macos-x86_64": ("darwin", "Darwin", "x86_64", "posix"), "macos-arm64": ("darwin", "Darwin", "arm64", "posix"),
    "windows-x86_64": ("win32", "Windows", "AMD64", "nt"),
}
_MARKER_PYTHONS = ("3.8", "3.9", "3.10", "3.11", "3.12", "3.13", "3.14")
_EXTRA = re.compile(r"""extra\s*==\s*["']([^"']*)["']""")


def installed_on(graph: Graph, key: str, family: str) -> bool:
    """Whether some chain of requirements from the project reaches `key` on `family` (linux-arm64, ...), reading
    the environment markers along it: torch pulls the CUDA packages only where `platform_machine == "x86_64"`, so
    a CUDA wheel lost for linux-arm64 is never missed there. True when it cannot be told (no project
    requirements, a marker lockrisk cannot read)."""
    if family not in _PLATFORM_ENV or not graph.lockfile.direct:
        return True
    memo = graph.memo.setdefault("installed-on", {})
    if family not in memo:
        memo[family] = _reached(graph, family)
    reached = memo[family]
    return reached is None or key in reached


MARKED_EDGES = 5_000  # edges with markers one platform's walk reads before it stops telling (None: unknown)


def _reached(graph: Graph, family: str) -> set[str] | None:
    work = [r.key for r in graph.lockfile.direct if _may_apply(r.markers, family)]
    seen: set[str] = set()
    marked = 0
    while work:
        k = work.pop()
        if k in seen:
            continue
        seen.add(k)
        package = graph.packages.get(k)
        if package is None:
            continue
        for r in package.requires:
            if r.key in seen:
                continue
            if r.markers:
                marked += 1
                if marked > MARKED_EDGES:
                    return None
                if not _may_apply(r.markers, family):
                    continue
            work.append(r.key)
    return seen


@functools.lru_cache(maxsize=4096)  # a lock repeats a handful of marker strings on thousands of edges
def _may_apply(markers: str | None, family: str) -> bool:
    """Whether a requirement with these markers can apply on `family`, for some Python 3 and any extra it names."""
    if not markers or not markers.strip():
        return True
    from packaging.markers import InvalidMarker, Marker, UndefinedComparison, UndefinedEnvironmentName

    try:
        marker = Marker(markers)
    except InvalidMarker:
        return True  # Poetry's `python = "..."` shorthand and the like: it may apply
    sys_platform, system, machine, os_name = _PLATFORM_ENV[family]
    for python in _MARKER_PYTHONS:
        for extra in ("", *_EXTRA.findall(markers)[:8]):
            env = {"sys_platform": sys_platform, "platform_system": system, "platform_machine": machine,
                   "os_name": os_name, "python_version": python, "python_full_version": python + ".0",
                   "implementation_name": "cpython", "platform_python_implementation": "CPython",
                   "implementation_version": python + ".0", "platform_release": "", "platform_version": "",
                   "extra": extra}
            try:
                if marker.evaluate(env):
                    return True
            except (UndefinedComparison, UndefinedEnvironmentName, ValueError, TypeError):
                return True
    return False


def new_dependency_evidence(f: Finding, graph: Graph, old_graph: Graph | None) -> list[Evidence]:
    """A release that starts requiring packages the old lockfile did not have at all."""
    change = f.change
    if (change.old is None or change.new is None or old_graph is None
            or change.jump.kind not in ("minor", "patch", "calver", "major") or change.jump.direction != "up"):
        return []
    before = {r.key for r in change.old.requires}
    new_keys = {r.name: r.key for r in change.new.requires
                if r.key not in before and r.key not in old_graph.packages and not r.optional}
    fresh = sorted(new_keys)
    if not fresh:
        return []
    size = "a major" if change.jump.kind == "major" else f"a {change.jump.kind}"
    brought = [graph.packages.get(new_keys[name]) for name in fresh]
    if all(p is not None and p.wheels and p.wheels <= {"any"} for p in brought):  # pure-Python wheels only
        return [Evidence(kind="new-dependency", source=graph.lockfile.kind or "lockfile", level="low",
                         text=f"{change.name} {change.new.version}, {size} release, brings in {name_list(fresh)}, new "
                              "to the lockfile: new code arrives with it, though only as pure-Python wheels (nothing "
                              "to build)")]
    return [Evidence(kind="new-dependency", source=graph.lockfile.kind or "lockfile", level="medium",
                     text=f"{change.name} {change.new.version}, {size} release, brings in {name_list(fresh)}, new to "
                          "the lockfile: new code and new build steps arrive with it")]


def standard_gems() -> frozenset[str]:
    from lockrisk.catalogue.load import ruby_stdlib

    return ruby_stdlib()
