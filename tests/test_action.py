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
    install = next(s for s in data["runs"]["steps"] if "--require-hashes" in s.get("run", ""))
    assert "action-requirements.txt" in install["run"] and "cache-hit" in install["if"]


def test_the_action_installs_hash_locked_dependencies_that_satisfy_the_project() -> None:
    """Every runtime dependency is pinned with its hashes; every pin satisfies pyproject.toml's range."""
    import tomllib

    from packaging.requirements import Requirement

    text = (ROOT / "action-requirements.txt").read_text()
    pins: dict[str, tuple[str, int]] = {}
    for block in re.split(r"\n(?=[a-z0-9])", text.split("\n\n", 1)[1]):
        head = block.split(" ", 1)[0]
        name, version = head.split("==")
        pins[name] = (version, block.count("--hash=sha256:"))
    assert all(count >= 1 for _, count in pins.values()), pins
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    for line in project:
        req = Requirement(line)
        if req.marker is not None and not req.marker.evaluate({"python_version": "3.12"}):
            continue
        version, _ = pins[req.name]
        assert req.specifier.contains(version), (req, version)


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
