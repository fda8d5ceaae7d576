"""Pin suggestions: printed, as a patch, written in place, refused when unsafe, and checked for staleness."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import fixture, requires_bundler

try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib

from lockrisk.versions import scheme_for

# Evaluates a Gemfile with the Bundler DSL methods stubbed out, and prints each gem's requirement as
# RubyGems parses it, plus whether that requirement admits two versions given on the command line.
GEMFILE_PROBE = r'''
require "json"
$gems = {}
def source(*) = yield_self { block_given? ? yield : nil }
def ruby(*) = nil
def git_source(*) = nil
def gemspec(*) = nil
def group(*, **) = yield
def platforms(*, **) = yield
def gem(name, *reqs, **opts) = ($gems[name] = reqs)
eval(File.read(ARGV[0]), binding, ARGV[0])
reqs = $gems.fetch(ARGV[1])
r = Gem::Requirement.new(*reqs)
puts JSON.generate({"requirement" => r.to_s, "admits" => r.satisfied_by?(Gem::Version.new(ARGV[2])),
                    "excludes" => !r.satisfied_by?(Gem::Version.new(ARGV[3]))})
'''


def inserted_lines(original: str, edited: str) -> list[str]:
    """The lines `edited` adds to `original`; fails if anything else changed."""
    import difflib

    a, b = original.splitlines(keepends=True), edited.splitlines(keepends=True)
    added = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        assert op in ("equal", "insert"), (op, a[i1:i2], b[j1:j2])
        if op == "insert":
            added += [ln.rstrip("\n") for ln in b[j1:j2]]
    return added


def copy_case(tmp_path: Path, *parts: str) -> Path:
    dest = tmp_path / parts[-1]
    shutil.copytree(fixture(*parts), dest)
    return dest


def pin(cli, case: Path, lock: str, *extra: str):
    return cli(["pin", "before/" + lock, "after/" + lock, *extra], cwd=case)


def test_incident_pin_is_printed_with_reason_removal_and_command(cli, tmp_path: Path) -> None:
    case = copy_case(tmp_path, "rubygems", "incident")
    result = pin(cli, case, "Gemfile.lock")
    assert result.code == 0, result.err
    assert 'gem "connection_pool", "~> 2.5"' in result.out
    assert "# lockrisk remove-when: sidekiq >= 8.0.10" in result.out
    assert "then run: bundle lock --update connection_pool" in result.out
    assert "floated in through activesupport >= 2.2.5, react-rails >= 0, redis-client >= 0, sidekiq >= 2.3.0" in result.out


def test_incident_write_is_valid_ruby_admits_the_old_line_and_is_idempotent(cli, tmp_path: Path) -> None:
    case = copy_case(tmp_path, "rubygems", "incident")
    gemfile = case / "after" / "Gemfile"
    original = gemfile.read_text()
    result = pin(cli, case, "Gemfile.lock", "--write")
    assert result.code == 0, result.err
    written = gemfile.read_bytes()
    text = written.decode()
    added = inserted_lines(original, text)  # a pure insertion: every other byte kept
    requirement_line = [ln for ln in added if ln.startswith("gem ")]
    assert requirement_line == ['gem "connection_pool", "~> 2.5"']
    ruby = scheme_for("rubygems").constraint("~> 2.5")
    assert ruby.admits("2.5.5") and not ruby.admits("3.0.2")
    again = pin(cli, case, "Gemfile.lock", "--write")
    assert again.code == 0
    assert "connection_pool: already pinned: the Gemfile already keeps connection_pool below 3.0.2" in again.err
    assert gemfile.read_bytes() == written
    assert [p.name for p in gemfile.parent.iterdir()] == ["Gemfile", "Gemfile.lock"]


@requires_bundler
def test_written_gemfile_passes_ruby_and_gem_requirement(cli, tmp_path: Path) -> None:
    case = copy_case(tmp_path, "rubygems", "incident")
    assert pin(cli, case, "Gemfile.lock", "--write").code == 0
    gemfile = case / "after" / "Gemfile"
    syntax = subprocess.run(["ruby", "-c", str(gemfile)], capture_output=True, text=True)
    assert syntax.returncode == 0 and "Syntax OK" in syntax.stdout
    probe = tmp_path / "probe.rb"
    probe.write_text(GEMFILE_PROBE)
    out = subprocess.run(["ruby", str(probe), str(gemfile), "connection_pool", "2.5.5", "3.0.2"],
                         capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == {"requirement": "~> 2.5", "admits": True, "excludes": True}


def test_a_ceiling_the_gemfile_already_has_is_left_to_a_person(cli, tmp_path: Path) -> None:
    case = copy_case(tmp_path, "rubygems", "incident")
    gemfile = case / "after" / "Gemfile"
    gemfile.write_text(gemfile.read_text() + 'gem "connection_pool", "< 4"\n')
    before = gemfile.read_bytes()
    result = pin(cli, case, "Gemfile.lock", "--write")
    assert result.code == 1  # one finding could not be pinned: the exit status says so
    line = len(before.decode().splitlines())
    assert result.err == (f"lockrisk: connection_pool: not pinned: line {line} already allows 3.0.2 with a ceiling "
                          "of its own (< 4): lower it by hand\n")
    assert gemfile.read_bytes() == before


def test_refuses_when_the_file_changed_since_it_was_read(cli, tmp_path: Path, monkeypatch) -> None:
    import lockrisk.edit as edit

    case = copy_case(tmp_path, "rubygems", "incident")
    gemfile = case / "after" / "Gemfile"
    real = edit.apply_edit

    def racing(text, change):  # someone saves the Gemfile while lockrisk is planning its edit
        gemfile.write_text(text + "# edited by someone else\n")
        return real(text, change)

    monkeypatch.setattr(edit, "apply_edit", racing)
    result = pin(cli, case, "Gemfile.lock", "--write")
    assert result.code == 2
    assert "after/Gemfile: changed since it was read; nothing written" in result.err
    assert gemfile.read_text().endswith("# edited by someone else\n")
    assert "lockrisk pin" not in gemfile.read_text()


def test_python_write_keeps_comments_and_parses(cli, tmp_path: Path) -> None:
    case = copy_case(tmp_path, "pypi", "incident")
    pyproject = case / "after" / "pyproject.toml"
    original = pyproject.read_text()
    result = pin(cli, case, "poetry.lock", "--write")
    assert result.code == 0, result.err  # sqlalchemy floated in undeclared: high; werkzeug was required: low
    text = pyproject.read_text()
    added = inserted_lines(original, text)
    assert added[-1] == '    "sqlalchemy (>=1.4.50,<2)",'
    comments = [ln for ln in original.splitlines() if ln.lstrip().startswith("#") or "  #" in ln]
    assert comments and all(c in text.splitlines() for c in comments)
    deps = tomllib.loads(text)["project"]["dependencies"]
    (entry,) = [d for d in deps if d.startswith("sqlalchemy")]
    from packaging.requirements import Requirement

    spec = Requirement(entry).specifier
    assert spec.contains("1.4.50") and not spec.contains("2.0.38")
    assert "poetry lock" in result.err


def test_poetry1_layout_and_command(cli, tmp_path: Path) -> None:
    case = copy_case(tmp_path, "pypi", "incident-poetry1")
    data = json.loads(pin(cli, case, "poetry.lock", "--format", "json").out)
    (sa,) = [p for p in data["pins"] if p["requirement"] == ">=1.4.50,<2"]
    assert sa["command"] == "poetry lock --no-update"
    assert 'sqlalchemy = ">=1.4.50,<2"' in sa["text"]
    assert pin(cli, case, "poetry.lock", "--write").code == 0
    table = tomllib.loads((case / "after" / "pyproject.toml").read_text())["tool"]["poetry"]["dependencies"]
    assert table["sqlalchemy"] == ">=1.4.50,<2"


def test_poetry2_command_and_pep621_layout(cli, tmp_path: Path) -> None:
    case = copy_case(tmp_path, "pypi", "incident")
    data = json.loads(pin(cli, case, "poetry.lock", "--format", "json").out)
    sa = next(p for p in data["pins"] if p["requirement"] == ">=1.4.50,<2")
    assert sa["command"] == "poetry lock"
    assert '"sqlalchemy (>=1.4.50,<2)",' in sa["text"]  # the file's own "name (spec)" style


def test_a_forced_move_is_pinned_through_the_package_that_forced_it(cli, tmp_path: Path) -> None:
    case = copy_case(tmp_path, "pypi", "incident")
    for side, line in (("before", '    "flask (>=2.3,<2.4)",\n'), ("after", '    "flask (>=3.0,<3.1)",\n')):
        manifest = case / side / "pyproject.toml"  # flask comes only through the flask-* extensions
        text = manifest.read_text()
        assert line in text
        manifest.write_text(text.replace(line, ""))
    # werkzeug 3 came because flask 3.0.3 requires it: no ceiling on werkzeug alone can resolve, one on flask can
    data = json.loads(pin(cli, case, "poetry.lock", "--pin-at", "low", "--format", "json").out)
    assert "werkzeug" not in {p["name"] for p in data["pins"]}
    flask = next(p for p in data["pins"] if p["name"] == "flask")
    assert flask["requirement"] == ">=2.3.3,<3" and '"flask (>=2.3.3,<3)",' in flask["text"]
    written = pin(cli, case, "poetry.lock", "--pin-at", "low", "--write")
    assert written.code == 0, written.err
    assert '"flask (>=2.3.3,<3)",' in (case / "after" / "pyproject.toml").read_text()


def test_a_move_the_projects_own_upgrade_brought_gets_no_pin(cli, tmp_path: Path) -> None:
    """rack-session 1.0.2 needs rack < 3 and the Gemfile asks for rack ~> 3.0: rack-session 2 came with the
    upgrade the project asked for, so it is shown inside rack's finding and no ceiling is offered for it."""
    case = copy_case(tmp_path, "rubygems", "rack-3")
    printed = pin(cli, case, "Gemfile.lock", "--pin-at", "low")
    assert printed.code == 0 and "rack-session" not in printed.out
    report = cli(["diff", "before/Gemfile.lock", "after/Gemfile.lock", "-f", "json"], cwd=case).json()
    rack = next(c for c in report["changes"] if c["name"] == "rack")
    assert rack["family_members"] == ["rack-session"] and "pin" not in rack
    assert "rack-session" not in [c["name"] for c in report["changes"]]


def test_a_pin_no_ceiling_can_resolve_is_named_and_fails_the_write(cli, tmp_path: Path) -> None:
    """hub 2 came in because a gem the project added requires it: a ceiling below 2 cannot resolve."""
    def lock(hub: str, added: bool) -> str:
        specs = ["    client (1.0.0)", "      hub (>= 1.0)", f"    hub ({hub})"]
        specs += ["    newgem (1.0.0)", "      hub (>= 2.0)"] if added else []
        return ("GEM\n  remote: https://rubygems.example/\n  specs:\n" + "\n".join(specs)
                + "\n\nPLATFORMS\n  ruby\n\nDEPENDENCIES\n  client\n" + ("  newgem\n" if added else "")
                + "\nBUNDLED WITH\n   2.5.0\n")

    for side, hub, added in (("before", "1.4.0", False), ("after", "2.0.0", True)):
        (tmp_path / side).mkdir()
        (tmp_path / side / "Gemfile.lock").write_text(lock(hub, added))
        (tmp_path / side / "Gemfile").write_text('source "https://rubygems.example"\ngem "client"\n'
                                                 + ('gem "newgem"\n' if added else ""))
    printed = pin(cli, tmp_path, "Gemfile.lock", "--pin-at", "low")
    assert "hub: no safe pin: newgem 1.0.0 requires >= 2.0" in printed.out, printed.out
    gemfile = (tmp_path / "after" / "Gemfile").read_bytes()
    written = pin(cli, tmp_path, "Gemfile.lock", "--pin-at", "low", "--write")
    assert written.code == 1  # a finding could not be pinned: the exit status says so
    assert "lockrisk: hub: not pinned: newgem 1.0.0 requires >= 2.0" in written.err
    assert (tmp_path / "after" / "Gemfile").read_bytes() == gemfile


def test_check_finds_a_stale_pin(cli, tmp_path: Path) -> None:
    case = copy_case(tmp_path, "rubygems", "incident")
    assert pin(cli, case, "Gemfile.lock", "--write").code == 0
    still = cli(["pin", "--check", "after/Gemfile.lock"], cwd=case)
    assert still.code == 0
    assert "connection_pool: keep (sidekiq is still 7.3.9; waiting for >= 8.0.10)" in still.out
    lock = case / "after" / "Gemfile.lock"
    lock.write_text(lock.read_text().replace("    sidekiq (7.3.9)", "    sidekiq (8.0.10)"))
    stale = cli(["pin", "--check", "after/Gemfile.lock"], cwd=case)
    assert stale.code == 1
    assert "connection_pool: stale: condition met: sidekiq 8.0.10 is locked (>= 8.0.10)" in stale.out
    assert "run bundle lock --update connection_pool" in stale.out


def test_patch_prints_a_unified_diff_and_writes_nothing(cli, tmp_path: Path) -> None:
    case = copy_case(tmp_path, "rubygems", "incident")
    before = (case / "after" / "Gemfile").read_bytes()
    result = pin(cli, case, "Gemfile.lock", "--patch")
    assert result.out.startswith("--- a/after/Gemfile\n+++ b/after/Gemfile\n@@ ")
    assert '+gem "connection_pool", "~> 2.5"' in result.out.splitlines()
    assert (case / "after" / "Gemfile").read_bytes() == before


@pytest.mark.parametrize("name", ["evil\", require: \"x", "a b"])
def test_invalid_names_are_never_written(name: str) -> None:
    from lockrisk.suggest import _GEM_NAME

    assert _GEM_NAME.match(name) is None


# --- every manifest shape a real project writes -----------------------------------------------------

PUMA_LINE = 'gem "puma" # the app server, started by bin/server'


@pytest.mark.parametrize("written, expected", [
    pytest.param("gem 'puma', require: false", "gem 'puma', '~> 6.6', require: false", id="single-quotes-and-options"),
    pytest.param('gem("puma")', 'gem("puma", "~> 6.6")', id="parentheses"),
    pytest.param('gem "puma", ">= 5"  # floor', 'gem "puma", ">= 5", "< 7"  # floor', id="floor-gets-a-ceiling"),
    pytest.param('group :web do\n  gem "puma", platforms: [:ruby]\nend', '  gem "puma", "~> 6.6", platforms: [:ruby]',
                 id="inside-a-block"),
    pytest.param('gem "puma",\n    require: false', 'gem "puma", "~> 6.6",', id="call-over-two-lines"),
])
def test_gemfile_shapes_get_the_ceiling_in_place(cli, tmp_path: Path, written: str, expected: str) -> None:
    case = copy_case(tmp_path, "rubygems", "puma-floats")
    gemfile = case / "after" / "Gemfile"
    gemfile.write_text(gemfile.read_text().replace(PUMA_LINE, written))
    result = pin(cli, case, "Gemfile.lock", "--write")
    assert result.code == 0, result.err
    text = gemfile.read_text()
    assert expected in text.splitlines()
    assert text.count("# lockrisk pin puma:") == 1
    if shutil.which("ruby"):
        assert subprocess.run(["ruby", "-c", str(gemfile)], capture_output=True).returncode == 0


@pytest.mark.parametrize("written, why", [
    pytest.param('gem "puma", PUMA_VERSION', "gives its requirement as code, not a string", id="constant"),
    pytest.param('gem "puma", git: "https://git.example/puma.git"', "takes it from git or a path", id="git"),
])
def test_gemfile_shapes_left_to_a_person_are_listed_and_the_rest_written(cli, tmp_path: Path, written: str,
                                                                         why: str) -> None:
    case = copy_case(tmp_path, "rubygems", "puma-floats")
    gemfile = case / "after" / "Gemfile"
    gemfile.write_text(gemfile.read_text().replace(PUMA_LINE, written))
    result = pin(cli, case, "Gemfile.lock", "--write")
    assert result.code == 1
    assert f"lockrisk: puma: not pinned: line 5 {why}" in result.err
    text = gemfile.read_text()
    assert written in text and 'gem "connection_pool", "~> 2.5"' in text  # the other pin still landed


POETRY_HEAD = '''[tool.poetry]
name = "report-builder"
version = "1.2.0"
description = "Monthly report rendering"
authors = ["Reports <reports@acme.example>"]

[tool.poetry.dependencies]
python = "^3.9"
markdown = "^3.5"
'''


@pytest.mark.parametrize("declared, read_back", [
    pytest.param('importlib-metadata = "*"\n', '>=6.11.0,<7', id="poetry-any"),
    pytest.param('importlib-metadata = ">=4"  # backport\n', '>=4,<7', id="poetry-floor"),
    pytest.param('importlib-metadata = { version = ">=4", python = "<3.10" }\n', '>=4,<7', id="poetry-inline"),
    pytest.param('importlib-metadata = { python = "<3.10" }\n', '>=6.11.0,<7', id="poetry-inline-without-version"),
    pytest.param('\n[tool.poetry.dependencies.importlib-metadata]\nversion = ">=4"\npython = "<3.10"\n', '>=4,<7',
                 id="poetry-sub-table"),
])
def test_poetry_table_shapes_get_the_ceiling_in_place(cli, tmp_path: Path, declared: str, read_back: str) -> None:
    case = copy_case(tmp_path, "pypi", "markers")
    pyproject = case / "after" / "pyproject.toml"
    pyproject.write_text(POETRY_HEAD + declared)
    result = pin(cli, case, "poetry.lock", "--write", "--pin-at", "medium")
    assert result.code == 0, result.err
    deps = tomllib.loads(pyproject.read_text())["tool"]["poetry"]["dependencies"]
    value = deps["importlib-metadata"]
    assert (value if isinstance(value, str) else value["version"]) == read_back
    from packaging.specifiers import SpecifierSet

    assert SpecifierSet(read_back).contains("6.11.0") and not SpecifierSet(read_back).contains("8.5.0")


def test_poetry_constraints_split_by_environment_are_left_to_a_person(cli, tmp_path: Path) -> None:
    case = copy_case(tmp_path, "pypi", "markers")
    pyproject = case / "after" / "pyproject.toml"
    pyproject.write_text(POETRY_HEAD + 'importlib-metadata = [\n    { version = ">=4", python = "<3.8" },\n'
                                       '    { version = ">=5", python = ">=3.8,<3.10" },\n]\n')
    before = pyproject.read_bytes()
    result = pin(cli, case, "poetry.lock", "--write", "--pin-at", "medium")
    assert result.code == 1
    assert "importlib-metadata: not pinned: line 10: it lists several constraints by environment" in result.err
    assert pyproject.read_bytes() == before


PEP621 = '''[project]
name = "report-builder"
version = "1.2.0"
requires-python = ">=3.9"
dependencies = [{entries}]
'''


@pytest.mark.parametrize("entries, expected", [
    pytest.param('"markdown>=3.5", "importlib-metadata[toml] >= 4 ; python_version < \'3.10\'"',
                 "importlib-metadata[toml] >= 4,<7 ; python_version < '3.10'", id="extras-floor-and-marker"),
    pytest.param("'markdown>=3.5', 'importlib-metadata'", "importlib-metadata>=6.11.0,<7", id="literal-strings"),
    pytest.param('"markdown (>=3.5)", "importlib-metadata (>=4)"', "importlib-metadata (>=4,<7)", id="paren-style"),
])
def test_pep621_entries_get_the_ceiling_in_place(cli, tmp_path: Path, entries: str, expected: str) -> None:
    case = copy_case(tmp_path, "pypi", "markers")
    pyproject = case / "after" / "pyproject.toml"
    pyproject.write_text(PEP621.format(entries=entries))
    result = pin(cli, case, "poetry.lock", "--write", "--pin-at", "medium")
    assert result.code == 0, result.err
    deps = tomllib.loads(pyproject.read_text())["project"]["dependencies"]
    assert expected in deps and len(deps) == 2


def poetry_main_group(pyproject: Path) -> dict[str, str] | None:
    """{name: constraint} of the main group as Poetry's own reader builds it; None without poetry-core."""
    try:
        from poetry.core.factory import Factory
    except ImportError:
        return None
    package = Factory().create_poetry(pyproject.parent).package
    return {d.name: str(d.constraint) for d in package.requires}


FLOATED = {"cryptography": ">=43.0.3,<44", "redis": ">=4.6.0,<5", "sqlalchemy": ">=1.4.54,<2"}


def test_an_empty_project_list_beside_a_poetry_table_leaves_the_table_in_charge(cli, tmp_path: Path) -> None:
    # `dependencies = []` in [project] with the real list in [tool.poetry.dependencies] (Poetry's legacy mode):
    # one entry in the empty list would make Poetry drop the whole table, so every pin goes into the table
    case = copy_case(tmp_path, "pypi", "empty-array")
    pyproject = case / "after" / "pyproject.toml"
    original = pyproject.read_text()
    result = pin(cli, case, "poetry.lock", "--write", "--pin-at", "low")
    assert result.code == 0, result.err
    assert "pinned cryptography, redis, sqlalchemy" in result.err
    doc = tomllib.loads(pyproject.read_text())
    assert doc["project"]["dependencies"] == []
    table = doc["tool"]["poetry"]["dependencies"]
    assert {k: table[k] for k in FLOATED} == FLOATED
    added = inserted_lines(original, pyproject.read_text())
    assert sum(line.startswith("# lockrisk pin ") for line in added) == len(FLOATED)
    group = poetry_main_group(pyproject)
    if group is not None:  # Poetry itself still reads the table, now with the ceilings
        assert {"authlib", "rq", "sqlalchemy-utils", *FLOATED} <= set(group)
        assert group["redis"] == ">=4.6.0,<5"
    written = pyproject.read_bytes()
    again = pin(cli, case, "poetry.lock", "--write", "--pin-at", "low")
    assert again.code == 0, again.err
    assert pyproject.read_bytes() == written
    assert "nothing to change" in again.err


@pytest.mark.parametrize("array", ["dependencies = []", "dependencies = [ ]", "dependencies = [  # none yet\n]"])
def test_every_pin_lands_once_in_an_empty_project_list(cli, tmp_path: Path, array: str) -> None:
    case = copy_case(tmp_path, "pypi", "empty-array")
    pyproject = case / "after" / "pyproject.toml"
    text = pyproject.read_text()
    start, end = text.index("[tool.poetry.dependencies]"), text.index("[tool.black]")
    pyproject.write_text((text[:start] + text[end:]).replace("dependencies = []", array))  # PEP 621 only
    result = pin(cli, case, "poetry.lock", "--write", "--pin-at", "low")
    assert result.code == 0, result.err
    deps = tomllib.loads(pyproject.read_text())["project"]["dependencies"]
    assert sorted(deps) == sorted(f"{name}{spec}" for name, spec in FLOATED.items())
    group = poetry_main_group(pyproject)
    if group is not None:
        assert set(group) == set(FLOATED)
    written = pyproject.read_bytes()
    assert pin(cli, case, "poetry.lock", "--write", "--pin-at", "low").code == 0
    assert pyproject.read_bytes() == written


def test_every_uv_pin_lands_once_in_an_empty_constraint_list(cli, tmp_path: Path) -> None:
    case = copy_case(tmp_path, "pypi", "uv")
    pyproject = case / "after" / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + "\n[tool.uv]\nconstraint-dependencies = []\n")
    result = pin(cli, case, "uv.lock", "--write", "--pin-at", "low")
    assert result.code == 0, result.err
    doc = tomllib.loads(pyproject.read_text())
    constraints = doc["tool"]["uv"]["constraint-dependencies"]
    assert sorted(c.split(">=")[0] for c in constraints) == ["h11", "starlette"]
    assert len(constraints) == len(set(constraints))
    written = pyproject.read_bytes()
    assert pin(cli, case, "uv.lock", "--write", "--pin-at", "low").code == 0
    assert pyproject.read_bytes() == written


def test_a_file_without_a_final_newline_keeps_that_shape_when_the_edit_is_elsewhere(cli, tmp_path: Path) -> None:
    import shutil

    case = tmp_path / "case"
    shutil.copytree(Path(__file__).parent.parent / "fixtures" / "layouts" / "gemfile" / "no-trailing-newline", case)
    gemfile = case / "after" / "Gemfile"
    lines = gemfile.read_text().split("\n")
    rack = next(ln for ln in lines if ln.startswith('gem "rack"'))
    rest = [ln for ln in lines if ln != rack and ln]
    gemfile.write_text("\n".join([rest[0], rack, *rest[1:]]))  # rack in the middle, no newline at the end
    result = cli(["pin", "before/Gemfile.lock", "after/Gemfile.lock", "--write"], cwd=case)
    assert result.code == 0, result.err
    written = gemfile.read_text()
    assert 'gem "rack", "~> 2.2"\n' in written
    assert written.endswith(rest[-1])  # the last line is untouched and still has no newline


def test_a_hub_pin_comment_names_a_few_dependents_and_counts_the_rest(cli, tmp_path: Path) -> None:
    """A package half the bundle depends on: the comment above the pin stays one readable line."""
    def lock(hub_version: str) -> str:
        specs = [f"    hub ({hub_version})"]
        for i in range(12):
            specs += [f"    user{i:02d} (1.0.0)", "      hub (>= 1.0)"]
        return ("GEM\n  remote: https://rubygems.example/\n  specs:\n" + "\n".join(specs)
                + "\n\nPLATFORMS\n  ruby\n\nDEPENDENCIES\n" + "".join(f"  user{i:02d}\n" for i in range(12))
                + "\nBUNDLED WITH\n   2.5.0\n")

    for side, version in (("before", "1.4.0"), ("after", "2.0.0")):
        (tmp_path / side).mkdir()
        (tmp_path / side / "Gemfile.lock").write_text(lock(version))
        (tmp_path / side / "Gemfile").write_text('source "https://rubygems.example"\n'
                                                 + "".join(f'gem "user{i:02d}"\n' for i in range(12)))
    result = pin(cli, tmp_path, "Gemfile.lock")
    assert result.code == 0, result.err
    comment = next(line for line in result.out.splitlines() if "floated in through" in line)
    assert "user00 >= 1.0, user01 >= 1.0, user02 >= 1.0, user03 >= 1.0, user04 >= 1.0 and 7 more" in comment
    assert "user05" not in comment
    assert 'gem "hub", "~> 1.4"' in result.out


def _gem_pair(tmp_path: Path, sides: dict[str, tuple[dict[str, str], dict[str, list[str]]]], gemfile: str) -> Path:
    """A before/after Gemfile.lock pair from {side: (versions, requirements)}, with one Gemfile on both sides."""
    for side, (versions, deps) in sides.items():
        lines = ["GEM", "  remote: https://rubygems.example/", "  specs:"]
        for name in sorted(versions):
            lines.append(f"    {name} ({versions[name]})")
            lines += [f"      {d}" for d in deps.get(name, [])]
        direct = [ln.split('"')[1] for ln in gemfile.splitlines() if ln.startswith("gem ")]
        lines += ["", "PLATFORMS", "  ruby", "", "DEPENDENCIES", *[f"  {d}" for d in sorted(direct)], "",
                  "BUNDLED WITH", "   2.6.9", ""]
        (tmp_path / side).mkdir()
        (tmp_path / side / "Gemfile.lock").write_text("\n".join(lines))
        (tmp_path / side / "Gemfile").write_text(gemfile)
    return tmp_path


def test_a_patch_that_certainly_breaks_is_pinned_below_the_broken_release(cli, tmp_path: Path) -> None:
    """concurrent-ruby 1.3.5 breaks ActiveSupport before 7.1 (catalogued): not a new major line, so no major
    ceiling would hold it; the pin keeps it below 1.3.5 until activesupport 7.1 is locked."""
    deps = {"activesupport": ["concurrent-ruby (~> 1.0, >= 1.0.2)"]}
    case = _gem_pair(tmp_path, {"before": ({"activesupport": "6.1.7.10", "concurrent-ruby": "1.3.4"}, deps),
                                "after": ({"activesupport": "6.1.7.10", "concurrent-ruby": "1.3.5"}, deps)},
                     'source "https://rubygems.example"\n\ngem "activesupport", "~> 6.1"\n')
    result = pin(cli, case, "Gemfile.lock")
    assert result.code == 0, result.err
    assert 'gem "concurrent-ruby", "< 1.3.5"' in result.out
    assert "# lockrisk remove-when: activesupport >= 7.1.0" in result.out
    gemfile = case / "after" / "Gemfile"
    original = gemfile.read_text()
    assert pin(cli, case, "Gemfile.lock", "--write").code == 0
    assert [ln for ln in inserted_lines(original, gemfile.read_text()) if ln.startswith("gem ")] == \
        ['gem "concurrent-ruby", "< 1.3.5"']
    ruby = scheme_for("rubygems").constraint("< 1.3.5")
    assert ruby.admits("1.3.4") and not ruby.admits("1.3.5")


def test_a_pin_below_a_broken_range_stops_at_its_first_broken_release(cli, tmp_path: Path) -> None:
    """caxlsx 4.2.0 up to 4.4.0 write damaged files with rubyzip 3 (catalogued); the move went 4.1.0 -> 4.4.0, so
    the project's own `gem "caxlsx"` gets `< 4.2.0`, not `< 4.4.0`, which would let a broken 4.3 in."""
    deps = {"caxlsx": ["rubyzip (>= 1.3.0)"]}
    case = _gem_pair(tmp_path, {"before": ({"caxlsx": "4.1.0", "rubyzip": "3.0.1"}, deps),
                                "after": ({"caxlsx": "4.4.0", "rubyzip": "3.0.1"}, deps)},
                     'source "https://rubygems.example"\n\ngem "caxlsx"\n')
    result = pin(cli, case, "Gemfile.lock", "-f", "json")
    assert result.code == 0, result.err
    (suggestion,) = json.loads(result.out)["pins"]
    assert (suggestion["action"], suggestion["requirement"]) == ("edit", "< 4.2.0")
    assert suggestion["text"].splitlines()[-1] == 'gem "caxlsx", "< 4.2.0"'


def test_a_minor_whose_python_the_project_cannot_run_is_pinned_below_it_in_poetry(cli, tmp_path: Path) -> None:
    """lib-a 2.2.0 declares Python >=3.10 and the project supports ^3.9 (critical, from poetry.lock alone): the
    pin keeps the transitive lib-a below 2.2.0 in the Poetry table, and the file still reads as TOML."""
    def block(name: str, version: str, python: str, deps: dict[str, str]) -> str:
        listed = ("\n[package.dependencies]\n" + "".join(f'{k} = "{v}"\n' for k, v in deps.items())) if deps else ""
        return (f'[[package]]\nname = "{name}"\nversion = "{version}"\ndescription = ""\noptional = false\n'
                f'python-versions = "{python}"\ngroups = ["main"]\nfiles = []\n{listed}\n')

    meta = '[metadata]\nlock-version = "2.1"\npython-versions = "^3.9"\ncontent-hash = "x"\n'
    client = block("app-client", "1.0.0", ">=3.8", {"lib-a": ">=2.0"})
    for side, version, python in (("before", "2.1.0", ">=3.9"), ("after", "2.2.0", ">=3.10")):
        (tmp_path / side).mkdir()
        (tmp_path / side / "poetry.lock").write_text(client + block("lib-a", version, python, {}) + meta)
        (tmp_path / side / "pyproject.toml").write_text('[tool.poetry]\nname = "x"\nversion = "0"\ndescription = ""\n'
                                                        'authors = []\n\n[tool.poetry.dependencies]\npython = "^3.9"\n'
                                                        'app-client = "^1.0"\n')
    result = pin(cli, tmp_path, "poetry.lock", "--write")
    assert result.code == 0, result.err
    declared = tomllib.loads((tmp_path / "after" / "pyproject.toml").read_text())["tool"]["poetry"]["dependencies"]
    constraint = scheme_for("pypi").constraint(declared["lib-a"])
    assert constraint.admits("2.1.0") and not constraint.admits("2.2.0") and not constraint.admits("2.3.0")
