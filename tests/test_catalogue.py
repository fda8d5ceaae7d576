"""The shipped catalogue and breakage data: every entry loads and validates."""

from __future__ import annotations

try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib
from importlib import resources

import pytest

from lockrisk.catalogue.load import TIERS, breakages, tiers
from lockrisk.names import pypi_key
from lockrisk.versions import scheme_for

MUST_HAVE = {
    "rubygems": ["connection_pool", "redis-client", "redis", "concurrent-ruby", "rack", "puma", "pg", "mysql2",
                 "nokogiri", "ffi", "sidekiq", "json", "timeout", "net-http", "minitest", "rspec-core", "rdoc", "yard",
                 "rubocop"],
    "pypi": ["urllib3", "requests", "certifi", "sqlalchemy", "psycopg", "psycopg2", "redis", "celery", "kombu",
             "billiard", "pydantic", "protobuf", "grpcio", "cryptography", "cffi", "werkzeug", "markupsafe", "jinja2",
             "gunicorn", "uvicorn", "numpy", "pytest", "ruff", "mypy", "sphinx"],
}


def raw(name: str) -> dict:
    return tomllib.loads(resources.files("lockrisk.catalogue").joinpath(name).read_text())


@pytest.mark.parametrize("ecosystem", ["rubygems", "pypi"])
def test_catalogue_entries_validate(ecosystem: str) -> None:
    entries = tiers(ecosystem)
    assert len(entries) == len(raw(f"{ecosystem}.toml")["packages"])  # nothing dropped on load
    assert len(entries) >= 150
    for key, entry in entries.items():
        assert entry.tier in TIERS, key
        assert 0 < len(entry.reason) <= 160, key
        if ecosystem == "pypi":
            assert pypi_key(key) == key
    for name in MUST_HAVE[ecosystem]:
        assert name in entries, name


@pytest.mark.parametrize(
    "ecosystem, name, tier",
    [("rubygems", "connection_pool", "runtime-critical"), ("rubygems", "minitest", "test"),
     ("rubygems", "rdoc", "docs"), ("rubygems", "rubocop", "development"), ("pypi", "sqlalchemy", "runtime-critical"),
     ("pypi", "pytest", "test"), ("pypi", "sphinx", "docs"), ("pypi", "ruff", "development")],
)
def test_key_tiers(ecosystem: str, name: str, tier: str) -> None:
    assert tiers(ecosystem)[name].tier == tier


def test_every_breakage_validates_and_links_to_its_source() -> None:
    loaded = breakages()
    assert len(loaded) == len(raw("breakages.toml")["breakage"]) >= 11
    for b in loaded:
        scheme = scheme_for(b.ecosystem)
        assert b.source.startswith("https://") and " " not in b.source
        assert len(b.summary) <= 200
        broken = scheme.constraint(b.versions)
        if b.dependent is None:
            # a release broken on its own: its fix is a later release of the package, outside the range
            assert b.dependent_versions is None and (b.fixed_in is None or not broken.admits(b.fixed_in)), b
            continue
        dependent_range = scheme.constraint(b.dependent_versions)
        if b.fixed_in:
            # the first fixed dependent version is outside the broken range
            assert not dependent_range.admits(b.fixed_in), b
    assert {b.ecosystem for b in loaded} == {"rubygems", "pypi"}


def test_connection_pool_breaks_sidekiq_739() -> None:
    (entry,) = [b for b in breakages() if b.package == "connection_pool" and b.dependent == "sidekiq"]
    rubygems = scheme_for("rubygems")
    assert rubygems.constraint(entry.versions).admits("3.0.2")
    assert not rubygems.constraint(entry.versions).admits("2.5.5")
    assert rubygems.constraint(entry.dependent_versions).admits("7.3.9")


def test_calendar_versioned_packages_load_with_their_sources() -> None:
    from lockrisk.catalogue.load import calendar_versioned

    assert {"attrs", "pip", "incremental", "twisted"} <= calendar_versioned("pypi")
    assert calendar_versioned("rubygems") == frozenset()
