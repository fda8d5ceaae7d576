"""The shapes real upgrades take, through the public entry points.

- puma-floats: a Gemfile line with no version (`gem "puma"`) floats across two majors beside a
  floated transitive connection_pool (the shape that crashed the default output and the Action);
- rack-3: the old rack-session and rackup declare `rack < 3` while the Gemfile asks for `rack ~> 3.0`
  (forced, not floated), and sinatra drops back to 1.0;
- uv.lock in git mode and through `lockrisk ci`; a poetry.lock -> uv.lock migration in one change;
- a registry switch with identical versions; environment markers carried into pins.
"""

from __future__ import annotations

import difflib
import json
import shutil
import subprocess
from pathlib import Path

import pytest
import responses

from conftest import fixture
from test_ci import COMMENTS, actions_env, git, no_sleep, outputs

try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib

from lockrisk.ci import run_ci
from lockrisk.github.comment import MARKER


def repo_from(tmp_path: Path, case: str, before: dict[str, str], after: dict[str, str]) -> tuple[Path, str]:
    """A git repository whose two commits hold the fixture's before and after files (name -> path in repo)."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    for side, files in (("before", before), ("after", after)):
        for existing in [p for p in repo.rglob("*") if p.is_file() and ".git" not in p.parts]:
            existing.unlink()
        for name, dest in files.items():
            target = repo / dest
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(fixture(*case.split("/"), side, name), target)
        git(repo, "add", "-A")
        git(repo, "commit", "-qm", side)
    return repo, git(repo, "rev-parse", "HEAD~1")


def copy_case(tmp_path: Path, case: str) -> Path:
    dest = tmp_path / "case"
    shutil.copytree(fixture(*case.split("/")), dest)
    return dest


def changes(result) -> dict[str, dict]:
    return {c["name"]: c for c in result.json()["changes"]}


# --- a Gemfile line with no version --------------------------------------------------------------

@responses.activate(assert_all_requests_are_fired=True)
def test_puma_with_no_version_goes_through_ci_with_every_part(tmp_path: Path, capsys) -> None:
    repo, base = repo_from(tmp_path, "rubygems/puma-floats", *[{"Gemfile": "Gemfile", "Gemfile.lock": "Gemfile.lock"}] * 2)
    responses.get(COMMENTS, json=[])
    created = responses.post(COMMENTS, json={"html_url": "https://github.example/acme/shop/pull/7#c1"}, status=201)
    code = run_ci(env=actions_env(tmp_path, base), cwd=repo, sleep=no_sleep)
    out, err = capsys.readouterr()
    assert code == 1, err
    assert "internal error" not in err
    summary = (tmp_path / "summary.md").read_text()
    assert "<code>puma</code>" in summary and "<code>connection\\_pool</code>" in summary
    assert 'gem "puma", "~> 6.6" # the app server, started by bin/server' in summary  # the line, edited in place
    got = outputs(tmp_path)
    assert got["highest-severity"] == "critical" and got["findings"] == "2"
    report = json.loads(Path(got["report"]).read_text())
    assert [c["name"] for c in report["changes"][:2]] == ["connection_pool", "puma"]
    puma = report["changes"][1]
    assert (puma["direct"], puma["forced"], puma["severity"], puma["pin"]["action"]) == (True, False, "high", "edit")
    body = json.loads(created.calls[0].request.body)["body"]
    assert body.startswith(MARKER) and 'gem "puma", "~> 6.6"' in body
    assert "::error file=Gemfile.lock" in out


def test_puma_pin_edits_its_own_line_and_keeps_everything_else(cli, tmp_path: Path) -> None:
    case = copy_case(tmp_path, "rubygems/puma-floats")
    gemfile = case / "after" / "Gemfile"
    original = gemfile.read_text().splitlines()
    result = cli(["pin", "before/Gemfile.lock", "after/Gemfile.lock", "--write"], cwd=case)
    assert result.code == 0, result.err
    assert "pinned connection_pool, puma in after/Gemfile" in result.err or "pinned puma, connection_pool" in result.err
    edited = gemfile.read_text().splitlines()
    ops = difflib.SequenceMatcher(a=original, b=edited, autojunk=False).get_opcodes()
    replaced = [(original[i1:i2], edited[j1:j2]) for op, i1, i2, j1, j2 in ops if op == "replace"]
    assert replaced == [(['gem "puma" # the app server, started by bin/server'],
                         ["# lockrisk pin puma: 8.0.2 floated in because this requirement names no version.",
                          "# lockrisk remove-when: manual: remove once the project works with puma 8.x",
                          'gem "puma", "~> 6.6" # the app server, started by bin/server'])]
    assert 'gem "connection_pool", "~> 2.5"' in edited
    assert all(op in ("equal", "insert", "replace") for op, *_ in ops)
    if shutil.which("ruby"):
        check = subprocess.run(["ruby", "-c", str(gemfile)], capture_output=True, text=True)
        assert check.returncode == 0, check.stderr
    written = gemfile.read_bytes()
    again = cli(["pin", "before/Gemfile.lock", "after/Gemfile.lock", "--write"], cwd=case)
    assert again.code == 0 and gemfile.read_bytes() == written
    assert "puma: already pinned" in again.err


def test_a_floor_gets_a_ceiling_next_to_it(cli, tmp_path: Path) -> None:
    case = copy_case(tmp_path, "rubygems/puma-floats")
    gemfile = case / "after" / "Gemfile"
    gemfile.write_text(gemfile.read_text().replace('gem "puma" #', 'gem "puma", ">= 6.0", require: false #'))
    result = cli(["pin", "before/Gemfile.lock", "after/Gemfile.lock", "--patch"], cwd=case)
    assert result.code == 0, result.err
    assert '+gem "puma", ">= 6.0", "< 7", require: false # the app server, started by bin/server' in result.out


# --- Rack 3: forced by what the old versions themselves require -----------------------------------

def test_rack3_moves_are_forced_with_the_chain_named_and_no_pin(cli, tmp_path: Path) -> None:
    """The project asked for rack ~> 3.0: rack-session 1.0.2 needs rack < 3, so its move to 2.0.0 is shown inside
    rack's finding (it cannot be held back alone), and no ceiling is offered for anything, even at pin-at low."""
    before, after = fixture("rubygems", "rack-3", "before", "Gemfile.lock"), fixture("rubygems", "rack-3", "after", "Gemfile.lock")
    assert all("pin" not in c for c in cli(["diff", before, after, "-f", "json"]).json()["changes"])
    settings = tmp_path / "lockrisk.toml"
    settings.write_text('pin-at = "low"\n')  # even when asked for pins on low findings, none is offered
    result = cli(["diff", before, after, "-f", "json", "--config", settings])
    assert result.code == 0, result.err
    by = changes(result)
    assert all("pin" not in c for c in by.values())
    assert "rack-session" not in by
    rack = by["rack"]
    assert rack["family_members"] == ["rack-session"] and rack["severity"] == "low"  # the upgrade the project asked for
    texts = [e["text"] for e in rack["evidence"]]
    assert "rack-session 2.0.0 moved with it: its old version cannot live with what it brought in; reverting or " \
           "capping it holds it back too" in texts
    assert any(t.startswith("rack-session 1.0.2 -> 2.0.0: declared: its old version could not stay") for t in texts)
    sinatra = by["sinatra"]
    assert (sinatra["from"], sinatra["to"], sinatra["direction"], sinatra["forced"]) == ("3.0.5", "1.0", "down", True)
    assert sinatra["forced_by"][0].startswith("holding sinatra at 3.0.5 needs rack ~> 2.2, >= 2.2.4, but the Gemfile "
                                              "asks for rack ~> 3.0")
    assert {r["code"] for r in sinatra["reasons"]} >= {"downgrade", "forced"}
    assert by["rackup"]["forced"] is True
    printed = cli(["pin", before, after, "--pin-at", "low"])
    assert printed.code == 0 and 'gem "rack-session"' not in printed.out and 'gem "rack"' not in printed.out


# --- uv.lock in git mode and through the Action ----------------------------------------------------

UV_FILES = {"pyproject.toml": "services/api/pyproject.toml", "uv.lock": "services/api/uv.lock"}


def test_uv_pull_request_goes_through_ci(tmp_path: Path, capsys) -> None:
    repo, base = repo_from(tmp_path, "pypi/uv", UV_FILES, UV_FILES)
    settings = tmp_path / "lockrisk.toml"
    settings.write_text('pin-at = "medium"\nfail-on = "medium"\n')
    code = run_ci(env=actions_env(tmp_path, base, LOCKRISK_COMMENT="false", LOCKRISK_CONFIG=str(settings)), cwd=repo,
                  sleep=no_sleep)
    out, err = capsys.readouterr()
    assert code == 1, err  # starlette crosses a 0.x minor whose support uv.lock cannot show: medium
    got = outputs(tmp_path)
    report = json.loads(Path(got["report"]).read_text())
    assert [lf["path"] for lf in report["lockfiles"]] == ["services/api/uv.lock"]
    assert report["lockfiles"][0]["base"] == base
    starlette = next(c for c in report["changes"] if c["name"] == "starlette")
    assert starlette["pin"]["file"] == "services/api/pyproject.toml"
    assert "constraint-dependencies" in starlette["pin"]["text"]
    assert "starlette" in (tmp_path / "summary.md").read_text()
    assert "::warning file=services/api/uv.lock" in out


def test_uv_git_mode_for_diff_pin_and_why(cli, tmp_path: Path) -> None:
    repo, _ = repo_from(tmp_path, "pypi/uv", UV_FILES, UV_FILES)
    diff = cli(["diff", "--base", "HEAD~1", "--head", "HEAD", "-f", "json"], cwd=repo)
    assert diff.code == 0, diff.err
    assert "starlette" in changes(diff)
    patch = cli(["pin", "--base", "HEAD~1", "--head", "HEAD", "--patch"], cwd=repo)
    assert patch.code == 0, patch.err
    assert patch.out.startswith("--- a/services/api/pyproject.toml")
    why = cli(["why", "starlette", "services/api/uv.lock"], cwd=repo)
    assert why.code == 0, why.err
    assert "fastapi 0.115.8 requires (range not recorded)" in why.out and "requires *" not in why.out


def test_poetry_to_uv_migration_in_one_change(cli, tmp_path: Path) -> None:
    repo, _ = repo_from(tmp_path, "pypi/migration", {"pyproject.toml": "pyproject.toml", "poetry.lock": "poetry.lock"},
                        {"pyproject.toml": "pyproject.toml", "uv.lock": "uv.lock"})
    result = cli(["diff", "--base", "HEAD~1", "--head", "HEAD", "-f", "json", "--all"], cwd=repo)
    assert result.code == 0, result.err
    report = result.json()
    assert [(lf["path"], lf["base"]) for lf in report["lockfiles"]] == [("uv.lock", "poetry.lock@HEAD~1")]
    by = changes(result)
    assert (by["markdown"]["from"], by["markdown"]["to"], by["markdown"]["jump"]) == ("3.5.2", "3.6", "minor")
    assert not [c for c in report["changes"] if c["jump"] == "source"]
    assert {"importlib-metadata", "zipp"}.isdisjoint(by)  # same versions in both formats: no change
    assert any("migrated from poetry.lock to uv.lock" in n for n in report["notes"])
    assert not any("was deleted" in n for n in report["notes"])


def test_a_registry_switch_with_the_same_versions_is_one_note(cli, tmp_path: Path) -> None:
    lock = fixture("rubygems", "puma-floats", "before", "Gemfile.lock")
    mirrored = tmp_path / "Gemfile.lock"
    mirrored.write_text(lock.read_text().replace("https://rubygems.example/", "https://gems.mirror.example/"))
    result = cli(["diff", lock, mirrored, "-f", "json"])
    assert result.code == 0, result.err
    assert result.json()["changes"] == []
    notes = [n for n in result.json()["notes"] if "instead of" in n]
    assert notes == [f"{mirrored}: 16 packages now come from https://gems.mirror.example/ instead of "
                     "https://rubygems.example/: the same version from another registry is the same release, so only "
                     "version moves are reported"]


# --- environment markers -----------------------------------------------------------------------------

def test_a_marker_limited_package_keeps_its_marker_in_poetry_and_uv_pins(cli, tmp_path: Path) -> None:
    from packaging.requirements import Requirement

    for case, lock, section in (("pypi/markers", "poetry.lock", ("project", "dependencies")),
                                ("pypi/markers-uv", "uv.lock", ("tool", "uv", "constraint-dependencies"))):
        root = tmp_path / case.split("/")[1]
        shutil.copytree(fixture(*case.split("/")), root)
        result = cli(["pin", f"before/{lock}", f"after/{lock}", "--pin-at", "medium", "--write"], cwd=root)
        assert result.code == 0, result.err
        doc = tomllib.loads((root / "after" / "pyproject.toml").read_text())
        for key in section:
            doc = doc[key]
        (entry,) = [e for e in doc if e.startswith("importlib-metadata")]
        req = Requirement(entry)
        assert req.specifier.contains("6.11.0") and not req.specifier.contains("8.5.0")
        assert req.marker is not None
        assert req.marker.evaluate({"python_version": "3.9", "python_full_version": "3.9.18"})
        assert not req.marker.evaluate({"python_version": "3.12", "python_full_version": "3.12.1"})
    why = cli(["why", "importlib-metadata", fixture("pypi", "markers", "after", "poetry.lock")])
    assert 'installed only when python_version < "3.10"' in why.out
    assert 'markdown 3.7 requires >=4.4 ; python_version < "3.10"' in why.out


# --- the command-line contract -------------------------------------------------------------------------

@pytest.mark.parametrize("command", ["why", "pin"])
def test_text_json_commands_list_and_accept_exactly_text_and_json(cli, command: str) -> None:
    assert "text (default) or json." in cli([command, "--help"]).out
    args = (["why", "rack", fixture("rubygems", "rack-3", "after", "Gemfile.lock")] if command == "why" else
            ["pin", fixture("rubygems", "rack-3", "before", "Gemfile.lock"), fixture("rubygems", "rack-3", "after", "Gemfile.lock")])
    result = cli([*args, "--format", "markdown"])
    assert result.code == 2
    assert result.err == f"lockrisk: error: {command}: unknown format 'markdown' (choose from text, json)\n"
    assert cli([*args, "--format", "json"]).code == 0


def test_pin_json_names_every_package(cli) -> None:
    result = cli(["pin", fixture("rubygems", "puma-floats", "before", "Gemfile.lock"),
                  fixture("rubygems", "puma-floats", "after", "Gemfile.lock"), "-f", "json"])
    doc = result.json()
    assert doc["schema"] == "lockrisk/pins-v1"
    assert {(p["name"], p["action"]) for p in doc["pins"]} == {("connection_pool", "insert"), ("puma", "edit")}
    assert all(p["lockfile"].endswith("Gemfile.lock") and p["file"].endswith("Gemfile") for p in doc["pins"])


def test_a_lifted_ceiling_is_intended_not_forced(cli, tmp_path: Path) -> None:
    # the Gemfile moved its own ceiling on connection_pool from < 3 to < 4: the new major is the project's
    # choice (intended), and nothing excludes 2.5.5, so it is not forced; a pin would undo the choice
    case = tmp_path / "incident"
    shutil.copytree(fixture("rubygems", "incident"), case)
    for side, ceiling in (("before", "< 3.0.0"), ("after", "< 4.0.0")):
        gemfile = case / side / "Gemfile"
        gemfile.write_text(gemfile.read_text() + f'gem "connection_pool", "{ceiling}"\n')
        lock = case / side / "Gemfile.lock"
        lock.write_text(lock.read_text().replace("DEPENDENCIES\n", f"DEPENDENCIES\n  connection_pool ({ceiling})\n", 1))
    data = cli(["diff", case / "before" / "Gemfile.lock", case / "after" / "Gemfile.lock", "-f", "json"]).json()
    (pool,) = [c for c in data["changes"] if c["name"] == "connection_pool"]
    assert (pool["direct"], pool["intended"], pool["forced"]) == (True, True, False)
    assert pool["intended_by"] == ["Gemfile changed its requirement from < 3.0.0 to < 4.0.0"]
    kinds = [e["kind"] for e in pool["evidence"]]
    assert "intended" in kinds and "forced" not in kinds
    # asking for it does not make it safe: sidekiq 7.3.9 still breaks on connection_pool 3
    assert kinds[0] == "known-breakage"
    pins = cli(["pin", case / "before" / "Gemfile.lock", case / "after" / "Gemfile.lock", "-f", "json",
                "--pin-at", "low"]).json()["pins"]
    assert "connection_pool" not in {p["name"] for p in pins}


def test_every_field_of_a_json_change_is_documented_in_the_contract(cli) -> None:
    import re

    doc = (Path(__file__).parent.parent / "docs" / "json-report.md").read_text(encoding="utf-8")
    table = doc.split("Each entry of `changes`:", 1)[1].split("\n\n", 2)[1]
    documented = {name for row in table.splitlines() for name in re.findall(r"`([a-z_]+)`", row.split("|")[1])}
    case = fixture("pypi", "uv-forks")
    seen: set[str] = set()
    for before, after in ((case / "before" / "uv.lock", case / "after" / "uv.lock"),
                          (fixture("rubygems", "rack-3", "before", "Gemfile.lock"),
                           fixture("rubygems", "rack-3", "after", "Gemfile.lock"))):
        for change in cli(["diff", before, after, "-f", "json", "--all", "--offline"]).json()["changes"]:
            seen |= set(change)
    assert {"fork", "intended", "intended_by", "majors_crossed"} <= seen
    assert seen - documented == set()


def test_fail_on_none_reports_without_failing(cli, tmp_path: Path) -> None:
    before = fixture("rubygems", "puma-floats", "before", "Gemfile.lock")
    after = fixture("rubygems", "puma-floats", "after", "Gemfile.lock")
    assert cli(["diff", before, after, "-f", "json", "--fail-on", "critical"]).code == 1
    report_only = cli(["diff", before, after, "-f", "json", "--fail-on", "none"])
    assert report_only.code == 0 and report_only.json()["highest_severity"] == "critical"
    env = actions_env(tmp_path, "0" * 40, LOCKRISK_COMMENT="false", LOCKRISK_FAIL_ON="none",
                      LOCKRISK_FILES=f"{before} {after}")
    assert run_ci(env=env, cwd=tmp_path) == 0
    assert outputs(tmp_path)["highest-severity"] == "critical"
