"""The format-neutral model every parser produces.

Versions and constraints stay raw text here; `lockrisk.versions` parses them only
where analysis needs them, which keeps diffs of very large lockfiles fast.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Mapping

Ecosystem = Literal["rubygems", "pypi"]
SourceKind = Literal["registry", "git", "path", "url", "file", "directory", "plugin"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Source:
    """Where a package comes from: a registry, git, a path or a URL."""

    kind: SourceKind
    url: str | None = None
    revision: str | None = None
    ref: str | None = None

    def describe(self) -> str:
        from lockrisk.redact import redact  # credentials in a source URL are never shown

        url = redact(self.url) if self.url else ""
        if self.kind == "registry":
            return f"registry {url}" if url else "registry"
        bits = [self.kind, url]
        if self.ref:
            bits.append(f"({self.ref})")
        if self.revision:
            bits.append(f"@ {self.revision[:12]}")
        return " ".join(b for b in bits if b)


DEFAULT_SOURCE = Source(kind="registry")


@dataclass(frozen=True, slots=True, kw_only=True)
class Requirement:
    """A requirement one package (or the project) places on another."""

    name: str
    key: str
    constraint: str  # raw text as written; "" means any version
    markers: str | None = None
    optional: bool = False
    groups: tuple[str, ...] = ()  # for the project's own requirements: the manifest groups naming it
    recorded: bool = True  # False when the lockfile names the edge but not its range (uv.lock registry edges)
    locked_version: str | None = None  # which locked version the edge goes to, where several are (uv.lock forks)
    line: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Package:
    """One locked entry: a name at a version from a source, with what it requires."""

    name: str
    key: str
    version: str  # "" when the lockfile records none (a dynamic local project)
    source: Source = DEFAULT_SOURCE
    platforms: tuple[str, ...] = ()
    requires: tuple[Requirement, ...] = ()
    groups: tuple[str, ...] = ()  # as recorded by the lockfile itself (poetry 2.1), else empty
    markers: str | None = None  # the environments it is installed in, as the lockfile records it (poetry 2.1)
    requires_python: str | None = None  # the Python versions this release declares (poetry.lock python-versions)
    wheels: frozenset[str] | None = None  # platform tags of the wheels the lock lists for it (None: not recorded)
    fork: str | None = None  # the environments this entry was resolved for, where the lock records them (uv.lock
    # resolution-markers, poetry.lock markers); it tells the entries apart where a key has several
    line: int | None = None

    @property
    def dynamic(self) -> bool:
        """A local project whose version the lockfile does not record (uv.lock: computed at build time)."""
        return not self.version


@dataclass(frozen=True, slots=True, kw_only=True)
class Lockfile:
    """Everything one lockfile says, whatever its format."""

    path: str
    ecosystem: Ecosystem
    format_version: str | None
    packages: Mapping[str, Package]
    direct: tuple[Requirement, ...] = ()
    notes: tuple[str, ...] = ()
    tool_version: str | None = None  # version of Bundler / Poetry that wrote it, where recorded
    kind: str = ""  # "Gemfile.lock", "poetry.lock" or "uv.lock": the format it was read from
    filename: str = ""  # the file's own name (gems.locked, uv.lock, ...), also when `path` is a label
    platforms: tuple[str, ...] = ()  # Gemfile.lock PLATFORMS: the platforms the bundle is locked for
    ruby_version: str | None = None  # the project's Ruby: Gemfile.lock RUBY VERSION, .ruby-version or the Gemfile
    python_range: str | None = None  # the project's Python: requires-python, Poetry's python, the lock's own record
    forks: Mapping[str, tuple[Package, ...]] = field(default_factory=dict)
    """The other entries locked for a key that `packages` holds (uv resolution forks, poetry marker splits).

    `packages[key]` is the newest of them; every entry, that one included, carries its `fork` markers.
    """

    def entries(self, key: str) -> tuple[Package, ...]:
        """Every locked entry for `key`: the one in `packages` first, then its forks."""
        package = self.packages.get(key)
        if package is None:
            return ()
        return (package, *self.forks.get(key, ()))

    def all_packages(self):
        """Every locked entry, forks included."""
        for key, package in self.packages.items():
            yield package
            yield from self.forks.get(key, ())
