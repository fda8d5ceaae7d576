"""Minimal, atomic insertions into a Gemfile or pyproject.toml.

Planning is pure (text in, Insertion out). Applying re-reads the file, refuses when
it changed since it was planned, keeps every other byte, checks the result still
parses, and replaces the file atomically.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path

from lockrisk.errors import EditError
from lockrisk.names import pypi_key
from lockrisk.suggest import PIN_MARK

_HEADER = re.compile(r"^\s*\[\[?\s*([^\[\]]+?)\s*\]\]?\s*(#.*)?$")


@dataclass(frozen=True, slots=True, kw_only=True)
class Insertion:
    file: str
    index: int  # 0-based line index the new lines go before
    text: str  # lines to insert, newline-terminated
    line: int  # 1-based line of the first inserted non-blank line, in the edited file
    status: str = "new"  # "new", "already-pinned" or "constrained"
    existing: str | None = None  # the line that already constrains the package
    existing_line: int | None = None
    comma_at: int | None = None  # 0-based index of an array element that needs a trailing comma first
    replace_line: tuple[int, str] | None = None  # single-line arrays: (index, new line)


def _newline(text: str) -> str:
    return "\r\n" if "\r\n" in text else "\n"


def _lines(text: str) -> list[str]:
    return text.splitlines()


def _already(lines: list[str], index: int, name: str) -> bool:
    lo = max(index - 4, 0)
    return any(f"{PIN_MARK} {name}:" in lines[j] for j in range(lo, index))


def render_pin_lines(ecosystem: str, name: str, ceiling: str, comment: list[str], groups: tuple[str, ...],
                     quote: str = '"') -> str:
    if ecosystem == "rubygems":
        return "".join(f"# {c}\n" for c in comment) + _gem_call(name, ceiling, groups, quote) + "\n"
    return "".join(f"# {c}\n" for c in comment) + f'{name} = "{ceiling}"\n'


def _gem_call(name: str, ceiling: str, groups: tuple[str, ...], quote: str) -> str:
    q = quote
    call = f"gem {q}{name}{q}, {q}{ceiling}{q}"
    symbols = [g for g in groups if re.fullmatch(r"[a-z_][a-z0-9_]*", g)]
    if len(symbols) == 1:
        call += f", group: :{symbols[0]}"
    elif symbols:
        call += ", groups: [" + ", ".join(f":{g}" for g in symbols) + "]"
    return call


def plan_gemfile_pin(text: str, path: str, name: str, ceiling: str, comment: list[str],
                     groups: tuple[str, ...]) -> Insertion:
    from lockrisk.manifests.gemfile import gem_line, top_level_gem_lines

    lines = _lines(text)
    existing = gem_line(text, name)
    if existing is not None:
        status = "already-pinned" if _already(lines, existing, name) else "constrained"
        return Insertion(file=path, index=existing, text="", line=existing + 1, status=status,
                         existing=lines[existing].strip(), existing_line=existing + 1)
    quote = "'" if re.search(r"^\s*gem\s+'", text, re.M) and not re.search(r'^\s*gem\s+"', text, re.M) else '"'
    spans = top_level_gem_lines(text)
    runtime_spans = [sp for sp in spans if not re.search(r"\bgroups?\s*:|:groups?\s*=>", " ".join(lines[sp[0]:sp[1] + 1]))]
    if groups and spans:
        index = spans[-1][1] + 1
    elif runtime_spans:
        index = runtime_spans[-1][1] + 1
    elif spans:
        index = spans[-1][1] + 1
    else:
        sources = [i for i, ln in enumerate(lines) if ln.lstrip().startswith("source ")]
        index = sources[-1] + 1 if sources else len(lines)
    body = render_pin_lines("rubygems", name, ceiling, comment, groups, quote)
    return Insertion(file=path, index=index, text="\n" + body, line=index + 2)


def _tables(lines: list[str]) -> list[tuple[str, int, int]]:
    """(name, header index, end index exclusive) of every TOML table, in order."""
    heads = [(m.group(1).replace(" ", ""), i) for i, ln in enumerate(lines) if (m := _HEADER.match(ln))
             and not ln.lstrip().startswith("#")]
    out = []
    for n, (name, i) in enumerate(heads):
        end = heads[n + 1][1] if n + 1 < len(heads) else len(lines)
        out.append((name, i, end))
    return out


def _last_content(lines: list[str], start: int, end: int) -> int:
    for j in range(end - 1, start, -1):
        s = lines[j].strip()
        if s and not s.startswith("#"):
            return j
    return start


def _find_existing(lines: list[str], tables: list[tuple[str, int, int]], name: str) -> int | None:
    key = pypi_key(name)
    dep_tables = [t for t in tables if t[0] == "tool.poetry.dependencies" or t[0] == "tool.poetry.dev-dependencies"
                  or (t[0].startswith("tool.poetry.group.") and t[0].endswith(".dependencies"))]
    for _, start, end in dep_tables:
        for j in range(start + 1, end):
            m = re.match(r"""^\s*["']?([A-Za-z0-9._-]+)["']?\s*=""", lines[j])
            if m and pypi_key(m.group(1)) == key:
                return j
    for tname, start, end in tables:
        if tname not in ("project", "project.optional-dependencies", "dependency-groups"):
            continue
        for j in range(start + 1, end):
            for m in re.finditer(r"""["']([A-Za-z0-9][A-Za-z0-9._-]*)\s*[\[(<>=!~;,"' ]""", lines[j]):
                if pypi_key(m.group(1)) == key and not lines[j].lstrip().startswith("#"):
                    return j
    return None


def plan_pyproject_pin(text: str, path: str, name: str, ceiling: str, comment: list[str],
                       groups: tuple[str, ...]) -> Insertion | None:
    lines = _lines(text)
    tables = _tables(lines)
    existing = _find_existing(lines, tables, name)
    if existing is not None:
        status = "already-pinned" if _already(lines, existing, name) else "constrained"
        return Insertion(file=path, index=existing, text="", line=existing + 1, status=status,
                         existing=lines[existing].strip(), existing_line=existing + 1)
    by_name = {t[0]: t for t in tables}
    comments = "".join(f"# {c}\n" for c in comment)
    for g in groups:
        table = by_name.get(f"tool.poetry.group.{g}.dependencies")
        if table is None and g == "dev":
            table = by_name.get("tool.poetry.dev-dependencies")
        if table is not None:
            return _table_insertion(lines, path, table, name, ceiling, comments)
    project = by_name.get("project")
    if project is not None:
        for j in range(project[1] + 1, project[2]):
            if re.match(r"^\s*dependencies\s*=\s*\[", lines[j]):
                return _array_insertion(lines, path, j, project[2], name, ceiling, comment)
    table = by_name.get("tool.poetry.dependencies")
    if table is not None:
        return _table_insertion(lines, path, table, name, ceiling, comments)
    return None


def _table_insertion(lines: list[str], path: str, table: tuple[str, int, int], name: str, ceiling: str,
                     comments: str) -> Insertion:
    index = _last_content(lines, table[1], table[2]) + 1
    return Insertion(file=path, index=index, text=comments + f'{name} = "{ceiling}"\n', line=index + 1)


def _array_insertion(lines: list[str], path: str, start: int, end: int, name: str, ceiling: str,
                     comment: list[str]) -> Insertion:
    sample = " ".join(lines[start:end])
    quote = "'" if re.search(r"'[A-Za-z0-9]", sample) and not re.search(r'"[A-Za-z0-9]', sample) else '"'
    paren = re.search(r"""["'][A-Za-z0-9._-]+ \(""", sample) is not None
    entry = f"{quote}{name} ({ceiling}){quote}" if paren else f"{quote}{name}{ceiling}{quote}"
    opening = lines[start]
    if re.search(r"\]\s*(#.*)?$", opening):  # a one-line array: add the entry before its closing bracket
        body, _, trail = opening.rpartition("]")
        inner = body[body.index("[") + 1:].strip()
        new_line = body.rstrip() + (", " if inner and not inner.endswith(",") else "") + entry + "]" + trail
        comments = "".join(f"# {c}\n" for c in comment)
        return Insertion(file=path, index=start, text=comments, line=start + 1, replace_line=(start, new_line))
    close = next((j for j in range(start + 1, end) if re.match(r"^\s*\]", lines[j])), None)
    if close is None:
        raise EditError("could not find the end of [project] dependencies", path=path, line=start + 1)
    indent = "    "
    last = _last_content(lines, start, close)
    comma_at = None
    if last > start:
        indent = re.match(r"^\s*", lines[last]).group(0) or indent  # type: ignore[union-attr]
        code = re.sub(r"\s+#.*$", "", lines[last]).rstrip()
        if not code.endswith(",") and not code.endswith("["):
            comma_at = last
    text = "".join(f"{indent}# {c}\n" for c in comment) + f"{indent}{entry},\n"
    return Insertion(file=path, index=close, text=text, line=close + 1, comma_at=comma_at)


def apply_insertions(text: str, insertions: list[Insertion]) -> str:
    """The edited text: comma fixes, line replacements, then insertions from the bottom up."""
    nl = _newline(text)
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith(("\n", "\r")):
        lines[-1] += nl
    for ins in insertions:
        if ins.comma_at is not None:
            raw = lines[ins.comma_at]
            body = raw.rstrip("\r\n")
            ending = raw[len(body):]
            m = re.match(r"^(.*?)(\s+#.*)?$", body)
            code, trailing = m.group(1), m.group(2) or ""  # type: ignore[union-attr]
            if not code.rstrip().endswith(","):
                lines[ins.comma_at] = code.rstrip() + "," + trailing + ending
        if ins.replace_line is not None:
            idx, new = ins.replace_line
            ending = lines[idx][len(lines[idx].rstrip("\r\n")):]
            lines[idx] = new + ending
    for ins in sorted(insertions, key=lambda i: i.index, reverse=True):
        chunk = [ln + nl for ln in ins.text.split("\n")[:-1]] if ins.text else []
        lines[ins.index:ins.index] = chunk
    return "".join(lines)


def unified_diff(path: str, before: str, after: str) -> str:
    return "".join(difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True),
                                        fromfile=f"a/{path}", tofile=f"b/{path}"))


def write_if_unchanged(path: Path, original: bytes, new_text: str) -> None:
    """Replace `path` with `new_text` atomically, unless it changed since `original` was read."""
    from lockrisk.fsutil import atomic_write

    try:
        current = path.read_bytes()
    except FileNotFoundError:
        raise EditError("disappeared since it was read; nothing written", path=str(path)) from None
    if current != original:
        raise EditError("changed since it was read; nothing written (run lockrisk pin again)", path=str(path))
    atomic_write(path, new_text.encode("utf-8"))
