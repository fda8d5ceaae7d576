"""Every locked entry reaches the model: uv.lock resolution forks, poetry.lock marker splits, dynamic versions.

The agreement test reads each real uv.lock and poetry.lock side of ../shared/corpus twice, once with
lockrisk's parser and once as plain TOML, and requires the same entries (name, version, source, markers).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from conftest import CORPUS, fixture, requires_corpus
from lockrisk.names import pypi_key
from lockrisk.parsers import load_path

try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib


def _sides(name: str) -> list[Path]:
    return sorted(CORPUS.rglob(name)) if CORPUS.is_dir() else []


def _uv_source(raw: dict) -> tuple[str, str | None]:
    for key, kind in (("registry", "registry"), ("git", "git"), ("url", "url"), ("editable", "directory"),
                      ("virtual", "directory"), ("directory", "directory"), ("path", "path")):
        if key in raw:
            url = raw[key]
            return kind, url.split("?")[0].split("#")[0] if kind == "git" else url
    return "registry", None


def _markers(raw: list | None) -> str | None:
    if not raw:
        return None
    return raw[0] if len(raw) == 1 else " or ".join(f"({m})" for m in raw)


@requires_corpus
@pytest.mark.parametrize("path", _sides("uv.lock"), ids=lambda p: str(p.relative_to(CORPUS)))
def test_every_uv_lock_entry_is_in_the_model(path: Path) -> None:
    doc = tomllib.loads(path.read_text(encoding="utf-8"))
    lock = load_path(path)
    members = {pypi_key(m) for m in doc.get("manifest", {}).get("members", [])}
    expected = Counter()
    for raw in doc["package"]:
        source = raw.get("source", {})
        key = pypi_key(raw["name"])
        if key in members or source.get("editable") == "." or source.get("virtual") == ".":
            continue  # the project itself: its requirements are the model's direct requirements
        expected[(key, raw.get("version", ""), _uv_source(source), _markers(raw.get("resolution-markers")))] += 1
    found = Counter((p.key, p.version, (p.source.kind, p.source.url), p.fork) for p in lock.all_packages())
    assert found == expected


@requires_corpus
@pytest.mark.parametrize("path", _sides("poetry.lock"), ids=lambda p: str(p.relative_to(CORPUS)))
def test_every_poetry_lock_entry_is_in_the_model(path: Path) -> None:
    doc = tomllib.loads(path.read_text(encoding="utf-8"))
    lock = load_path(path)
    expected = Counter((pypi_key(raw["name"]), raw["version"]) for raw in doc["package"])
    found = Counter((p.key, p.version) for p in lock.all_packages())
    assert found == expected


def test_the_corpus_has_forked_uv_locks() -> None:
    """The agreement test above is only worth something if the corpus holds forks to agree on."""
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus is not available")
    forked = [p for p in _sides("uv.lock") if load_path(p).forks]
    assert len(forked) >= 10


def test_a_fork_that_crosses_a_major_on_one_branch_is_reported_with_its_markers(cli) -> None:
    case = fixture("pypi", "uv-forks")
    result = cli(["diff", case / "before" / "uv.lock", case / "after" / "uv.lock", "-f", "json", "--offline"])
    changes = {(c["name"], c["from"], c["to"]): c for c in result.json()["changes"]}
    mcp = changes[("mcp", "1.28.1", "2.0.0")]
    assert (mcp["jump"], mcp["fork"], mcp["markers"]) == ("major", "python_full_version >= '3.10'",
                                                          "python_full_version >= '3.10'")
    assert mcp["severity"] in ("high", "critical")
    # the other branch stayed on 1.9.4: no change reported for it
    assert not [c for c in changes.values() if c["name"] == "mcp" and c["from"] == "1.9.4"]
    # numpy split into two forks; one kept 2.0.2, the other moved on
    numpy = [c for c in changes.values() if c["name"] == "numpy"]
    assert [(c["from"], c["to"], c["fork"]) for c in numpy] == [("2.0.2", "2.2.6", "python_full_version >= '3.10'")]
    text = cli(["diff", case / "before" / "uv.lock", case / "after" / "uv.lock", "--offline"]).out
    assert "mcp 1.28.1 -> 2.0.0 (fork: python_full_version >= '3.10')" in text


def test_a_fork_pin_keeps_the_other_branch_admitted(cli, tmp_path: Path) -> None:
    import shutil

    case = tmp_path / "uv-forks"
    shutil.copytree(fixture("pypi", "uv-forks"), case)
    result = cli(["pin", "before/uv.lock", "after/uv.lock", "--pin-at", "high", "-f", "json"], cwd=case)
    from packaging.specifiers import SpecifierSet

    pins = {p["name"]: p for p in result.json()["pins"]}
    # the project's own floor gets the ceiling: below 2, which the branch still on 1.9.4 meets too
    assert SpecifierSet(pins["mcp"]["requirement"]) == SpecifierSet(">=1.9,<2")
    assert '"mcp>=1.9,<2",' in pins["mcp"]["text"]
    assert "1.9.4" in SpecifierSet(pins["mcp"]["requirement"])


def test_why_shows_every_fork_with_its_own_dependents(cli) -> None:
    after = fixture("pypi", "uv-forks") / "after" / "uv.lock"
    out = cli(["why", "mcp", "numpy", after]).out
    assert "mcp 2.0.0  (" in out and "mcp 1.9.4  (" in out
    assert "installed only when python_full_version < '3.10'" in out
    data = cli(["why", "mcp", after, "-f", "json"]).json()
    assert (data["version"], data["markers"]) == ("2.0.0", "python_full_version >= '3.10'")
    assert [(f["version"], f["markers"]) for f in data["forks"]] == [("1.9.4", "python_full_version < '3.10'")]


def test_a_dynamic_local_project_is_never_version_0_nor_a_downgrade(cli, tmp_path: Path) -> None:
    # toolbox had a static version before and is dynamic after (same editable path): nothing moved
    case = fixture("pypi", "uv-forks")
    lock = load_path(case / "after" / "uv.lock")
    assert lock.packages["toolbox"].version == "" and lock.packages["toolbox"].dynamic
    data = cli(["diff", case / "before" / "uv.lock", case / "after" / "uv.lock", "-f", "json", "--all",
                "--offline"]).json()
    assert "toolbox" not in {c["name"] for c in data["changes"]}
    assert not [c for c in data["changes"] if c["direction"] == "down"]
    # from a registry release to a dynamic local checkout: a source change, not a version move
    before = (case / "before" / "uv.lock").read_text().replace(
        'name = "toolbox"\nversion = "0.1.0"\nsource = { editable = "../toolbox" }',
        'name = "toolbox"\nversion = "0.1.0"\nsource = { registry = "https://pypi.example/simple" }')
    (tmp_path / "before.lock").write_text(before)
    (tmp_path / "uv.lock").write_text((case / "after" / "uv.lock").read_text())
    data = cli(["diff", tmp_path / "before.lock", tmp_path / "uv.lock", "-f", "json", "--all", "--offline"]).json()
    (toolbox,) = [c for c in data["changes"] if c["name"] == "toolbox"]
    assert (toolbox["jump"], toolbox["direction"], toolbox["from"], toolbox["to"]) == ("source", "none", "0.1.0", None)
    text = cli(["diff", tmp_path / "before.lock", tmp_path / "uv.lock", "--all", "--offline"]).out
    assert "toolbox 0.1.0 -> (version not recorded)" in text and " 0 " not in text.replace("0.1.0", "")
    why = cli(["why", "toolbox", tmp_path / "uv.lock"]).out
    assert why.startswith("toolbox (version not recorded)  (")


def test_zero_zero_moves_cross_one_step_and_evidence_sets_the_severity(cli) -> None:
    case = fixture("pypi", "uv-forks")
    data = cli(["diff", case / "before" / "uv.lock", case / "after" / "uv.lock", "-f", "json", "--offline"]).json()
    (cli_move,) = [c for c in data["changes"] if c["name"] == "fastapi-cli"]
    assert (cli_move["jump"], cli_move["majors_crossed"], cli_move["initial_development"]) == ("major", 1, True)
    # the project asks for it with a floor only: nothing declared support for 0.0.8
    assert cli_move["evidence"][0]["kind"] == "undeclared"


def test_a_version_that_is_not_a_string_is_an_error_not_a_dynamic_version(cli, tmp_path: Path) -> None:
    lock = tmp_path / "uv.lock"
    lock.write_text('version = 1\nrequires-python = ">=3.9"\n\n[[package]]\nname = "x"\nversion = 5\n'
                    'source = { registry = "https://pypi.example/simple" }\n')
    result = cli(["why", "x", lock])
    assert result.code == 2
    assert result.err == f"lockrisk: error: {lock}:4: package[0].version: expected a string\n"
