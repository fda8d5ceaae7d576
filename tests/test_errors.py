"""The error contract: one line `lockrisk: error: FILE:LINE: message`, exit 2, nothing on stdout."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from conftest import fixture

GOOD_GEM = ("rubygems", "incident", "before", "Gemfile.lock")
GOOD_POETRY = ("pypi", "incident", "before", "poetry.lock")
ONE_LINE = re.compile(r"^lockrisk: error: (?P<where>[^\n]+?): (?P<msg>[^\n]+)\n$")


@pytest.mark.parametrize(
    "case, good, line, message",
    [
        pytest.param("conflict/Gemfile.lock", GOOD_GEM, 5, "merge-conflict markers", id="conflict"),
        pytest.param("truncated/Gemfile.lock", GOOD_GEM, 10, "not closed", id="truncated"),
        pytest.param("binary/Gemfile.lock", GOOD_GEM, 5, "binary content", id="binary"),
        pytest.param("empty/Gemfile.lock", GOOD_GEM, 1, "file is empty", id="empty"),
        pytest.param("notalock/Gemfile.lock", GOOD_GEM, 1, "not a Gemfile.lock", id="not-a-lockfile"),
        pytest.param("bad-version/Gemfile.lock", GOOD_GEM, 5, "not a valid version", id="bad-version"),
        pytest.param("bad-toml/poetry.lock", GOOD_POETRY, 7, "invalid TOML", id="bad-toml"),
        pytest.param("conflict-poetry/poetry.lock", GOOD_POETRY, 5, "merge-conflict markers", id="conflict-poetry"),
        pytest.param("notalock-poetry/poetry.lock", GOOD_POETRY, 1, "not a poetry.lock", id="not-a-poetry-lock"),
    ],
)
def test_malformed_input_is_one_located_line(cli, case: str, good: tuple, line: int, message: str) -> None:
    bad = fixture("malformed", *case.split("/"))
    result = cli(["diff", fixture(*good), bad])
    assert result.code == 2
    assert result.out == ""
    m = ONE_LINE.match(result.err)
    assert m, result.err
    assert m.group("where") == f"{bad}:{line}"
    assert message in m.group("msg")
    assert "Traceback" not in result.err


def test_unknown_lock_version_warns_and_reads(cli) -> None:
    odd = fixture("malformed", "unknown-lock-version", "poetry.lock")
    result = cli(["diff", fixture(*GOOD_POETRY), odd, "--format", "json"])
    assert result.code == 0, result.err
    notes = result.json()["notes"]
    assert any("unknown lock-version 3.0" in n for n in notes)


def test_missing_file(cli, tmp_path: Path) -> None:
    missing = tmp_path / "nope" / "Gemfile.lock"
    result = cli(["diff", fixture(*GOOD_GEM), missing])
    assert result.code == 2
    assert result.err == f"lockrisk: error: {missing}: no such file\n"


def test_debug_shows_the_traceback(cli) -> None:
    bad = fixture("malformed", "conflict", "Gemfile.lock")
    result = cli(["diff", fixture(*GOOD_GEM), bad, "--debug"])
    assert result.code == 2
    assert "Traceback" in result.err and result.err.rstrip().endswith("first")


def test_wrong_number_of_files(cli) -> None:
    result = cli(["diff", fixture(*GOOD_GEM)])
    assert result.code == 2
    assert result.err.startswith("lockrisk: error: give two lockfiles")


def test_mixed_ecosystems_are_refused(cli) -> None:
    result = cli(["diff", fixture(*GOOD_GEM), fixture(*GOOD_POETRY)])
    assert result.code == 2
    assert "cannot compare a rubygems lockfile with a pypi one" in result.err


def test_not_a_git_repository(cli, tmp_path: Path) -> None:
    result = cli(["diff", "--base", "HEAD~1"], cwd=tmp_path)
    assert result.code == 2
    assert result.err.startswith("lockrisk: error: ") and "not a git repository" in result.err


def test_unknown_git_ref(cli, tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    result = cli(["diff", "--base", "no-such-branch"], cwd=tmp_path)
    assert result.code == 2
    assert result.err == "lockrisk: error: unknown git revision 'no-such-branch'\n"


def test_unknown_format_and_severity(cli) -> None:
    g = fixture(*GOOD_GEM)
    assert "unknown format 'yaml'" in cli(["diff", g, g, "--format", "yaml"]).err
    bad = cli(["diff", g, g, "--fail-on", "severe"])
    assert bad.code == 2 and "unknown severity 'severe'" in bad.err


def test_output_file_is_written_whole(cli, tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    before, after = fixture(*GOOD_GEM), fixture("rubygems", "incident", "after", "Gemfile.lock")
    result = cli(["diff", before, after, "--format", "json", "--output", out])
    assert result.code == 0 and result.out == ""
    assert out.read_text().startswith("{") and out.read_text().endswith("}\n")
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]  # no temp file left behind


def test_diff_to_json_imports_neither_pydantic_nor_requests_nor_rich(tmp_path) -> None:
    """Start-up stays lean: the command line framework's heavy extras and the HTTP and terminal libraries
    load only where a command needs them."""
    import subprocess
    import sys

    from conftest import fixture

    probe = ("import sys\nfrom lockrisk.cli import main\n"
             "try:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
             "print(sorted(m for m in ('pydantic', 'requests', 'rich', 'tomllib', 'tomli') if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", probe, "diff", str(fixture("rubygems", "incident", "before", "Gemfile.lock")),
                           str(fixture("rubygems", "incident", "after", "Gemfile.lock")), "-f", "json", "--offline",
                           "-o", str(tmp_path / "r.json")], capture_output=True, text=True, timeout=60,
                          cwd=tmp_path)  # a Ruby project's folder, with no pyproject.toml naming lockrisk
    assert proc.stdout.strip().splitlines()[-1] == "[]", proc.stdout + proc.stderr  # tomllib: the catalogue and
    assert (tmp_path / "r.json").is_file()  # settings of a Ruby project are read without it


@pytest.mark.parametrize("name", ["poetry.lock", "uv.lock", "pyproject.toml"])
def test_values_nested_past_what_the_toml_reader_can_follow_are_one_located_line(cli, tmp_path, name) -> None:
    """A stranger's TOML with arrays inside arrays 100,000 deep: Python's own reader runs out of stack; that is
    reported as the file's fault, on its line, never as an internal error."""
    deep = "[" * 100_000 + "]" * 100_000
    if name == "poetry.lock":
        text = f'[[package]]\nname = "a"\nversion = "1.0"\nx = {deep}\n\n[metadata]\nlock-version = "2.0"\n'
        old = new = tmp_path / "poetry.lock"
    elif name == "uv.lock":
        text = f'version = 1\n\n[[package]]\nname = "a"\nversion = "1.0"\nx = {deep}\n'
        old = new = tmp_path / "uv.lock"
    else:
        (tmp_path / "poetry.lock").write_text(
            '[[package]]\nname = "a"\nversion = "1.0"\n\n[metadata]\nlock-version = "2.0"\n')
        text = f'[project]\nname = "p"\ndependencies = []\nx = {deep}\n'
        old = new = tmp_path / "poetry.lock"
    (tmp_path / name).write_text(text)
    result = cli(["diff", old, new, "--offline"])
    assert result.code == 2, result.err
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and "internal error" not in lines[0], result.err
    deep_line = next(n for n, line in enumerate(text.split("\n"), start=1) if line.startswith("x = "))
    assert f"{name}:{deep_line}: invalid TOML: values nested more than 100 deep" in lines[0], result.err
