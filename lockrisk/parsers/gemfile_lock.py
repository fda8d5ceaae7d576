"""Gemfile.lock (and gems.locked), read the way Bundler's LockfileParser reads it.

Section headers are whole-line matches; source sections hold 2-space options,
4-space specs and 6-space runtime dependencies; unknown sections are skipped.
Platform variants of one gem become one Package carrying every platform.
"""

from __future__ import annotations

import functools
import re

from lockrisk.errors import ParseError
from lockrisk.model import Lockfile, Package, Requirement, Source
from lockrisk.parsers.common import decode_text, refuse_conflicts

SOURCE_HEADERS = ("GIT", "GEM", "PATH", "PLUGIN SOURCE")
KNOWN_HEADERS = frozenset((*SOURCE_HEADERS, "PLATFORMS", "DEPENDENCIES", "CHECKSUMS", "RUBY VERSION", "BUNDLED WITH"))

# Bundler's NAME_VERSION: exactly 2, 4 or 6 spaces, a name, an optional "(version[-platform])",
# an optional "!" and an optional checksum. Nothing after the first "-" in the parens is version.
_NAME_VERSION = re.compile(r"^( {2}| {4}| {6})(?! )(.*?)(?: \(([^-]*)(?:-(.*))?\))?(!)?(?: ([^ ]+))?$")
# The shape nearly every spec and dependency line has (`    rack (3.1.8)`, `      rack (>= 2.2.4, < 4)`): a name
# without spaces, parentheses or "!" and no platform; on such a line it splits exactly as _NAME_VERSION does, faster.
_PLAIN_NAME_VERSION = re.compile(r"( {4}| {6})([^ (!]+)(?: \(([^-)]*)\))?")
_OPTION = re.compile(r"^  ([a-zA-Z]+): (.*)$")
_GEM_VERSION = re.compile(r"^\s*[0-9]+(\.[0-9a-zA-Z]+)*(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?\s*$")
_CLAUSE = re.compile(r"^\s*(=|!=|>=|<=|>|<|~>)?\s*[0-9]+(\.[0-9a-zA-Z]+)*(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?\s*$")

_KIND_BY_HEADER = {"GEM": "registry", "GIT": "git", "PATH": "path", "PLUGIN SOURCE": "plugin"}


class _SpecBuilder:
    __slots__ = ("name", "version", "platforms", "requires", "source", "line", "seen")

    def __init__(self, name: str, version: str, source: Source, line: int) -> None:
        self.name = name
        self.version = version
        self.platforms: list[str] = []
        self.requires: list[Requirement] = []
        self.seen: set[tuple[str, str]] = set()
        self.source = source
        self.line = line


@functools.lru_cache(maxsize=16384)
def _clean_requirement(raw: str) -> str | None:
    """The requirement list normalised to "a, b", or None when a clause is not valid."""
    parts = [part.strip() for part in raw.split(",")]
    if not all(_CLAUSE.match(part) for part in parts):
        return None
    return ", ".join(parts)


def _requirement(raw: str | None, path: str, line: int) -> str:
    if not raw:
        return ""
    text = _clean_requirement(raw)
    if text is None:
        raise ParseError(f"{raw!r} is not a valid requirement", path=path, line=line)
    return text


def _refuse_unclosed(line: str, path: str, lineno: int) -> None:
    if " (" in line and ")" not in line:
        raise ParseError("version or requirement list is not closed: the line looks cut short", path=path, line=lineno)


def _source_from(header: str, opts: dict[str, list[str]]) -> Source:
    kind = _KIND_BY_HEADER[header]
    remotes = opts.get("remote", [])
    ref = None
    for key in ("tag", "branch", "ref"):
        if key in opts:
            ref = f"{key} {opts[key][-1]}"
            break
    if kind == "plugin" and "type" in opts:
        ref = f"type {opts['type'][-1]}"
    return Source(
        kind=kind,  # type: ignore[arg-type]
        url=", ".join(remotes) if remotes else None,
        revision=opts.get("revision", [None])[-1],
        ref=ref,
    )


def parse_gemfile_lock(data: bytes, path: str) -> Lockfile:
    text = decode_text(data, path)
    refuse_conflicts(text, path)

    specs: dict[str, _SpecBuilder] = {}
    direct: dict[str, Requirement] = {}
    notes: list[str] = []
    bundled_with: str | None = None
    ruby_version: str | None = None
    lock_platforms: list[str] = []
    section: str | None = None
    seen_headers: list[str] = []
    opts: dict[str, list[str]] = {}
    source: Source | None = None
    current: _SpecBuilder | None = None

    plain, clean = _PLAIN_NAME_VERSION.fullmatch, _clean_requirement
    lines = text.split("\n")
    for lineno, raw in enumerate(lines, start=1):
        line = raw[:-1] if raw.endswith("\r") else raw
        if not line:
            continue
        if line in KNOWN_HEADERS:
            section = line
            seen_headers.append(line)
            current = None
            if line in SOURCE_HEADERS:
                opts, source = {}, None
            continue
        if not line[0].isspace():
            section = None  # an unknown section: skipped, as Bundler does
            continue
        if section is None:
            continue
        if section in SOURCE_HEADERS:
            m = plain(line)
            if m is not None:
                spaces, name, version = m.groups()
                if spaces == "      " and current is not None:  # a dependency: most lines of a lockfile
                    constraint = clean(version) if version else ""
                    if constraint is None:
                        raise ParseError(f"{version!r} is not a valid requirement", path=path, line=lineno)
                    if (name, constraint) not in current.seen:
                        current.seen.add((name, constraint))
                        current.requires.append(Requirement(name=name, key=name, constraint=constraint, line=lineno))
                    continue
                indent, platform = len(spaces), None
            elif line == "  specs:":
                source = _source_from(section, opts)
                continue
            else:
                if not line.startswith("   "):  # options are the only 2-space lines (specs are 4, dependencies 6)
                    m = _OPTION.match(line)
                    if m:
                        opts.setdefault(m.group(1), []).append(m.group(2))
                        continue
                _refuse_unclosed(line, path, lineno)
                m = _NAME_VERSION.match(line)
                if m is None:
                    continue
                indent, name, version, platform = len(m.group(1)), m.group(2), m.group(3), m.group(4)
            if indent == 4:
                if source is None:
                    raise ParseError(f"spec {name!r} appears before 'specs:'", path=path, line=lineno)
                if version is None or not _GEM_VERSION.match(version):
                    raise ParseError(f"{version!r} is not a valid version for {name}", path=path, line=lineno)
                current = specs.get(name)
                if current is None:
                    current = specs[name] = _SpecBuilder(name, version, source, lineno)
                elif current.version != version:
                    notes.append(f"{name} is locked at several versions ({current.version}, {version}); using {current.version}")
                current.platforms.append(platform or "ruby")
            elif indent == 6:
                if current is None:
                    raise ParseError(f"dependency {name!r} appears before any spec", path=path, line=lineno)
                constraint = _requirement(version, path, lineno)
                if (name, constraint) not in current.seen:
                    current.seen.add((name, constraint))
                    current.requires.append(Requirement(name=name, key=name, constraint=constraint, line=lineno))
        elif section == "DEPENDENCIES":
            _refuse_unclosed(line, path, lineno)
            m = _NAME_VERSION.match(line)
            if not m or len(m.group(1)) != 2:
                continue
            name = m.group(2)
            constraint = _requirement(m.group(3), path, lineno)
            direct[name] = Requirement(name=name, key=name, constraint=constraint, line=lineno)
        elif section == "BUNDLED WITH":
            bundled_with = line.strip()
        elif section == "PLATFORMS":
            lock_platforms.append(line.strip())
        elif section == "RUBY VERSION":
            m = re.match(r"\s*ruby\s+(\d+(?:\.\d+)*)", line)
            ruby_version = m.group(1) if m else ruby_version

    if not seen_headers:
        raise ParseError("not a Gemfile.lock: no GEM, GIT, PATH, PLATFORMS or DEPENDENCIES section", path=path, line=1)
    if specs and "DEPENDENCIES" not in seen_headers:
        raise ParseError("no DEPENDENCIES section: the lockfile looks truncated", path=path, line=len(lines))
    if not text.endswith("\n"):
        notes.append(f"{path} does not end with a newline; it may be truncated")

    packages = {
        key: Package(
            name=b.name,
            key=key,
            version=b.version,
            source=b.source,
            platforms=tuple(b.platforms),
            requires=tuple(b.requires),
            line=b.line,
        )
        for key, b in specs.items()
    }
    return Lockfile(
        path=path,
        ecosystem="rubygems",
        format_version=bundled_with,
        tool_version=bundled_with,
        packages=packages,
        direct=tuple(direct.values()),
        notes=tuple(notes),
        kind="Gemfile.lock",
        ruby_version=ruby_version,
        platforms=tuple(lock_platforms),
    )
