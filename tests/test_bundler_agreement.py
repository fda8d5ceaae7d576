"""Our Gemfile.lock parser must read every lockfile exactly as Bundler's own LockfileParser does.

Runs where ruby with bundler is installed (CI installs Debian's packages); the
corpus cases need ../shared/corpus, the fixtures are always there.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import CORPUS, FIXTURES, bundler_dumps, requires_bundler
from lockrisk.parsers.gemfile_lock import parse_gemfile_lock

_CLAUSE = re.compile(r"^\s*(=|!=|>=|<=|>|<|~>)?\s*(\S+)\s*$")


def _clauses(text: str) -> tuple[str, ...]:
    if not text.strip():
        return (">= 0",)
    out = []
    for part in text.split(","):
        m = _CLAUSE.match(part)
        assert m, part
        out.append(f"{m.group(1) or '='} {m.group(2)}")
    return tuple(sorted(out))


def _platform(name: str) -> str:
    # RubyGems before 3.4 (Debian's Ruby 3.1) folds "x86_64-linux-gnu" into "x86_64-linux"
    return re.sub(r"-linux-gnu$", "-linux", name)


def _lockfiles() -> list[Path]:
    found = sorted(CORPUS.glob("rubygems/*/*/Gemfile.lock")) if CORPUS.is_dir() else []
    found += sorted(CORPUS.glob("sweep/*/*/*/Gemfile.lock")) if CORPUS.is_dir() else []
    found += sorted((FIXTURES / "rubygems").rglob("*.lock")) if (FIXTURES / "rubygems").is_dir() else []
    return found


@pytest.fixture(scope="module")
def dumps() -> dict[Path, dict]:
    """Bundler's reading of every lockfile, from one Ruby process."""
    readable = [p for p in _lockfiles() if "plugin-source" not in p.name]
    return bundler_dumps(readable) if readable else {}


def _ours(path: Path) -> dict:
    lf = parse_gemfile_lock(path.read_bytes(), str(path))
    return {
        "versions": {p.name: {p.version} for p in lf.packages.values()},
        "platforms": {p.name: sorted(_platform(x) for x in p.platforms) for p in lf.packages.values()},
        "requires": {p.name: {(r.name, _clauses(r.constraint)) for r in p.requires} for p in lf.packages.values()},
        "direct": {r.name: _clauses(r.constraint) for r in lf.direct},
    }


def _bundlers(dump: dict) -> dict:
    versions: dict[str, set[str]] = {}
    platforms: dict[str, list[str]] = {}
    requires: dict[str, set] = {}
    for spec in dump["specs"]:
        versions.setdefault(spec["name"], set()).add(spec["version"])
        platforms.setdefault(spec["name"], []).append(_platform(spec["platform"]))
        reqs = requires.setdefault(spec["name"], set())
        for dep in spec["dependencies"]:
            reqs.add((dep["name"], tuple(sorted(dep["requirement"]))))
    return {
        "versions": versions,
        "platforms": {k: sorted(v) for k, v in platforms.items()},
        "requires": requires,
        "direct": {d["name"]: tuple(sorted(d["requirement"])) for d in dump["dependencies"]},
    }


@requires_bundler
@pytest.mark.parametrize("path", _lockfiles(), ids=lambda p: str(p.relative_to(p.parents[3] if "sweep" in p.parts else p.parents[2])))
def test_parser_agrees_with_bundler(path: Path, dumps: dict[Path, dict]) -> None:
    if "plugin-source" in path.name:
        pytest.skip("Bundler loads the source plugin to read PLUGIN SOURCE; the plugin is not installed here")
    assert "error" not in dumps[path], dumps[path].get("error")
    theirs = _bundlers(dumps[path])
    ours = _ours(path)
    assert set(ours["versions"]) == set(theirs["versions"]), "package names differ"
    assert ours["versions"] == theirs["versions"]
    assert ours["platforms"] == theirs["platforms"]
    assert ours["requires"] == theirs["requires"]
    assert ours["direct"] == theirs["direct"]


def test_there_is_something_to_compare() -> None:
    if not CORPUS.is_dir() and not (FIXTURES / "rubygems").is_dir():
        pytest.skip("no lockfiles available")
    assert _lockfiles(), "expected Gemfile.lock files in the corpus or fixtures"
