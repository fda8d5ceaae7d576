"""Real before/after lockfile pairs from public projects (../shared/corpus; skipped when absent).

Each expectation below was checked by hand against the two lockfiles and the manifests.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import CORPUS, corpus_case, corpus_cases, requires_corpus
from lockrisk.manifests.gemfile import read_gemfile_groups
from lockrisk.parsers import load_path

pytestmark = requires_corpus


def lockfile_in(side: Path) -> Path:
    for name in ("Gemfile.lock", "poetry.lock", "uv.lock"):
        if (side / name).is_file():
            return side / name
    raise AssertionError(f"no lockfile in {side}")


@pytest.mark.parametrize("case", corpus_cases("rubygems") + corpus_cases("pypi"), ids=lambda p: p.name)
def test_every_corpus_lockfile_parses_on_both_sides(case: Path) -> None:
    for side in ("before", "after"):
        lf = load_path(lockfile_in(case / side))
        assert len(lf.packages) > 50
        assert lf.direct, "direct requirements come from the manifest beside the lock"


def breaking(cli, eco: str, name: str) -> dict[str, tuple]:
    case = corpus_case(eco, name)
    lock = lockfile_in(case / "after").name
    result = cli(["diff", case / "before" / lock, case / "after" / lock, "--format", "json"])
    assert result.code == 0, result.err
    out = {}
    for c in result.json()["changes"]:
        if c["jump"] in ("major", "source"):
            origin = "direct" if c["direct"] else ("forced" if c["forced"] else "floated")
            out[c["name"]] = (c["from"], c["to"], c["direction"], origin, c["floor_only"])
    return out


def family(cli, eco: str, name: str, head: str) -> dict:
    case = corpus_case(eco, name)
    lock = lockfile_in(case / "after").name
    report = cli(["diff", case / "before" / lock, case / "after" / lock, "--format", "json"]).json()
    return next(c for c in report["changes"] if c["name"] == head)


def test_lobsters_rails_71_rack_3(cli) -> None:
    # Rails 7.0 -> 7.1 is a minor; rack 3 is forced by the new rack-session (>= 3.0.0) and rackup (>= 3);
    # net-imap and net-smtp cross 0.x minors with only bare requirements from mail.
    assert breaking(cli, "rubygems", "lobsters-rack-3") == {
        "rack": ("2.2.8", "3.0.8", "up", "forced", False),
        "net-imap": ("0.3.7", "0.4.8", "up", "floated", True),
        "net-smtp": ("0.3.3", "0.4.0", "up", "floated", True),
    }


def test_rubygems_org_faraday_downgrade(cli) -> None:
    # a revert: elasticsearch-transport 7.5.0 requires faraday (>= 0.14, < 1), pulling faraday back below 1.0
    assert breaking(cli, "rubygems", "rubygems.org-faraday-downgrade") == {
        "hashie": ("5.0.0", "4.1.0", "down", "floated", True),
        "faraday_middleware-aws-sigv4": ("0.6.1", "0.5.0", "down", "direct", False),
    }
    # faraday's downgrade is weighed inside the elasticsearch downgrade that forced it
    es = family(cli, "rubygems", "rubygems.org-faraday-downgrade", "elasticsearch")
    assert es["family_members"] == ["elasticsearch-api", "elasticsearch-transport", "faraday"]
    assert es["severity"] == "medium" and any(e["kind"] == "downgrade" and e["text"].startswith("faraday 1.10.0 -> 0.17.4")
                                              for e in es["evidence"])


def test_rubygems_org_rails_40(cli) -> None:
    found = breaking(cli, "rubygems", "rubygems.org-rails-4.0")
    assert found["rails"] == ("3.2.21", "4.0.12", "up", "direct", False)
    assert found["mime-types"] == ("1.25.1", "2.4.3", "up", "floated", False)
    # actionpack, activerecord & co. moved with rails through exact pins, and arel because activerecord 4.0.12
    # requires arel (~> 4.0.0): all of them fold into the rails finding
    assert "actionpack" not in found and "activesupport" not in found and "arel" not in found
    assert set(found) == {"rails", "mime-types", "jquery-rails", "coffee-rails", "sass-rails", "rdoc"}
    case = corpus_case("rubygems", "rubygems.org-rails-4.0")
    report = cli(["diff", case / "before" / "Gemfile.lock", case / "after" / "Gemfile.lock", "-f", "json"]).json()
    rails = next(c for c in report["changes"] if c["name"] == "rails")
    assert rails["family_members"][-1] == "arel" and "actionpack" in rails["family_members"]
    texts = [e["text"] for e in rails["evidence"]]
    assert "arel 3.0.3 -> 4.0.2: declared: activerecord 4.0.12 requires arel 4.x" in texts
    assert ("arel 4.0.2 moved with it through activerecord 4.0.12, which requires it: reverting or capping it holds "
            "it back too") in texts


def test_openstreetmap_connection_pool_3_was_a_deliberate_ceiling_lift(cli) -> None:
    # the Gemfile moved its own requirement from "< 3.0.0" to "< 4.0.0": direct and intended
    case = corpus_case("rubygems", "openstreetmap-connection_pool-3")
    result = cli(["diff", case / "before" / "Gemfile.lock", case / "after" / "Gemfile.lock", "-f", "json"])
    (change,) = result.json()["changes"]
    assert (change["name"], change["from"], change["to"], change["direct"]) == ("connection_pool", "2.5.5", "3.0.2", True)
    # lifting a ceiling lets the new version in; nothing excludes the old one, so it is intended, not forced
    assert (change["intended"], change["forced"], change["forced_by"]) == (True, False, [])
    assert change["intended_by"] == ["Gemfile changed its requirement from < 3.0.0 to < 4.0.0"]
    assert change["dependents"] == [
        {"name": "activesupport", "version": "8.1.3", "requirement": ">= 2.2.5", "floor_only": True, "admits_old": True,
         "markers": None}
    ]
    assert change["severity"] == "low"


def test_poetry_cffi_2(cli) -> None:
    found = breaking(cli, "pypi", "poetry-cffi-2")
    assert found["cryptography"] == ("43.0.3", "46.0.3", "up", "floated", True)
    # cryptography 46 requires cffi >=2.0.0 on CPython, which excludes 1.17.1: cffi is weighed inside cryptography
    assert "cffi" not in found
    crypto = family(cli, "pypi", "poetry-cffi-2", "cryptography")
    assert crypto["family_members"] == ["cffi"] and crypto["severity"] == "high"
    assert "cffi 1.17.1 -> 2.0.0: declared: cryptography 46.0.3 requires cffi 2.x; never declared support: xattr " \
           ">=1.16.0" in [e["text"] for e in crypto["evidence"]]
    assert found["zstandard"][3] == "floated"
    assert {k for k, v in found.items() if v[3] == "direct"} == {"pytest", "pytest-cov", "pytest-randomly"}


def test_saleor_lock_11_chardet_4(cli) -> None:
    found = breaking(cli, "pypi", "saleor-lock-1.1-chardet-4")
    assert found == {
        "chardet": ("3.0.4", "4.0.0", "up", "floated", False),
        "h11": ("0.11.0", "0.12.0", "up", "floated", True),
        "black": ("19.10b0", "20.8b1", "up", "direct", False),
        "isort": ("4.3.21", "5.7.0", "up", "direct", False),
    }


def test_poetry_calver_is_not_a_major_and_git_moves_are_seen(cli) -> None:
    case = corpus_case("pypi", "poetry-calver-and-pathspec-1")
    result = cli(["diff", case / "before" / "poetry.lock", case / "after" / "poetry.lock", "-f", "json"])
    by = {c["name"]: c for c in result.json()["changes"]}
    assert by["certifi"]["jump"] == "calver" and by["certifi"]["severity"] == "info"
    assert by["pathspec"]["jump"] == "major" and by["pathspec"]["from"] == "0.12.1"
    core = by["poetry-core"]
    assert core["jump"] == "source" and core["from"] == core["to"] == "2.2.1"
    assert core["source_from"]["revision"] != core["source_to"]["revision"]


def test_saleor_protobuf_5_downgrade_across_a_0x_minor(cli) -> None:
    """grpcio-status 1.64.1 requires protobuf >=5.26.1: protobuf 5 is weighed inside that minor, and so are the
    packages whose old versions need protobuf < 5 (grpc-google-iam-v1 0.13.0 went back to 0.12.4 for it)."""
    found = breaking(cli, "pypi", "saleor-protobuf-5")
    assert "protobuf" not in found and "grpc-google-iam-v1" not in found
    status = family(cli, "pypi", "saleor-protobuf-5", "grpcio-status")
    assert (status["from"], status["to"]) == ("1.62.2", "1.64.1")
    assert set(status["family_members"]) == {"protobuf", "grpc-google-iam-v1", "google-api-core", "proto-plus"}
    texts = [e["text"] for e in status["evidence"]]
    assert "grpc-google-iam-v1 0.13.0 -> 0.12.4: downgrade across a major: 0.13.0 -> 0.12.4; code written for 0.13.0 meets an older API" in texts
    assert status["severity"] == "medium"
    assert any(t.startswith("google-api-core 2.19.1rc0, grpc-google-iam-v1 0.12.4, proto-plus 1.24.0 moved with it: "
                            "their old versions cannot live with what it brought in") for t in texts)


def test_gemfile_groups_on_corpus_gemfiles() -> None:
    lobsters = read_gemfile_groups((corpus_case("rubygems", "lobsters-rack-3") / "after" / "Gemfile").read_text())[0]
    assert set(lobsters["rspec-rails"]) == {"test", "development"}
    assert lobsters["rails"] == ("default",)
    rails = read_gemfile_groups((corpus_case("rubygems", "rails-dev-bundle-2024-01") / "after" / "Gemfile").read_text())[0]
    assert rails["pg"] == ("db",)  # a group block nested in a platforms block
    assert rails["nokogiri"] == ("default",)
    assert "rubocop" in rails["rubocop"]


def test_pyproject_groups_on_corpus_projects() -> None:
    lf = load_path(corpus_case("pypi", "saleor-markupsafe-3") / "after" / "poetry.lock")
    groups = {r.key: r.groups for r in lf.direct}
    assert groups["pytest"] == ("dev",) and groups["django"] == ("main",)
    poetry = load_path(corpus_case("pypi", "poetry-cffi-2") / "after" / "poetry.lock")
    pgroups = {r.key: r.groups for r in poetry.direct}
    assert pgroups["pytest"] == ("test",)
    assert "typing" in {g for r in poetry.direct for g in r.groups}


def test_corpus_is_where_we_expect() -> None:
    assert (CORPUS / "rubygems").is_dir() and (CORPUS / "pypi").is_dir()


def test_saleor_uv_faker_is_a_direct_test_only_jump(cli) -> None:
    found = breaking(cli, "pypi", "saleor-uv-faker-40")
    assert found == {"faker": ("26.3.0", "40.32.0", "up", "direct", False)}
