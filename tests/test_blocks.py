"""Reading the old side of a poetry.lock or uv.lock pair with the blocks it shares with the new side gives
exactly what reading it whole gives: the same packages (lines included) in the same order, the same forks
and notes, or the same error. Checked on every pair in the corpus and in fixtures, both ways round, on
edge cases written here, and on seeded mutations of a real-shaped pair.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from conftest import CORPUS, FIXTURES, requires_corpus

from lockrisk.errors import LockriskError
from lockrisk.parsers import parse_lockfile, read_lockfile_bytes, read_sibling_from_dir
from lockrisk.parsers.blocks import package_blocks, reuse_from
from lockrisk.parsers.common import decode_text

NAMES = ("poetry.lock", "uv.lock")


def pairs_under(root: Path) -> list[tuple[Path, Path]]:
    """(old, new) lockfile pairs: before/ and after/ folders, or a lockfile with an old/ copy beside it."""
    out = []
    for lock in sorted(p for p in root.rglob("*") if p.name in NAMES):
        if lock.parent.name == "after" and (lock.parent.parent / "before" / lock.name).exists():
            out.append((lock.parent.parent / "before" / lock.name, lock))
        elif (lock.parent / "old" / lock.name).exists():
            out.append((lock.parent / "old" / lock.name, lock))
    return out


def load(path: Path, label: str, beside=None, whole: bool = False):
    return parse_lockfile(path.read_bytes(), label, read_sibling_from_dir(path), filename=path.name, beside=beside,
                          whole=whole)


def read(old: Path, new: Path):
    """(read whole by the TOML reader, read beside the new side, read alone with plain blocks read one match
    each, whether anything was shared), or the error messages in their place."""
    new_data = read_lockfile_bytes(new)
    try:
        other = load(new, "new")
    except LockriskError:
        return None
    results = []
    for beside, whole in ((None, True), ((other, new_data), False), (None, False)):
        try:
            results.append(load(old, "old", beside, whole))
        except LockriskError as exc:
            results.append(str(exc))
    try:
        shared = reuse_from(decode_text(old.read_bytes(), "old"), other, decode_text(new_data, "new")) is not None
    except LockriskError:
        shared = False
    return results[0], results[1], results[2], shared


def assert_same(whole, beside) -> None:
    assert type(whole) is type(beside)
    if isinstance(whole, str):
        assert whole == beside  # the same error, at the same line
        return
    assert whole == beside
    assert list(whole.packages) == list(beside.packages)
    assert [p.line for p in whole.all_packages()] == [p.line for p in beside.all_packages()]


def check_pairs(pairs: list[tuple[Path, Path]]) -> int:
    shared = 0
    for old, new in pairs:
        for a, b in ((old, new), (new, old)):
            got = read(a, b)
            if got is None:
                continue
            whole, beside, alone, used = got
            assert_same(whole, beside)
            assert_same(whole, alone)
            shared += used
    return shared


@requires_corpus
def test_every_corpus_pair_reads_the_same_beside_its_other_side():
    pairs = pairs_under(CORPUS)
    assert len(pairs) >= 50
    shared = check_pairs(pairs)
    assert shared >= len(pairs)  # most reads, both ways round, do share blocks: the path is exercised


def test_every_fixture_pair_reads_the_same_beside_its_other_side():
    pairs = pairs_under(FIXTURES)
    assert len(pairs) >= 10
    check_pairs(pairs)


BLOCK = """[[package]]
name = "{name}"
version = "{version}"
description = ""
optional = false
python-versions = ">=3.8"
groups = ["main"]
files = [
    {{file = "{name}-{version}-py3-none-any.whl", hash = "sha256:{digest}"}},
]
{deps}
"""


def poetry_text(packages: dict[str, str], deps: dict[str, dict[str, str]] | None = None, head: str = "",
                tail: str = "") -> str:
    blocks = []
    for name, version in packages.items():
        written = (deps or {}).get(name, {})
        body = "\n[package.dependencies]\n" + "".join(f'{d} = "{c}"\n' for d, c in written.items()) if written else ""
        blocks.append(BLOCK.format(name=name, version=version, digest="ab" * 32, deps=body))
    return (head + "\n".join(blocks) + '\n[metadata]\nlock-version = "2.1"\npython-versions = "^3.10"\n'
            'content-hash = "x"\n' + tail)


PACKAGES = {f"pkg{i}": f"1.{i}.0" for i in range(12)}
DEPS = {f"pkg{i}": {f"pkg{i + 1}": ">=1.0"} for i in range(11)}


def agree(tmp_path: Path, old_text: str, new_text: str, name: str = "poetry.lock") -> tuple[object, bool]:
    (tmp_path / "old").mkdir(exist_ok=True)
    (tmp_path / "new").mkdir(exist_ok=True)
    old, new = tmp_path / "old" / name, tmp_path / "new" / name
    old.write_bytes(old_text.encode())
    new.write_bytes(new_text.encode())
    got = read(old, new)
    assert got is not None
    whole, beside, alone, used = got
    assert_same(whole, beside)
    assert_same(whole, alone)
    return whole, used


def test_shared_blocks_keep_their_own_lines_when_the_text_above_them_grows(tmp_path):
    new = poetry_text(PACKAGES, DEPS)
    old_packages = {"aaa": "0.1.0", **PACKAGES, "pkg3": "1.2.9"}
    whole, used = agree(tmp_path, poetry_text(old_packages, DEPS), new)
    assert used
    lines = {p.name: p.line for p in whole.packages.values()}
    text = poetry_text(old_packages, DEPS).split("\n")
    for name_, line in lines.items():
        assert text[line - 1] == "[[package]]" and text[line] == f'name = "{name_}"'


@pytest.mark.parametrize("shape", [
    "duplicate-block", "own-table-outside", "multiline-string", "error-in-changed-block", "package-key-first",
    "indented-header", "crlf", "everything-shared", "nothing-shared", "odd-header",
])
def test_edge_cases_read_as_whole(tmp_path, shape):
    new = poetry_text(PACKAGES, DEPS)
    old = poetry_text({**PACKAGES, "pkg5": "1.4.0"}, DEPS)
    if shape == "duplicate-block":
        blocks = old.split("\n[[package]]\n")
        old = "\n[[package]]\n".join(blocks[:3] + [blocks[2]] + blocks[3:])
    elif shape == "own-table-outside":
        old = old + '\n[package.extras]\nsecurity = ["pkg1"]\n'
    elif shape == "multiline-string":
        old = old.replace('description = ""', 'description = """\n[[package]]\nname = "ghost"\n"""', 1)
    elif shape == "error-in-changed-block":
        old = old.replace('version = "1.4.0"', 'version = "1.4.0\nbroken = [', 1)
    elif shape == "package-key-first":
        old = 'package = "oops"\n\n' + old
    elif shape == "indented-header":
        old = old.replace("[package.dependencies]", "  [package.dependencies]", 1)
    elif shape == "crlf":
        old, new = old.replace("\n", "\r\n"), new.replace("\n", "\r\n")
    elif shape == "everything-shared":
        old = new
    elif shape == "nothing-shared":
        old = poetry_text({k: v + ".post1" for k, v in PACKAGES.items()}, DEPS)
    elif shape == "odd-header":
        old = old.replace("[metadata]", "[ metadata ]")
    agree(tmp_path, old, new)


def test_uv_member_on_one_side_only(tmp_path):
    def uv(members: list[str], versions: dict[str, str]) -> str:
        out = ['version = 1\nrevision = 3\nrequires-python = ">=3.10"\n\n']
        if members:
            out.append("[manifest]\nmembers = [" + ", ".join(f'"{m}"' for m in members) + "]\n\n")
        out.append('[[package]]\nname = "app"\nversion = "0.1.0"\nsource = { virtual = "." }\ndependencies = [\n'
                   + "".join(f'    {{ name = "{n}" }},\n' for n in versions) + "]\n\n")
        for n, v in versions.items():
            out.append(f'[[package]]\nname = "{n}"\nversion = "{v}"\nsource = {{ registry = "https://pypi.example/simple" }}\n'
                       f'wheels = [\n    {{ url = "https://files.example/{n}-{v}-py3-none-any.whl", hash = "sha256:{"0" * 64}" }},\n]\n\n')
        return "".join(out)

    versions = {f"lib{i}": f"2.{i}" for i in range(6)}
    new = uv([], {**versions, "lib2": "3.0"})
    whole, used = agree(tmp_path, uv(["app", "lib4"], versions), new, name="uv.lock")
    assert isinstance(whole, object)
    agree(tmp_path, uv([], versions), new, name="uv.lock")


def test_seeded_mutations_of_the_old_side_read_as_whole(tmp_path):
    new = poetry_text(PACKAGES, DEPS)
    base = poetry_text({**PACKAGES, "pkg7": "2.0.0"}, DEPS).split("\n")
    rng = random.Random(7)
    pieces = ["[[package]]", "[package.dependencies]", "[package.extras]", "[metadata]", '"""', "[x]]",
              'name = "pkg1"', "", "  [package.extras]", "[[package]]  ", "[package.dependencies.x]"]
    for _ in range(150):
        lines = list(base)
        for _ in range(rng.randint(1, 3)):
            at = rng.randrange(len(lines))
            op = rng.random()
            if op < 0.3:
                del lines[at]
            elif op < 0.6:
                lines.insert(at, rng.choice(pieces))
            elif op < 0.8:
                lines.insert(at, lines[rng.randrange(len(lines))])
            else:
                j = rng.randrange(len(lines))
                lines[at], lines[j] = lines[j], lines[at]
        agree(tmp_path, "\n".join(lines), new)


def test_plain_structure_is_required():
    text = poetry_text(PACKAGES, DEPS)
    blocks = package_blocks(text)
    assert blocks is not None and len(blocks) == len(PACKAGES)
    assert all(text[start:end].startswith("[[package]]\n") for start, end, _ in blocks)
    assert package_blocks(text.replace('description = ""', "description = '''x'''", 1)) is None
    assert package_blocks(text.replace("[metadata]", "[[package]]x", 1)) is None
    assert package_blocks('[package.extras]\nx = []\n' + text) is None
