"""Where things are in a TOML document: tables, key/value pairs and the strings inside them.

tomllib says what a document means but not where; an edit that keeps every other byte
needs offsets. This scanner reads the layout only (tables, dotted keys, string literals
in arrays and inline tables). Meaning and validity stay with tomllib: every edited text
is parsed again before it is offered.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_BARE = re.compile(r"[A-Za-z0-9_-]+")
_WS = " \t"


@dataclass(frozen=True, slots=True, kw_only=True)
class StringLit:
    start: int  # offset of the opening quote
    end: int  # offset just past the closing quote
    quote: str  # '"' or "'"
    value: str  # the decoded value


@dataclass(slots=True, kw_only=True)
class KeyValue:
    path: str  # full dotted path: table name + key, e.g. "project.dependencies"
    key_start: int  # offset of the key
    value_start: int
    value_end: int
    kind: str  # "string", "array", "inline", "other"
    string: StringLit | None = None  # kind "string"
    items: list[StringLit] = field(default_factory=list)  # kind "array": the strings directly inside
    close: int = -1  # kind "array" / "inline": offset of the closing bracket
    fields: dict[str, StringLit | None] = field(default_factory=dict)  # kind "inline": key -> its string value


@dataclass(slots=True, kw_only=True)
class Table:
    name: str
    header_start: int  # offset of "[" (0 for the root table)
    body_start: int
    end: int  # offset where the next table header starts, or the end of the text


@dataclass(slots=True, kw_only=True)
class Layout:
    text: str
    tables: list[Table]
    values: list[KeyValue]
    line_starts: list[int]

    def line_of(self, offset: int) -> int:
        """0-based line index of an offset."""
        lo, hi = 0, len(self.line_starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self.line_starts[mid] <= offset:
                lo = mid
            else:
                hi = mid - 1
        return lo

    def table(self, name: str) -> Table | None:
        return next((t for t in self.tables if t.name == name), None)

    def value(self, path: str) -> KeyValue | None:
        return next((v for v in self.values if v.path == path), None)


class _Scanner:
    def __init__(self, text: str) -> None:
        self.text = text
        self.n = len(text)

    def skip_ws(self, pos: int, newlines: bool) -> int:
        text = self.text
        while pos < self.n:
            ch = text[pos]
            if ch in _WS or (newlines and ch in "\r\n"):
                pos += 1
            elif ch == "#" and newlines:
                nl = text.find("\n", pos)
                pos = self.n if nl < 0 else nl
            else:
                break
        return pos

    def string(self, pos: int) -> tuple[StringLit | None, int]:
        """The literal at `pos`: (StringLit, end) for one-line strings, (None, end) for multi-line ones."""
        text, quote = self.text, self.text[pos]
        if text.startswith(quote * 3, pos):
            close = text.find(quote * 3, pos + 3)
            end = self.n if close < 0 else close + 3
            while end < self.n and text[end] == quote:
                end += 1
            return None, end
        out: list[str] = []
        i = pos + 1
        while i < self.n:
            ch = text[i]
            if ch == "\\" and quote == '"':
                nxt = text[i + 1:i + 2]
                out.append({"n": "\n", "t": "\t", '"': '"', "\\": "\\"}.get(nxt, "\\" + nxt))
                i += 2
                continue
            if ch == quote:
                return StringLit(start=pos, end=i + 1, quote=quote, value="".join(out)), i + 1
            if ch == "\n":
                break
            out.append(ch)
            i += 1
        return None, i

    def key(self, pos: int) -> tuple[list[str], int]:
        parts: list[str] = []
        while pos < self.n:
            pos = self.skip_ws(pos, False)
            if pos < self.n and self.text[pos] in "\"'":
                lit, pos = self.string(pos)
                parts.append(lit.value if lit else "")
            else:
                m = _BARE.match(self.text, pos)
                if not m:
                    break
                parts.append(m.group(0))
                pos = m.end()
            pos = self.skip_ws(pos, False)
            if pos < self.n and self.text[pos] == ".":
                pos += 1
                continue
            break
        return parts, pos

    def container(self, pos: int, kv: KeyValue) -> int:
        """Scan the array or inline table opening at `pos`; fill `kv` with what sits directly inside."""
        text = self.text
        opener = text[pos]
        depth = 0
        i = pos
        expect_key = opener == "{"
        pending_key: str | None = None
        while i < self.n:
            ch = text[i]
            if ch in "\"'":
                lit, i = self.string(i)
                if depth == 1 and lit is not None:
                    if opener == "[":
                        kv.items.append(lit)
                    elif pending_key is not None:
                        kv.fields[pending_key] = lit
                        pending_key = None
                    elif expect_key:
                        pending_key = lit.value
                        expect_key = False
                continue
            if ch == "#":
                nl = text.find("\n", i)
                i = self.n if nl < 0 else nl
                continue
            if ch in "[{":
                depth += 1
                if depth > 1 and pending_key is not None:
                    kv.fields[pending_key] = None
                    pending_key = None
            elif ch in "]}":
                depth -= 1
                if depth == 0:
                    kv.close = i
                    return i + 1
            elif depth == 1 and opener == "{":
                if ch == ",":
                    if pending_key is not None:
                        kv.fields[pending_key] = None
                    expect_key, pending_key = True, None
                elif ch == "=":
                    pass
                elif expect_key and _BARE.match(text, i):
                    parts, i = self.key(i)
                    pending_key = ".".join(parts)
                    expect_key = False
                    continue
            i += 1
        kv.close = self.n
        return self.n

    def value(self, pos: int, kv: KeyValue) -> int:
        text = self.text
        ch = text[pos] if pos < self.n else ""
        if ch in "\"'":
            lit, end = self.string(pos)
            kv.kind = "string" if lit is not None else "other"
            kv.string = lit
            return end
        if ch in "[{":
            kv.kind = "array" if ch == "[" else "inline"
            return self.container(pos, kv)
        kv.kind = "other"
        nl = text.find("\n", pos)
        return self.n if nl < 0 else nl


def scan(text: str) -> Layout:
    """The layout of a TOML document (best effort on invalid input: tomllib judges validity)."""
    s = _Scanner(text)
    line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
    tables = [Table(name="", header_start=0, body_start=0, end=len(text))]
    values: list[KeyValue] = []
    pos = 0
    while pos < s.n:
        pos = s.skip_ws(pos, True)
        if pos >= s.n:
            break
        ch = text[pos]
        if ch == "[":
            double = text.startswith("[[", pos)
            parts, after = s.key(pos + (2 if double else 1))
            close = text.find("]", after)
            end = s.n if close < 0 else close + (2 if double else 1)
            tables[-1].end = pos
            tables.append(Table(name=".".join(parts), header_start=pos, body_start=end, end=s.n))
            nl = text.find("\n", end)
            pos = s.n if nl < 0 else nl
            continue
        parts, after = s.key(pos)
        after = s.skip_ws(after, False)
        if not parts or after >= s.n or text[after] != "=":
            nl = text.find("\n", pos)
            pos = s.n if nl < 0 else nl + 1
            continue
        start = s.skip_ws(after + 1, False)
        prefix = tables[-1].name
        kv = KeyValue(path=".".join([prefix, *parts]) if prefix else ".".join(parts), key_start=pos,
                      value_start=start, value_end=start, kind="other")
        kv.value_end = s.value(start, kv)
        values.append(kv)
        pos = kv.value_end
    return Layout(text=text, tables=tables, values=values, line_starts=line_starts)
