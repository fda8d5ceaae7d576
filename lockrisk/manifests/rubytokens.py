"""A small Ruby tokenizer for Gemfiles, and the `gem` calls it finds (the Gemfile is never executed).

`tokenize` turns Ruby source into tokens with character offsets: names, strings (single- and
double-quoted with escapes and `#{}` interpolation, `%w/%i/%q/%Q` and other percent literals
with any delimiter, regexps, symbols, `?c`), heredocs (`<<~ID`, `<<-ID`, `<<ID`, quoted ids,
several on one line, their bodies as one token each), comments, `=begin`/`=end` blocks and
the `__END__` data section. `read_gemfile` walks those tokens with a stack of brackets and
`do`/`if`/... blocks and returns every `gem` call (its literal arguments, where they end),
the top-level statements, and the line starts where a new statement can go.

Gemfiles come from strangers' pull requests: every loop moves forward through the text (each
character is looked at a bounded number of times), no regular expression can backtrack, and
nesting deeper than MAX_NESTING is refused. Anything that does not read as Ruby raises
ParseError with the line, so a caller refuses rather than guesses.
"""

from __future__ import annotations

import bisect
import functools
import re
from dataclasses import dataclass, field

from lockrisk.errors import ParseError

MAX_NESTING = 100  # interpolations inside strings inside interpolations; blocks and brackets inside each other

_PAIRS = {"(": ")", "[": "]", "{": "}", "<": ">"}
_SPACE = " \t\r\f\v"
_INTERPOLATING_PERCENT = "QWIrx"
_KEYWORDS = frozenset("""alias and begin BEGIN break case class def defined? do else elsif end END ensure false for
if in module next nil not or redo rescue retry return self super then true undef unless until when while
yield __FILE__ __LINE__ __ENCODING__""".split())
_VALUE_AFTER_KEYWORD = frozenset("and begin case do else elsif ensure if in not or return then unless until when "
                                 "while yield puts".split())
_OPERATORS = ("**=", "<=>", "===", "...", "<<=", ">>=", "&&=", "||=", "**", "==", "!=", ">=", "<=", "&&", "||",
              "<<", ">>", "=>", "->", "::", "..", "+=", "-=", "*=", "/=", "%=", "|=", "&=", "^=", "=~", "!~", "&.")
_OPS3 = frozenset(op for op in _OPERATORS if len(op) == 3)
_OPS2 = frozenset(op for op in _OPERATORS if len(op) == 2)
_CONTINUES = frozenset(["=", "+", "-", "*", "/", "%", "**", "==", "!=", ">", "<", ">=", "<=", "<=>", "===", "&&", "||",
                        "&", "|", "^", "<<", ">>", "=>", "->", "::", "..", "...", "+=", "-=", "*=", "/=", "%=", "|=",
                        "&=", "^=", "||=", "&&=", "**=", "<<=", ">>=", "=~", "!~", ".", "&.", ",", "?", ":", "!", "~"])
_SOURCE_OPTIONS = frozenset(["path", "git", "github", "gist", "bitbucket"])
# Single character classes with one `+` or `*`: each can match only one way, so none can backtrack.
_BLANKS = re.compile(r"[ \t\r\f\v]+")
_NAME_TAIL = re.compile(r"[\w\u0080-\U0010ffff]*")
_SPECIALS: dict[tuple[str, str | None, bool], re.Pattern[str]] = {}


def _specials(closer: str, opener: str | None, interpolating: bool) -> re.Pattern[str]:
    """The characters a literal's scanner must stop at: backslash, newline, its delimiters, `#` if it interpolates."""
    key = (closer, opener, interpolating)
    if key not in _SPECIALS:
        chars = "\\\n" + ("#" if interpolating else "") + closer + (opener or "")
        _SPECIALS[key] = re.compile("[" + "".join(re.escape(c) for c in chars) + "]")
    return _SPECIALS[key]


@dataclass(frozen=True, slots=True)
class Token:
    """One token: kind, [start, end) offsets in the source, and for names, operators and plain strings a value."""

    kind: str  # name, const, label, ivar, gvar, symbol, string, number, op, newline, comment, heredoc, doc, data
    start: int
    end: int
    value: str | None = None  # the name / operator / label; a string's value when it has no interpolation
    space_before: bool = False


@dataclass(slots=True)
class _Heredoc:
    """A heredoc opened on the current line, whose body starts on the next."""

    at: int  # offset of its `<<`
    marker: str  # `<<~ID` as written
    ident: str
    indented: bool  # <<~ and <<-: the terminator may be indented
    raw: bool  # <<~'ID': no interpolation


@dataclass(slots=True)
class Lexed:
    """What `tokenize` found: the tokens outside interpolations, and the line starts that follow a `\\` newline."""

    text: str
    tokens: list[Token]
    continued: set[int] = field(default_factory=set)
    broken_at: int | None = None  # where the text stops reading as Ruby (an unclosed string, heredoc, =begin)
    problem: str | None = None

    def line_of(self, offset: int) -> int:
        """1-based line number of an offset (lines end at "\\n", as Ruby counts them)."""
        return self.text.count("\n", 0, offset) + 1


def _is_name_start(ch: str) -> bool:
    return ch.isalpha() or ch == "_" or ord(ch) > 127


def _is_name_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_" or ord(ch) > 127


class _Lexer:
    def __init__(self, text: str) -> None:
        self.text = text
        self.n = len(text)
        self.tokens: list[Token] = []
        self.pending: list[_Heredoc] = []
        self.continued: set[int] = set()
        self.depth = 0  # interpolation depth: tokens are kept only at depth 0
        self.error_at: int | None = None

    def fail(self, message: str, at: int) -> ParseError:
        if self.error_at is None:
            self.error_at = at
        return ParseError(message, line=self.text.count("\n", 0, min(at, self.n)) + 1)

    def emit(self, kind: str, start: int, end: int, value: str | None = None, space: bool = False) -> None:
        if self.depth == 0:
            self.tokens.append(Token(kind, start, end, value, space))

    # --- newlines and heredoc bodies ---------------------------------------------------------------

    def after_newline(self, nl: int) -> int:
        """The offset after the "\\n" at `nl`, past the bodies of every heredoc started on that line."""
        pos = nl + 1
        pending, self.pending = self.pending, []
        for doc in pending:
            pos = self.heredoc_body(doc, pos)
        return pos

    def heredoc_body(self, doc: _Heredoc, pos: int) -> int:
        start = pos
        while True:
            if pos >= self.n:
                raise self.fail(f"the heredoc {doc.marker} has no terminating {doc.ident} line", doc.at)
            nl = self.text.find("\n", pos)
            end = self.n if nl < 0 else nl
            line = self.text[pos:end]
            if line.endswith("\r"):
                line = line[:-1]
            if (line.lstrip(" \t") if doc.indented else line) == doc.ident:
                self.emit("heredoc", start, end, None)
                return self.n if nl < 0 else nl + 1
            pos = end + 1

    # --- the code loop -------------------------------------------------------------------------------

    def code(self, interpolation: bool, at: int) -> int:
        """Lex code from `at`; inside an interpolation, stop after its closing brace and return the offset."""
        text, n = self.text, self.n
        pos = at
        braces = 0
        prev: Token | None = None  # the previous significant token at this level
        space = False
        while pos < n:
            ch = text[pos]
            line_start = pos == 0 or text[pos - 1] == "\n"
            if ch in _SPACE:
                pos = _BLANKS.match(text, pos).end()
                space = True
                continue
            if ch == "\\" and text.startswith("\n", pos + 1) or text.startswith("\\\r\n", pos):
                nl = text.find("\n", pos)
                pos = self.after_newline(nl)
                self.continued.add(nl + 1)
                space = True
                continue
            if ch == "\n":
                self.emit("newline", pos, pos + 1)
                prev = Token("newline", pos, pos + 1)
                pos = self.after_newline(pos)
                space = True
                continue
            if ch == "#":
                nl = text.find("\n", pos)
                end = n if nl < 0 else nl
                self.emit("comment", pos, end)
                pos = end
                continue
            if line_start and not interpolation and ch == "=" and text.startswith("=begin", pos) \
                    and (pos + 6 >= n or text[pos + 6] in " \t\r\n"):
                pos = self.embedded_doc(pos)
                continue
            if line_start and not interpolation and text.startswith("__END__", pos):
                rest = text[pos + 7:pos + 9]
                if rest in ("", "\n", "\r\n") or rest.startswith("\n"):
                    self.emit("data", pos, n)
                    return n
            if interpolation and ch == "}" and braces == 0:
                return pos + 1
            tok, pos = self.one(pos, prev, space)
            if tok.kind == "op" and tok.value in ("{", "#{"):
                braces += 1
            elif tok.kind == "op" and tok.value == "}":
                braces -= 1
            prev = tok
            space = False
        if interpolation:
            raise self.fail("an interpolation #{ is not closed", at)
        return pos

    def embedded_doc(self, pos: int) -> int:
        start = pos
        while True:
            nl = self.text.find("\n", pos)
            if nl < 0:
                raise self.fail("=begin without =end", start)
            pos = nl + 1
            if self.text.startswith("=end", pos) and (pos + 4 >= self.n or self.text[pos + 4] in " \t\r\n"):
                nl = self.text.find("\n", pos)
                end = self.n if nl < 0 else nl
                self.emit("doc", start, end)
                return end

    def value_expected(self, prev: Token | None, space: bool, pos: int) -> bool:
        """Whether a literal may start here (so `/`, `%`, `<<`, `?`, `[` open one rather than being operators)."""
        if prev is None or prev.kind in ("newline", "label", "comment"):
            return True
        if prev.kind == "op":
            return prev.value not in (")", "]", "}")
        if prev.kind == "name":
            if prev.value in _VALUE_AFTER_KEYWORD:
                return True
            if prev.value in _KEYWORDS:
                return False
            nxt = self.text[pos + 1:pos + 2]
            return space and nxt not in ("", " ", "\t", "\n", "\r", "=")  # `foo /re/`, `foo <<~X`, `foo %w[]`
        return False

    def one(self, pos: int, prev: Token | None, space: bool) -> tuple[Token, int]:
        """Lex the token at `pos` (not blank, newline or comment); return it and the offset after it."""
        text = self.text
        ch = text[pos]
        if ch in "()[]{},;":
            return self.keep("op", pos, pos + 1, ch, space)
        value_ok = ch in "%/?<" and self.value_expected(prev, space, pos)
        if ch in "\"'`":
            end, value = self.quoted(pos + 1, ch, None, interpolating=ch != "'", single=ch == "'")
            if ch != "`" and text.startswith(":", end) and not text.startswith("::", end) and \
                    (prev is None or prev.kind != "op" or prev.value != "?"):
                return self.keep("label", pos, end + 1, value, space)
            return self.keep("string", pos, end, value, space)
        if ch.isdigit():
            end = pos + 1
            while end < self.n and (_is_name_char(text[end]) or
                                    (text[end] == "." and end + 1 < self.n and text[end + 1].isdigit())):
                end += 1
            return self.keep("number", pos, end, text[pos:end], space)
        if _is_name_start(ch):
            end = _NAME_TAIL.match(text, pos + 1).end()
            if end < self.n and text[end] in "?!" and not text.startswith("=", end + 1):
                end += 1
            name = text[pos:end]
            after_dot = prev is not None and prev.kind == "op" and prev.value in (".", "&.")
            if text.startswith(":", end) and not text.startswith("::", end) and not after_dot and \
                    (prev is None or prev.kind != "op" or prev.value != "?"):
                return self.keep("label", pos, end + 1, name, space)
            kind = "const" if ch.isupper() else "name"
            return self.keep(kind, pos, end, name, space)
        if ch == "@" or ch == "$":
            end = pos + 1
            while end < self.n and text[end] == "@" and end - pos < 2:
                end += 1
            if end < self.n and _is_name_start(text[end]) or ch == "$" and end < self.n and text[end].isdigit():
                while end < self.n and _is_name_char(text[end]):
                    end += 1
            elif ch == "$" and end < self.n and text[end] not in "\n":
                end += 1  # $; $" $~ and friends
            return self.keep("ivar" if ch == "@" else "gvar", pos, end, text[pos:end], space)
        if ch == ":":
            return self.colon(pos, space)
        if ch == "%" and value_ok:
            literal = self.percent(pos, space)
            if literal is not None:
                return literal
        if ch == "/" and value_ok:
            end, _ = self.quoted(pos + 1, "/", None, interpolating=True, single=False)
            while end < self.n and text[end].isalpha():
                end += 1
            return self.keep("string", pos, end, None, space)
        if ch == "?" and value_ok and pos + 1 < self.n and text[pos + 1] not in " \t\r\n":
            end = pos + 2
            if text[pos + 1] == "\\":
                end = min(pos + 3, self.n)
            if end >= self.n or not _is_name_char(text[end]) or text[pos + 1] == "\\":
                return self.keep("string", pos, end, None, space)
        if ch == "<" and text.startswith("<<", pos) and value_ok:
            doc = self.heredoc_start(pos)
            if doc is not None:
                return doc
        if ch == "#":  # unreachable: comments are handled by the caller
            raise self.fail("unexpected #", pos)
        for size, ops in ((3, _OPS3), (2, _OPS2)):
            if text[pos:pos + size] in ops:
                return self.keep("op", pos, pos + size, text[pos:pos + size], space)
        return self.keep("op", pos, pos + 1, ch, space)

    def keep(self, kind: str, start: int, end: int, value: str | None, space: bool) -> tuple[Token, int]:
        tok = Token(kind, start, end, value, space)
        if self.depth == 0:
            self.tokens.append(tok)
        return tok, end

    def colon(self, pos: int, space: bool) -> tuple[Token, int]:
        text = self.text
        if text.startswith("::", pos):
            return self.keep("op", pos, pos + 2, "::", space)
        nxt = text[pos + 1:pos + 2]
        if nxt in ('"', "'"):
            end, value = self.quoted(pos + 2, nxt, None, interpolating=nxt == '"', single=nxt == "'")
            return self.keep("symbol", pos, end, value, space)
        if nxt and (_is_name_start(nxt) or nxt in "@$"):
            end = pos + 2
            while end < self.n and (_is_name_char(text[end]) or text[end] == "@" and end == pos + 2):
                end += 1
            if end < self.n and text[end] in "?!=" and not text.startswith(("=>", "==", "=~"), end):
                end += 1
            return self.keep("symbol", pos, end, text[pos + 1:end], space)
        for op in ("[]=", "[]", "<=>", "===", "==", "=~", "!~", "!=", "**", "<<", ">>", "<=", ">=", "+@", "-@",
                   "+", "-", "*", "/", "%", "<", ">", "!", "~", "&", "|", "^"):
            if text.startswith(op, pos + 1) and nxt not in " \t\r\n":
                return self.keep("symbol", pos, pos + 1 + len(op), op, space)
        return self.keep("op", pos, pos + 1, ":", space)

    def percent(self, pos: int, space: bool) -> tuple[Token, int] | None:
        text = self.text
        kind = text[pos + 1:pos + 2]
        start = pos + 1
        if kind and kind.isalpha():
            if kind not in "qQwWiIrsx":
                return None
            start = pos + 2
        else:
            kind = "Q"
        opener = text[start:start + 1]
        if not opener or opener.isalnum() or opener in " \t\r\n" or ord(opener) > 127:
            return None
        closer = _PAIRS.get(opener, opener)
        nested = opener if opener in _PAIRS else None
        interpolating = kind in _INTERPOLATING_PERCENT
        end, value = self.quoted(start + 1, closer, nested, interpolating=interpolating, single=not interpolating)
        if kind == "r":
            while end < self.n and text[end].isalpha():
                end += 1
        literal = value if kind in "qQ" else None
        return self.keep("string", pos, end, literal, space)

    def heredoc_start(self, pos: int) -> tuple[Token, int] | None:
        text = self.text
        i = pos + 2
        indented = False
        if text[i:i + 1] in ("~", "-"):
            indented = True
            i += 1
        quote = text[i:i + 1]
        if quote in ("'", '"', "`"):
            close = text.find(quote, i + 1)
            nl = text.find("\n", i + 1)
            if close < 0 or (0 <= nl < close) or close == i + 1:
                raise self.fail("a heredoc identifier is not closed", pos)
            ident = text[i + 1:close]
            end = close + 1
            raw = quote == "'"
        elif quote and _is_name_start(quote):
            end = i + 1
            while end < self.n and _is_name_char(text[end]):
                end += 1
            ident = text[i:end]
            raw = False
        else:
            return None
        self.pending.append(_Heredoc(at=pos, marker=text[pos:end], ident=ident, indented=indented, raw=raw))
        return self.keep("string", pos, end, None, False)

    def quoted(self, pos: int, closer: str, opener: str | None, *, interpolating: bool,
               single: bool) -> tuple[int, str | None]:
        """Scan a literal's body from `pos` to its closing delimiter: (offset after it, value or None)."""
        text, n = self.text, self.n
        start = pos
        nesting = 0
        out: list[str] = []
        plain = True
        specials = _specials(closer, opener, interpolating)
        while True:
            found = specials.search(text, pos)
            if found is None:
                raise self.fail(f"a string or literal is not closed (it opens with {text[start - 1]!r})", start - 1)
            out.append(text[pos:found.start()])
            pos = found.start()
            ch = text[pos]
            if ch == "\\":
                nxt = text[pos + 1:pos + 2]
                if nxt == "\n":
                    pos = self.after_newline(pos + 1)
                    plain = False
                    continue
                if single:
                    out.append(nxt if nxt in ("\\", closer) or (opener and nxt == opener) else "\\" + nxt)
                elif nxt in ("\\", '"', "'", "#", closer) or (opener and nxt == opener):
                    out.append(nxt)
                else:
                    plain = False
                pos += 2
                continue
            if ch == "\n":
                out.append(ch)
                pos = self.after_newline(pos)
                continue
            if interpolating and ch == "#" and pos + 1 < n and text[pos + 1] in "{@$":
                if text[pos + 1] == "{":
                    plain = False
                    self.depth += 1
                    if self.depth > MAX_NESTING:
                        raise self.fail("interpolations are nested too deeply", pos)
                    pos = self.code(True, pos + 2)
                    self.depth -= 1
                    continue
                plain = False
            if opener is not None and ch == opener:
                nesting += 1
            elif ch == closer:
                if nesting == 0:
                    return pos + 1, ("".join(out) if plain else None)
                nesting -= 1
            out.append(ch)
            pos += 1


def tokenize(text: str) -> Lexed:
    """The tokens of Ruby source `text`, as far as it reads as Ruby: after an unclosed string, heredoc or =begin,
    `broken_at` says where the trouble starts and `problem` what it is (the rest of the text has no tokens)."""
    lexer = _Lexer(text)
    problem = None
    try:
        lexer.code(False, 0)
        if lexer.pending:
            raise lexer.fail(f"the heredoc {lexer.pending[0].marker} has no body (end of file)", lexer.pending[0].at)
    except ParseError as exc:
        problem = exc.message
    return Lexed(text=text, tokens=lexer.tokens, continued=lexer.continued, broken_at=lexer.error_at,
                 problem=problem)


# --- the Gemfile's structure ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Argument:
    """One argument of a call: its tokens (nested ones included), and what kind of argument it is."""

    kind: str  # "string" (one literal string), "option" (key: value, key => value, {...}), "splat", "expr"
    tokens: tuple[Token, ...]
    keys: tuple[str, ...] = ()  # an option's key, or the keys of a braced option hash

    @property
    def start(self) -> int:
        return self.tokens[0].start

    @property
    def end(self) -> int:
        return self.tokens[-1].end


@dataclass(frozen=True, slots=True, kw_only=True)
class GemCall:
    """A `gem` call in code: its name (None when not a literal string), arguments, and where it sits."""

    name: str | None
    start: int  # offset of `gem`
    end: int  # offset after the call's last token
    args: tuple[Argument, ...]
    top_level: bool  # outside every block and bracket
    parenthesised: bool

    @property
    def requirements(self) -> tuple[Argument, ...]:
        """The literal requirement strings after the name, up to the first argument that is not one."""
        out = []
        for arg in self.args[1:]:
            if arg.kind != "string":
                break
            out.append(arg)
        return tuple(out)

    @property
    def dynamic(self) -> bool:
        """A requirement given as code (a constant, a method call, a splat, an interpolated string)."""
        rest = self.args[1 + len(self.requirements):]
        return any(arg.kind in ("expr", "splat") for arg in rest)

    @property
    def option_keys(self) -> tuple[str, ...]:
        return tuple(key for arg in self.args if arg.kind == "option" for key in arg.keys)

    @property
    def insert_at(self) -> int:
        """Where `, "requirement"` goes: after the last requirement string, or after the name."""
        reqs = self.requirements
        return reqs[-1].end if reqs else self.args[0].end


@dataclass(frozen=True, slots=True, kw_only=True)
class Statement:
    """A top-level statement: the name it starts with (`gem`, `source`, `group`, ...) and its extent."""

    head: str | None
    start: int
    end: int


@dataclass(slots=True)
class Gemfile:
    """A Gemfile read through its tokens."""

    lexed: Lexed
    calls: list[GemCall]
    statements: list[Statement]
    git_sources: set[str]
    boundaries: set[int] = field(default_factory=set)  # line starts (and the end) where a top-level statement can go
    problem: str | None = None  # the first thing that does not read as Ruby ("a ( is not closed ...")
    problem_line: int | None = None
    unread_from: int | None = None  # where reading stopped early (None: every token was read, even if a block
    # is left open at the end of the file)
    _spans: list[tuple[int, int]] = field(default_factory=list)  # merged [start, end] of multi-line literals
    _heredoc_starts: set[int] = field(default_factory=set)

    @property
    def protected(self) -> list[tuple[str, str]]:
        """The text of every heredoc body, =begin block and __END__ section, in order."""
        text = self.lexed.text
        return [(t.kind, text[t.start:t.end]) for t in self.lexed.tokens if t.kind in ("heredoc", "doc", "data")]

    def in_code(self, offset: int) -> bool:
        """Whether a line starting at `offset` starts in code: not inside a string, heredoc, =begin or __END__,
        and not the continuation of a line ending in a backslash."""
        if offset in self._heredoc_starts or offset in self.lexed.continued:
            return False
        k = bisect.bisect_left(self._spans, (offset + 1,)) - 1  # the last span starting before `offset`
        return k < 0 or not (self._spans[k][0] < offset < self._spans[k][1])


def _multiline_spans(lexed: Lexed, broken_at: int | None) -> list[tuple[int, int]]:
    """Merged (start, end) of the tokens that run over line ends; a line start strictly inside one is not code.
    Nothing after the point where the text stops reading as Ruby is code either."""
    text = lexed.text
    raw = [] if broken_at is None else [(broken_at, len(text) + 1)]
    for t in lexed.tokens:
        if t.kind == "data":
            raw.append((t.start, len(text) + 1))
        elif t.kind == "heredoc":
            raw.append((t.start, t.end + 1))
        elif t.kind in ("doc", "string", "symbol", "label") and text.find("\n", t.start, t.end) >= 0:
            raw.append((t.start, t.end))
    raw.sort()
    merged: list[tuple[int, int]] = []
    for start, end in raw:
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


_OPENERS = frozenset(["if", "unless", "while", "until", "case", "begin", "def", "class", "module", "for"])
_LOOPS = frozenset(["while", "until", "for"])
_MODIFIERS = frozenset(["if", "unless", "while", "until", "rescue"])
_STARTS_STATEMENT = frozenset(["then", "else", "begin", "ensure", "do"])


@dataclass(slots=True)
class _Frame:
    """An open block, bracket or parenthesis while the tokens are walked."""

    kind: str  # "(", "[", "{" (hash), "block{" , "do", or a keyword that `end` closes
    start: int  # offset of its opening token
    loop_do: bool = False  # a while/until/for still waiting for its optional `do`


@dataclass(slots=True)
class _CallBuilder:
    """A `gem` call whose arguments are still being read."""

    start: int
    base: int  # stack depth the arguments live at
    parenthesised: bool
    top_level: bool
    args: list[list[Token]] = field(default_factory=list)
    current: list[Token] = field(default_factory=list)

    def close_arg(self) -> None:
        if self.current:
            self.args.append(self.current)
        self.current = []


def _is_op(tok: Token, value: str) -> bool:
    return tok.kind == "op" and tok.value == value


def _hash_keys(tokens: list[Token]) -> tuple[str, ...]:
    """The keys of the pairs at the outer level of a braced hash's inside (`a: 1, :b => 2, "c" => 3`)."""
    keys, depth = [], 0
    for i, tok in enumerate(tokens):
        if tok.kind == "op" and tok.value in ("(", "[", "{"):
            depth += 1
        elif tok.kind == "op" and tok.value in (")", "]", "}"):
            depth -= 1
        elif depth == 0 and tok.kind == "label" and tok.value:
            keys.append(tok.value)
        elif depth == 0 and tok.kind in ("symbol", "string") and tok.value and i + 1 < len(tokens) \
                and _is_op(tokens[i + 1], "=>"):
            keys.append(tok.value)
    return tuple(keys)


def _argument(tokens: list[Token]) -> Argument:
    first = tokens[0]
    if first.kind == "label":
        return Argument(kind="option", tokens=tuple(tokens), keys=(first.value or "",))
    if len(tokens) >= 2 and _is_op(tokens[1], "=>"):
        key = first.value if first.kind in ("symbol", "string") and first.value else ""
        return Argument(kind="option", tokens=tuple(tokens), keys=(key,))
    if _is_op(first, "{") and _is_op(tokens[-1], "}"):
        return Argument(kind="option", tokens=tuple(tokens), keys=_hash_keys(tokens[1:-1]))
    if first.kind == "op" and first.value in ("*", "**", "&"):
        return Argument(kind="splat", tokens=tuple(tokens))
    if len(tokens) == 1 and first.kind == "string" and first.value is not None:
        return Argument(kind="string", tokens=tuple(tokens))
    return Argument(kind="expr", tokens=tuple(tokens))


def _finish(builder: _CallBuilder, end: int) -> GemCall | None:
    builder.close_arg()
    if not builder.args:
        return None
    args = tuple(_argument(a) for a in builder.args)
    first = args[0]
    name = first.tokens[0].value if first.kind == "string" else None
    return GemCall(name=name, start=builder.start, end=end, args=args, top_level=builder.top_level,
                   parenthesised=builder.parenthesised)


class _Walker:
    """Walks the tokens once, keeping the block/bracket stack and the statement boundaries."""

    def __init__(self, lexed: Lexed) -> None:
        self.lexed = lexed
        self.tokens = [t for t in lexed.tokens if t.kind not in ("comment", "heredoc", "doc", "data")]
        self.stack: list[_Frame] = []
        self.at_start = True
        self.calls: list[GemCall] = []
        self.statements: list[Statement] = []
        self.git_sources: set[str] = set()
        self.builder: _CallBuilder | None = None
        self.statement: list = []  # [head, start, end] of the open top-level statement
        self.boundary_after: list[tuple[int, bool]] = []  # (offset, whether a top-level statement may start there)
        self.param_closers: set[int] = set()  # indices of the `|` that close a block's parameters
        self.problem: str | None = None
        self.broken_at: int | None = None
        self.problem_at: int | None = None  # where the problem lies when reading did not stop early

    def fail(self, message: str, tok: Token) -> ParseError:
        return ParseError(message, line=self.lexed.line_of(tok.start))

    def record(self, offset: int) -> None:
        self.boundary_after.append((offset, self.at_start and not self.stack))

    def run(self) -> None:
        """Walk every token; at the first thing that does not read as Ruby, note it and stop."""
        toks = self.tokens
        i = 0
        try:
            while i < len(toks):
                tok = toks[i]
                self.record(tok.start)
                i = self.step(i, tok)
        except ParseError as exc:
            self.problem, self.broken_at = exc.message, toks[i].start
            return
        end = len(self.lexed.text)
        if self.builder is not None:
            self.end_call(toks[-1].end if toks else end)
        self.close_statement()
        if self.stack:
            frame = self.stack[-1]
            line = self.lexed.line_of(frame.start)
            self.problem = f"{self._describe(frame)} opened on line {line} is not closed by the end of the file"
            self.problem_at = frame.start
            return
        self.at_start = True
        self.record(end)

    @staticmethod
    def _describe(frame: _Frame) -> str:
        names = {"(": "a (", "[": "a [", "{": "a {", "block{": "a {", "do": "a do block"}
        return names.get(frame.kind, f"an `{frame.kind}` block")

    def prev_sig(self, i: int) -> Token | None:
        return self.tokens[i - 1] if i > 0 else None

    def continues(self, i: int) -> bool:
        """Whether the statement goes on past the newline at tokens[i]."""
        prev = self.prev_sig(i)
        if prev is None or prev.kind == "newline" or i - 1 in self.param_closers:
            return False
        if prev.kind == "label" or prev.kind == "op" and prev.value in _CONTINUES:
            return True
        if prev is not None and prev.kind == "name" and prev.value in ("and", "or", "not"):
            return True
        j = i + 1
        while j < len(self.tokens) and self.tokens[j].kind == "newline":
            j += 1
        nxt = self.tokens[j] if j < len(self.tokens) else None
        return nxt is not None and nxt.kind == "op" and nxt.value in (".", "&.")

    def newline_ends(self) -> bool:
        if not self.stack:
            return True
        return self.stack[-1].kind not in ("(", "[", "{")

    def end_statement(self, i: int) -> None:
        """A newline or `;` that ends a statement: it ends an unparenthesised gem call at this depth too."""
        builder = self.builder
        if builder is not None and not builder.parenthesised and len(self.stack) == builder.base:
            self.end_call(self.prev_sig(i).end)
        if not self.stack:
            self.close_statement()
        self.at_start = True

    def step(self, i: int, tok: Token) -> int:
        builder = self.builder
        if tok.kind == "newline":
            if self.newline_ends() and not self.continues(i):
                self.end_statement(i)
            return i + 1
        if tok.kind == "op" and tok.value == ";" and self.newline_ends():
            self.end_statement(i)
            return i + 1
        self.open_statement(tok)
        prev = self.prev_sig(i)
        keyword = tok.kind == "name" and not (prev is not None and prev.kind == "op" and prev.value in (".", "&.", "::")) \
            and tok.value in _KEYWORDS
        if builder is not None and len(self.stack) == builder.base and not builder.parenthesised:
            if keyword and (tok.value in _MODIFIERS or tok.value in ("do", "end", "then")) or \
                    tok.kind == "op" and tok.value in ("}", ")", "]"):
                self.end_call(prev.end if prev is not None else tok.start)
                builder = None
        if self.at_start and self.builder is None and tok.kind == "name" and tok.value == "gem":
            started = self.start_call(i, tok)
            if started is not None:
                return started
        if self.at_start and tok.kind == "name" and tok.value == "git_source" and not self.stack:
            nxt = self.tokens[i + 1] if i + 1 < len(self.tokens) else None
            if nxt is not None and nxt.kind == "op" and nxt.value == "(":
                nxt = self.tokens[i + 2] if i + 2 < len(self.tokens) else None
            if nxt is not None and nxt.kind in ("symbol", "string") and nxt.value:
                self.git_sources.add(nxt.value)
        was_start = self.at_start
        self.at_start = False
        if keyword:
            return self.keyword(i, tok, was_start)
        if tok.kind == "op":
            return self.bracket(i, tok, prev)
        self.add_to_call(tok)
        return i + 1

    def add_to_call(self, tok: Token) -> None:
        b = self.builder
        if b is None:
            return
        depth = len(self.stack)
        if depth == b.base and tok.kind == "op" and tok.value == ",":
            b.close_arg()
        elif depth >= b.base:
            b.current.append(tok)

    def keyword(self, i: int, tok: Token, was_start: bool) -> int:
        word = tok.value
        prev = self.prev_sig(i)
        value_position = was_start or prev is None or (prev.kind == "op" and prev.value not in (")", "]", "}")) or \
            (prev.kind == "name" and prev.value in _VALUE_AFTER_KEYWORD) or prev.kind == "label"
        self.add_to_call(tok)
        if word == "end":
            if not self.stack or self.stack[-1].kind in ("(", "[", "{", "block{"):
                raise self.fail("an `end` closes nothing", tok)
            self.stack.pop()
            self.after_close(tok)
            return i + 1
        if word == "do":
            top = self.stack[-1] if self.stack else None
            if top is not None and top.loop_do:
                top.loop_do = False
            else:
                self.push(_Frame("do", tok.start), tok)
            self.at_start = True
            return self.skip_params(i + 1)
        if word in _OPENERS and (word not in _MODIFIERS or value_position):
            if word == "def" and self.endless_def(i):
                return i + 1
            self.push(_Frame(word, tok.start, loop_do=word in _LOOPS), tok)
            self.at_start = word == "begin"
            return i + 1
        if word in _STARTS_STATEMENT:
            if self.stack and self.stack[-1].loop_do:
                self.stack[-1].loop_do = False
            self.at_start = True
        return i + 1

    def endless_def(self, i: int) -> bool:
        """`def name(args) = expr` needs no `end`."""
        toks = self.tokens
        j = i + 1
        if j + 1 < len(toks) and toks[j + 1].kind == "op" and toks[j + 1].value == ".":
            j += 2  # def self.name
        j += 1
        if j < len(toks) and toks[j].kind == "op" and toks[j].value == "(" and not toks[j].space_before:
            depth = 0
            while j < len(toks):
                if toks[j].kind == "op" and toks[j].value == "(":
                    depth += 1
                elif toks[j].kind == "op" and toks[j].value == ")":
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            j += 1
        return j < len(toks) and toks[j].kind == "op" and toks[j].value == "="

    def push(self, frame: _Frame, tok: Token) -> None:
        if len(self.stack) >= MAX_NESTING:
            raise self.fail("blocks and brackets are nested too deeply", tok)
        self.stack.append(frame)

    def after_close(self, tok: Token) -> None:
        b = self.builder
        if b is not None and b.parenthesised and len(self.stack) == b.base - 1:
            self.end_call(tok.end)

    def skip_params(self, j: int) -> int:
        """Past a block's `|params|` right after `do` or `{`."""
        toks = self.tokens
        if j < len(toks) and toks[j].kind == "op" and toks[j].value in ("|", "||"):
            if toks[j].value == "||":
                self.param_closers.add(j)
                return j + 1
            k = j + 1
            while k < len(toks) and not (toks[k].kind == "op" and toks[k].value == "|"):
                if toks[k].kind == "newline":
                    break
                k += 1
            self.param_closers.add(k)
            return k + 1
        return j

    def bracket(self, i: int, tok: Token, prev: Token | None) -> int:
        value = tok.value
        if value in ("(", "["):
            self.add_to_call(tok)
            self.push(_Frame(value, tok.start), tok)
            return i + 1
        if value == "{":
            block = prev is not None and (prev.kind in ("name", "const") and prev.value not in _KEYWORDS or
                                          prev.kind == "op" and prev.value in (")", "]", "->"))
            self.add_to_call(tok)
            self.push(_Frame("block{" if block else "{", tok.start), tok)
            if block:
                self.at_start = True
                return self.skip_params(i + 1)
            return i + 1
        if value in (")", "]", "}"):
            want = {")": ("(",), "]": ("[",), "}": ("{", "block{")}[value]
            if not self.stack or self.stack[-1].kind not in want:
                raise self.fail(f"a {value} closes nothing", tok)
            self.stack.pop()
            self.add_to_call(tok)
            self.after_close(tok)
            return i + 1
        self.add_to_call(tok)
        return i + 1

    def start_call(self, i: int, tok: Token) -> int | None:
        toks = self.tokens
        nxt = toks[i + 1] if i + 1 < len(toks) else None
        if nxt is None or nxt.kind == "newline":
            return None
        if nxt.kind == "op" and nxt.value == "(" and not nxt.space_before:
            self.at_start = False
            self.push(_Frame("(", nxt.start), nxt)
            self.builder = _CallBuilder(start=tok.start, base=len(self.stack), parenthesised=True,
                                        top_level=len(self.stack) == 1)
            return i + 2
        if not nxt.space_before or (nxt.kind == "op" and nxt.value in ("=", ".", "&.", "::", "+=", "||=")):
            return None
        self.at_start = False
        self.builder = _CallBuilder(start=tok.start, base=len(self.stack), parenthesised=False,
                                    top_level=not self.stack)
        return i + 1

    def end_call(self, end: int) -> None:
        b = self.builder
        self.builder = None
        if b is None:
            return
        call = _finish(b, end)
        if call is not None:
            self.calls.append(call)

    def open_statement(self, tok: Token) -> None:
        if self.statement:
            self.statement[2] = tok.end
        elif not self.stack:
            self.statement = [tok.value if tok.kind == "name" else None, tok.start, tok.end]

    def close_statement(self) -> None:
        if self.statement:
            head, start, end = self.statement
            self.statements.append(Statement(head=head, start=start, end=end))
        self.statement = []


@functools.lru_cache(maxsize=8)
def read_gemfile(text: str) -> Gemfile:
    """Every `gem` call and top-level statement of a Gemfile, read as far as it reads as Ruby: `problem` names the
    first thing that does not (nothing after it counts as code), or is None.

    Pins for hundreds of findings are planned against one Gemfile: it is read once (callers never change the
    result)."""
    lexed = tokenize(text)
    walker = _Walker(lexed)
    walker.run()
    problem, broken_at = lexed.problem, lexed.broken_at
    if problem is None:
        problem, broken_at = walker.problem, walker.broken_at
    where = next((o for o in (broken_at, walker.problem_at) if o is not None), len(text))
    gemfile = Gemfile(lexed=lexed, calls=walker.calls, statements=walker.statements, git_sources=walker.git_sources,
                      problem=problem, problem_line=lexed.line_of(where) if problem else None, unread_from=broken_at,
                      _spans=_multiline_spans(lexed, broken_at),
                      _heredoc_starts={t.start for t in lexed.tokens if t.kind == "heredoc"})
    gemfile.boundaries = _line_boundaries(gemfile, walker.boundary_after)
    return gemfile


def _line_boundaries(gemfile: Gemfile, states: list[tuple[int, bool]]) -> set[int]:
    """Line starts (offsets just after a "\\n", and the end of the text) where a top-level statement may begin:
    the walker's state before the first token at or after the line start says whether a statement is open."""
    text = gemfile.lexed.text
    offsets = [o for o, _ in states]
    starts = [0] + [m.end() for m in re.finditer("\n", text)]
    if starts[-1] != len(text):
        starts.append(len(text))
    out = set()
    for s in starts:
        k = bisect.bisect_left(offsets, s)
        if k < len(states) and states[k][1] and gemfile.in_code(s):
            out.add(s)
    return out


def check_syntax(text: str) -> None:
    """Raise ParseError unless the text reads as Ruby as far as this tokenizer can tell (closed strings,
    heredocs and =begin blocks; balanced brackets and blocks)."""
    gemfile = read_gemfile(text)
    if gemfile.problem is not None:
        raise ParseError(gemfile.problem, line=gemfile.problem_line)


def source_options(call: GemCall, git_sources: set[str]) -> list[str]:
    """The option keys that take the gem from somewhere other than a registry."""
    return [k for k in call.option_keys if k in _SOURCE_OPTIONS or k in git_sources]
