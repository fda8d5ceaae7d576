"""action.yml is valid, safe, and documented exactly as it is."""

from __future__ import annotations

import re

import yaml

from conftest import ROOT


def action() -> dict:
    return yaml.safe_load((ROOT / "action.yml").read_text())


def readme_table(header: str) -> list[str]:
    text = (ROOT / "README.md").read_text()
    section = text[text.index("## GitHub Action"):]
    start = section.index(f"| {header} |")
    rows = []
    for line in section[start:].splitlines()[2:]:
        if not line.startswith("|"):
            break
        rows.append(line.split("|")[1].strip().strip("`"))
    return rows


def test_inputs_and_outputs_match_the_readme() -> None:
    data = action()
    assert list(data["inputs"]) == readme_table("input")
    assert list(data["outputs"]) == readme_table("output")
    required = {"base", "head", "lockfiles", "fail-on", "comment", "annotations", "sarif", "config", "offline",
                "github-token"}
    assert required <= set(data["inputs"])


def test_composite_steps_pin_third_party_actions_and_never_interpolate_inputs_into_scripts() -> None:
    data = action()
    assert data["runs"]["using"] == "composite"
    for step in data["runs"]["steps"]:
        if "uses" in step:
            assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", step["uses"]), step["uses"]
        if "run" in step:
            assert "${{" not in step["run"], step["run"]
    run_step = data["runs"]["steps"][-1]
    assert run_step["id"] == "lockrisk"
    assert set(run_step["env"]) >= {"LOCKRISK_BASE", "LOCKRISK_FAIL_ON", "LOCKRISK_GITHUB_TOKEN"}
    assert "GITHUB_ACTION_PATH" in data["runs"]["steps"][1]["run"]


def test_the_repository_uses_its_own_action_on_the_incident() -> None:
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "lockrisk.yml").read_text())
    steps = [s for job in workflow["jobs"].values() for s in job["steps"]]
    own = [s for s in steps if s.get("uses") == "./"]
    assert own and "fixtures/rubygems/incident" in own[0]["with"]["files"]
    assert workflow["permissions"] == {"contents": "read", "pull-requests": "write"}
    for s in steps:
        if s.get("uses", "./") != "./":
            assert re.search(r"@[0-9a-f]{40}$", s["uses"])
        assert "${{" not in s.get("run", "")
