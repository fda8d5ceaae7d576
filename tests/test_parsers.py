"""Parsers on one small fixture per scenario, read through the public loader."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import fixture

try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib
from lockrisk.model import Source
from lockrisk.parsers import load_path, parse_lockfile


def gem(name: str):
    return load_path(fixture("rubygems", "parse", name))


def poetry(name: str):
    return load_path(fixture("pypi", "parse", name))


def test_git_sources_keep_revision_and_ref() -> None:
    lf = gem("git-source.lock")
    assert lf.packages["audit_trail"].source == Source(
        kind="git", url="https://github.com/acme-labs/audit_trail.git",
        revision="5d1c0a7e9b3f24c6d8e0a1b2c3d4e5f60718293a", ref="tag v2.1.0")
    assert lf.packages["feature_flags"].source.ref == "branch main"
    assert lf.packages["native_ext"].source.ref == "branch release-1.x"
    assert lf.packages["acme-core"].source.ref == "ref 0a1b2c3"


def test_several_remotes_in_one_gem_section() -> None:
    lf = gem("several-remotes.lock")
    assert lf.packages["acme-billing"].source.url == "https://rubygems.example/, https://gems.acme.example/private/"
    assert lf.format_version == "1.17.3"


def test_platform_variants_are_one_package() -> None:
    lf = gem("platform-variants.lock")
    noko = lf.packages["nokogiri"]
    assert noko.version == "1.18.9"
    assert set(noko.platforms) == {"ruby", "arm64-darwin", "java", "x64-mingw-ucrt", "x86_64-linux-gnu"}
    # the union of every variant's dependencies: only the ruby variant needs mini_portile2
    assert {r.name for r in noko.requires} >= {"mini_portile2", "racc"}


def test_requirement_lists_and_bang_dependencies() -> None:
    lf = gem("requirement-lists.lock")
    direct = {r.name: r.constraint for r in lf.direct}
    assert direct["prawn"] == ">= 2.4.0, < 3, != 2.5.0"
    assert direct["nokogiri"] == "~> 1.18, >= 1.18.9"
    bang = gem("dependencies-bang.lock")
    assert {r.name: r.constraint for r in bang.direct}["feature_flags"] == ">= 0.9.0.pre"
    assert bang.packages["myapp_core"].source.kind == "path"


def test_plugin_source_checksums_crlf_and_unknown_sections() -> None:
    assert gem("plugin-source.lock").packages["acme-secrets"].source.kind == "plugin"
    checks = gem("checksums.lock")
    assert checks.format_version == "2.6.9" and "nokogiri" in checks.packages
    crlf = gem("crlf.lock")
    assert crlf.packages["rack"].version == "3.1.16"
    assert all("\r" not in r.constraint for p in crlf.packages.values() for r in p.requires)
    assert set(gem("unknown-section.lock").packages) == {"rack", "rake"}


def test_bundler_1x_long_versions() -> None:
    lf = gem("bundler-1x.lock")
    assert lf.format_version is None
    assert lf.packages["acme-assets"].version == "5.0.1.20140414130214"


@pytest.mark.parametrize(
    "name, lock_version",
    [("lock-1.0.lock", "1.0"), ("lock-1.1.lock", "1.1"), ("lock-2.0.lock", "2.0"), ("lock-2.1.lock", "2.1")],
)
def test_every_poetry_lock_version_reads(name: str, lock_version: str) -> None:
    lf = poetry(name)
    assert lf.format_version == lock_version
    assert lf.packages and all(p.version for p in lf.packages.values())


def test_poetry_dependency_shapes() -> None:
    listed = poetry("dep-list-of-tables.lock").packages["pandas"].requires
    numpy = [(r.constraint, r.markers) for r in listed if r.key == "numpy"]
    assert len(numpy) == 3 and (">=1.26.0", 'python_version >= "3.12"') in numpy
    inline = poetry("dep-inline-table.lock").packages["anyio"].requires
    assert any(r.key == "exceptiongroup" and r.markers == 'python_version < "3.11"' for r in inline)
    sub = poetry("dep-subtable.lock").packages["coverage"].requires
    assert any(r.key == "tomli" and "extra" in (r.markers or "") for r in sub)
    exact = poetry("exact-bare-version.lock").packages["build"].requires
    assert any(r.key == "packaging" and r.constraint == "26.3" for r in exact)


def test_poetry_sources() -> None:
    git = poetry("source-git.lock").packages["acme-proto"].source
    assert (git.kind, git.ref, git.revision) == ("git", "v0.12.0", "d4c3b2a1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5")
    legacy = poetry("source-legacy.lock").packages["acme-billing-sdk"].source
    assert (legacy.kind, legacy.url) == ("registry", "https://packages.acme.example/simple")
    assert poetry("source-directory.lock").packages["acme-common"].source.kind == "directory"


def test_names_are_compared_normalized() -> None:
    lf = poetry("mixed-case-names.lock")
    assert "markupsafe" in lf.packages and lf.packages["markupsafe"].name in ("MarkupSafe", "markupsafe")
    assert "zope-interface" in lf.packages
    jinja = lf.packages["jinja2"]
    assert [r.key for r in jinja.requires] == ["markupsafe"]


def test_duplicate_names_keep_every_entry_with_its_markers_newest_first() -> None:
    lf = poetry("duplicate-name.lock")
    assert lf.packages["numpy"].version == "2.2.3"
    assert [(p.version, p.fork) for p in lf.entries("numpy")] == [
        ("2.2.3", 'python_version >= "3.10"'), ("2.0.2", 'python_version < "3.10"')]


def test_or_constraints_survive_parsing() -> None:
    reqs = {r.key: r.constraint for r in poetry("or-constraint.lock").packages["acme-common"].requires}
    assert reqs["pydantic"] == "^1.0 || ^2.0"


def test_pyproject_supplies_direct_requirements_and_groups() -> None:
    pep621 = load_path(fixture("pypi", "incident", "after", "poetry.lock"))
    groups = {r.key: r.groups for r in pep621.direct}
    assert groups["flask"] == ("main",) and groups["pytest"] == ("dev",)
    assert "python" not in groups
    poetry1 = load_path(fixture("pypi", "incident-poetry1", "after", "poetry.lock"))
    assert {r.key: r.groups for r in poetry1.direct}["flask"] == ("main",)
    assert poetry1.tool_version == "1.8.3" and pep621.tool_version == "2.1.3"


def test_pep735_dependency_groups_with_includes(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\ndependencies = ["requests>=2"]\n\n'
        '[dependency-groups]\ntest = ["pytest>=8"]\ndev = [{include-group = "test"}, "ruff"]\n'
    )
    lock = fixture("pypi", "parse", "lock-2.0.lock").read_bytes()
    (tmp_path / "poetry.lock").write_bytes(lock)
    lf = load_path(tmp_path / "poetry.lock")
    groups = {r.key: set(r.groups) for r in lf.direct}
    assert groups == {"requests": {"main"}, "pytest": {"test", "dev"}, "ruff": {"dev"}}


def test_gemfile_groups_are_attached_to_direct_requirements() -> None:
    lf = load_path(fixture("rubygems", "incident", "after", "Gemfile.lock"))
    groups = {r.name: set(r.groups) for r in lf.direct}
    assert groups["rails"] == {"default"}
    assert groups["capybara"] == {"test"}
    assert "development" in groups["debug"] and "test" in groups["debug"]
    assert groups["webmock"] == {"test"}


def test_parse_from_bytes_with_no_manifest_notes_it() -> None:
    data = fixture("rubygems", "parse", "one-gem.lock").read_bytes()
    lf = parse_lockfile(data, "Gemfile.lock")
    assert list(lf.packages) == ["rake"]
    assert any("no Gemfile beside Gemfile.lock" in n for n in lf.notes)


def test_uv_lock_reads_edges_without_ranges_and_the_projects_own_requirements() -> None:
    lf = load_path(fixture("pypi", "uv", "after", "uv.lock"))
    assert lf.kind == "uv.lock" and lf.format_version == "1.3"
    assert "shipping-api" not in lf.packages  # the project itself is not a dependency
    httpx = lf.packages["httpx"]
    assert {r.key for r in httpx.requires} == {"anyio", "certifi", "httpcore", "idna"}
    assert all(not r.recorded for r in httpx.requires)
    assert {r.key: r.groups for r in lf.direct} == {"fastapi": ("main",), "httpx": ("main",), "pytest": ("dev",)}
    assert httpx.source.url == "https://pypi.example/simple"


def _python_lockfiles() -> list[Path]:
    from conftest import CORPUS

    found = sorted(CORPUS.rglob("poetry.lock")) + sorted(CORPUS.rglob("uv.lock")) if CORPUS.is_dir() else []
    return found + sorted(FIXTURES_ROOT.rglob("*.lock"))


FIXTURES_ROOT = Path(__file__).resolve().parent.parent / "fixtures" / "pypi"


def _without_artifacts(doc):
    """The document with every key the shortcut may skip removed, at any depth."""
    if isinstance(doc, dict):
        return {k: _without_artifacts(v) for k, v in doc.items() if k not in ("files", "wheels", "sdist")}
    if isinstance(doc, list):
        return [_without_artifacts(v) for v in doc]
    return doc


@pytest.mark.parametrize("path", _python_lockfiles(), ids=lambda p: "/".join(p.parts[-4:]))
def test_skipping_artifact_lists_keeps_everything_else(path: Path) -> None:
    from lockrisk.parsers.common import without_artifact_lists

    text = path.read_text(encoding="utf-8")
    try:
        full = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        pytest.skip("not valid TOML on purpose")
    stripped_text = without_artifact_lists(text)
    assert stripped_text.count("\n") == text.count("\n")  # line numbers stay true
    stripped = tomllib.loads(stripped_text)
    if "files" in full.get("metadata", {}):
        assert stripped["metadata"].get("files", {}) == {}  # lock 1.1: every entry was a hash list
    assert _without_artifacts(stripped) == _without_artifacts(full)
