"""Project settings (.lockrisk.toml / [tool.lockrisk]) and `lockrisk why`."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import fixture


def incident_copy(tmp_path: Path) -> tuple[Path, Path]:
    for side in ("before", "after"):
        shutil.copytree(fixture("rubygems", "incident", side), tmp_path / side)
    return tmp_path / "before" / "Gemfile.lock", tmp_path / "after" / "Gemfile.lock"


def by_name(result) -> dict:
    return {c["name"]: c for c in result.json()["changes"]}


def test_ignore_with_reason_and_fail_on_from_settings(cli, tmp_path: Path) -> None:
    before, after = incident_copy(tmp_path)
    (tmp_path / ".lockrisk.toml").write_text(
        'fail-on = "high"\n\n[[ignore]]\nname = "connection_pool"\nreason = "pinned in production image"\nuntil = 2999-01-01\n'
    )
    result = cli(["diff", before, after, "-f", "json"], cwd=tmp_path)
    cp = by_name(result)["connection_pool"]
    assert cp["severity"] == "info"
    assert cp["reasons"][0]["text"] == "ignored by project settings until 2999-01-01: pinned in production image"
    assert result.code == 0  # nothing else reaches high
    (tmp_path / ".lockrisk.toml").write_text('fail-on = "low"\n')
    assert cli(["diff", before, after, "-f", "json"], cwd=tmp_path).code == 1


def test_expired_ignore_warns_and_stops_applying(cli, tmp_path: Path) -> None:
    before, after = incident_copy(tmp_path)
    (tmp_path / ".lockrisk.toml").write_text(
        '[[ignore]]\nname = "connection_pool"\nreason = "until sidekiq 8"\nuntil = 2020-01-01\n'
    )
    result = cli(["diff", before, after, "-f", "json"], cwd=tmp_path)
    assert by_name(result)["connection_pool"]["severity"] == "critical"
    assert any("expired on 2020-01-01" in n for n in result.json()["notes"])


def test_catalogue_override_in_pyproject(cli, tmp_path: Path) -> None:
    before, after = incident_copy(tmp_path)
    (tmp_path / "pyproject.toml").write_text('[tool.lockrisk.catalogue]\nminitest = { tier = "runtime-critical", reason = "we run minitest in production (really)" }\n')
    result = cli(["diff", before, after, "-f", "json"], cwd=tmp_path)
    mt = by_name(result)["minitest"]
    assert mt["tier"] == "runtime-critical"
    assert mt["severity"] in ("high", "critical")


@pytest.mark.parametrize(
    "content, message",
    [('fail-on = "severe"\n', "fail-on: expected one of"),
     ('[[ignore]]\nname = "x"\n', "needs a reason"),
     ('[catalogue]\nx = "prod"\n', "catalogue.x: tier must be one of"),
     ('fail-on = \n', "invalid TOML")],
)
def test_bad_settings_are_one_line_errors(cli, tmp_path: Path, content: str, message: str) -> None:
    before, after = incident_copy(tmp_path)
    (tmp_path / ".lockrisk.toml").write_text(content)
    result = cli(["diff", before, after, "-f", "json"], cwd=tmp_path)
    assert result.code == 2
    assert result.err.startswith(f"lockrisk: error: {tmp_path / '.lockrisk.toml'}") and message in result.err


def test_why_prints_requirers_and_chains(cli) -> None:
    lock = fixture("rubygems", "incident", "after", "Gemfile.lock")
    result = cli(["why", "connection_pool", lock])
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0].startswith("connection_pool 3.0.2")
    assert "├── activesupport 8.1.3 requires >= 2.2.5  (floor only: no ceiling)" in lines
    assert "└── sidekiq 7.3.9 requires >= 2.3.0  (floor only: no ceiling)" in lines
    assert "  connection_pool <- redis-client <- sidekiq <- Gemfile" in lines


def test_why_json_and_unknown_package(cli) -> None:
    lock = fixture("pypi", "incident", "after", "poetry.lock")
    data = cli(["why", "SQLAlchemy", lock, "--format", "json"]).json()
    assert data["version"] == "2.0.38"
    assert {d["name"] for d in data["dependents"]} == {"alembic", "flask-sqlalchemy"}
    missing = cli(["why", "nope", lock])
    assert missing.code == 2 and "'nope' is not locked in this file" in missing.err
