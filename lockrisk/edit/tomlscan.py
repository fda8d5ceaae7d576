"""Where things are in a TOML document: tables, key/value pairs and the strings inside them.

tomllib says what a document means but not where; an edit that keeps every other byte
needs offsets. This scanner reads the layout only: table headers (`[t]` and `[[t]]`,
bare, quoted and dotted keys), key/value pairs with their full dotted paths (also
inside inline tables), and the strings directly inside arrays. It knows comments and
all four string kinds (basic, literal, multi-line basic, multi-line literal, with
escapes), so a `[tool.poetry.dependencies]` or `dependencies = [` inside a string or
a comment is never taken for the real thing.

It is one pass over the text with an explicit stack (no recursion): linear time on any
input, however hostile. Meaning and validity stay with tomllib: every edited text is
parsed again before it is offered.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

_BARE = re.compile(r"[A-Za-z0-9_-]+")
_WS = " \t"
_BASIC_STOP = re.compile(r'[\\"\n]')
_ML_BASIC_STOP = re.compile(r'[\\"]')
_SCALAR = re.compile(r"[^ \t\r\n,\]}#\[{\"']+")
_ESCAPES = {"b": "\b", "t": "\t", "n": "\n", "f": "\f", "r": "\r", "e": "\x1b", '"': '"', "\\": "\\"}
_HEX_LEN = {"u": 4, "U": 8, "x": 2}
BOM = "\ufeff"


@dataclass(frozen=True, slots=True, kw_only=True)
class StringLit:
    """A TOML string as written, with where it sits and what it decodes to."""

    start: int  # offset of the opening quote
    end: int  # offset just past the closing quote
    quote: str  # '"' or "'"
    value: str  # the decoded value
    multiline: bool = False  # written with triple quotes
    escaped: bool = False  # the text between the quotes differs from the value (escape sequences)


@dataclass(slots=True, kw_only=True)
class KeyValue:
    """One `key = value` of the document, with where its parts sit."""

    path: str  # full dotted path: table name + key, e.g. "project.dependencies"
    key_start: int  # offset of the key
    value_start: int
    value_end: int
    kind: str  # "string", "array", "inline", "other"
    string: StringLit | None = None  # kind "string"
    items: list[StringLit] = field(default_factory=list)  # kind "array": the strings directly inside
    close: int = -1  # kind "array" / "inline": offset of the closing bracket
    fields: dict[str, StringLit | None] = field(default_factory=dict)  # kind "inline": key -> its string value
    last_end: int = -1  # kind "array" / "inline": offset just past the last element (-1: empty)
    comma_after_last: bool = False  # kind "array": a comma follows the last element
    nested: bool = False  # the pair sits inside an inline table
    in_array_table: bool = False  # the pair belongs to an `[[array.of.tables]]` entry


@dataclass(slots=True, kw_only=True)
class Table:
    """A `[table]` or `[[array]]` header and the body it opens."""

    name: str
    header_start: int  # offset of "[" (0 for the root table)
    body_start: int  # offset just past the header's closing bracket
    end: int  # offset where the next table header starts, or the end of the text
    array: bool = False  # an `[[array of tables]]` entry


@dataclass(slots=True, kw_only=True)
class Layout:
    """Where everything sits in one pyproject.toml: tables, values and line starts."""

    text: str
    tables: list[Table]
    values: list[KeyValue]
    line_starts: list[int]
    _index: dict = field(default_factory=dict, init=False, repr=False, compare=False)  # look-ups built once

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
        """The `[name]` table (never an `[[array of tables]]` entry)."""
        by_name = self._index.get("tables")
        if by_name is None:
            by_name = self._index["tables"] = {}
            for t in self.tables:
                if not t.array:
                    by_name.setdefault(t.name, t)
        return by_name.get(name)

    def value(self, path: str) -> KeyValue | None:
        by_path = self._index.get("values")
        if by_path is None:
            by_path = self._index["values"] = {}
            for v in self.values:
                if not v.in_array_table:
                    by_path.setdefault(v.path, v)
        return by_path.get(path)

    def table_values(self, table: Table) -> list[KeyValue]:
        """The pairs written directly in `table`'s body (not inside inline tables). Planning many pins asks
        about the same few tables again and again, so each table's pairs are found once, by two binary
        searches over the pairs in text order."""
        memo = self._index.setdefault("table_values", {})
        found = memo.get(table.header_start)
        if found is None:
            order = self._index.get("order")
            if order is None:  # indexes of the pairs by where their key starts (an inline table's own pair is
                # recorded after the pairs inside it)
                order = self._index["order"] = sorted(range(len(self.values)), key=lambda i: self.values[i].key_start)
                self._index["starts"] = [self.values[i].key_start for i in order]
            starts = self._index["starts"]
            lo, hi = bisect.bisect_left(starts, table.body_start), bisect.bisect_left(starts, table.end)
            found = memo[table.header_start] = [self.values[i] for i in sorted(order[lo:hi])
                                                if not self.values[i].nested]
        return found

    def table_end(self, table: Table) -> int:
        """Where the last pair written in `table` ends (just after its header when it has none)."""
        memo = self._index.setdefault("table_end", {})
        found = memo.get(table.header_start)
        if found is None:
            found = memo[table.header_start] = max((kv.value_end for kv in self.table_values(table)),
                                                   default=table.body_start)
        return found


def join_path(parts: list[str] | tuple[str, ...]) -> str:
    """Dotted path of key parts; a part holding a dot (or nothing) is quoted so it never reads as two."""
    return ".".join(p if p and "." not in p and '"' not in p else '"' + p.replace('"', '\\"') + '"' for p in parts)


@dataclass(slots=True, kw_only=True)
class _Frame:
    """One open array or inline table while scanning a value."""

    opener: str  # "[" or "{"
    kv: KeyValue | None  # the pair whose value this container is (None: an element of an array)
    prefix: str | None  # inline tables: the path their keys extend (None: anonymous, keys not recorded)
    expect_key: bool = False
    pending: list[str] | None = None  # inline tables: the key whose value comes next
    pending_start: int = -1


class _Scanner:
    def __init__(self, text: str) -> None:
        self.text = text
        self.n = len(text)

    def skip_ws(self, pos: int, newlines: bool) -> int:
        text, n = self.text, self.n
        while pos < n:
            ch = text[pos]
            if ch in _WS or (newlines and ch in "\r\n"):
                pos += 1
            elif ch == "#" and newlines:
                nl = text.find("\n", pos)
                pos = n if nl < 0 else nl
            else:
                break
        return pos

    def line_end(self, pos: int) -> int:
        nl = self.text.find("\n", pos)
        return self.n if nl < 0 else nl

    # --- strings -------------------------------------------------------------------------------------------

    def string(self, pos: int) -> tuple[StringLit | None, int]:
        """The literal at `pos` and the offset after it; None when it is not closed."""
        quote = self.text[pos]
        if self.text.startswith(quote * 3, pos):
            return self._multiline(pos, quote)
        if quote == "'":
            close = self.text.find("'", pos + 1)
            nl = self.line_end(pos)
            if close < 0 or close > nl:
                return None, nl
            return StringLit(start=pos, end=close + 1, quote="'", value=self.text[pos + 1:close]), close + 1
        return self._basic(pos)

    def _basic(self, pos: int) -> tuple[StringLit | None, int]:
        text = self.text
        out: list[str] = []
        i = pos + 1
        escaped = False
        while True:
            m = _BASIC_STOP.search(text, i)
            if m is None or m.group() == "\n":
                return None, self.n if m is None else m.start()
            out.append(text[i:m.start()])
            i = m.start()
            if m.group() == '"':
                return StringLit(start=pos, end=i + 1, quote='"', value="".join(out), escaped=escaped), i + 1
            escaped = True
            decoded, i = self._escape(i)
            out.append(decoded)

    def _escape(self, i: int) -> tuple[str, int]:
        """Decode the escape sequence at `i` (a backslash); (text, offset after it)."""
        text = self.text
        code = text[i + 1:i + 2]
        if code in _ESCAPES:
            return _ESCAPES[code], i + 2
        if code in _HEX_LEN:
            digits = text[i + 2:i + 2 + _HEX_LEN[code]]
            if len(digits) == _HEX_LEN[code] and all(c in "0123456789abcdefABCDEF" for c in digits):
                value = int(digits, 16)
                if value <= 0x10FFFF:
                    return chr(value), i + 2 + len(digits)
        if code in ("", "\n"):
            return "\\", i + 1  # invalid in a one-line string; tomllib rejects it
        return "\\" + code, i + 2

    def _multiline(self, pos: int, quote: str) -> tuple[StringLit | None, int]:
        text = self.text
        body = pos + 3
        if quote == "'":
            close = text.find("'''", body)
            escaped = False
        else:
            close, escaped = self._ml_basic_close(body)
        if close < 0:
            return None, self.n
        end = close + 3
        extra = 0
        while end < self.n and text[end] == quote and extra < 2:  # up to two quotes may end the content
            end += 1
            extra += 1
        raw = text[body:end - 3]
        value = raw[2:] if raw.startswith("\r\n") else raw[1:] if raw.startswith("\n") else raw
        return StringLit(start=pos, end=end, quote=quote, value=value, multiline=True,
                         escaped=escaped or value != raw), end

    def _ml_basic_close(self, i: int) -> tuple[int, bool]:
        """Offset of the `\"\"\"` that closes a multi-line basic string whose body starts at `i` (-1: none)."""
        text = self.text
        escaped = False
        while True:
            m = _ML_BASIC_STOP.search(text, i)
            if m is None:
                return -1, escaped
            i = m.start()
            if m.group() == "\\":
                escaped = True
                i += 2
            elif text.startswith('"""', i):
                return i, escaped
            else:
                i += 1

    # --- keys --------------------------------------------------------------------------------------------

    def key(self, pos: int) -> tuple[list[str], int]:
        parts: list[str] = []
        while pos < self.n:
            pos = self.skip_ws(pos, False)
            if pos < self.n and self.text[pos] in "\"'":
                lit, after = self.string(pos)
                if lit is None or lit.multiline:
                    return [], after
                parts.append(lit.value)
                pos = after
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

    # --- values ------------------------------------------------------------------------------------------

    def value(self, pos: int, kv: KeyValue, values: list[KeyValue]) -> int:
        text = self.text
        ch = text[pos] if pos < self.n else ""
        if ch in "\"'":
            lit, end = self.string(pos)
            kv.kind = "string" if lit is not None else "other"
            kv.string = lit
            return end
        if ch in "[{":
            kv.kind = "array" if ch == "[" else "inline"
            return self.container(pos, kv, values)
        kv.kind = "other"
        m = _SCALAR.match(text, pos)
        return m.end() if m else pos

    def container(self, pos: int, kv: KeyValue, values: list[KeyValue]) -> int:
        """Scan the array or inline table opening at `pos`; record what sits inside. Returns the offset after it."""
        text, n = self.text, self.n
        frames = [_Frame(opener=text[pos], kv=kv, prefix=kv.path if text[pos] == "{" else None,
                         expect_key=text[pos] == "{")]
        i = pos + 1
        while i < n:
            ch = text[i]
            top = frames[-1]
            if ch in " \t\r\n":
                i += 1
            elif ch == "#":
                i = self.line_end(i)
            elif ch in "]}":
                frames.pop()
                if top.kv is not None:
                    top.kv.close = i
                    top.kv.value_end = i + 1
                if not frames:
                    return i + 1
                self._element_end(frames[-1], i + 1)
                i += 1
            elif ch == ",":
                if top.kv is not None and top.opener == "[" and top.kv.last_end >= 0:
                    top.kv.comma_after_last = True
                top.expect_key = top.opener == "{"
                top.pending = None
                i += 1
            elif top.opener == "{" and top.expect_key:
                parts, after = self.key(i)
                after = self.skip_ws(after, False)
                if not parts or after >= n or text[after] != "=":
                    i = max(after, i + 1)  # not a key: invalid TOML, tomllib will say so
                    continue
                top.pending, top.pending_start, top.expect_key = parts, i, False
                i = self.skip_ws(after + 1, False)
            else:
                i = self._element(frames, i, values)
        kv.close = n
        kv.value_end = n
        return n

    def _element(self, frames: list[_Frame], i: int, values: list[KeyValue]) -> int:
        """One value inside the container on top of `frames` (a string, a scalar, or a nested container)."""
        text = self.text
        top = frames[-1]
        child = self._child(top, i)
        ch = text[i]
        if ch in "[{":
            if child is not None:
                child.kind = "array" if ch == "[" else "inline"
                values.append(child)
            frames.append(_Frame(opener=ch, kv=child, prefix=child.path if child is not None and ch == "{" else None,
                                 expect_key=ch == "{"))
            return i + 1
        if ch in "\"'":
            lit, end = self.string(i)
            if top.opener == "[" and top.kv is not None and lit is not None:
                top.kv.items.append(lit)
            if child is not None:
                child.kind, child.string, child.value_end = ("string" if lit else "other"), lit, end
                values.append(child)
            if top.opener == "{" and top.kv is not None and top.pending is not None:
                top.kv.fields[join_path(top.pending)] = lit
        else:
            m = _SCALAR.match(text, i)
            end = m.end() if m else i + 1
            if child is not None:
                child.value_end = end
                values.append(child)
            if top.opener == "{" and top.kv is not None and top.pending is not None:
                top.kv.fields[join_path(top.pending)] = None
        self._element_end(top, end)
        return end

    def _child(self, top: _Frame, i: int) -> KeyValue | None:
        """The pair an element inside an inline table is the value of (None inside arrays and anonymous tables)."""
        if top.opener != "{" or top.pending is None:
            return None
        if top.kv is not None and self.text[i] in "[{":
            top.kv.fields[join_path(top.pending)] = None
        if top.prefix is None:
            return None
        parent = top.kv
        return KeyValue(path=f"{top.prefix}.{join_path(top.pending)}", key_start=top.pending_start, value_start=i,
                        value_end=i, kind="other", nested=True,
                        in_array_table=parent.in_array_table if parent is not None else False)

    @staticmethod
    def _element_end(top: _Frame, end: int) -> None:
        if top.kv is not None:
            top.kv.last_end = end
            top.kv.comma_after_last = False
        if top.opener == "{":
            top.pending = None


def scan(text: str) -> Layout:
    """The layout of a TOML document (best effort on invalid input: tomllib judges validity)."""
    s = _Scanner(text)
    line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
    tables = [Table(name="", header_start=0, body_start=0, end=len(text))]
    values: list[KeyValue] = []
    pos = 1 if text.startswith(BOM) else 0
    while True:
        pos = s.skip_ws(pos, True)
        if pos >= s.n:
            break
        if text[pos] == "[":
            pos = _header(s, pos, tables)
            continue
        parts, after = s.key(pos)
        after = s.skip_ws(after, False)
        if not parts or after >= s.n or text[after] != "=":
            pos = s.line_end(pos) + 1  # not a key/value line: invalid TOML, tomllib will say so
            continue
        start = s.skip_ws(after + 1, False)
        table = tables[-1]
        path = join_path(parts) if not table.name else f"{table.name}.{join_path(parts)}"
        kv = KeyValue(path=path, key_start=pos, value_start=start, value_end=start, kind="other",
                      in_array_table=table.array)
        values.append(kv)
        kv.value_end = s.value(start, kv, values)
        pos = max(kv.value_end, start + 1)
    return Layout(text=text, tables=tables, values=values, line_starts=line_starts)


def _header(s: _Scanner, pos: int, tables: list[Table]) -> int:
    """Read the table header at `pos`, open its table; the offset after the header."""
    text = s.text
    double = text.startswith("[[", pos)
    parts, after = s.key(pos + (2 if double else 1))
    after = s.skip_ws(after, False)
    closer = "]]" if double else "]"
    if text.startswith(closer, after) and parts:
        body = after + len(closer)
        name = join_path(parts)
    else:
        body = s.line_end(pos)  # malformed header: invalid TOML; its keys belong to no known table
        name = "\x00invalid"
    tables[-1].end = pos
    tables.append(Table(name=name, header_start=pos, body_start=body, end=s.n, array=double))
    return body
