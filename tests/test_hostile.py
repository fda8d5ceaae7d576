"""Lockfile contents come from strangers: every output renders the hostile fixture inertly."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conftest import fixture
from lockrisk.pipeline import build_report, pair_from_files
from lockrisk.render import render
from lockrisk.render.markdown import render_comment

DANGEROUS_CHARS = ("\x1b", "\u202e", "\u200f", "\r")


@pytest.fixture(params=["Gemfile.lock", "poetry.lock"])
def report(request):
    pair = pair_from_files(fixture("hostile", "before", request.param), fixture("hostile", "after", request.param))
    rep = build_report("diff", [pair])
    assert len(rep.notable()) >= 19  # every hostile name is a finding
    return rep


def _hostile_names(report) -> list[str]:
    return [f.name for f in report.notable() if f.name != "hostile-parent"]


def test_markdown_is_inert(report) -> None:
    for text in (render(report, "markdown"), render_comment(report, limit=4000, full_report_url=None)):
        lowered = text.lower()
        for raw in ("<script", "<img", "<!--", "</details><script", "](https://evil", "@everyone", "\x1b"):
            assert raw not in lowered, raw
        assert "https://evil.example" not in text  # no bare autolink either
        for line in text.splitlines():
            if line.startswith("| "):
                cells = re.split(r"(?<!\\)\|", line)
                assert len(cells) in (6, 7), line  # 5 or 4 columns plus the outer pipes: no injected cells
        assert text.count("<details>") == text.count("</details>")
        assert not any(ch in text for ch in DANGEROUS_CHARS)


def test_workflow_commands_are_inert(report) -> None:
    text = render(report, "annotations")
    lines = text.splitlines()
    assert len(lines) == len([f for f in report.notable() if f.assessment.severity != "info"])
    for line in lines:
        assert re.match(r"^::(error|warning|notice) file=[^:,]+,line=\d+,title=[^:,]*::", line), line
        assert not any(ch in line for ch in DANGEROUS_CHARS)


def test_terminal_outputs_are_inert(report) -> None:
    for fmt in ("text", "table"):
        text = render(report, fmt, show_all=True, width=120)
        assert not any(ch in text for ch in DANGEROUS_CHARS + ("\u200b",)), fmt
        lines = text.splitlines()
        assert not any(ln.startswith("::") for ln in lines), fmt


def test_json_and_sarif_keep_the_data_exactly(report) -> None:
    data = json.loads(render(report, "json"))
    names = {c["name"] for c in data["changes"]}
    assert set(_hostile_names(report)) <= names  # escaping is the renderer's job, not a data change
    sarif = json.loads(render(report, "sarif"))
    for result in sarif["runs"][0]["results"]:
        assert not any(ch in result["message"]["text"] for ch in DANGEROUS_CHARS)


def test_pins_are_never_written_for_hostile_names(report) -> None:
    from lockrisk.pin_command import pins_text

    pins = [f.pin for f in report.findings if f.pin is not None]
    assert pins, "floated majors get pin suggestions"
    for pin in pins:
        if pin.name in ("hostile-parent",):
            continue
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", pin.name):
            assert pin.blocked_by and "not a valid package name" in pin.blocked_by
    text = pins_text(pins, ())
    assert not any(ch in text for ch in DANGEROUS_CHARS)


def test_a_gemfile_built_to_backtrack_is_read_in_linear_time(cli, tmp_path: Path) -> None:
    """853 bytes of `group` and spaces used to take minutes: every Gemfile reader is linear in the line."""
    import shutil
    import time

    from conftest import fixture

    case = tmp_path / "case"
    shutil.copytree(fixture("rubygems", "puma-floats"), case)
    shapes = ["group" + " " * 20000 + "x", "group (" + " " * 20000 + "x", "group" + "\t " * 20000 + "d",
              "gem" + " " * 20000 + "(", "x do" + " " * 20000 + "x", "group :a," + " :b," * 20000 + " x"]
    gemfile = case / "after" / "Gemfile"
    gemfile.write_text(gemfile.read_text() + "\n".join(shapes) + "\n")
    started = time.monotonic()
    diff = cli(["diff", case / "before" / "Gemfile.lock", case / "after" / "Gemfile.lock", "-f", "json"])
    patch = cli(["pin", case / "before" / "Gemfile.lock", case / "after" / "Gemfile.lock", "--patch"])
    assert time.monotonic() - started < 10
    assert diff.code == 0 and patch.code == 0, diff.err + patch.err
    assert 'gem "puma", "~> 6.6"' in patch.out


REFERENCE_NAMES = ("@octocat", "@github/security-team", "torvalds/linux#1", "#1", "cafe1234deadbeef99", "gh-#42x",
                   "tag\U000e0041\U000e007fchars", "bom\ufeffname", "zw\u200dj", "osc\x1b]8;;x\x07link")


def _poetry_pair(tmp_path: Path, names: tuple[str, ...]) -> tuple[Path, Path]:
    """A poetry.lock pair whose direct dependency `parent` pulls every name, each moving 1.0 -> 2.0."""
    def lock(version: str) -> str:
        deps = "".join(f"{json.dumps(n, ensure_ascii=False)} = \">=1.0\"\n" for n in names)
        out = ['[[package]]\nname = "parent"\nversion = "3.0"\noptional = false\npython-versions = ">=3.9"\n'
               'groups = ["main"]\nfiles = []\n\n[package.dependencies]\n' + deps]
        out += [f'[[package]]\nname = {json.dumps(n, ensure_ascii=False)}\nversion = "{version}"\noptional = false\n'
                f'python-versions = ">=3.9"\ngroups = ["main"]\nfiles = []\n' for n in names]
        return "\n".join(out) + '\n[metadata]\nlock-version = "2.1"\npython-versions = "^3.9"\ncontent-hash = "x"\n'

    for side, version in (("before", "1.0"), ("after", "2.0")):
        (tmp_path / side).mkdir()
        (tmp_path / side / "poetry.lock").write_text(lock(version), encoding="utf-8")
    return tmp_path / "before" / "poetry.lock", tmp_path / "after" / "poetry.lock"


def _as_github_shows(markdown_text: str) -> str:
    """Roughly what GitHub scans for mentions and references: the text after entities and escapes are resolved."""
    import html as html_module

    return html_module.unescape(re.sub(r"\\(.)", r"\1", markdown_text))


def test_mentions_references_and_invisible_characters_are_inert(cli, tmp_path: Path) -> None:
    old, new = _poetry_pair(tmp_path, REFERENCE_NAMES)
    result = cli(["diff", old, new, "-f", "markdown", "--all"])
    assert result.code in (0, 1), result.err
    rep = build_report("diff", [pair_from_files(old, new)])
    shown = set(f.name for f in rep.notable())
    assert set(REFERENCE_NAMES) <= shown  # every name is reported, so every name is rendered
    for text in (result.out, render_comment(rep, limit=60000, full_report_url=None)):
        seen = _as_github_shows(text)
        assert not re.search(r"(?<![\w`])@[A-Za-z0-9]", seen)  # no user or team mention
        assert not re.search(r"#\d", seen)  # no issue reference, local or owner/repo#N
        assert not re.search(r"(?<!\w)[0-9a-f]{7,}(?!\w)", seen)  # no commit link
        for invisible in ("\U000e0041", "\U000e007f", "\ufeff", "\u200d", "\x1b", "\x07"):
            assert invisible not in text
        assert "\\U000e0041" in seen and "\\ufeff" in seen  # shown as visible escapes, not dropped silently
    terminal = cli(["diff", old, new, "--all"])
    assert "\x1b" not in terminal.out and "\\x1b" in terminal.out


def test_error_messages_show_control_characters_as_escapes(cli, tmp_path: Path) -> None:
    bad = tmp_path / "evil\x1b]0;title\x07.lock"
    bad.write_text("not a lockfile\n")
    result = cli(["diff", bad, bad])
    assert result.code == 2
    assert "\x1b" not in result.err and "\x07" not in result.err
    assert result.err.count("\n") == 1 and result.err.startswith("lockrisk: error: ")


def test_a_file_name_that_is_not_utf8_is_reviewed_and_shown_escaped(cli, tmp_path: Path, monkeypatch) -> None:
    """A pull request that adds a file with a non-UTF-8 name must not crash the review (a one-file way out of it)."""
    import os
    import shutil

    from test_ci import git

    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    odd = os.fsdecode(b"app-\xff\xfe")  # a folder name no UTF-8 decoder accepts
    (repo / odd).mkdir()
    for name in ("Gemfile", "Gemfile.lock"):
        shutil.copy(fixture("rubygems", "incident", "before", name), repo / odd / name)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "before")
    base = git(repo, "rev-parse", "HEAD")
    for name in ("Gemfile", "Gemfile.lock"):
        shutil.copy(fixture("rubygems", "incident", "after", name), repo / odd / name)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "after")
    monkeypatch.chdir(repo)
    for fmt in ("text", "json", "markdown", "sarif", "table"):
        result = cli(["diff", "--base", base, "--head", "HEAD", "-f", fmt, "--fail-on", "none"])
        assert result.code == 0, (fmt, result.err)
        assert "connection_pool" in result.out
        shown = result.out.replace("\\\\", "\\")  # JSON and markdown escape the backslash itself
        assert "app-\\xff\\xfe" in shown or "app-%5Cxff%5Cxfe" in shown, fmt  # shown, escaped
    data = json.loads(cli(["diff", "--base", base, "--head", "HEAD", "-f", "json", "--fail-on", "none"]).out)
    assert data["changes"]


def test_a_moved_submodule_is_named_in_a_note(cli, tmp_path: Path, monkeypatch) -> None:
    from test_ci import git

    sub = tmp_path / "engine"
    sub.mkdir()
    git(sub, "init", "-q", "-b", "main")
    (sub / "README").write_text("one\n")
    git(sub, "add", "-A")
    git(sub, "commit", "-qm", "one")
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    git(repo, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(sub), "vendor/engine")
    git(repo, "commit", "-qm", "with submodule")
    base = git(repo, "rev-parse", "HEAD")
    (sub / "README").write_text("two\n")
    git(sub, "commit", "-qam", "two")
    git(repo / "vendor" / "engine", "-c", "protocol.file.allow=always", "pull", "-q", "origin", "main")
    git(repo, "commit", "-qam", "move the submodule")
    monkeypatch.chdir(repo)
    result = cli(["diff", "--base", base, "--head", "HEAD", "-f", "json"])
    assert result.code == 0, result.err
    notes = json.loads(result.out)["notes"]
    assert any("submodule vendor/engine moved" in n and "not reviewed" in n for n in notes), notes


def test_sarif_locations_are_uri_references_for_any_path(tmp_path: Path) -> None:
    from sarif_shape import problems

    folder = tmp_path / "a b%c#d?e"
    folder.mkdir()
    old, new = _poetry_pair(folder, ("plain-name",))
    report = build_report("diff", [pair_from_files(old, new, "a b%c#d?e/before/poetry.lock",
                                                   "a b%c#d?e\nx/poetry.lock")])
    doc = json.loads(render(report, "sarif"))
    assert problems(doc) == []
    uris = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in doc["runs"][0]["results"]]
    assert uris == ["a%20b%25c%23d%3Fe%0Ax/poetry.lock"]


def _make_special(path: Path, kind: str) -> None:
    """Replace `path` with a FIFO, a link to /dev/zero or a directory."""
    import os

    path.unlink()
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "zero":
        path.symlink_to("/dev/zero")
    else:
        path.mkdir()


@pytest.mark.parametrize("kind", ["fifo", "zero", "directory"])
def test_special_files_are_refused_not_read(cli, tmp_path: Path, kind: str) -> None:
    """A FIFO used to hang forever and a link to /dev/zero to grow without bound: both are refused at once."""
    import shutil
    import time

    case = tmp_path / "case"
    shutil.copytree(fixture("rubygems", "puma-floats"), case)
    _make_special(case / "after" / "Gemfile", kind)
    started = time.monotonic()
    for args in (["diff", case / "before" / "Gemfile.lock", case / "after" / "Gemfile.lock"],
                 ["pin", case / "before" / "Gemfile.lock", case / "after" / "Gemfile.lock", "--patch"]):
        result = cli(args)
        assert result.code in (1, 2), result.err
        if result.code == 2:
            assert result.err.count("\n") == 1 and "Gemfile" in result.err, result.err
    lock = case / "after" / "Gemfile.lock"
    _make_special(lock, kind)
    result = cli(["diff", case / "before" / "Gemfile.lock", lock])
    assert result.code == 2 and result.err.startswith("lockrisk: error: ") and "Gemfile.lock" in result.err
    assert result.err.count("\n") == 1
    assert time.monotonic() - started < 10


def test_local_versions_get_a_pin_that_resolves(cli, tmp_path: Path) -> None:
    """`torch 1.13.1+cu117` is how a CUDA lock looks; a specifier cannot carry a local label."""
    from packaging.specifiers import SpecifierSet

    manifest = ('[tool.poetry]\nname = "app"\nversion = "0.1.0"\ndescription = ""\nauthors = []\n\n'
                '[tool.poetry.dependencies]\npython = "^3.10"\ntorch = {version = ">=1.13", source = "torch"}\n'
                'legacy-thing = "*"\n')
    for side, torch, legacy in (("before", "1.13.1+cu117", "1.0.custom"), ("after", "2.0.1+cu118", "2.0.custom")):
        (tmp_path / side).mkdir()
        (tmp_path / side / "pyproject.toml").write_text(manifest)
        (tmp_path / side / "poetry.lock").write_text("".join(
            f'[[package]]\nname = "{n}"\nversion = "{v}"\noptional = false\npython-versions = ">=3.8"\n'
            f'groups = ["main"]\nfiles = []\n\n' for n, v in (("torch", torch), ("legacy-thing", legacy)))
            + '[metadata]\nlock-version = "2.1"\npython-versions = "^3.10"\ncontent-hash = "x"\n')
    old, new = tmp_path / "before" / "poetry.lock", tmp_path / "after" / "poetry.lock"
    result = cli(["pin", old, new, "-f", "json"])
    assert result.code == 0, result.err
    pins = {p["name"]: p for p in json.loads(result.out)["pins"]}
    assert pins["torch"]["requirement"] == ">=1.13,<2"
    assert pins["legacy-thing"]["requirement"] == ">=1.0,<2"  # from the legacy 1.0.custom
    for pin in pins.values():
        assert SpecifierSet(pin["requirement"]).contains(
            "1.13.1+cu117" if pin["name"] == "torch" else "1.0", prereleases=True)
    written = cli(["pin", old, new, "--write"])
    assert written.code == 0, written.err
    text = (tmp_path / "after" / "pyproject.toml").read_text()
    assert 'torch = {version = ">=1.13,<2", source = "torch"}' in text
    assert 'legacy-thing = ">=1.0,<2"' in text


def test_the_whole_run_respects_its_deadline(tmp_path: Path) -> None:
    """A deadline stops a run however slow its input makes it: one located line, exit 2, nothing half-written."""
    import subprocess
    import sys
    import time

    from conftest import fixture

    out = tmp_path / "report.json"
    # a run that would take far longer than the deadline: the registry look-up is held on a server that never answers
    import socket

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    host, port = silent.getsockname()
    env = {k: v for k, v in __import__("os").environ.items() if k != "LOCKRISK_OFFLINE"}
    env["PIP_INDEX_URL"] = f"http://{host}:{port}/simple"
    started = time.monotonic()
    try:
        proc = subprocess.run([sys.executable, "-m", "lockrisk", "diff", fixture("pypi", "python-floor", "before", "poetry.lock"),
                               fixture("pypi", "python-floor", "after", "poetry.lock"), "--budget", "60",
                               "--deadline", "1.5", "-f", "json", "-o", out], capture_output=True, text=True, env=env,
                              timeout=60)
    finally:
        silent.close()
    elapsed = time.monotonic() - started
    assert elapsed < 10
    # look-ups get at most half the deadline, so the run ends in time with the offline verdict and a note
    assert proc.returncode in (0, 1), proc.stderr
    notes = json.loads(out.read_text())["notes"]
    assert any(n.startswith("registry:") for n in notes), notes


def test_a_deadline_that_rings_mid_run_is_one_line_and_writes_nothing(cli, tmp_path: Path, monkeypatch) -> None:
    import subprocess
    import sys

    big = tmp_path / "big"
    big.mkdir()
    old, new = _poetry_pair(big, tuple(f"pkg{i}" for i in range(6000)))
    out = tmp_path / "report.json"
    proc = subprocess.run([sys.executable, "-m", "lockrisk", "diff", old, new, "--offline", "--deadline", "0.05",
                           "-f", "json", "-o", out], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert proc.stderr.startswith("lockrisk: error: ") and "deadline" in proc.stderr
    assert proc.stderr.count("\n") == 1
    assert not out.exists() and not list(tmp_path.glob(".report.json.*"))
    bad = cli(["diff", old, new, "--deadline", "soon"])
    assert bad.code == 2 and "not a number of seconds" in bad.err


def test_index_credentials_in_a_lockfile_reach_no_output(cli, tmp_path: Path) -> None:
    """One redaction for every path a source URL takes: notes, findings, every format, pins."""
    secret = "s3cr3t-t0ken"
    for side, host, version in (("before", "pypi.example", "1.0.0"), ("after", "mirror.example", "2.0.0")):
        (tmp_path / side).mkdir()
        (tmp_path / side / "uv.lock").write_text(
            'version = 1\nrevision = 3\nrequires-python = ">=3.11"\n\n'
            '[[package]]\nname = "demo"\nversion = "0.1.0"\nsource = { virtual = "." }\n'
            'dependencies = [{ name = "alpha" }, { name = "beta" }]\n\n'
            '[package.metadata]\nrequires-dist = [{ name = "alpha" }, { name = "beta" }]\n\n'
            f'[[package]]\nname = "alpha"\nversion = "{version}"\n'
            f'source = {{ registry = "https://user:{secret}@{host}/simple" }}\n\n'
            f'[[package]]\nname = "beta"\nversion = "1.0.0"\n'
            f'source = {{ registry = "https://user:{secret}@{host}/simple" }}\n')
        (tmp_path / side / "pyproject.toml").write_text(
            '[project]\nname = "demo"\nversion = "0.1.0"\ndependencies = ["alpha", "beta"]\n')
    old, new = tmp_path / "before" / "uv.lock", tmp_path / "after" / "uv.lock"
    seen = []
    for fmt in ("text", "table", "json", "markdown", "sarif"):
        result = cli(["diff", old, new, "-f", fmt, "--all"])
        assert result.code in (0, 1), result.err
        seen.append(result.out + result.err)
    for args in (["pin", old, new], ["pin", old, new, "-f", "json"], ["why", "alpha", new]):
        result = cli(args)
        seen.append(result.out + result.err)
    assert any("mirror.example" in s for s in seen)  # the sources are shown, without what authenticates them
    assert not any(secret in s for s in seen)
