"""`lockrisk pin --write` on every Gemfile layout in fixtures/layouts/gemfile, and the write path's refusals.

For each layout the command runs through the CLI on a temporary copy, and the outcome named in the
layout's expect.toml must hold. A written Gemfile must parse (the tokenizer's check always, `ruby -c`
when ruby is installed), keep every heredoc, =begin block and __END__ section byte for byte, differ
from the original only by the added requirement and comment lines, and carry the new requirement
inside the gem call's arguments, as the tokenizer reads them and (with ruby) as Ruby evaluates them.
"""

from __future__ import annotations

import difflib
import json
import os
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

from conftest import FIXTURES

from lockrisk.manifests.rubytokens import check_syntax, read_gemfile

LAYOUTS = FIXTURES / "layouts" / "gemfile"
CASES = sorted(p.name for p in LAYOUTS.iterdir() if p.is_dir())
RUBY = shutil.which("ruby")
OLD, NEW = "2.2.9", "3.1.16"

# Evaluates one of these fixture Gemfiles (written for the tests, so safe to run) with the Bundler DSL
# stubbed out, and prints the requirement RubyGems builds from the last `gem NAME` call Ruby ran.
PROBE = r'''
require "json"
$gems = {}
def source(*) = (block_given? ? yield : nil)
def ruby(*) = nil
def git_source(*) = nil
def gemspec(*, **) = nil
def eval_gemfile(*) = nil
def group(*, **) = yield
def platforms(*, **) = yield
def gem(name, *reqs, **opts) = ($gems[name] = reqs.reject { |r| r.is_a?(Hash) })
eval(File.read(ARGV[0]), binding, ARGV[0])
r = Gem::Requirement.new(*$gems.fetch(ARGV[1]))
puts JSON.generate({"requirement" => r.to_s, "admits" => r.satisfied_by?(Gem::Version.new(ARGV[2])),
                    "excludes" => !r.satisfied_by?(Gem::Version.new(ARGV[3]))})
'''


def expectation(name: str) -> dict:
    return tomllib.loads((LAYOUTS / name / "expect.toml").read_text(encoding="utf-8"))


def run_pin(cli, case: Path, *extra: str):
    return cli(["pin", "before/Gemfile.lock", "after/Gemfile.lock", *extra], cwd=case)


def only_additions(before: str, after: str, added: str) -> None:
    """`after` is `before` with whole lines inserted and, on changed lines, `added` inserted once (a file
    without a final newline may keep that shape or gain one)."""
    nl = "\r\n" if "\r\n" in before else "\n"
    if before and not before.endswith("\n"):
        before += nl
    if after and not after.endswith("\n"):
        after += nl
    a, b = before.splitlines(keepends=True), after.splitlines(keepends=True)
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op in ("equal", "insert"):
            continue
        assert op == "replace", (op, a[i1:i2], b[j1:j2])
        old, new = a[i1:i2], b[j1:j2]
        changed = [ln for ln in new if added in ln]
        assert len(changed) == 1 and len(new) >= len(old), (old, new)
        kept = [ln for ln in new if added not in ln][:len(new) - len(old)]  # a comment block put above the call
        assert all(ln.lstrip().startswith("#") for ln in kept), new
        assert [ln.replace(added, "", 1) if ln in changed else ln for ln in new if ln not in kept] == old, (old, new)


def ruby_parses(path: Path) -> bool:
    return subprocess.run([RUBY, "-c", str(path)], capture_output=True).returncode == 0


@pytest.mark.parametrize("name", CASES)
def test_layout(cli, tmp_path: Path, name: str) -> None:
    expect = expectation(name)
    case = tmp_path / name
    shutil.copytree(LAYOUTS / name, case)
    gemfile = case / "after" / "Gemfile"
    original = gemfile.read_bytes()
    extra = ["--pin-at", expect["pin_at"]] if "pin_at" in expect else []
    result = run_pin(cli, case, "--write", *extra)
    leftovers = sorted(p.name for p in gemfile.parent.iterdir())
    assert leftovers == ["Gemfile", "Gemfile.lock"]  # no temp file left behind, whatever happened

    if expect["action"] == "manual":
        assert result.code == 1, result.err
        assert "lockrisk: rack: not pinned: " in result.err and expect["reason"] in result.err
        assert gemfile.read_bytes() == original
        return
    if expect["action"] == "none":
        assert result.code == 0, result.err
        assert "nothing to change" in result.err
        assert gemfile.read_bytes() == original
        return

    assert expect["action"] == "pinned"
    assert result.code == 0, result.err
    assert "lockrisk: pinned rack in after/Gemfile" in result.err
    written = gemfile.read_bytes().decode("utf-8")
    before = original.decode("utf-8")
    assert expect["line"] in written.splitlines()
    check_syntax(written)
    if RUBY:
        assert ruby_parses(gemfile)

    # only the requirement (and the pin's comment lines) were added; heredocs, =begin, __END__ untouched
    requirement = expect["requirement"]
    q = "'" if f"'{requirement}'" in written else '"'
    only_additions(before, written, f", {q}{requirement}{q}")
    old_read, new_read = read_gemfile(before), read_gemfile(written)
    assert new_read.protected == old_read.protected
    if "\r\n" in before:
        assert written.count("\n") == written.count("\r\n")

    # the new string is a requirement argument of a `gem "rack"` call, as the tokenizer reads the file
    racks = [c for c in new_read.calls if c.name == "rack"]
    holding = [c for c in racks if requirement in [a.tokens[0].value for a in c.requirements]]
    assert holding, [written[c.start:c.end] for c in racks]
    for call in holding:
        (arg,) = [a for a in call.requirements if a.tokens[0].value == requirement]
        assert call.start < arg.start < arg.end <= call.end
        assert written[arg.start:arg.end] == f"{q}{requirement}{q}"

    # and as Ruby runs it: the requirement RubyGems builds keeps rack on 2.x
    if RUBY:
        probe = tmp_path / "probe.rb"
        probe.write_text(PROBE)
        env = {k: v for k, v in os.environ.items() if k not in ("LEGACY_RACK", "RUBYOPT")}
        out = subprocess.run([RUBY, str(probe), str(gemfile), "rack", OLD, NEW], capture_output=True, text=True,
                             env=env, cwd=gemfile.parent)
        assert out.returncode == 0, out.stderr
        assert json.loads(out.stdout)["admits"] and json.loads(out.stdout)["excludes"], out.stdout

    # a second run finds the pin and changes nothing
    again = run_pin(cli, case, "--write", *extra)
    assert again.code == 0, again.err
    assert "rack: already pinned" in again.err
    assert gemfile.read_bytes().decode("utf-8") == written


def test_there_are_enough_layouts() -> None:
    outcomes = [expectation(name)["action"] for name in CASES]
    assert len(CASES) >= 30
    assert outcomes.count("pinned") >= 25 and outcomes.count("manual") >= 4


# --- the write path: symlinks, a save made meanwhile, files that are not regular files ------------------

def layout_copy(tmp_path: Path, name: str = "require-false") -> Path:
    case = tmp_path / "project"
    shutil.copytree(LAYOUTS / name, case)
    return case


def test_a_symlinked_gemfile_has_its_target_edited_and_stays_a_link(cli, tmp_path: Path) -> None:
    case = layout_copy(tmp_path)
    shared = case / "shared"
    shared.mkdir()
    (case / "after" / "Gemfile").rename(shared / "Gemfile")
    (case / "after" / "Gemfile").symlink_to(Path("..") / "shared" / "Gemfile")
    result = run_pin(cli, case, "--write")
    assert result.code == 0, result.err
    link = case / "after" / "Gemfile"
    assert link.is_symlink() and os.readlink(link) == os.path.join("..", "shared", "Gemfile")
    assert 'gem "rack", "~> 2.2", require: false' in (shared / "Gemfile").read_text().splitlines()
    assert sorted(p.name for p in shared.iterdir()) == ["Gemfile"]


def test_a_symlink_out_of_the_project_is_refused(cli, tmp_path: Path) -> None:
    case = layout_copy(tmp_path)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (case / "after" / "Gemfile").rename(outside / "Gemfile")
    before = (outside / "Gemfile").read_bytes()
    (case / "after" / "Gemfile").symlink_to(outside / "Gemfile")
    result = run_pin(cli, case, "--write")
    assert result.code == 2
    assert result.err.startswith("lockrisk: error: ") and result.err.count("\n") == 1
    assert "after/Gemfile: is a symlink to a file outside the project directory" in result.err
    assert (outside / "Gemfile").read_bytes() == before
    assert sorted(p.name for p in outside.iterdir()) == ["Gemfile"]


def test_a_symlinked_pyproject_has_its_target_edited(cli, tmp_path: Path) -> None:
    case = tmp_path / "py"
    shutil.copytree(FIXTURES / "pypi" / "incident", case)
    real = case / "pyproject.real.toml"
    (case / "after" / "pyproject.toml").rename(real)
    (case / "after" / "pyproject.toml").symlink_to(Path("..") / "pyproject.real.toml")
    result = cli(["pin", "before/poetry.lock", "after/poetry.lock", "--write"], cwd=case)
    assert result.code == 0, result.err
    assert (case / "after" / "pyproject.toml").is_symlink()
    assert '"sqlalchemy (>=1.4.50,<2)",' in real.read_text()


def test_a_save_made_while_the_edit_is_written_is_not_lost(cli, tmp_path: Path, monkeypatch) -> None:
    import lockrisk.edit as edit

    case = layout_copy(tmp_path)
    gemfile = case / "after" / "Gemfile"
    real = edit.check_ruby_syntax

    def slow_check(temp, shown, original):  # another editor saves while `ruby -c` looks at the temp file
        gemfile.write_text(gemfile.read_text() + "# saved by someone else\n")
        return real(temp, shown, original)

    monkeypatch.setattr(edit, "check_ruby_syntax", slow_check)
    result = run_pin(cli, case, "--write")
    assert result.code == 2
    assert result.err.startswith("lockrisk: error: ") and result.err.count("\n") == 1
    assert result.err.endswith("after/Gemfile: changed since it was read; nothing written (run lockrisk pin again)\n")
    assert gemfile.read_text().endswith("# saved by someone else\n")
    assert "lockrisk pin" not in gemfile.read_text()
    assert sorted(p.name for p in gemfile.parent.iterdir()) == ["Gemfile", "Gemfile.lock"]


def test_a_fifo_gemfile_is_never_read(cli, tmp_path: Path) -> None:
    from lockrisk.edit import write_if_unchanged
    from lockrisk.errors import EditError

    case = layout_copy(tmp_path)
    gemfile = case / "after" / "Gemfile"
    gemfile.unlink()
    os.mkfifo(gemfile)
    result = run_pin(cli, case, "--write")  # would block forever if the FIFO were opened for reading
    assert result.code == 2 and result.err.count("\n") == 1
    assert "after/Gemfile: is not a regular file" in result.err
    with pytest.raises(EditError, match=r"is not a regular file \(a FIFO\): refused; nothing written"):
        write_if_unchanged(gemfile, b"", 'gem "rack"\n')


def _broken_write(tmp_path: Path):
    case = layout_copy(tmp_path)
    gemfile = case / "after" / "Gemfile"
    original = gemfile.read_bytes()
    return gemfile, original, original.decode() + 'gem("tilt",\n'


def test_an_edit_that_does_not_parse_is_refused_by_the_tokenizer_without_ruby(tmp_path: Path, monkeypatch) -> None:
    from lockrisk.edit import write_if_unchanged
    from lockrisk.errors import EditError

    gemfile, original, broken = _broken_write(tmp_path)
    real_which = shutil.which
    monkeypatch.setattr(shutil, "which", lambda cmd, *a, **k: None if cmd == "ruby" else real_which(cmd, *a, **k))
    with pytest.raises(EditError, match=r"the edit would not parse as Ruby \(the Ruby tokenizer: line 6: a \( opened on "
                                        r"line 6 is not closed by the end of the file\); nothing written"):
        write_if_unchanged(gemfile, original, broken)
    assert gemfile.read_bytes() == original
    assert sorted(p.name for p in gemfile.parent.iterdir()) == ["Gemfile", "Gemfile.lock"]


@pytest.mark.skipif(RUBY is None, reason="ruby is not installed")
def test_an_edit_that_does_not_parse_is_refused_by_ruby(tmp_path: Path) -> None:
    from lockrisk.edit import write_if_unchanged
    from lockrisk.errors import EditError

    gemfile, original, broken = _broken_write(tmp_path)
    with pytest.raises(EditError, match=r"the edit would not parse as Ruby \(ruby -c: line \d+: .*syntax error"):
        write_if_unchanged(gemfile, original, broken)
    assert gemfile.read_bytes() == original
    assert sorted(p.name for p in gemfile.parent.iterdir()) == ["Gemfile", "Gemfile.lock"]


def test_a_gemfile_that_never_parsed_is_shown_as_a_patch_but_not_written(cli, tmp_path: Path) -> None:
    case = layout_copy(tmp_path)
    gemfile = case / "after" / "Gemfile"
    gemfile.write_text(gemfile.read_text() + "group :x do\n")  # the block is never closed
    before = gemfile.read_bytes()
    patch = run_pin(cli, case, "--patch")
    assert patch.code == 0 and '+gem "rack", "~> 2.2", require: false' in patch.out.splitlines()
    result = run_pin(cli, case, "--write")
    assert result.code == 2
    checker = "ruby -c" if RUBY else "the Ruby tokenizer"
    assert result.err.startswith("lockrisk: error: ") and result.err.count("\n") == 1
    assert f"after/Gemfile: {checker} rejects this Gemfile even before the edit" in result.err
    assert gemfile.read_bytes() == before
