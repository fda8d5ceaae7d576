"""Registry clients against recorded responses (tests/cassettes, placeholder hosts), on the wire with `responses`."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
import requests
import responses

from lockrisk.errors import RegistryError
from lockrisk.registry.facts import summarise
from lockrisk.registry.http import HttpClient, redact
from lockrisk.registry.pypi import PyPIClient
from lockrisk.registry.rubygems import RubyGemsClient, parse_compact_info

CASSETTES = Path(__file__).parent / "cassettes"
GEMS = "https://rubygems.example"
INDEX = "https://pypi.example/simple"
ERRORS = {"ReadTimeout": requests.exceptions.ReadTimeout, "ConnectTimeout": requests.exceptions.ConnectTimeout}


def play(rsps: responses.RequestsMock, registry: str, scenario: str) -> list:
    data = json.loads((CASSETTES / registry / f"{scenario}.json").read_text())
    registered = []
    for item in data["interactions"]:
        req, resp = item["request"], item["response"]
        if "error" in resp:
            registered.append(rsps.add(req["method"], req["url"], body=ERRORS[resp["error"]]()))
        else:
            registered.append(rsps.add(req["method"], req["url"], status=resp["status"], body=resp["body"],
                                       headers=resp["headers"]))
    return registered


def releases(registry: str, http: HttpClient) -> list:
    """The call each scenario exercises: the version listing of one package."""
    if registry == "rubygems":
        return RubyGemsClient(http, GEMS).releases("connection_pool")
    return PyPIClient(http, INDEX).releases("sqlalchemy")


@pytest.fixture
def rsps():
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


@pytest.fixture
def waits() -> list[float]:
    return []


@pytest.fixture
def http(tmp_path: Path, waits: list[float]) -> HttpClient:
    return HttpClient(cache_dir=tmp_path / "cache", sleep=waits.append, budget=60)


def test_compact_index_success(rsps, http) -> None:
    play(rsps, "rubygems", "success")
    client = RubyGemsClient(http, GEMS + "/")
    versions = [r.version for r in client.releases("connection_pool")]
    assert versions[-3:] == ["3.0.0", "3.0.1", "3.0.2"] and "2.5.5" in versions
    dates = client.release_dates("connection_pool")
    assert dates["3.0.2"].startswith("2025-12-22")
    assert client.links("connection_pool")["changelog"].endswith("Changes.md")


def test_compact_index_lines_with_dependencies() -> None:
    text = "---\n1.0.0 rack:>= 2.2.4&< 4,logger:>= 0|checksum:ab,ruby:>= 2.7\n1.0.0-java |checksum:cd\n"
    releases = parse_compact_info(text)
    assert releases[0].dependencies == {"rack": ">= 2.2.4, < 4", "logger": ">= 0"}
    assert (releases[1].version, releases[1].platform) == ("1.0.0", "java")
    with pytest.raises(RegistryError):
        parse_compact_info("<html>not an index</html>")


def test_second_run_revalidates_with_etag_and_uses_the_cache(rsps, tmp_path: Path) -> None:
    data = json.loads((CASSETTES / "rubygems" / "success.json").read_text())["interactions"][0]
    first = rsps.get(f"{GEMS}/info/connection_pool", body=data["response"]["body"], headers={"ETag": '"cp-info-1"'})
    cache = tmp_path / "cache"
    RubyGemsClient(HttpClient(cache_dir=cache), GEMS).releases("connection_pool")
    rsps.remove(first)
    revalidated = rsps.get(f"{GEMS}/info/connection_pool", status=304,
                           match=[responses.matchers.header_matcher({"If-None-Match": '"cp-info-1"'})])
    again = HttpClient(cache_dir=cache)
    versions = [r.version for r in RubyGemsClient(again, GEMS).releases("connection_pool")]
    assert "3.0.2" in versions and len(revalidated.calls) == 1


@pytest.mark.parametrize("registry", ["rubygems", "pypi"])
def test_not_found_is_a_registry_error(rsps, http, registry: str) -> None:
    play(rsps, registry, "not-found")
    with pytest.raises(RegistryError, match="HTTP 404"):
        if registry == "rubygems":
            RubyGemsClient(http, GEMS).releases("no_such_gem")
        else:
            PyPIClient(http, INDEX).releases("no-such-project")


@pytest.mark.parametrize("registry, expected_wait", [("rubygems", 2.0), ("pypi", 1.0)])
def test_429_honours_retry_after(rsps, http, waits, registry: str, expected_wait: float) -> None:
    play(rsps, registry, "rate-limited")
    assert releases(registry, http)
    assert waits == [expected_wait]


@pytest.mark.parametrize("registry", ["rubygems", "pypi"])
def test_5xx_then_success_backs_off(rsps, http, waits, registry: str) -> None:
    calls = play(rsps, registry, "server-error-then-success")
    if registry == "rubygems":
        assert RubyGemsClient(http, GEMS).releases("connection_pool")
        assert waits == [0.5, 1.0]
    else:
        assert PyPIClient(http, INDEX).releases("sqlalchemy")
        assert waits == [0.5]
    assert http.requests_made == len(calls)


@pytest.mark.parametrize("registry", ["rubygems", "pypi"])
def test_timeouts_give_up_with_a_one_line_reason(rsps, http, registry: str) -> None:
    play(rsps, registry, "timeout")
    with pytest.raises(RegistryError, match="Timeout"):
        releases(registry, http)
    assert http.requests_made == 3


@pytest.mark.parametrize("registry", ["rubygems", "pypi"])
def test_invalid_json_is_a_registry_error(rsps, http, registry: str) -> None:
    play(rsps, registry, "invalid-json")
    with pytest.raises(RegistryError, match="not valid JSON"):
        if registry == "rubygems":
            RubyGemsClient(http, GEMS).release_dates("connection_pool")
        else:
            PyPIClient(http, INDEX).releases("sqlalchemy")


@pytest.mark.parametrize("registry", ["rubygems", "pypi"])
def test_truncated_body_is_detected(rsps, http, registry: str) -> None:
    play(rsps, registry, "truncated")
    with pytest.raises(RegistryError, match="truncated"):
        releases(registry, http)


def test_simple_api_versions_upload_times_yanks_and_core_metadata(rsps, http) -> None:
    play(rsps, "pypi", "success")
    client = PyPIClient(http, INDEX)
    releases = {r.version: r for r in client.releases("SQLAlchemy")}
    assert releases["2.0.38"].uploaded == "2025-02-06T20:38:03.112Z"
    assert releases["1.4.52"].yanked is False  # only one of its files is yanked
    meta = client.core_metadata(releases["2.0.38"])
    assert "typing-extensions>=4.6.0" in meta.requires_dist
    assert meta.project_urls["Changelog"].startswith("https://docs.sqlalchemy.org/")


def test_offline_makes_no_request(rsps) -> None:
    with pytest.raises(RegistryError, match="offline"):
        HttpClient(offline=True).get(f"{GEMS}/info/rack")


def test_credentials_are_never_printed() -> None:
    assert redact("https://user:s3cret@gems.acme.example/private/") == "https://gems.acme.example/private/"


def test_summarise_picks_the_old_major_line_and_release_age() -> None:
    versions = {"2.5.4": "2025-09-10T16:33:21Z", "2.5.5": "2025-11-20T10:12:13Z", "2.6.0.rc1": None,
                "3.0.0": "2025-12-17T17:02:55Z", "3.0.2": "2025-12-22T13:05:09Z"}
    facts = summarise("rubygems", versions, "2.5.5", "3.0.2", dt.datetime(2025, 12, 25, tzinfo=dt.timezone.utc), set())
    assert (facts.latest, facts.latest_in_major, facts.age_days, facts.versions_skipped) == ("3.0.2", "2.5.5", 2, 1)
    gone = summarise("pypi", {"1.0": None}, "0.9", "1.0", dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc), set())
    assert gone.yanked == ("0.9",)


def test_a_fresh_cached_response_makes_no_request(rsps, tmp_path: Path) -> None:
    data = json.loads((CASSETTES / "rubygems" / "success.json").read_text())["interactions"][0]
    rsps.get(f"{GEMS}/info/rack", body=data["response"]["body"], headers={"Cache-Control": "max-age=60"})
    cache = tmp_path / "cache"
    RubyGemsClient(HttpClient(cache_dir=cache), GEMS).releases("rack")
    second = HttpClient(cache_dir=cache)
    assert RubyGemsClient(second, GEMS).releases("rack")
    assert second.requests_made == 0


def test_simple_api_revalidates_with_etag(rsps, tmp_path: Path) -> None:
    data = json.loads((CASSETTES / "pypi" / "success.json").read_text())["interactions"][0]["response"]
    first = rsps.get(f"{INDEX}/sqlalchemy/", body=data["body"], headers={"ETag": '"sa-1"'})
    cache = tmp_path / "cache"
    PyPIClient(HttpClient(cache_dir=cache), INDEX).releases("sqlalchemy")
    rsps.remove(first)
    revalidated = rsps.get(f"{INDEX}/sqlalchemy/", status=304,
                           match=[responses.matchers.header_matcher({"If-None-Match": '"sa-1"'})])
    versions = {r.version for r in PyPIClient(HttpClient(cache_dir=cache), INDEX).releases("sqlalchemy")}
    assert "2.0.38" in versions and len(revalidated.calls) == 1


def test_an_unreachable_host_is_asked_once_not_for_every_package(tmp_path: Path) -> None:
    """A runner with no route to the registry: the first failure stands for the rest of the run."""
    import requests

    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.add(responses.GET, re.compile(r"https://rubygems\.example/.*"),
                 body=requests.exceptions.ConnectionError("no route to host"))
        http = HttpClient(cache_dir=tmp_path, sleep=lambda s: None)
        client = RubyGemsClient(http, GEMS)
        errors = []
        for name in ("rack", "puma", "sidekiq", "rails", "pg"):
            with pytest.raises(RegistryError) as exc:
                client.releases(name)
            errors.append(exc.value.message)
    assert http.requests_made == 3  # the first package's three tries, then nothing
    assert errors[0] == "https://rubygems.example/info/rack: ConnectionError"
    assert errors[-1] == ("https://rubygems.example/info/pg: ConnectionError (the host did not answer earlier; "
                          "not asked again)")
