"""`lockrisk audit`: the pre-upgrade exposure report, offline and against a recorded registry."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import responses

from conftest import fixture
from test_registry import play


@pytest.fixture
def before(tmp_path: Path) -> Path:
    shutil.copytree(fixture("rubygems", "incident", "before"), tmp_path / "app")
    return tmp_path / "app"


def test_audit_with_a_registry_that_knows_connection_pool_3(cli, before: Path, online) -> None:
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        play(rsps, "rubygems", "success")
        # every other gem: the registry has nothing newer to say
        rsps.add(responses.GET, re.compile(r"https://rubygems\.example/.*"), status=404, body="not here")
        result = cli(["audit", "Gemfile.lock", "--format", "json"], cwd=before)
    assert result.code == 3, result.err  # the 404s left other gems unchecked: incomplete, not clear
    report = result.json()
    assert "minitest" in report["unchecked"] and "connection_pool" not in report["unchecked"]
    (cp,) = [c for c in report["changes"] if c["name"] == "connection_pool"]
    assert report["changes"][0]["name"] == "connection_pool"
    assert (cp["from"], cp["to"], cp["jump"]) == ("2.5.5", "3.0.2", "major")
    assert cp["tier"] == "runtime-critical" and cp["floor_only"] is True and cp["direct"] is False
    assert {d["name"] for d in cp["dependents"]} == {"activesupport", "sidekiq", "redis-client", "react-rails"}
    assert cp["registry"]["latest"] == "3.0.2" and cp["registry"]["latest_in_major"] == "2.5.5"
    assert cp["registry"]["released"].startswith("2025-12-22")
    assert cp["registry"]["changelog"].endswith("Changes.md")
    assert cp["pin"]["requirement"] == "~> 2.5"
    assert 'gem "connection_pool", "~> 2.5"' in cp["pin"]["text"]
    assert any("look-ups failed" in n for n in report["notes"])


def test_audit_offline_lists_the_floor_only_exposure_without_asking(cli, before: Path) -> None:
    with responses.RequestsMock(assert_all_requests_are_fired=False):  # any request would raise
        result = cli(["audit", "--offline", "--format", "json"], cwd=before)
    assert result.code == 0, result.err
    report = result.json()
    names = [c["name"] for c in report["changes"]]
    assert names[0] == "connection_pool"
    cp = report["changes"][0]
    assert cp["jump"] == "exposed" and "registry" not in cp
    assert "minitest" in names and "rack" not in names  # actionpack 7.2 caps rack: ">= 2.2.4, < 3.2"
    assert any(n.startswith("offline: ") for n in report["notes"])


def test_a_newer_dependent_release_is_offered_as_the_other_fix(cli, before: Path, online) -> None:
    sidekiq_info = ("---\n7.3.9 connection_pool:>= 2.3.0,logger:>= 0,rack:>= 2.2.4,redis-client:>= 0.22.2|checksum:aa\n"
                    "8.1.0 connection_pool:>= 3.0.0,logger:>= 1.6.2,rack:>= 3.1.0,redis-client:>= 0.26.0|checksum:bb\n")
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        play(rsps, "rubygems", "success")
        rsps.get("https://rubygems.example/info/sidekiq", body=sidekiq_info)
        rsps.add(responses.GET, re.compile(r"https://rubygems\.example/.*"), status=404, body="not here")
        result = cli(["audit", "Gemfile.lock", "-f", "text"], cwd=before)
    assert result.code == 3, result.err
    assert ("registry: sidekiq 8.1.0 declares connection_pool >= 3.0.0, built for the new major: "
            "upgrading sidekiq is the other way forward") in result.out
    assert "registry: newest on the 2.5.5 line: 2.5.5" in result.out


@pytest.mark.parametrize("fmt", ["text", "markdown", "json"])
def test_every_look_up_failing_is_never_an_all_clear(cli, before: Path, fmt: str, online) -> None:
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        rsps.add(responses.GET, re.compile(r"https://rubygems\.example/.*"), status=404, body="not here")
        result = cli(["audit", "Gemfile.lock", "-f", fmt], cwd=before)
    assert result.code == 3, result.err
    offline = cli(["audit", "Gemfile.lock", "--offline", "-f", "json"], cwd=before).json()
    exposed = len(offline["changes"])
    assert exposed > 5
    if fmt == "json":
        assert len(result.json()["unchecked"]) == exposed and result.json()["changes"] == []
    else:
        assert "no risky changes" not in result.out.lower()
        assert f"incomplete: {exposed} packages could not be checked" in result.out
