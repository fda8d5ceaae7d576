"""Evidence and the decision table: each case of the table, and each kind of evidence from real-shaped files.

Registry evidence is replayed from recorded responses under a placeholder host.
"""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
import responses

from conftest import fixture
from lockrisk.evidence import Evidence
from lockrisk.weigh import decide
from test_registry import play


def ev(kind: str, level: str) -> Evidence:
    return Evidence(kind=kind, source="test", text=kind, level=level)


@pytest.mark.parametrize("evidence, tier, expected", [
    pytest.param([], "runtime", "info", id="nothing-speaks-against-it"),
    pytest.param([ev("standard-gem", "info")], "runtime", "info", id="routine-stays-quiet"),
    pytest.param([ev("tier", "context"), ev("forced", "context")], "runtime-critical", "info", id="context-never-weighs"),
    pytest.param([ev("runtime", "critical")], "runtime", "critical", id="cannot-install"),
    pytest.param([ev("known-breakage", "critical")], "runtime", "critical", id="known-breakage"),
    pytest.param([ev("undeclared", "high")], "runtime", "high", id="uninvited-guest"),
    pytest.param([ev("undeclared", "high"), ev("yanked", "high")], "runtime", "critical", id="two-kinds-corroborate"),
    pytest.param([ev("undeclared", "high"), ev("predates", "high")], "runtime", "high", id="one-fact-said-twice"),
    pytest.param([ev("undeclared", "high"), ev("undeclared", "high")], "runtime", "high", id="one-kind-twice-is-not-two"),
    pytest.param([ev("hotfix", "medium"), ev("fresh", "medium")], "runtime", "medium", id="corroboration-needs-high"),
    pytest.param([ev("declared", "low"), ev("undeclared", "high")], "runtime", "high", id="strongest-wins-not-sum"),
    pytest.param([ev("intended", "low")], "runtime", "low", id="intended"),
    pytest.param([ev("known-breakage", "critical")], "test", "low", id="test-tier-caps-at-low"),
    pytest.param([ev("undeclared", "high")], "development", "low", id="development-caps-at-low"),
    pytest.param([ev("runtime", "critical")], "build", "medium", id="build-caps-at-medium"),
    pytest.param([ev("undeclared", "high")], "docs", "info", id="docs-is-info"),
])
def test_the_decision_table(evidence: list[Evidence], tier: str, expected: str) -> None:
    assert decide(list(evidence), tier) == expected


def _diff(cli, case: str, lock: str, *extra: str) -> dict:
    result = cli(["diff", fixture(*case.split("/"), "before", lock), fixture(*case.split("/"), "after", lock),
                  "-f", "json", *extra])
    assert result.code == 0, result.err
    return {c["name"]: c for c in result.json()["changes"]}


def test_a_release_that_needs_a_newer_ruby_is_critical_from_the_compact_index(cli, online) -> None:
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        play(rsps, "rubygems", "zeitwerk-ruby")
        rsps.add(responses.GET, re.compile(r"https://rubygems\.example/.*rack.*"), status=404, body="not here")
        zeitwerk = _diff(cli, "rubygems/zeitwerk-ruby", "Gemfile.lock")["zeitwerk"]
    assert (zeitwerk["jump"], zeitwerk["severity"]) == ("minor", "critical")
    (runtime,) = [e for e in zeitwerk["evidence"] if e["kind"] == "runtime"]
    assert runtime == {"kind": "runtime", "source": "registry (Compact Index ruby:)", "level": "critical",
                       "text": "zeitwerk 2.7.1 requires Ruby >= 3.2, but the project runs Ruby 3.1.6: it cannot install"}
    assert zeitwerk["registry"]["required_ruby"] == ">= 3.2"


def test_the_same_minor_offline_stays_quiet(cli) -> None:
    zeitwerk = _diff(cli, "rubygems/zeitwerk-ruby", "Gemfile.lock")["zeitwerk"]
    assert zeitwerk["severity"] == "info" and "registry" not in zeitwerk


def test_a_release_whose_python_versions_leave_out_the_projects_python_is_critical_offline(cli) -> None:
    numpy = _diff(cli, "pypi/python-floor", "poetry.lock")["numpy"]
    assert (numpy["jump"], numpy["severity"]) == ("minor", "critical")
    assert numpy["evidence"][0] == {
        "kind": "runtime", "source": "poetry.lock python-versions", "level": "critical",
        "text": "numpy 1.26.4 needs Python >=3.9, but the project supports Python >=3.8: it cannot install on Python 3.8"}


def test_a_dependent_older_than_the_new_line_corroborates_the_float(cli, online) -> None:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        play(rsps, "rubygems", "predates")
        rsps.add(responses.GET, re.compile(r"https://rubygems\.example/.*"), status=404, body="not here")
        by = _diff(cli, "rubygems/puma-floats", "Gemfile.lock")
    cp = by["connection_pool"]
    kinds = [e["kind"] for e in cp["evidence"]]
    assert kinds[:1] == ["known-breakage"] and "undeclared" in kinds and "predates" in kinds
    (predates,) = [e["text"] for e in cp["evidence"] if e["kind"] == "predates"]
    assert predates == ("sidekiq 7.3.9 (2025-02-13) predates connection_pool 3.x (first released 2025-12-17): it was "
                        "never tested against it")


def test_every_finding_in_every_format_carries_its_evidence(cli) -> None:
    before = fixture("rubygems", "puma-floats", "before", "Gemfile.lock")
    after = fixture("rubygems", "puma-floats", "after", "Gemfile.lock")
    report = cli(["diff", before, after, "-f", "json", "--all"]).json()
    for change in report["changes"]:
        weighing = [e for e in change["evidence"] if e["level"] != "context"]
        if change["severity"] != "info":
            strongest = min(weighing, key=lambda e: ["critical", "high", "medium", "low", "info"].index(e["level"]))
            assert ["critical", "high", "medium", "low"].index(strongest["level"]) <= \
                ["critical", "high", "medium", "low"].index(change["severity"]), change["name"]
    puma = next(c for c in report["changes"] if c["name"] == "puma")
    undeclared = next(e["text"] for e in puma["evidence"] if e["kind"] == "undeclared")
    text = cli(["diff", before, after, "-f", "text"]).out
    markdown = cli(["diff", before, after, "-f", "markdown"]).out
    sarif = json.loads(cli(["diff", before, after, "-f", "sarif"]).out)
    assert f"  - {undeclared}" in text
    assert "nothing declared support for puma 8.x" in markdown
    assert any("nothing declared support for puma 8.x" in r["message"]["text"] for r in sarif["runs"][0]["results"])


def test_a_hot_fix_and_a_yank_are_read_from_the_release_history() -> None:
    from lockrisk.registry.facts import summarise

    now = dt.datetime(2025, 3, 1, tzinfo=dt.timezone.utc)
    history = {"1.3.4": "2024-08-10T00:00:00Z", "1.3.5": "2025-01-15T00:00:00Z", "1.3.6": "2025-01-19T00:00:00Z",
               "1.4.0": "2025-05-01T00:00:00Z"}  # 1.4.0 comes after the review: never seen
    facts = summarise("rubygems", history, "1.3.4", "1.3.5", now, set())
    assert facts.hotfix == ("1.3.5 was superseded by 1.3.6 4 days later: a quick follow-up patch is the classic sign "
                            "of a regression")
    assert facts.latest == "1.3.6"
    yanked = summarise("pypi", {"0.21.1": "2023-07-12T00:00:00Z", "0.22.0": "2023-10-31T00:00:00Z"}, "0.21.1", "0.22.0",
                       now, {"0.22.0"})
    assert yanked.yanked == ("0.22.0",)


def _lock(versions: dict[str, str], deps: dict[str, list[tuple[str, str]]], direct: list[str]) -> str:
    lines = ["GEM", "  remote: https://rubygems.example/", "  specs:"]
    for name in sorted(versions):
        lines.append(f"    {name} ({versions[name]})")
        lines += [f"      {dep} ({req})" if req else f"      {dep}" for dep, req in deps.get(name, [])]
    lines += ["", "PLATFORMS", "  ruby", "", "DEPENDENCIES", *[f"  {d}" for d in direct], "", "BUNDLED WITH",
              "   2.6.9", ""]
    return "\n".join(lines)


def test_a_150_gem_update_with_nothing_against_it_stays_below_high(cli, tmp_path) -> None:
    """The noise budget: patches, minors, and majors their dependents declare support for."""
    names = [f"acme-lib{i:03d}" for i in range(150)]
    old = {n: f"1.{i % 7}.{i % 5}" for i, n in enumerate(names)}
    new = dict(old)
    for i, n in enumerate(names):
        new[n] = f"1.{i % 7}.{i % 5 + 1}" if i % 2 == 0 else f"1.{i % 7 + 1}.0"  # a patch or a minor
    declared = names[:10]  # majors that their dependent explicitly supports: "< 3"
    for n in declared:
        new[n] = "2.0.0"
    apps = {"acme-app": [(n, ">= 1.0, < 3") for n in names]}
    before = tmp_path / "before" / "Gemfile.lock"
    after = tmp_path / "after" / "Gemfile.lock"
    for path, versions in ((before, old), (after, new)):
        path.parent.mkdir()
        path.write_text(_lock({**versions, "acme-app": "1.0.0"}, apps, ["acme-app"]))
        (path.parent / "Gemfile").write_text('source "https://rubygems.example"\n\ngem "acme-app"\n')
    report = cli(["diff", before, after, "-f", "json"]).json()
    assert len(report["changes"]) == 150
    assert report["highest_severity"] == "low"  # the declared majors: visible, never alarming
    assert not [c for c in report["changes"] if c["severity"] in ("critical", "high", "medium")]
    text = cli(["diff", before, after, "-f", "text"]).out
    assert "routine, not listed: 70 patch, 70 minor; --all lists them" in text


def test_a_native_gem_that_lost_its_prebuilt_platform_is_high(cli, tmp_path) -> None:
    def lock(version: str, variants: list[str]) -> str:
        specs = [f"    nokogiri ({version}{'-' + v if v != 'ruby' else ''})\n      racc (~> 1.4)" +
                 ("\n      mini_portile2 (~> 2.8.2)" if v == "ruby" else "") for v in variants]
        return ("GEM\n  remote: https://rubygems.example/\n  specs:\n    mini_portile2 (2.8.8)\n"
                + "\n".join(specs) + "\n    racc (1.8.1)\n\nPLATFORMS\n  ruby\n  x86_64-linux\n\n"
                "DEPENDENCIES\n  nokogiri\n\nBUNDLED WITH\n   2.6.9\n")
    for side, text in (("before", lock("1.18.9", ["ruby", "x86_64-linux-gnu"])), ("after", lock("1.19.0", ["ruby"]))):
        (tmp_path / side).mkdir()
        (tmp_path / side / "Gemfile.lock").write_text(text)
    result = cli(["diff", tmp_path / "before" / "Gemfile.lock", tmp_path / "after" / "Gemfile.lock", "-f", "json"])
    (nokogiri,) = result.json()["changes"]
    assert (nokogiri["jump"], nokogiri["severity"]) == ("minor", "high")
    assert nokogiri["evidence"][0]["text"] == ("nokogiri 1.19.0 has no prebuilt build for x86_64-linux, which 1.18.9 "
                                              "had: it builds from source there")


def test_a_python_package_that_lost_a_wheel_platform_is_high(cli, tmp_path) -> None:
    import shutil

    shutil.copytree(fixture("pypi", "python-floor"), tmp_path / "case")
    before = tmp_path / "case" / "before" / "poetry.lock"
    wheel = '{file = "numpy-1.24.4-cp39-cp39-manylinux_2_17_aarch64.manylinux2014_aarch64.whl", hash = "sha256:' + "0" * 64 + '"},'
    before.write_text(before.read_text().replace("files = [\n", "files = [\n    " + wheel + "\n", 1))
    numpy = _diff_paths(cli, before, tmp_path / "case" / "after" / "poetry.lock")["numpy"]
    (platform,) = [e for e in numpy["evidence"] if e["kind"] == "platform"]
    assert platform["text"] == ("numpy 1.26.4 has no wheel for linux-arm64, which 1.24.4 had: it builds from source "
                                "there, or fails to install")
    assert platform["level"] == "high" and platform["source"] == "poetry.lock wheels"


def _diff_paths(cli, before, after) -> dict:
    result = cli(["diff", before, after, "-f", "json"])
    assert result.code == 0, result.err
    return {c["name"]: c for c in result.json()["changes"]}


def test_versions_a_registry_writes_that_do_not_parse_change_nothing(cli, online, monkeypatch) -> None:
    """A hostile or broken registry's malformed versions are skipped: the verdict and exit status stay."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.add(responses.GET, re.compile(r"https://rubygems\.example/info/.*"), status=200,
                 body="---\n1..2 |checksum:ab\n9.x.+ rack:>= 0|checksum:cd\n")
        rsps.add(responses.GET, re.compile(r"https://rubygems\.example/.*"), status=404, body="not here")
        online_changes = _diff(cli, "rubygems/zeitwerk-ruby", "Gemfile.lock")
    monkeypatch.setenv("LOCKRISK_OFFLINE", "1")
    offline = _diff(cli, "rubygems/zeitwerk-ruby", "Gemfile.lock")
    assert {n: c["severity"] for n, c in online_changes.items()} == {n: c["severity"] for n, c in offline.items()}


def test_a_ceiling_the_project_lifted_without_naming_the_new_line_is_not_intended(cli, tmp_path) -> None:
    """`~> 6.6` became a bare `gem "puma"`: the move to 8.x was allowed, nobody asked for it."""
    import shutil

    case = tmp_path / "case"
    shutil.copytree(fixture("rubygems", "puma-floats"), case)
    for side, requirement in (("before", ', "~> 6.6"'), ("after", "")):
        gemfile = case / side / "Gemfile"
        gemfile.write_text(gemfile.read_text().replace('gem "puma"', f'gem "puma"{requirement}'))
        lock = case / side / "Gemfile.lock"
        lock.write_text(lock.read_text().replace("\n  puma\n", f"\n  puma{' (~> 6.6)' if requirement else ''}\n"))
    result = cli(["diff", case / "before" / "Gemfile.lock", case / "after" / "Gemfile.lock", "-f", "json"])
    puma = {c["name"]: c for c in result.json()["changes"]}["puma"]
    assert puma["severity"] == "high"
    (undeclared,) = [e for e in puma["evidence"] if e["kind"] == "undeclared"]
    assert "lifted its ceiling" in undeclared["text"] and "8.x" in undeclared["text"]
    # naming the new line is asking for it
    gemfile = case / "after" / "Gemfile"
    gemfile.write_text(gemfile.read_text().replace('gem "puma"', 'gem "puma", "~> 8.0"'))
    lock = case / "after" / "Gemfile.lock"
    lock.write_text(lock.read_text().replace("\n  puma\n", "\n  puma (~> 8.0)\n"))
    result = cli(["diff", case / "before" / "Gemfile.lock", case / "after" / "Gemfile.lock", "-f", "json"])
    puma = {c["name"]: c for c in result.json()["changes"]}["puma"]
    assert [e["kind"] for e in puma["evidence"] if e["level"] != "context"] == ["intended"]


def test_a_two_digit_calendar_year_is_not_a_major_where_the_project_versions_by_the_calendar(cli, tmp_path) -> None:
    # incremental (YY.MM.MICRO, catalogued with its source) 21.3.0 -> 22.10.0 is a calendar move; the same
    # numbers on a package not known to version by the calendar stay a major
    case = fixture("pypi", "uv-forks")
    for side, version in (("before", "21.3.0"), ("after", "22.10.0")):
        text = (case / side / "uv.lock").read_text()
        for name in ("incremental", "wobble"):
            text += (f'\n[[package]]\nname = "{name}"\nversion = "{version}"\n'
                     'source = { registry = "https://pypi.example/simple" }\n')
        (tmp_path / f"{side}.lock").write_text(text)
    found = _diff_paths(cli, tmp_path / "before.lock", tmp_path / "after.lock")
    assert (found["incremental"]["jump"], found["incremental"]["severity"]) == ("calver", "info")
    assert found["wobble"]["jump"] == "major"
    text = cli(["diff", tmp_path / "before.lock", tmp_path / "after.lock"]).out
    assert "wobble 21.3.0 -> 22.10.0" in text and "incremental" not in text  # routine: folded away


def _client_pair(tmp_path, native_after: list[str]):
    """acme-client 1 -> 2 (the project asks for it); acme-client 2.0.0 requires acme-native 2, which requires
    acme-core 2: both transitive moves are forced by the project's own upgrade."""
    def lock(client: str, native: str, core: str, variants: list[str]) -> str:
        specs = [f"    acme-client ({client})\n      acme-native (~> {native[0]}.0)",
                 f"    acme-core ({core})",
                 *(f"    acme-native ({native}{'-' + v if v != 'ruby' else ''})\n      acme-core (>= {core[0]}.0)"
                   for v in variants),
                 "    acme-report (1.4.0)\n      acme-core (>= 1.0)"]
        return ("GEM\n  remote: https://rubygems.example/\n  specs:\n" + "\n".join(specs) +
                "\n\nPLATFORMS\n  ruby\n  x86_64-linux\n\nDEPENDENCIES\n  acme-client (~> " + client[0] + ".0)\n"
                "  acme-report\n\nBUNDLED WITH\n   2.6.9\n")
    for side, text in (("before", lock("1.2.0", "1.4.0", "1.9.0", ["ruby", "x86_64-linux"])),
                       ("after", lock("2.0.0", "2.0.1", "2.1.0", native_after))):
        (tmp_path / side).mkdir()
        (tmp_path / side / "Gemfile.lock").write_text(text)
        major = "2" if side == "after" else "1"
        (tmp_path / side / "Gemfile").write_text(f'source "https://rubygems.example"\n\ngem "acme-client", "~> {major}.0"\n'
                                                 'gem "acme-report"\n')
    return tmp_path / "before" / "Gemfile.lock", tmp_path / "after" / "Gemfile.lock"


def test_moves_a_direct_upgrade_forced_are_weighed_inside_its_finding(cli, tmp_path) -> None:
    """Rule 5: acme-native 2.0.1 lost its x86_64-linux build (high); it moved only because acme-client 2.0.0
    requires it, and acme-core moved because acme-native 2 requires it, so both are members of acme-client's
    finding, which carries their evidence, named, and takes the strongest severity."""
    before, after = _client_pair(tmp_path, native_after=["ruby"])
    changes = _diff_paths(cli, before, after)
    assert set(changes) == {"acme-client"}
    client = changes["acme-client"]
    assert client["family_members"] == ["acme-core", "acme-native"]
    assert client["severity"] == "high"  # on its own, an upgrade the Gemfile asked for is low
    weighing = [e for e in client["evidence"] if e["level"] not in ("context", "info")]
    assert weighing[0] == {"kind": "platform", "source": "Gemfile.lock PLATFORMS", "level": "high",
                           "text": "acme-native 2.0.1 has no prebuilt build for x86_64-linux, which 1.4.0 had: it builds "
                                   "from source there"}
    assert [e["kind"] for e in weighing].count("intended") == 1  # the head's own evidence stays
    # acme-core 2 is declared by acme-native 2.0.1 but never by acme-report (>= 1.0): that line names it
    assert any(e["text"].startswith("acme-core 1.9.0 -> 2.1.0: ") and "acme-report >= 1.0" in e["text"]
               for e in weighing)
    family = [e["text"] for e in client["evidence"] if e["kind"] == "family"]
    # each member is named with the move whose new version requires it: acme-client's own, or acme-native's
    assert "its new version requires acme-native 2.0.1, which moved with it: reverting or capping it holds it back too" \
        in family, family
    assert ("acme-core 2.1.0 moved with it through acme-native 2.0.1, which requires it: reverting or capping it holds "
            "it back too") in family
    text = cli(["diff", before, after]).out
    assert "[high] acme-client 1.2.0 -> 2.0.0" in text and "family of 2: acme-core, acme-native" in text


def test_a_member_with_nothing_against_it_leaves_the_verdict_alone(cli, tmp_path) -> None:
    before, after = _client_pair(tmp_path, native_after=["ruby", "x86_64-linux"])
    client = _diff_paths(cli, before, after)["acme-client"]
    assert client["family_members"] == ["acme-core", "acme-native"]
    assert client["severity"] == "low"  # the members' declared lines are low: so is the upgrade they came with
    assert not [e for e in client["evidence"] if e["kind"] == "platform"]


def test_a_move_forced_by_a_transitive_upgrade_is_shown_with_that_upgrade(cli, tmp_path) -> None:
    """prawn 2.5.0 (floated in through prawn-rails >= 1.0) requires pdf-core ~> 0.10.0: pdf-core cannot be held
    back without prawn, so its move is weighed inside prawn's finding, which is where a cap would go."""
    def lock(prawn: str, core: str) -> str:
        return ("GEM\n  remote: https://rubygems.example/\n  specs:\n"
                f"    pdf-core ({core})\n    prawn ({prawn})\n      pdf-core (~> {core.rpartition('.')[0]}.0)\n"
                "    prawn-rails (1.5.0)\n      prawn (>= 1.0)\n\nPLATFORMS\n  ruby\n\nDEPENDENCIES\n  prawn-rails\n\n"
                "BUNDLED WITH\n   2.6.9\n")
    for side, text in (("before", lock("2.4.0", "0.9.0")), ("after", lock("2.5.0", "0.10.0"))):
        (tmp_path / side).mkdir()
        (tmp_path / side / "Gemfile.lock").write_text(text)
        (tmp_path / side / "Gemfile").write_text('source "https://rubygems.example"\n\ngem "prawn-rails"\n')
    changes = _diff_paths(cli, tmp_path / "before" / "Gemfile.lock", tmp_path / "after" / "Gemfile.lock")
    assert set(changes) == {"prawn"}
    prawn = changes["prawn"]
    assert prawn["family_members"] == ["pdf-core"] and prawn["severity"] == "low"
    assert [e["text"] for e in prawn["evidence"] if e["level"] == "low"] == [
        "pdf-core 0.9.0 -> 0.10.0: declared: prawn 2.5.0 requires pdf-core 0.10.x"]


def test_with_equal_evidence_a_package_the_project_requires_comes_first(cli, tmp_path) -> None:
    """Two minors nothing speaks against, both on the runtime path: the one the Gemfile names is listed first,
    though the other has more dependents; moved to the test group, the same gem no longer leads."""
    def lock(direct: str, shared: str) -> str:
        return _lock({"acme-app": "1.0.0", "acme-cli": "1.0.0", "acme-shared": shared, "acme-direct": direct},
                     {"acme-app": [("acme-shared", ">= 1.0")], "acme-cli": [("acme-shared", ">= 1.0")]},
                     ["acme-app", "acme-cli", "acme-direct"])

    def order(group: str) -> list[str]:
        for side, direct, shared in (("before", "1.2.0", "1.4.0"), ("after", "1.3.0", "1.5.0")):
            (tmp_path / side).mkdir(exist_ok=True)
            (tmp_path / side / "Gemfile.lock").write_text(lock(direct, shared))
            (tmp_path / side / "Gemfile").write_text('source "https://rubygems.example"\n\ngem "acme-app"\n'
                                                     f'gem "acme-cli"\n{group}')
        report = cli(["diff", tmp_path / "before" / "Gemfile.lock", tmp_path / "after" / "Gemfile.lock", "-f", "json",
                      "--all"]).json()
        assert {c["severity"] for c in report["changes"]} == {"info"}
        return [c["name"] for c in report["changes"]]

    assert order('gem "acme-direct"\n') == ["acme-direct", "acme-shared"]
    assert order('group :test do\n  gem "acme-direct"\nend\n') == ["acme-shared", "acme-direct"]


def test_an_ignored_member_no_longer_weighs_on_the_upgrade_that_forced_it(cli, tmp_path) -> None:
    before, after = _client_pair(tmp_path, native_after=["ruby"])
    settings = tmp_path / "lockrisk.toml"
    settings.write_text('[[ignore]]\nname = "acme-native"\nreason = "we build it from source on x86_64-linux"\n')
    result = cli(["diff", before, after, "-f", "json", "--config", settings])
    (client,) = result.json()["changes"]
    assert client["family_members"] == ["acme-core", "acme-native"]
    assert client["severity"] == "low"  # acme-core's line still weighs (low); acme-native's loss does not
    assert not [e for e in client["evidence"] if e["kind"] == "platform"]


@pytest.mark.parametrize("group, tier, severity", [
    pytest.param("benchmark", "development", "low", id="a-benchmark-group-is-development"),
    pytest.param("Type_Checking", "development", "low", id="names-compare-as-pep-735-normalizes-them"),
    pytest.param("web", "runtime-critical", "medium", id="a-group-whose-name-says-nothing-is-runtime"),
    pytest.param("style", "development", "low", id="a-style-group-is-development"),
    pytest.param("formula_test", "test", "low", id="a-word-of-the-name-says-test"),
    pytest.param("latest", "runtime-critical", "medium", id="test-inside-a-word-is-not-a-test-group"),
])
def test_a_dependency_group_is_weighed_by_what_its_name_says(cli, tmp_path, group, tier, severity) -> None:
    """httpx moved from [project] dependencies into a PEP 735 group: h11, which only httpx pulls in (through
    httpcore), takes the group's tier. PEP 735 groups may hold a web application's runtime set, so a name
    that says nothing stays runtime."""
    import shutil

    case = tmp_path / "uv"
    shutil.copytree(fixture("pypi", "uv"), case)
    for side in ("before", "after"):
        manifest = case / side / "pyproject.toml"
        text = manifest.read_text()
        assert '    "httpx>=0.27",\n' in text
        manifest.write_text(text.replace('    "httpx>=0.27",\n', "") + f'{group} = ["httpx>=0.27"]\n')
    h11 = _diff_paths(cli, case / "before" / "uv.lock", case / "after" / "uv.lock")["h11"]
    assert (h11["tier"], h11["severity"]) == (tier, severity)


def test_of_two_equal_moves_the_one_that_depends_on_the_other_comes_first(cli, tmp_path) -> None:
    """uv.lock records no ranges, so zeta-native 6 cannot be shown to have forced alpha-lib 11; with nothing else
    between them, the package that pulls the other in leads (alphabetical order would put alpha-lib first)."""
    def uv(zeta: str, alpha: str, zeta_needs_alpha: bool) -> str:
        def package(name: str, version: str, deps: list[str]) -> str:
            listed = ("dependencies = [\n" + "".join(f'    {{ name = "{d}" }},\n' for d in deps) + "]\n") if deps else ""
            return (f'[[package]]\nname = "{name}"\nversion = "{version}"\n'
                    f'source = {{ registry = "https://pypi.example/simple" }}\n{listed}\n')
        core_deps = ["zeta-native"] + ([] if zeta_needs_alpha else ["alpha-lib"])
        return ('version = 1\nrevision = 3\nrequires-python = ">=3.11"\n\n'
                '[[package]]\nname = "app"\nversion = "0.1.0"\nsource = { virtual = "." }\n'
                'dependencies = [\n    { name = "app-core" },\n]\n\n[package.metadata]\n'
                'requires-dist = [{ name = "app-core" }]\n\n'
                + package("alpha-lib", alpha, []) + package("app-core", "1.0.0", core_deps)
                + package("zeta-native", zeta, ["alpha-lib"] if zeta_needs_alpha else []))

    def order(zeta_needs_alpha: bool) -> list[tuple[str, str, int]]:
        for side, zeta, alpha in (("before", "4.0.1", "10.0.0"), ("after", "6.0.0", "11.0.0")):
            (tmp_path / side).mkdir(exist_ok=True)
            (tmp_path / side / "uv.lock").write_text(uv(zeta, alpha, zeta_needs_alpha))
            (tmp_path / side / "pyproject.toml").write_text('[project]\nname = "app"\nversion = "0.1.0"\n'
                                                            'requires-python = ">=3.11"\ndependencies = ["app-core"]\n')
        report = cli(["diff", tmp_path / "before" / "uv.lock", tmp_path / "after" / "uv.lock", "-f", "json"]).json()
        return [(c["name"], c["severity"], c["score"]) for c in report["changes"]]

    pulled = order(zeta_needs_alpha=True)
    assert [name for name, _, _ in pulled] == ["zeta-native", "alpha-lib"]
    assert pulled[0][1:] == pulled[1][1:]  # equal severity and score: only the tie-break orders them
    assert [name for name, _, _ in order(zeta_needs_alpha=False)] == ["alpha-lib", "zeta-native"]


def _poetry_package(name: str, version: str, deps: dict[str, str], markers: str = "") -> str:
    """One poetry.lock package block with string dependencies (and an environment marker when given)."""
    listed = ("\n[package.dependencies]\n" + "".join(f'{k} = "{v}"\n' for k, v in deps.items())) if deps else ""
    marked = f'markers = "{markers}"\n' if markers else ""
    return (f'[[package]]\nname = "{name}"\nversion = "{version}"\ndescription = ""\noptional = false\n'
            f'python-versions = ">=3.7"\ngroups = ["main"]\n{marked}files = []\n{listed}\n')


def _poetry_sides(tmp_path, sides: dict[str, tuple[str, str]], python: str = "^3.10") -> tuple:
    """Write {side: (poetry.lock text, the dependency lines of its pyproject's Poetry table)}; (before, after)."""
    for side, (lock, dependencies) in sides.items():
        (tmp_path / side).mkdir()
        (tmp_path / side / "poetry.lock").write_text(lock)
        (tmp_path / side / "pyproject.toml").write_text('[tool.poetry]\nname = "x"\nversion = "0"\ndescription = ""\n'
                                                        'authors = []\n\n[tool.poetry.dependencies]\n'
                                                        f'python = "{python}"\n{dependencies}')
    return tmp_path / "before" / "poetry.lock", tmp_path / "after" / "poetry.lock"


def test_two_moves_that_each_caused_the_other_are_both_reported(cli, tmp_path) -> None:
    """a-lib 1.1 requires b-lib >= 2 (so b-lib moved because of a-lib), and a-lib 1.0 needed b-lib < 2, which the
    new w-lib rules out (so a-lib moved because of b-lib): each is the other's cause. One is shown inside the
    other's finding; neither drops out of the report (both once did)."""
    meta = '[metadata]\nlock-version = "2.1"\npython-versions = "^3.10"\ncontent-hash = "x"\n'
    sides = {
        "before": (_poetry_package("a-lib", "1.0.0", {"b-lib": ">=1.0,<2"}) + _poetry_package("app-client", "1.0.0", {"a-lib": ">=1.0"})
                   + _poetry_package("b-lib", "1.5.0", {}) + meta, ""),
        "after": (_poetry_package("a-lib", "1.1.0", {"b-lib": ">=2.0"}) + _poetry_package("app-client", "1.0.0", {"a-lib": ">=1.0"})
                  + _poetry_package("b-lib", "2.0.0", {}) + _poetry_package("w-lib", "1.0.0", {"b-lib": ">=2.0"}) + meta, 'w-lib = "*"\n'),
    }
    before, after = _poetry_sides(tmp_path, {side: (lock, 'app-client = "*"\n' + extra) for side, (lock, extra) in sides.items()})
    report = cli(["diff", before, after, "-f", "json", "--all"]).json()
    shown = {c["name"] for c in report["changes"]} | {m for c in report["changes"] for m in c["family_members"]}
    assert {"a-lib", "b-lib", "w-lib"} <= shown
    heads = [c for c in report["changes"] if c["family_members"]]
    assert len(heads) == 1 and {heads[0]["name"], *heads[0]["family_members"]} == {"a-lib", "b-lib"}


def test_a_move_whose_old_version_could_not_live_with_an_allowed_upgrade_is_shown_inside_it(cli, tmp_path) -> None:
    """The project widened lib-y to <3 and the resolver took lib-y 2; lib-x 2.1 needed lib-y < 2, so lib-x went back
    to 1.2. Nothing forced either (lib-y 1 is still allowed), but lib-x moved because lib-y did: its downgrade is
    weighed inside lib-y's finding (the OpenHands protobuf 5 shape)."""
    meta = '[metadata]\nlock-version = "2.1"\npython-versions = "^3.10"\ncontent-hash = "x"\n'
    sides = {
        "before": (_poetry_package("app-client", "1.0.0", {"lib-x": ">=1.0"}) + _poetry_package("lib-x", "2.1.0", {"lib-y": ">=1.0,<2"})
                   + _poetry_package("lib-y", "1.4.0", {}) + meta, ">=1,<2"),
        "after": (_poetry_package("app-client", "1.0.0", {"lib-x": ">=1.0"}) + _poetry_package("lib-x", "1.2.0", {"lib-y": ">=1.0"})
                  + _poetry_package("lib-y", "2.0.0", {}) + meta, ">=1,<3"),
    }
    by = _diff_paths(cli, *_poetry_sides(tmp_path, {side: (lock, f'app-client = "*"\nlib-y = "{wanted}"\n')
                                                    for side, (lock, wanted) in sides.items()}))
    assert "lib-x" not in by
    y = by["lib-y"]
    assert y["family_members"] == ["lib-x"] and y["severity"] == "medium"  # the downgrade weighs on it
    texts = [e["text"] for e in y["evidence"]]
    assert any(t.startswith("lib-x 2.1.0 -> 1.2.0: downgrade across a major") for t in texts), texts
    assert ("lib-x 1.2.0 moved with it: its old version cannot live with what it brought in; reverting or capping "
            "it holds it back too") in texts


def test_a_forked_head_carries_its_members_on_the_entry_that_caused_them(cli, tmp_path) -> None:
    """argc splits by Python into 2.1.2 and 3.0.5; gen-tool 2.4 needed argc < 3, so it went back to 1.9. Its
    downgrade is weighed inside the 3.0.5 move (the entry the lock holds for argc), once, not on both entries."""
    meta = '[metadata]\nlock-version = "2.1"\npython-versions = "^3.7"\ncontent-hash = "x"\n'
    client = _poetry_package("app-client", "1.0.0", {"argc": ">=1", "gen-tool": ">=0.1"})
    sides = {
        "before": client + _poetry_package("argc", "2.0.0", {}) + _poetry_package("gen-tool", "2.4.0", {"argc": ">=1,<3"}) + meta,
        "after": (client + _poetry_package("argc", "2.1.2", {}, "python_version < '3.8'") + _poetry_package("argc", "3.0.5", {}, "python_version >= '3.8'")
                  + _poetry_package("gen-tool", "1.9.0", {"argc": ">=1"}) + meta),
    }
    before, after = _poetry_sides(tmp_path, {side: (lock, 'app-client = "*"\n') for side, lock in sides.items()}, "^3.7")
    report = cli(["diff", before, after, "-f", "json", "--all"]).json()
    entries = {c["to"]: c for c in report["changes"] if c["name"] == "argc"}
    assert set(entries) == {"2.1.2", "3.0.5"} and "gen-tool" not in {c["name"] for c in report["changes"]}
    assert entries["3.0.5"]["family_members"] == ["gen-tool"]
    assert entries["2.1.2"]["family_members"] == []
    assert not any(e["text"].startswith("gen-tool") for e in entries["2.1.2"]["evidence"])


def test_a_package_crowded_out_through_a_package_it_pins_is_shown_with_the_move_that_crowded_both(cli, tmp_path) -> None:
    """The OpenHands protobuf 5 shape in full: otlp-exporter 1.11 pins otlp-proto 1.11 exactly, and holding the
    exporter at 1.27 needs otlp-proto 1.27, which needs protobuf < 5. The proto package moved because the exporter
    did, and the exporter because protobuf did: both, and the backoff downgrade the old exporter brought, are
    weighed inside protobuf's finding, each context line naming the move whose new version requires it."""
    meta = '[metadata]\nlock-version = "2.1"\npython-versions = "^3.10"\ncontent-hash = "x"\n'
    store = _poetry_package("vector-store", "0.5.0", {"otlp-exporter": ">=1.2.0"})
    sides = {
        "before": (_poetry_package("backoff", "2.2.1", {}) + _poetry_package("otlp-exporter", "1.27.0", {"backoff": ">=1.10,<3", "otlp-proto": "1.27.0"})
                   + _poetry_package("otlp-proto", "1.27.0", {"protobuf": ">=3.19,<5"}) + _poetry_package("protobuf", "4.25.5", {}) + store + meta),
        "after": (_poetry_package("backoff", "1.11.1", {}) + _poetry_package("otlp-exporter", "1.11.1", {"backoff": ">=1.10,<2", "otlp-proto": "1.11.1"})
                  + _poetry_package("otlp-proto", "1.11.1", {"protobuf": ">=3.13"}) + _poetry_package("protobuf", "5.28.2", {}) + store + meta),
    }
    wanted = {"before": "^4.21.6", "after": ">=4.21.6,<6.0.0"}  # the project widened its range to let 5 in
    before, after = _poetry_sides(tmp_path, {side: (lock, f'vector-store = "*"\nprotobuf = "{wanted[side]}"\n')
                                             for side, lock in sides.items()})
    report = cli(["diff", before, after, "-f", "json", "--all"]).json()
    assert [c["name"] for c in report["changes"]] == ["protobuf"]
    protobuf = report["changes"][0]
    assert protobuf["family_members"] == ["backoff", "otlp-exporter", "otlp-proto"]
    assert protobuf["severity"] == "medium"  # the backoff downgrade; on its own the upgrade the project allows is low
    texts = [e["text"] for e in protobuf["evidence"]]
    assert ("backoff 1.11.1, otlp-proto 1.11.1 moved with it through otlp-exporter 1.11.1, which requires them: "
            "reverting or capping it holds them back too") in texts, texts
    assert ("otlp-exporter 1.11.1 moved with it: its old version cannot live with what it brought in; reverting or "
            "capping it holds it back too") in texts


def test_a_float_one_dependent_declared_and_another_never_did_names_both(cli, tmp_path) -> None:
    """pool-lib 3 is admitted by job-runner's `< 4` (declared) and by web-kit's `>= 2.2` (a floor below 3.x): still
    undeclared for web-kit, and the line says who did declare it rather than claiming nobody did."""
    before = tmp_path / "before" / "Gemfile.lock"
    after = tmp_path / "after" / "Gemfile.lock"
    deps = {"job-runner": [("pool-lib", ">= 2.0, < 4")], "web-kit": [("pool-lib", ">= 2.2")]}
    for path, pool in ((before, "2.5.5"), (after, "3.0.2")):
        path.parent.mkdir()
        path.write_text(_lock({"job-runner": "1.0.0", "web-kit": "7.0.0", "pool-lib": pool}, deps, ["job-runner", "web-kit"]))
        (path.parent / "Gemfile").write_text('source "https://rubygems.example"\n\ngem "job-runner"\ngem "web-kit"\n')
    pool = _diff_paths(cli, before, after)["pool-lib"]
    assert pool["severity"] == "high"
    undeclared = [e["text"] for e in pool["evidence"] if e["kind"] == "undeclared"]
    assert undeclared == ["undeclared: web-kit >= 2.2 never declared support for pool-lib 3.x, though job-runner did"]


def test_a_package_the_new_version_brought_cannot_force_it(cli, tmp_path) -> None:
    """The Gemfile names site-gen with no version and `bundle update` took 4.0. site-gen 4 brings md-gfm, which
    requires md-lib ~> 2.0; held at 3.8, site-gen would not bring md-gfm at all, so md-gfm proves nothing: the move
    was a float across a major the Gemfile never declared support for, not one the rest of the change forced."""
    before = tmp_path / "before" / "Gemfile.lock"
    after = tmp_path / "after" / "Gemfile.lock"
    sides = ((before, {"site-gen": "3.8.6", "md-lib": "1.17.0", "site-archive": "2.2.1"},
              {"site-gen": [("md-lib", "~> 1.14")], "site-archive": [("site-gen", ">= 3.6, < 5.0")]}),
             (after, {"site-gen": "4.0.0", "md-lib": "2.1.0", "md-gfm": "1.1.0", "site-archive": "2.2.1"},
              {"site-gen": [("md-gfm", "~> 1.0"), ("md-lib", "~> 2.0")], "md-gfm": [("md-lib", "~> 2.0")],
               "site-archive": [("site-gen", ">= 3.6, < 5.0")]}))
    for path, versions, deps in sides:
        path.parent.mkdir()
        path.write_text(_lock(versions, deps, ["site-archive", "site-gen"]))
        (path.parent / "Gemfile").write_text('source "https://rubygems.example"\n\ngem "site-gen"\ngem "site-archive"\n')
    site = _diff_paths(cli, before, after)["site-gen"]
    assert site["severity"] == "high" and not site["forced_by"]
    own = [e["kind"] for e in site["evidence"] if not e["text"].startswith("md-lib ")]  # md-lib's lines are its member's
    assert "undeclared" in own and "declared" not in own and site["family_members"] == ["md-lib"]


def test_a_uv_release_train_is_one_finding(cli, tmp_path) -> None:
    """uv.lock records no ranges, so an exact pin cannot be seen; packages a moved package requires that moved from
    its very old version to its very new one are one release train, weighed inside its finding. A dependency that
    moved to another version, and a package with the same versions that it does not require, stay findings."""
    def package(name: str, version: str, deps: list[str]) -> str:
        listed = ("dependencies = [\n" + "".join(f'    {{ name = "{d}" }},\n' for d in deps) + "]\n") if deps else ""
        return (f'[[package]]\nname = "{name}"\nversion = "{version}"\n'
                f'source = {{ registry = "https://pypi.example/simple" }}\n{listed}\n')

    def lock(train: str, http: str) -> str:
        return ('version = 1\nrevision = 3\nrequires-python = ">=3.11"\n\n'
                '[[package]]\nname = "app"\nversion = "0.1.0"\nsource = { virtual = "." }\n'
                'dependencies = [\n    { name = "otel-distro" },\n    { name = "otel-instr" },\n    { name = "side-kit" },\n]\n\n'
                '[package.metadata]\nrequires-dist = [\n    { name = "otel-distro", specifier = ">=0.54" },\n'
                '    { name = "otel-instr", specifier = ">=0.54" },\n    { name = "side-kit", specifier = ">=0.54" },\n]\n\n'
                + package("otel-distro", train, ["otel-http", "otel-instr", "otel-semconv"])
                + package("otel-http", http, []) + package("otel-instr", train, ["otel-semconv"])
                + package("otel-semconv", train, []) + package("side-kit", train, []))

    for side, train, http in (("before", "0.62b1", "0.62b1"), ("after", "0.64b0", "0.63.0")):
        (tmp_path / side).mkdir()
        (tmp_path / side / "uv.lock").write_text(lock(train, http))
        (tmp_path / side / "pyproject.toml").write_text('[project]\nname = "app"\nversion = "0.1.0"\nrequires-python = ">=3.11"\n'
                                                        'dependencies = ["otel-distro>=0.54", "otel-instr>=0.54", "side-kit>=0.54"]\n')
    report = cli(["diff", tmp_path / "before" / "uv.lock", tmp_path / "after" / "uv.lock", "-f", "json", "--all"]).json()
    by = {c["name"]: c for c in report["changes"]}
    assert set(by) == {"otel-distro", "otel-http", "side-kit"}
    distro = by["otel-distro"]
    assert distro["family_members"] == ["otel-instr", "otel-semconv"] and distro["severity"] == "high"
    texts = [e["text"] for e in distro["evidence"]]
    assert ("one release train: otel-instr, otel-semconv moved 0.62b1 -> 0.64b0 with it (uv.lock does not record "
            "whether it pins them exactly)") in texts
    # the direct member's own undeclared line is kept, named; the transitive member's "unrecorded" is not repeated
    assert any(t.startswith("otel-instr 0.62b1 -> 0.64b0: undeclared") for t in texts)
    assert not any(t.startswith("otel-semconv") for t in texts)


def test_a_new_dependency_weighs_by_whether_it_has_anything_to_build(cli, tmp_path) -> None:
    """arrow 1.4 brings tzdata, a pure-Python wheel: new code, nothing to build (low). geo-lib 2.1 brings geo-core,
    which ships platform wheels and an sdist: new build steps too (medium)."""
    def package(name: str, version: str, deps: dict[str, str], files: list[str]) -> str:
        listed = ("\n[package.dependencies]\n" + "".join(f'{k} = "{v}"\n' for k, v in deps.items())) if deps else ""
        items = "".join(f'    {{file = "{f}", hash = "sha256:{"0" * 64}"}},\n' for f in files)
        return (f'[[package]]\nname = "{name}"\nversion = "{version}"\ndescription = ""\noptional = false\n'
                f'python-versions = ">=3.8"\ngroups = ["main"]\nfiles = [\n{items}]\n{listed}\n')

    meta = '[metadata]\nlock-version = "2.1"\npython-versions = "^3.10"\ncontent-hash = "x"\n'
    tzdata = package("tzdata", "2025.2", {}, ["tzdata-2025.2-py2.py3-none-any.whl", "tzdata-2025.2.tar.gz"])
    core = package("geo-core", "1.0.0", {}, ["geo_core-1.0.0-cp311-cp311-manylinux_2_17_x86_64.whl",
                                              "geo_core-1.0.0.tar.gz"])
    sides = {
        "before": package("arrow", "1.3.0", {}, ["arrow-1.3.0-py3-none-any.whl"])
        + package("geo-lib", "2.0.0", {}, ["geo_lib-2.0.0-py3-none-any.whl"]) + meta,
        "after": package("arrow", "1.4.0", {"tzdata": "*"}, ["arrow-1.4.0-py3-none-any.whl"])
        + core + package("geo-lib", "2.1.0", {"geo-core": ">=1.0"}, ["geo_lib-2.1.0-py3-none-any.whl"]) + tzdata + meta,
    }
    by = _diff_paths(cli, *_poetry_sides(tmp_path, {side: (lock, 'arrow = "^1.3"\ngeo-lib = "^2.0"\n')
                                                    for side, lock in sides.items()}))
    assert (by["arrow"]["severity"], by["geo-lib"]["severity"]) == ("low", "medium")
    (arrow,) = [e for e in by["arrow"]["evidence"] if e["kind"] == "new-dependency"]
    assert arrow["text"].endswith("new code arrives with it, though only as pure-Python wheels (nothing to build)")
    (geo,) = [e for e in by["geo-lib"]["evidence"] if e["kind"] == "new-dependency"]
    assert geo["text"].endswith("new code and new build steps arrive with it") and geo["level"] == "medium"


@pytest.mark.parametrize("entry, severity", [('{ version = ">=1.24" }', "critical"),
                                             ('{ version = ">=1.24", python = ">=3.9" }', "info"),
                                             ("""{ version = ">=1.24", markers = "python_version >= '3.9'" }""", "info")])
def test_a_dependency_the_project_asks_for_only_on_newer_pythons_is_not_a_runtime_break(cli, tmp_path, entry,
                                                                                       severity) -> None:
    """numpy 1.26 needs Python 3.9 and the project supports 3.8, but a Poetry entry limited to Python >= 3.9 (by
    `python` or `markers`) never installs it on 3.8: nothing to weigh (a real textual pair had this shape)."""
    import shutil

    shutil.copytree(fixture("pypi", "python-floor"), tmp_path / "case")
    for side in ("before", "after"):
        (tmp_path / "case" / side / "pyproject.toml").write_text(
            '[tool.poetry]\nname = "survey-stats"\nversion = "0.9.0"\ndescription = ""\nauthors = []\n\n'
            f'[tool.poetry.dependencies]\npython = ">=3.8"\nnumpy = {entry}\n')
    numpy = _diff_paths(cli, tmp_path / "case" / "before" / "poetry.lock", tmp_path / "case" / "after" / "poetry.lock")
    assert numpy["numpy"]["severity"] == severity


@pytest.mark.parametrize("markers, lost", [
    ('platform_system == "Linux" and platform_machine == "x86_64"', None),
    ('sys_platform == "linux"', "linux-arm64"),
    (None, "linux-arm64"),
])
def test_a_lost_wheel_counts_only_where_the_package_is_installed(cli, tmp_path, markers, lost) -> None:
    """cuda-jit 12.4.127 dropped its linux-arm64 wheel; torch-like pulls it (through cuda-solver) only where its
    markers say. Only x86_64 Linux: the arm64 loss is never missed (a real open-interpreter pair had this shape);
    all Linux, or everywhere: it is."""
    def block(name: str, version: str, deps: dict[str, str], wheels: list[str]) -> str:
        listed = "".join(f'{k} = {v}\n' for k, v in deps.items())
        items = "".join(f'    {{file = "{w}", hash = "sha256:{"0" * 64}"}},\n' for w in wheels)
        return (f'[[package]]\nname = "{name}"\nversion = "{version}"\ndescription = ""\noptional = false\n'
                f'python-versions = ">=3"\nfiles = [\n{items}]\n' + (f"\n[package.dependencies]\n{listed}" if deps else "")
                + "\n")

    edge = ('{version = "11.4.5", markers = "' + markers.replace('"', '\\"') + '"}') if markers else '"11.4.5"'
    arches = {"before": ["manylinux2014_x86_64", "manylinux2014_aarch64"], "after": ["manylinux2014_x86_64"]}
    for side, version in (("before", "12.4.99"), ("after", "12.4.127")):
        lock = (block("cuda-jit", version, {}, [f"cuda_jit-{version}-py3-none-{a}.whl" for a in arches[side]])
                + block("cuda-solver", "11.4.5", {"cuda-jit": '"*"'}, ["cuda_solver-11.4.5-py3-none-manylinux2014_x86_64.whl"])
                + block("torch-like", "2.2.0", {"cuda-solver": edge}, ["torch_like-2.2.0-py3-none-any.whl"])
                + '[metadata]\nlock-version = "2.0"\npython-versions = "^3.10"\ncontent-hash = "x"\n')
        (tmp_path / side).mkdir()
        (tmp_path / side / "poetry.lock").write_text(lock)
        (tmp_path / side / "pyproject.toml").write_text('[tool.poetry]\nname = "x"\nversion = "0"\ndescription = ""\n'
                                                        'authors = []\n\n[tool.poetry.dependencies]\npython = "^3.10"\n'
                                                        'torch-like = "^2.2"\n')
    jit = _diff_paths(cli, tmp_path / "before" / "poetry.lock", tmp_path / "after" / "poetry.lock")["cuda-jit"]
    platform = [e["text"] for e in jit["evidence"] if e["kind"] == "platform"]
    if lost is None:
        assert platform == [] and jit["severity"] == "info"
    else:
        assert platform and f"has no wheel for {lost}" in platform[0] and jit["severity"] == "high"
