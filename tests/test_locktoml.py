"""The one-pass reader for the TOML Poetry and uv write gives exactly tomllib's document, or gives up.

Checked the strict way (types too: True is not 1) on every poetry.lock and uv.lock in the corpus and in
fixtures, as written and with their hash lists blanked (what the parsers hand it), on a fixed set of texts
that sit on the subset's edges, and on a few thousand seeded mutations of real lockfiles: a text tomllib
refuses is never read, and a text it reads is read the same or left to it.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import CORPUS, FIXTURES, requires_corpus

from lockrisk.parsers.common import read_artifact_lists
from lockrisk.parsers.locktoml import read_lock_toml

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

LOCK_NAMES = ("poetry.lock", "uv.lock")
CATALOGUE = Path(__file__).resolve().parent.parent / "lockrisk" / "catalogue"


def same(a: Any, b: Any) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b


def reference(text: str) -> Any:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return None


def agrees(text: str) -> bool:
    """The reader gives up, or returns what tomllib returns (and never reads what tomllib refuses)."""
    got = read_lock_toml(text)
    if got is None:
        return True
    ref = reference(text)
    return ref is not None and same(got, ref)


def locks(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.name in LOCK_NAMES)


def test_fixture_lockfiles_read_as_tomllib_reads_them() -> None:
    paths = locks(FIXTURES)
    assert len(paths) >= 10
    read = 0
    for path in paths:
        text = path.read_text(encoding="utf-8")
        for variant in (text, read_artifact_lists(text)[0]):
            assert agrees(variant), path
            read += read_lock_toml(variant) is not None
    assert read >= len(paths)  # the subset covers what the tools write: most fixtures take the quick path


@requires_corpus
def test_every_corpus_lockfile_takes_the_quick_path_and_reads_the_same() -> None:
    paths = locks(CORPUS)
    assert len(paths) >= 100
    for path in paths:  # as the parsers hand them over: hash lists blanked (fixtures check the text as written)
        text = read_artifact_lists(path.read_text(encoding="utf-8"))[0]
        got = read_lock_toml(text)
        assert got is not None, f"{path}: a real lockfile left the one-pass reader"
        assert same(got, tomllib.loads(text)), path


@pytest.mark.parametrize("name", sorted(p.name for p in CATALOGUE.glob("*.toml")))
def test_catalogue_files_read_the_same(name: str) -> None:
    text = (CATALOGUE / name).read_text(encoding="utf-8")
    got = read_lock_toml(text)
    assert got is not None and same(got, tomllib.loads(text))


EDGES = [
    # read, and read the same
    'a = "x"\nb = true\nc = false\nd = -3\ne = +4\nf = 0\n',
    'a = ["x"]\nb = []\nc = [ "x" , "y", ]\nd = [1, [2, [3]], {x = "y"}]\n',
    'a = { }\nb = {x = 1, y = { z = "q" }}\nc = { name = "idna", marker = "sys_platform == \'win32\'" }\n',
    'a = "tab\there"\nb = "esc \\" \\\\ \\n \\t \\u00e9 \\U0001F600"\nc = \'lit "raw" \\n\'\n',
    '# comment\n  # indented comment\n[t] # after a header\nk = "v" # after a value\n',
    '[[package]]\nname = "a"\n[package.dependencies]\nx = ">=1"\n[[package]]\nname = "b"\n',
    '[a.b]\nx = 1\n[a]\ny = 2\n',
    '[ a . "b.c" ]\nx = 1\n',
    '"quoted key" = 1\n"" = 2\n',
    'a = [\n    "x",\n    "y"\n]\nb = [\n\n    { name = "n" },\n    "z", "w",\n]\n',
    'a = "x"\r\nb = [\r\n    "y",\r\n]\r\n',
    'a = 1\n',
    # refused by tomllib: never read
    'a = 1\na = 2\n',
    '[t]\n[t]\n',
    '[[t]]\n[t]\n',
    '[t]\n[[t]]\n',
    'a = {}\n[a]\n',
    'a = [{x = 1}]\n[[a]]\n',
    '[a]\nb = 1\n[a.b]\n',
    '[a.b]\n[a]\nb = 1\n',
    'a = { x = 1, }\n',
    'a = { x = 1, x = 2 }\n',
    'a = [1 2]\n',
    'a = [\n    "x"\n    "y",\n]\n',
    'a = [\n    "x",\n',
    'a = 01\n',
    'a = "\\q"\n',
    'a = "\\ud800"\n',
    'a = "ctrl \x01"\n',
    'a = "x" b = 1\n',
    'a = trueish\n',
    '[a]]\n',
    '[[a]\n',
    'a = "x"\rb = 1\n',
    'a = 1\r',
    '= 1\n',
    'a =\n',
    # valid, outside the subset: left to tomllib
    'a.b = 1\n',
    'a = 1.5\n',
    'a = 1_000\n',
    'a = 0x1f\n',
    'a = 1979-05-27\n',
    'a = """multi\nline"""\n',
    "a = '''raw'''\n",
    'a = [\n    "x", # note\n]\n',
    'a = inf\n',
    '"k\\u00e9y" = 1\n',
]


@pytest.mark.parametrize("text", EDGES)
def test_edge_texts_are_read_the_same_or_left_to_tomllib(text: str) -> None:
    assert agrees(text)


def test_edge_texts_inside_the_subset_take_the_quick_path() -> None:
    inside = EDGES[:EDGES.index('a = 1\n') + 1]
    assert all(read_lock_toml(t) is not None for t in inside), [t for t in inside if read_lock_toml(t) is None]


TOKENS = ['"', "'", "[", "]", "[[", "]]", "{", "}", ",", "=", ".", "#", " ", "\t", "\n", "\r", "\r\n", "\\",
          "\\u0041", "\\ud800", '"""', "'''", "true", "false", "1", "01", "-1", "1.5", "1_0", "1979-05-27", "x",
          "a.b", "\x00", "\x7f", "é", "[package]", "[[package]]", "[package.dependencies]", 'name = "x"',
          '{ a = "1", a = "2" }', "{ a = 1, }", "[1, 2,]", "\\n", '\\"', "\\x41"]


def _mutations(seed: int, count: int, texts: list[str]):
    rng = random.Random(seed)
    for _ in range(count):
        text = rng.choice(texts)
        lines = text.split("\n")
        start = rng.randrange(len(lines))
        stop = start + rng.randint(3, 30)
        chunk = "\n".join(lines[start:stop])
        for _ in range(rng.randint(1, 3)):
            at = rng.randrange(len(chunk) + 1)
            token = rng.choice(TOKENS)
            roll = rng.random()
            if roll < 0.4:
                chunk = chunk[:at] + token + chunk[at:]
            elif roll < 0.7:
                chunk = chunk[:at] + chunk[at + rng.randint(1, 5):]
            else:
                chunk = chunk[:at] + token + chunk[at + len(token):]
        yield "\n".join(lines[:start] + [chunk] + lines[stop:])


def test_mutated_lockfiles_are_read_the_same_or_left_to_tomllib() -> None:
    texts = [read_artifact_lists(p.read_text(encoding="utf-8"))[0] for p in locks(FIXTURES)]
    if CORPUS.is_dir():
        texts += [read_artifact_lists(p.read_text(encoding="utf-8"))[0] for p in locks(CORPUS / "pypi")[:20]]
    quick = 0
    for text in _mutations(2026, 1500, texts):
        assert agrees(text), text[:2000]
        quick += read_lock_toml(text) is not None
    assert quick > 100  # many mutations stay inside the subset, so the comparison means something


def test_parsers_build_the_same_model_either_way(monkeypatch) -> None:
    """What a parser makes of a lockfile does not depend on which reader read it."""
    from lockrisk.parsers import load_path

    paths = locks(FIXTURES) + (locks(CORPUS / "pypi") if CORPUS.is_dir() else [])
    quick = {}
    for path in paths:
        try:
            quick[path] = load_path(path)
        except Exception as exc:  # a fixture that is meant to fail: it must fail the same way below
            quick[path] = repr(exc)
    monkeypatch.setattr("lockrisk.parsers.locktoml.read_lock_toml", lambda text: None)  # tomllib reads everything
    for path in paths:
        try:
            slow = load_path(path)
        except Exception as exc:
            slow = repr(exc)
        assert slow == quick[path], path
