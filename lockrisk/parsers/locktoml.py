"""The TOML that Poetry and uv write, read in one pass; anything else is left to tomllib.

Both tools write a small, regular part of TOML: one `key = value` per line, `[table]` and
`[[array]]` headers, basic strings, integers, booleans, inline tables on one line, and arrays
either on one line or with one element per line. `read_lock_toml` reads exactly that and
returns the document tomllib would return for the same text. On anything outside it (a
multi-line or literal string with an odd character, a dotted key, a float, a date, a comment
inside a value, a key or table defined twice, a table reopened) it returns None, and
`lockrisk.tomlload.loads` hands the whole text to tomllib, which reads it or says precisely what
is wrong. So the subset decides speed only, never the result: a test compares both readers on
every lockfile in the corpus and on mutated ones.

tomllib spends most of a large lockfile's time on per-character work in Python; here the
common lines (`name = "rich"`, `    { name = "idna" },`) are one regular-expression match each.
"""

from __future__ import annotations

import re
from typing import Any

BASIC_CHAR = r'[^"\\\x00-\x08\x0a-\x1f\x7f]'  # what a basic string may hold without escapes
# { name = "idna", marker = "sys_platform == 'win32'" }: an inline table of strings on one line
_FLAT_BODY = (rf'\{{[ \t]*(?:[A-Za-z0-9_-]+[ \t]*=[ \t]*"{BASIC_CHAR}*"[ \t]*,[ \t]*)*'
              rf'[A-Za-z0-9_-]+[ \t]*=[ \t]*"{BASIC_CHAR}*"[ \t]*\}}')
# fullmatch: the most common lines, `name = "rich"`, `optional = false`, `groups = ["main"]`, `dependencies = [`
# (its elements follow, one or more a line), `source = { registry = "..." }`
_SIMPLE_PAIR = re.compile(rf'([A-Za-z0-9_-]+) = (?:"({BASIC_CHAR}*)"|(true|false)|\["({BASIC_CHAR}*)"\]|(\[)|({_FLAT_BODY}))')
_KEY = re.compile(rf'[ \t]*(?:([A-Za-z0-9_-]+)|"({BASIC_CHAR}*)")[ \t]*')
_STRING = re.compile(rf'"({BASIC_CHAR}*)"')
_ESCAPED = re.compile(rf'"((?:{BASIC_CHAR}|\\(?:[btnfr"\\]|u[0-9A-Fa-f]{{4}}|U[0-9A-Fa-f]{{8}}))*)"')
_ESCAPE = re.compile(r'\\(?:([btnfr"\\])|u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8}))')
_LITERAL = re.compile(r"'([^'\x00-\x08\x0a-\x1f\x7f]*)'")
_WORD = re.compile(r"[+-]?[0-9]+|true|false")  # an integer or a boolean; what follows must be a delimiter
_INTEGER = re.compile(r"[+-]?(?:0|[1-9][0-9]*)")
_SPACE = re.compile(r"[ \t]*")
_REST = re.compile(r"[ \t]*(?:#[^\x00-\x08\x0a-\x1f\x7f]*)?")  # fullmatch: what may end a line
_FLAT_TABLE = re.compile(_FLAT_BODY)
_FLAT_ITEM = re.compile(rf"[ \t]*({_FLAT_TABLE.pattern})[ \t]*(,?)[ \t]*")  # fullmatch: a long array's line
_FLAT_PAIR = re.compile(rf'([A-Za-z0-9_-]+)[ \t]*=[ \t]*"({BASIC_CHAR}*)"')
_HEADER = re.compile(r"[ \t]*(\[\[?)(.*?)(\]\]?)")
_ESCAPES = {"b": "\b", "t": "\t", "n": "\n", "f": "\f", "r": "\r", '"': '"', "\\": "\\"}
_DELIMITERS = frozenset(" \t,]}#")
MAX_DEPTH = 32  # nested arrays and inline tables in one value; deeper is left to tomllib


class Unsupported(Exception):
    """The text leaves the subset: tomllib must read it."""


def read_lock_toml(text: str) -> dict[str, Any] | None:
    """The document tomllib would return for `text`, or None when `text` is outside the subset read here."""
    try:
        return _Reader(text).run()
    except (Unsupported, RecursionError):
        return None


def _unescape(raw: str) -> str:
    def one(m: re.Match[str]) -> str:
        if m.group(1):
            return _ESCAPES[m.group(1)]
        code = int(m.group(2) or m.group(3), 16)
        if 0xD800 <= code <= 0xDFFF or code > 0x10FFFF:
            raise Unsupported
        return chr(code)

    return _ESCAPE.sub(one, raw)


def _value(s: str, i: int, depth: int = 0) -> tuple[Any, int]:
    """The value starting at s[i] (no leading whitespace) and the offset just after it."""
    if depth > MAX_DEPTH or i >= len(s):
        raise Unsupported
    c = s[i]
    if c == '"':
        if s.startswith('"""', i):
            raise Unsupported
        m = _STRING.match(s, i)
        if m:
            return m.group(1), m.end()
        m = _ESCAPED.match(s, i)
        if not m:
            raise Unsupported
        return _unescape(m.group(1)), m.end()
    if c == "{":
        m = _FLAT_TABLE.match(s, i)
        if m:
            pairs = _FLAT_PAIR.findall(s, i, m.end())
            table = dict(pairs)
            if len(table) != len(pairs):
                raise Unsupported
            return table, m.end()
        return _inline_table(s, i, depth)
    if c == "[":
        return _inline_array(s, i, depth)
    if c == "'":
        if s.startswith("'''", i):
            raise Unsupported
        m = _LITERAL.match(s, i)
        if not m:
            raise Unsupported
        return m.group(1), m.end()
    m = _WORD.match(s, i)
    if not m or (m.end() < len(s) and s[m.end()] not in _DELIMITERS):
        raise Unsupported
    word = m.group()
    if word == "true":
        return True, m.end()
    if word == "false":
        return False, m.end()
    if not _INTEGER.fullmatch(word):  # leading zeros
        raise Unsupported
    return int(word), m.end()


def _skip(s: str, i: int) -> int:
    return _SPACE.match(s, i).end()  # type: ignore[union-attr]


def _inline_table(s: str, i: int, depth: int) -> tuple[dict[str, Any], int]:
    table: dict[str, Any] = {}
    i = _skip(s, i + 1)
    if s.startswith("}", i):
        return table, i + 1
    while True:
        m = _KEY.match(s, i)
        if not m or not s.startswith("=", m.end()):
            raise Unsupported
        key = m.group(1) if m.group(1) is not None else m.group(2)
        if key in table:
            raise Unsupported
        table[key], i = _value(s, _skip(s, m.end() + 1), depth + 1)
        i = _skip(s, i)
        if s.startswith("}", i):
            return table, i + 1
        if not s.startswith(",", i):
            raise Unsupported
        i = _skip(s, i + 1)


def _inline_array(s: str, i: int, depth: int) -> tuple[list[Any], int]:
    items: list[Any] = []
    i = _skip(s, i + 1)
    while True:
        if s.startswith("]", i):
            return items, i + 1
        item, i = _value(s, i, depth + 1)
        items.append(item)
        i = _skip(s, i)
        if s.startswith(",", i):
            i = _skip(s, i + 1)
        elif not s.startswith("]", i):
            raise Unsupported


def _line_end(s: str, i: int) -> None:
    if not _REST.fullmatch(s, i):
        raise Unsupported


class _Reader:
    def __init__(self, text: str) -> None:
        self.lines = text.split("\n")
        self.doc: dict[str, Any] = {}
        self.explicit: set[int] = set()  # tables a header has opened (a second header for one is an error)
        self.arrays: set[int] = set()  # lists made by [[...]] headers
        self.inline: set[int] = set()  # tables and lists written as values: closed to headers

    def run(self) -> dict[str, Any]:
        lines = self.lines
        n = len(lines)
        current = self.doc
        simple = _SIMPLE_PAIR.fullmatch
        headers: dict[str, tuple[bool, list[str]]] = {}  # header line -> (array of tables?, path): read once
        i = 0
        while i < n:
            line = lines[i]
            i += 1
            if not line:
                continue
            if line[-1] == "\r" and i < n:  # CRLF; a lone CR at the very end is tomllib's to refuse
                line = line[:-1]
            m = simple(line)
            if m:
                key, text, word, item, opened, table = m.groups()
                if key in current:
                    raise Unsupported
                if text is not None:
                    current[key] = text
                elif word is not None:
                    current[key] = word == "true"
                elif item is not None:
                    current[key] = value = [item]
                    self.inline.add(id(value))
                elif opened is not None:
                    current[key], i = self._long_array(i)
                else:
                    pairs = _FLAT_PAIR.findall(table)
                    current[key] = value = dict(pairs)
                    if len(value) != len(pairs):
                        raise Unsupported
                    self.inline.add(id(value))
                continue
            stripped = line.lstrip(" \t")
            if not stripped:
                continue
            first = stripped[0]
            if first == "#":
                _line_end(stripped, 0)
                continue
            if first == "[":
                found = headers.get(line)
                if found is None:
                    found = headers[line] = self._read_header(line)
                current = self._open(*found)
                continue
            m = _KEY.match(line)
            if not m or not line.startswith("=", m.end()):
                raise Unsupported
            key = m.group(1) if m.group(1) is not None else m.group(2)
            if key in current:
                raise Unsupported
            start = _skip(line, m.end() + 1)
            if _REST.fullmatch(line, start + 1) and line.startswith("[", start) and "#" not in line[start:]:
                value, i = self._long_array(i)  # `key = [` with its elements on the lines below
            else:
                value, end = _value(line, start)
                _line_end(line, end)
                if isinstance(value, (dict, list)):
                    self.inline.add(id(value))  # only a key's own value can be reached by a header's path
            current[key] = value
        return self.doc

    def _long_array(self, i: int) -> tuple[list[Any], int]:
        """The elements of an array opened at the end of the line before line index i: one or more per line, each
        but the last followed by a comma, then a line holding only `]`."""
        lines = self.lines
        items: list[Any] = []
        item: Any
        item_line = _FLAT_ITEM.fullmatch
        pair = _FLAT_PAIR.findall
        needs_comma = False
        n = len(lines)
        while i < n:
            line = lines[i]
            i += 1
            if line.endswith("\r") and i < n:
                line = line[:-1]
            m = item_line(line)
            if m is not None:
                if needs_comma:
                    raise Unsupported
                pairs = pair(line, m.start(1), m.end(1))
                item = dict(pairs)
                if len(item) != len(pairs):
                    raise Unsupported
                items.append(item)
                needs_comma = not m.group(2)
                continue
            start = _skip(line, 0)
            if start == len(line):
                continue
            if line.startswith("]", start):
                _line_end(line, start + 1)
                self.inline.add(id(items))
                return items, i
            if needs_comma:
                raise Unsupported
            while True:  # one or more elements on this line, each followed by a comma but perhaps the last
                item, end = _value(line, start)
                items.append(item)
                end = _skip(line, end)
                if end == len(line):
                    needs_comma = True
                    break
                if not line.startswith(",", end):
                    raise Unsupported
                start = _skip(line, end + 1)
                if start == len(line):
                    break
        raise Unsupported  # never closed

    def _read_header(self, line: str) -> tuple[bool, list[str]]:
        m = _HEADER.match(line)
        if not m or (m.group(1) == "[[") != (m.group(3) == "]]"):
            raise Unsupported
        _line_end(line, m.end())
        return m.group(1) == "[[", self._path(m.group(2))

    def _open(self, array_of_tables: bool, path: list[str]) -> dict[str, Any]:
        """The table a header opens (a new element for `[[...]]`), checked as tomllib checks it."""
        node = self.doc
        for part in path[:-1]:
            child = node.get(part)
            if child is None:
                child = node[part] = {}
            elif isinstance(child, list):
                if id(child) not in self.arrays:
                    raise Unsupported
                child = child[-1]
            elif not isinstance(child, dict) or id(child) in self.inline:
                raise Unsupported
            node = child
        last = path[-1]
        if array_of_tables:
            array = node.get(last)
            if array is None:
                array = node[last] = []
                self.arrays.add(id(array))
            elif not isinstance(array, list) or id(array) not in self.arrays:
                raise Unsupported
            table: dict[str, Any] = {}
            array.append(table)
        else:
            table = node.get(last)  # type: ignore[assignment]
            if table is None:
                table = node[last] = {}
            elif not isinstance(table, dict) or id(table) in self.inline or id(table) in self.explicit:
                raise Unsupported
        self.explicit.add(id(table))
        return table

    @staticmethod
    def _path(inner: str) -> list[str]:
        parts: list[str] = []
        i = 0
        while True:
            m = _KEY.match(inner, i)
            if not m or m.end() == i:
                raise Unsupported
            parts.append(m.group(1) if m.group(1) is not None else m.group(2))
            i = m.end()
            if i == len(inner):
                return parts
            if inner[i] != ".":
                raise Unsupported
            i += 1
