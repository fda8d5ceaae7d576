"""The motivating incident, end to end through the command line."""

from __future__ import annotations

from conftest import fixture


def _diff(cli, eco: str, lock: str, *extra: str):
    before = fixture(eco, "incident", "before", lock)
    after = fixture(eco, "incident", "after", lock)
    result = cli(["diff", before, after, "--format", "json", *extra])
    assert result.code == 0, result.err
    return result.json()


def _by_name(report: dict) -> dict:
    return {c["name"]: c for c in report["changes"]}


def test_connection_pool_is_a_floated_transitive_major_with_four_floor_only_dependents(cli) -> None:
    report = _diff(cli, "rubygems", "Gemfile.lock")
    assert report["schema"] == "lockrisk/report-v1"
    cp = _by_name(report)["connection_pool"]
    assert (cp["from"], cp["to"], cp["jump"], cp["direction"], cp["majors_crossed"]) == ("2.5.5", "3.0.2", "major", "up", 1)
    assert cp["direct"] is False
    assert cp["forced"] is False
    assert cp["floor_only"] is True
    deps = {(d["name"], d["requirement"], d["floor_only"]) for d in cp["dependents"]}
    assert deps == {
        ("activesupport", ">= 2.2.5", True),
        ("sidekiq", ">= 2.3.0", True),
        ("redis-client", ">= 0", True),
        ("react-rails", ">= 0", True),
    }
    chains = {tuple(p) for p in cp["paths"]}
    assert ("connection_pool", "sidekiq", "Gemfile") in chains
    assert ("connection_pool", "react-rails", "Gemfile") in chains
    assert ("connection_pool", "redis-client", "sidekiq", "Gemfile") in chains
    assert all(p[0] == "connection_pool" and p[-1] == "Gemfile" for p in chains)
    assert len(chains) == 4


def test_connection_pool_is_first_and_critical_and_the_rest_recede(cli) -> None:
    report = _diff(cli, "rubygems", "Gemfile.lock")
    changes = report["changes"]
    assert changes[0]["name"] == "connection_pool"
    assert changes[0]["severity"] == "critical"
    assert changes[0]["tier"] == "runtime-critical"
    assert changes[0]["known_breakage"]["dependent"] == "sidekiq"
    by = _by_name(report)
    assert by["minitest"]["severity"] == "low"
    tier_reason = next(r["text"] for r in by["minitest"]["reasons"] if r["code"] == "tier")
    assert tier_reason.startswith("test-only: ") and "CI" in tier_reason
    assert by["rdoc"]["jump"] == "major" and by["rdoc"]["severity"] == "info"
    # rack 3.1 -> 3.2 is a minor move: listed as a change, never a finding
    assert by["rack"]["jump"] == "minor" and by["rack"]["severity"] == "info"


def test_rails_family_folds_into_one_line(cli) -> None:
    report = _diff(cli, "rubygems", "Gemfile.lock")
    by = _by_name(report)
    rails = by["rails"]
    assert rails["family"] == "rails"
    assert len(rails["family_members"]) == 12
    assert "activesupport" in rails["family_members"] and "railties" in rails["family_members"]
    # members are not listed again on their own
    assert "actionpack" not in by and "activesupport" not in by
    majors = [c["name"] for c in report["changes"] if c["jump"] == "major"]
    assert sorted(majors) == ["connection_pool", "minitest", "rails", "rdoc"]


def test_text_report_names_the_culprit_and_its_requirers(cli) -> None:
    before = fixture("rubygems", "incident", "before", "Gemfile.lock")
    after = fixture("rubygems", "incident", "after", "Gemfile.lock")
    result = cli(["diff", before, after, "--format", "text"])
    assert result.code == 0
    first = [line for line in result.out.splitlines() if line.startswith("[")][0]
    assert first.startswith("[critical] connection_pool 2.5.5 -> 3.0.2")
    assert "floated" in first and "floor-only" in first
    assert "required by sidekiq 7.3.9: >= 2.3.0" in result.out
    assert "path: connection_pool <- sidekiq <- Gemfile" in result.out


def test_python_incident_puts_the_floated_runtime_critical_major_on_top(cli) -> None:
    report = _diff(cli, "pypi", "poetry.lock")
    top = report["changes"][0]
    assert top["name"] == "sqlalchemy"
    assert (top["jump"], top["direct"], top["forced"], top["floor_only"]) == ("major", False, False, True)
    assert top["tier"] == "runtime-critical"
    by = _by_name(report)
    for name in ("pytest", "pytest-cov"):
        assert by[name]["jump"] == "major"
        assert by[name]["severity"] == "low", name
    # werkzeug 3 came because flask 3.0.3 requires it: it is shown inside the flask finding, named
    assert "werkzeug" not in by and by["flask"]["family_members"] == ["werkzeug"]
    assert any(e["text"].startswith("werkzeug 2.3.8 -> 3.0.6: declared: flask 3.0.3 requires werkzeug 3.x")
               for e in by["flask"]["evidence"])
    assert by["certifi"]["jump"] == "calver" and by["certifi"]["severity"] == "info"


def test_fail_on_sets_the_exit_status(cli) -> None:
    before = fixture("rubygems", "incident", "before", "Gemfile.lock")
    after = fixture("rubygems", "incident", "after", "Gemfile.lock")
    assert cli(["diff", before, after, "-f", "json", "--fail-on", "high"]).code == 1
    assert cli(["diff", before, before, "-f", "json", "--fail-on", "high"]).code == 0
    same = cli(["diff", before, before, "-f", "json"])
    assert same.json()["changes"] == []


def test_uv_lock_findings_say_the_ranges_are_not_recorded(cli, tmp_path) -> None:
    settings = tmp_path / "lockrisk.toml"
    settings.write_text('pin-at = "medium"\n')
    result = cli(["diff", fixture("pypi", "uv", "before", "uv.lock"), fixture("pypi", "uv", "after", "uv.lock"), "-f", "json",
                  "--config", settings])
    assert result.code == 0, result.err
    by = _by_name(result.json())
    starlette = by["starlette"]
    assert starlette["unrecorded"] == ["fastapi"] and starlette["forced"] is False
    assert starlette["dependents"][0]["requirement"] == "(range not recorded)"
    assert any(r["code"] == "unrecorded" for r in starlette["reasons"]) and starlette["severity"] == "medium"
    assert starlette["pin"]["command"] == "uv lock --upgrade-package starlette"
    assert "remove once every dependent supports starlette 0.45.x" in starlette["pin"]["remove_when"]
    assert by["fastapi"]["direct"] is True and by["fastapi"]["floor_only"] is True


def test_table_puts_the_culprit_in_the_first_row_without_colour_when_asked(cli, monkeypatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    before = fixture("rubygems", "incident", "before", "Gemfile.lock")
    after = fixture("rubygems", "incident", "after", "Gemfile.lock")
    out = cli(["diff", before, after, "--format", "table"]).out
    assert "\x1b[" not in out
    rows = [line for line in out.splitlines() if line.startswith("│ ") and line.split("│")[1].strip()]
    # rails is medium through its family: actiontext 8.1.3 and railties 8.1.3 bring gems new to the lockfile
    assert [r.split("│")[1].strip() for r in rows] == ["critical", "medium", "low"]
    assert rows[0].split("│")[2].strip() == "connection_pool"
    assert "+12 in family" in out


def test_color_when_forced(cli, monkeypatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("FORCE_COLOR", "1")
    before = fixture("rubygems", "incident", "before", "Gemfile.lock")
    after = fixture("rubygems", "incident", "after", "Gemfile.lock")
    assert "\x1b[" in cli(["diff", before, after, "--format", "table"]).out
