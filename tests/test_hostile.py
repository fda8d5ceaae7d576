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
    from lockrisk.commands import _pins_text

    pins = [f.pin for f in report.findings if f.pin is not None]
    assert pins, "floated majors get pin suggestions"
    for pin in pins:
        if pin.name in ("hostile-parent",):
            continue
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", pin.name):
            assert pin.blocked_by and "not a valid package name" in pin.blocked_by
    text = _pins_text(pins, ())
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
