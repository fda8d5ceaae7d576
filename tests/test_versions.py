"""Version and constraint semantics, checked against the ecosystems' documented rules."""

from __future__ import annotations

import pytest

from lockrisk.errors import VersionError
from lockrisk.versions import scheme_for
from lockrisk.versions.jump import classify, classify_texts
from lockrisk.versions.pep440 import PoetryConstraint
from lockrisk.versions.rubygems import GemRequirement, GemVersion

RUBY = scheme_for("rubygems")
PY = scheme_for("pypi")


@pytest.mark.parametrize(
    "smaller, larger",
    [
        ("1.0.a", "1.0"),
        ("1.0.beta9", "1.0.rc1"),
        ("1.0.rc9", "1.0.rc10"),
        ("1.0", "1.0.1.a"),
        ("7.0.8", "7.0.8.1"),
        ("1.9", "1.10"),
        ("8.0.0.rc1", "8.0.0"),
        ("5.0.1.20140414130214", "5.0.2"),
        ("1.0.0-rc1", "1.0.0"),
    ],
)
def test_gem_version_order(smaller: str, larger: str) -> None:
    assert GemVersion(smaller) < GemVersion(larger)
    assert not GemVersion(larger) < GemVersion(smaller)


@pytest.mark.parametrize("a, b", [("1.0.0", "1"), ("1.0.0.a", "1.a"), ("2.5", "2.5.0")])
def test_gem_version_canonical_equality(a: str, b: str) -> None:
    assert GemVersion(a) == GemVersion(b)


@pytest.mark.parametrize("bad", ["v1.0", "three.oh", "1..2", ""])
def test_gem_version_rejects_invalid(bad: str) -> None:
    if bad == "":
        assert GemVersion(bad) == GemVersion("0")
    else:
        with pytest.raises(VersionError):
            GemVersion(bad)


@pytest.mark.parametrize(
    "requirement, version, admitted",
    [
        ("~> 2.5", "2.9.9", True),
        ("~> 2.5", "3.0.0", False),
        ("~> 2.5", "3.0.0.pre1", False),
        ("~> 2.5.3", "2.5.9", True),
        ("~> 2.5.3", "2.6.0", False),
        ("~> 0.3", "0.4.0", True),
        ("~> 0.3", "1.0", False),
        ("~> 1.0.0.beta", "1.0.5", True),
        (">= 2.2, < 4", "3.2.0", True),
        (">= 2.2, < 4", "4.0.0", False),
        ("!= 1.5.0", "1.5", False),
        ("= 1.0", "1.0.0", True),
        ("", "99", True),
        ("1.2.3", "1.2.3", True),
    ],
)
def test_gem_requirement_admits(requirement: str, version: str, admitted: bool) -> None:
    assert GemRequirement(requirement).admits(version) is admitted


@pytest.mark.parametrize(
    "requirement, floor_only",
    [(">= 2.2.5", True), ("", True), (">= 0", True), ("!= 1.0", True), ("> 1", True),
     ("~> 2.5", False), ("< 3", False), (">= 1, < 3", False), ("= 8.1.3", False), ("<= 2", False)],
)
def test_gem_requirement_floor_only(requirement: str, floor_only: bool) -> None:
    assert GemRequirement(requirement).is_floor_only() is floor_only


@pytest.mark.parametrize(
    "constraint, version, admitted",
    [
        ("^1.2.3", "1.9.0", True),
        ("^1.2.3", "2.0.0", False),
        ("^0.2.3", "0.2.9", True),
        ("^0.2.3", "0.3.0", False),
        ("^0.0.3", "0.0.4", False),
        ("^0", "0.9", True),
        ("^0", "1.0", False),
        ("~1.2.3", "1.2.9", True),
        ("~1.2.3", "1.3.0", False),
        ("~1", "1.9", True),
        ("~1", "2.0", False),
        ("~=1.2", "1.9", True),
        ("~=1.2", "2.0", False),
        ("~=0.3", "0.9", True),
        ("1.*", "1.5.2", True),
        ("1.*", "2.0", False),
        ("*", "2026.10.18", True),
        ("26.3", "26.3", True),
        ("26.3", "26.4", False),
        (">=1.2, <1.5", "1.4", True),
        (">= 1.2 < 1.5", "1.5", False),
        ("^1.0 || ^2.0", "2.3", True),
        ("^1.0 || ^2.0", "3.0", False),
        (">=2.5,<4", "3.10", True),
        ("!=1.2.*", "1.2.4", False),
        (">=1.0", "2.0.0rc1", True),
    ],
)
def test_poetry_constraint_admits(constraint: str, version: str, admitted: bool) -> None:
    assert PoetryConstraint(constraint).admits(version) is admitted


@pytest.mark.parametrize(
    "constraint, floor_only",
    [(">=1.3.0", True), ("*", True), ("", True), (">=1.21.1,<3", False), ("^1.0", False),
     ("~=1.4", False), ("1.2.3", False), (">=1 || <2", True), ("^1.0 || >=3", True), ("!=2.0", True)],
)
def test_poetry_constraint_floor_only(constraint: str, floor_only: bool) -> None:
    assert PoetryConstraint(constraint).is_floor_only() is floor_only


def test_poetry_constraint_rejects_garbage() -> None:
    with pytest.raises(VersionError):
        PoetryConstraint(">=1.0,<<2")


@pytest.mark.parametrize(
    "ecosystem, old, new, kind, direction, crossed",
    [
        pytest.param("rubygems", "2.5.5", "3.0.2", "major", "up", 1, id="connection-pool"),
        pytest.param("rubygems", "3.0.5", "1.0", "major", "down", 2, id="sinatra-downgrade"),
        pytest.param("rubygems", "7.2.2.1", "8.1.3", "major", "up", 1, id="rails-four-segments"),
        pytest.param("rubygems", "7.0.8", "7.0.8.1", "patch", "up", 0, id="security-release"),
        pytest.param("rubygems", "3.1.16", "3.2.4", "minor", "up", 0, id="rack-minor"),
        pytest.param("rubygems", "0.24.1", "0.25.0", "major", "up", 1, id="zero-minor-is-major"),
        pytest.param("rubygems", "0.24.1", "0.24.2", "patch", "up", 0, id="zero-patch"),
        pytest.param("rubygems", "8.0.0.rc1", "8.0.0", "patch", "up", 0, id="rc-to-final"),
        pytest.param("rubygems", "1.0", "1.0.0", "none", "same", 0, id="same-canonical"),
        pytest.param("pypi", "2022.12.7", "2026.10.18", "calver", "up", 0, id="certifi-calver"),
        pytest.param("pypi", "1.26.18", "2.2.3", "major", "up", 1, id="urllib3"),
        pytest.param("pypi", "0.0.3", "0.0.4", "major", "up", 1, id="zero-zero"),
        pytest.param("pypi", "0.0.7", "0.0.33", "major", "up", 1, id="zero-zero-far-is-one-step"),
        pytest.param("rubygems", "0.0.29", "0.0.4", "major", "down", 1, id="zero-zero-down-is-one-step"),
        pytest.param("pypi", "0.0.9", "0.1.0", "major", "up", 1, id="zero-zero-to-zero-minor"),
        pytest.param("pypi", "2.1.0+cu118", "2.1.0+cu121", "patch", "up", 0, id="local-version"),
        pytest.param("pypi", "1.0.post1", "1.0.post2", "patch", "up", 0, id="post-release"),
        pytest.param("pypi", "2.0.0b3", "2.0.0", "patch", "up", 0, id="beta-to-final"),
        pytest.param("pypi", "1.4.52", "2.0.36", "major", "up", 1, id="sqlalchemy"),
    ],
)
def test_classify(ecosystem: str, old: str, new: str, kind: str, direction: str, crossed: int) -> None:
    jump = classify_texts(scheme_for(ecosystem), old, new)
    assert (jump.kind, jump.direction, jump.majors_crossed) == (kind, direction, crossed)


def test_classify_flags_prerelease_and_initial_development() -> None:
    j = classify_texts(RUBY, "6.0.0.rc1", "7.0.0")
    assert j.prerelease and not j.initial_development
    z = classify_texts(PY, "0.24.0", "0.25.0")
    assert z.initial_development and not z.prerelease


@pytest.mark.parametrize(
    "ecosystem, version, ceiling, admits, excludes",
    [
        ("rubygems", "2.5.5", "~> 2.5", "2.9.0", "3.0.2"),
        ("rubygems", "0.24.1", "~> 0.24.0", "0.24.9", "0.25.0"),
        ("pypi", "1.26.14", ">=1.26.14,<2", "1.26.20", "2.0.0"),
        ("pypi", "0.24.1", ">=0.24.1,<0.25", "0.24.3", "0.25.0"),
    ],
)
def test_ceiling_keeps_the_old_line_open(ecosystem: str, version: str, ceiling: str, admits: str, excludes: str) -> None:
    scheme = scheme_for(ecosystem)
    assert scheme.ceiling_for(version) == ceiling
    c = scheme.constraint(ceiling)
    assert c.admits(version) and c.admits(admits) and not c.admits(excludes)


def test_a_known_calendar_scheme_makes_a_new_two_digit_year_a_calendar_move() -> None:
    assert classify_texts(PY, "21.3.0", "22.10.0").kind == "major"
    calendar = classify(PY.parse("21.3.0"), PY.parse("22.10.0"), calendar=True)
    assert (calendar.kind, calendar.direction, calendar.majors_crossed) == ("calver", "up", 0)
    # within one year the usual rules hold
    assert classify(PY.parse("24.7.0"), PY.parse("24.7.2"), calendar=True).kind == "patch"
