"""`lockrisk pin --write` on every pyproject.toml layout in fixtures/layouts/pyproject.

Each fixture holds a pyproject.toml, the lock pair (old/<lock>, <lock>) in which urllib3 floats
from 1.26.20 to 2.2.3, and an expect.toml: the action lockrisk must take and, for a pin, the table
the locking tool reads and the requirement that must end up there. The written file is read back
with tomllib, independently of lockrisk's own reading, and compared byte for byte with the original.
"""

from __future__ import annotations

import difflib
import shutil
import time
from pathlib import Path

import pytest

from conftest import FIXTURES

try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

LAYOUTS = FIXTURES / "layouts" / "pyproject"
CASES = sorted(p.name for p in LAYOUTS.iterdir() if p.is_dir()) if LAYOUTS.is_dir() else []
OLD, NEW = "1.26.20", "2.2.3"


def expectation(case: str) -> dict:
    return tomllib.loads((LAYOUTS / case / "expect.toml").read_text(encoding="utf-8"))


def pin(cli, case: Path, lock: str, *extra: str):
    return cli(["pin", f"old/{lock}", lock, "--pin-at", "low", *extra], cwd=case)


def _name(entry: str) -> str:
    return Requirement(entry).name.lower().replace("_", "-")


def read_by_tool(doc: dict, lock: str, package: str) -> dict[str, list]:
    """Where the locking tool reads a requirement on `package`: {table path: [values]}."""
    def get(*path: str):
        obj = doc
        for part in path:
            obj = obj.get(part) if isinstance(obj, dict) else None
        return obj

    lists: dict[str, object] = {"project.dependencies": get("project", "dependencies")}
    for base, path in (("project.optional-dependencies", ("project", "optional-dependencies")),
                       ("dependency-groups", ("dependency-groups",))):
        for name, items in (get(*path) or {}).items():
            lists[f"{base}.{name}"] = items
    tables: dict[str, object] = {}
    if lock == "uv.lock":
        for key in ("dev-dependencies", "constraint-dependencies", "override-dependencies"):
            lists[f"tool.uv.{key}"] = get("tool", "uv", key)
    else:
        tables["tool.poetry.dependencies"] = get("tool", "poetry", "dependencies")
        tables["tool.poetry.dev-dependencies"] = get("tool", "poetry", "dev-dependencies")
        for name, group in (get("tool", "poetry", "group") or {}).items():
            tables[f"tool.poetry.group.{name}.dependencies"] = get("tool", "poetry", "group", name, "dependencies")
    found: dict[str, list] = {}
    for where, items in lists.items():
        for item in items if isinstance(items, list) else []:
            if isinstance(item, str) and _name(item) == package:
                found.setdefault(where, []).append(item)
    for where, table in tables.items():
        for name, value in (table if isinstance(table, dict) else {}).items():
            if name.lower().replace("_", "-") == package:
                found.setdefault(where, []).append(value)
    return found


def specifier(where: str, value) -> SpecifierSet:
    if where.startswith("tool.poetry."):
        version = value["version"] if isinstance(value, dict) else value
        assert isinstance(version, str) and "^" not in version and "~" not in version, value
        return SpecifierSet(version)
    return Requirement(value).specifier


def _split(line: str) -> tuple[str, str]:
    body = line.rstrip("\r\n")
    return body, line[len(body):]


def _extends(old: str, new: str) -> bool:
    """`new` is `old` with one piece of text inserted (or a `*` constraint replaced), same line ending."""
    (ob, oe), (nb, ne) = _split(old), _split(new)
    if oe != ne:
        return False
    p = 0
    while p < min(len(ob), len(nb)) and ob[p] == nb[p]:
        p += 1
    s = 0
    while s < min(len(ob), len(nb)) - p and ob[len(ob) - 1 - s] == nb[len(nb) - 1 - s]:
        s += 1
    return ob[p:len(ob) - s] in ("", "*")


def changed_lines(original: str, written: str) -> tuple[list[str], list[str]]:
    """(new lines, extended lines) of `written`; fails if any other byte of the original changed."""
    nl = "\r\n" if "\r\n" in original else "\n"
    a, b = original.splitlines(keepends=True), written.splitlines(keepends=True)
    unterminated = bool(a) and not a[-1].endswith("\n")
    if unterminated:
        a[-1] += nl  # the writer ends the file with a newline: allowed only where it edits (checked below)
    kept_shape = bool(b) and not b[-1].endswith("\n")
    if kept_shape:
        b[-1] += nl  # or it keeps the file's shape, without one
    added: list[str] = []
    extended_lines: list[str] = []
    touched_end = False
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        assert op in ("equal", "insert", "replace"), (op, a[i1:i2], b[j1:j2])
        if op == "equal":
            continue
        touched_end = touched_end or i2 == len(a) or (op == "replace" and i2 == len(a))
        olds, news = a[i1:i2], b[j1:j2]
        for old in olds:  # each replaced line is extended in place, in order; the rest is inserted
            while news and not _extends(old, news[0]):
                added.append(news.pop(0))
            assert news, f"line changed beyond an insertion: {old!r} in {b[j1:j2]!r}"
            extended = news.pop(0)
            if extended != old:
                extended_lines.append(extended)
        added += news
    assert not unterminated or touched_end or kept_shape, "a final newline was added away from the edit"
    for line in added + extended_lines:
        assert line.endswith(nl), f"line ending changed: {line!r}"
    return [ln.rstrip("\r\n") for ln in added], [ln.rstrip("\r\n") for ln in extended_lines]


@pytest.mark.parametrize("name", CASES)
def test_layout(cli, tmp_path: Path, name: str) -> None:
    expect = expectation(name)
    lock, package, action = expect["lock"], expect["package"], expect["action"]
    case = tmp_path / name
    shutil.copytree(LAYOUTS / name, case)
    pyproject = case / "pyproject.toml"
    original = pyproject.read_bytes()

    planned = pin(cli, case, lock, "--format", "json")
    assert planned.code == 0, planned.err
    (suggestion,) = [p for p in planned.json()["pins"] if p["key"] == package]
    assert suggestion["action"] == action, suggestion
    if action == "manual":
        assert expect["reason"] in suggestion["blocked_by"], suggestion["blocked_by"]

    result = pin(cli, case, lock, "--write")
    written = pyproject.read_bytes()
    if action in ("manual", "pinned"):
        assert written == original
        if action == "manual":
            assert result.code == 1
            assert f"lockrisk: {package}: not pinned: " in result.err and expect["reason"] in result.err
            assert "Traceback" not in result.err and len(result.err.strip().splitlines()) == 1
        else:
            assert result.code == 0, result.err
            assert f"lockrisk: {package}: already pinned" in result.err
        return

    assert result.code == 0, result.err
    assert f"lockrisk: pinned {package} in pyproject.toml" in result.err
    text = written.decode("utf-8")
    doc = tomllib.loads(text)  # the written file parses

    # the pin takes effect: every requirement the locking tool reads on the package has the ceiling
    found = read_by_tool(doc, lock, package)
    assert expect["where"] in found, found
    for where, values in found.items():
        for value in values:
            spec = specifier(where, value)
            assert spec.contains(OLD) and not spec.contains(NEW), (where, value)
    assert any(specifier(expect["where"], v) == SpecifierSet(expect["requirement"]) for v in found[expect["where"]])

    # every other byte is kept: the changes are new lines and one insertion into existing lines
    added, extended = changed_lines(original.decode("utf-8"), text)
    assert len(extended) <= 2, extended  # the entry itself, and a comma after the entry before it
    statements = [ln for ln in added if ln.strip() and not ln.lstrip().startswith("#")]
    assert (statements or extended) and all(package in ln or ln.strip() in ("[tool.uv]", "constraint-dependencies = [", "]")
                              for ln in statements), added
    assert any(f"# lockrisk pin {package}:" in ln for ln in added)

    again = pin(cli, case, lock, "--write")  # idempotent: a second run finds the pin in place
    assert again.code == 0, again.err
    assert (f"lockrisk: {package}: already pinned" in again.err) or again.err == "lockrisk: nothing to change\n"
    assert pyproject.read_bytes() == written


def test_there_are_enough_layouts_for_both_tools() -> None:
    locks = [expectation(name)["lock"] for name in CASES]
    assert len(CASES) >= 23
    assert locks.count("poetry.lock") >= 10 and locks.count("uv.lock") >= 10


# --- bounded on hostile sizes ---------------------------------------------------------------------------

def _big_pyproject(kind: str) -> str:
    """About 100 KB of valid TOML that is hard on a layout scanner."""
    head = '[project]\nname = "big"\nversion = "1.0"\n'
    if kind == "long-array":
        items = "".join(f'    "pkg-{i}>=1.{i}",  # [tool.poetry.dependencies] "urllib3"\n' for i in range(1800))  # ~100 KB
        return head + "dependencies = [\n" + items + '    "urllib3>=1.26",\n]\n'
    if kind == "escapes":
        noise = '\\"' * 50_000  # escaped quotes: a scanner that looks back or re-scans goes quadratic
        return head + f'description = "{noise}"\ndependencies = ["urllib3>=1.26"]\n'
    if kind == "multiline-strings":
        chunk = 'x = """\\"""\\""" dependencies = [ "urllib3" ]\n[tool.uv]\n"""\n'
        return head + "dependencies = [\"urllib3>=1.26\"]\n[tool.notes]\n" + "".join(
            chunk.replace("x =", f"n{i} =") for i in range(1500))
    if kind == "nested-arrays":
        return head + "dependencies = [\"urllib3>=1.26\"]\n[tool.deep]\n" + "".join(
            f"a{i} = " + "[" * 40 + '"v", ' * 20 + "]" * 40 + "\n" for i in range(600))
    if kind == "many-tables":
        return head + "dependencies = [\"urllib3>=1.26\"]\n" + "".join(
            f'[[tool.poetry.source]]\nname = "s{i}"\nurl = "https://pypi.example/{i}/simple"\n' for i in range(1500))
    raise AssertionError(kind)


@pytest.mark.parametrize("kind", ["long-array", "escapes", "multiline-strings", "nested-arrays", "many-tables"])
def test_a_100_kb_pyproject_is_planned_quickly(kind: str) -> None:
    from lockrisk.edit import PinRequest, plan_pin

    text = _big_pyproject(kind)
    tomllib.loads(text)
    assert 60_000 < len(text) < 140_000
    request = PinRequest(ecosystem="pypi", lock_kind="uv.lock", name="urllib3", key="urllib3", old=OLD, new=NEW,
                         comment=("lockrisk pin urllib3: floated",))
    started = time.perf_counter()
    plan = plan_pin(text, "pyproject.toml", request)
    elapsed = time.perf_counter() - started
    assert plan.status == "edit", plan.reason
    assert elapsed < 2.0, f"{kind}: {elapsed:.2f} s"


@pytest.mark.parametrize("noise", ['"' * 100_000, "'" * 100_000, "[" * 100_000, "{" * 100_000,
                                   'a = """' + '\\' * 100_000, "x = [" + '"\\",' * 30_000,
                                   "a.b.c." * 20_000 + " = 1", "# " + "\\" * 100_000])
def test_the_scanner_is_linear_on_invalid_input(noise: str) -> None:
    from lockrisk.edit.tomlscan import scan

    started = time.perf_counter()
    scan(noise + "\n[tool.uv]\n" + noise)
    assert time.perf_counter() - started < 1.0
