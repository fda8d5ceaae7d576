"""Pins in a Gemfile, read as text (the Gemfile is Ruby; it is never executed).

A gem the Gemfile already names gets its line edited in place: `gem "puma"` becomes
`gem "puma", "~> 6.6"`, and a floor such as `gem "pg", ">= 1.1"` gains a ceiling,
`gem "pg", ">= 1.1", "< 2"`; options, groups and trailing comments stay as they were.
A gem the Gemfile does not name gets a new line, in the runtime section or with
`group:` when only non-runtime groups reach it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lockrisk.edit import ManifestEdit, PinPlan, PinRequest, comment_block
from lockrisk.errors import VersionError
from lockrisk.comments import strip_comment
from lockrisk.manifests.gemfile import top_level_gem_lines
from lockrisk.edit import PIN_MARK
from lockrisk.versions.rubygems import RUBYGEMS, GemRequirement

_CALL = re.compile(r"""^(\s*)gem(?:\s*\(\s*|\s+)(["'])([^"'\\]+)\2""")
_OPTION = re.compile(r"""(?:[A-Za-z_]\w*[?!]?:(?!:)|:[A-Za-z_]\w*\s*=>|["'][A-Za-z_]\w*["']\s*(?:=>|:))""")
_NOT_REGISTRY = re.compile(r"""(?:\b(?:path|git|github|gist|bitbucket)\s*:|:(?:path|git|github|gist|bitbucket)\s*=>)""")
MAX_CALL_LINES = 20  # a gem call spread over more lines than this is left to a person


@dataclass(frozen=True, slots=True, kw_only=True)
class GemCall:
    first: int  # 0-based line index of `gem "name"`
    last: int  # last line of the call (continuations included)
    indent: str
    quote: str
    requirements: tuple[str, ...]  # the literal requirement strings, as written
    insert_at: int  # offset in the joined call text where a new requirement string goes
    dynamic: bool  # a requirement that is not a literal string (a constant, a splat)
    source: bool  # `path:` / `git:` / `github:`: not a registry gem


def _skip_space(text: str, pos: int) -> int:
    """Past blanks, newlines and `# comments`."""
    while pos < len(text):
        ch = text[pos]
        if ch in " \t\r\n\\":
            pos += 1
        elif ch == "#":
            nl = text.find("\n", pos)
            pos = len(text) if nl < 0 else nl
        else:
            break
    return pos


def _string_end(text: str, pos: int) -> tuple[int, str] | None:
    """(offset past the closing quote, value) of the Ruby string literal at `pos`; None if interpolated or open."""
    quote = text[pos]
    out = []
    i = pos + 1
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            out.append(text[i + 1:i + 2])
            i += 2
            continue
        if ch == quote:
            return i + 1, "".join(out)
        if quote == '"' and text.startswith("#{", i):
            return None
        if ch == "\n":
            return None
        out.append(ch)
        i += 1
    return None


def _continues(code: str, depth: int) -> bool:
    stripped = code.rstrip()
    return depth > 0 or stripped.endswith((",", "\\", "("))


def _call_span(lines: list[str], first: int) -> int:
    depth = 0
    last = first
    for index in range(first, min(len(lines), first + MAX_CALL_LINES)):
        code = strip_comment(lines[index])
        depth += code.count("(") - code.count(")") + code.count("[") - code.count("]")
        last = index
        if not _continues(code, depth):
            break
    return last


def gem_calls(lines: list[str], name: str) -> list[GemCall]:
    """Every `gem "name"` call in the Gemfile, with its literal requirement strings."""
    calls = []
    for index, line in enumerate(lines):
        m = _CALL.match(line)
        if not m or m.group(3) != name:
            continue
        last = _call_span(lines, index)
        text = "\n".join(lines[index:last + 1])
        pos = m.end()
        requirements: list[str] = []
        insert_at = pos
        dynamic = False
        while True:
            p = _skip_space(text, pos)
            if p >= len(text) or text[p] != ",":
                break
            p = _skip_space(text, p + 1)
            if p < len(text) and text[p] in "\"'":
                lit = _string_end(text, p)
                if lit is None:
                    dynamic = True
                    break
                end, value = lit
                if text[end:end + 1] == ":" or re.match(r"\s*=>", text[end:]):
                    break  # "key": value / "key" => value: options start here
                requirements.append(value)
                pos = insert_at = end
                continue
            if not _OPTION.match(text, p):
                dynamic = True  # a constant, a method call or a splat in the requirement position
            break
        calls.append(GemCall(first=index, last=last, indent=m.group(1), quote=m.group(2),
                             requirements=tuple(requirements), insert_at=insert_at, dynamic=dynamic,
                             source=_NOT_REGISTRY.search(text[insert_at:]) is not None))
    return calls


def _marked(lines: list[str], index: int, name: str) -> bool:
    return any(f"{PIN_MARK} {name}:" in lines[j] for j in range(max(index - 6, 0), index))


def plan_gemfile_pin(text: str, request: PinRequest) -> PinPlan:
    lines = text.splitlines()
    calls = gem_calls(lines, request.name)
    if not calls:
        return _new_line(text, lines, request)
    ceiling = RUBYGEMS.ceiling_for(request.old)
    replaces: list[tuple[int, str]] = []
    written: list[str] = []
    blockers: list[str] = []
    held = 0
    for call in calls:
        where = f"line {call.first + 1}"
        if call.source:
            blockers.append(f"{where} takes it from git or a path, not a registry")
            continue
        if call.dynamic:
            blockers.append(f"{where} gives its requirement as code, not a string")
            continue
        current = ", ".join(call.requirements)
        try:
            req = GemRequirement(current)
        except VersionError:
            blockers.append(f"{where} has a requirement lockrisk cannot read ({current})")
            continue
        if not req.admits(request.new):
            held += 1
            continue
        if not req.is_floor_only():
            blockers.append(f"{where} already allows {request.new} with a ceiling of its own ({current}): "
                            "lower it by hand")
            continue
        added = RUBYGEMS.upper_bound(request.old) if call.requirements else ceiling
        q = call.quote
        joined = "\n".join(lines[call.first:call.last + 1])
        joined = joined[:call.insert_at] + f", {q}{added}{q}" + joined[call.insert_at:]
        replaces += list(enumerate(joined.split("\n"), start=call.first))
        written.append(", ".join([*call.requirements, added]))
    first = calls[0]
    if not replaces:
        if held and not blockers:
            return PinPlan(status="pinned", requirement=", ".join(first.requirements), line=first.first + 1,
                           reason=f"the Gemfile already keeps {request.name} below {request.new} (line {first.first + 1})")
        return PinPlan(status="manual", requirement=ceiling, line=first.first + 1, reason="; ".join(blockers))
    if blockers:
        return PinPlan(status="manual", requirement=ceiling, line=first.first + 1, reason="; ".join(blockers))
    target = min(index for index, _ in replaces)
    comment = "" if _marked(lines, target, request.name) else comment_block(request.comment, first.indent)
    edited = dict(replaces)
    shown = comment + "\n".join(edited[i] for i in sorted(edited) if first.first <= i <= first.last) + "\n"
    inserts = ((first.first, comment),) if comment else ()
    return PinPlan(status="edit", requirement=written[0], line=first.first + 1, text=shown,
                   edit=ManifestEdit(replaces=tuple(replaces), inserts=inserts))


def _gem_call(name: str, ceiling: str, groups: tuple[str, ...], quote: str) -> str:
    q = quote
    call = f"gem {q}{name}{q}, {q}{ceiling}{q}"
    symbols = [g for g in groups if re.fullmatch(r"[a-z_][a-z0-9_]*", g)]
    if len(symbols) == 1:
        call += f", group: :{symbols[0]}"
    elif symbols:
        call += ", groups: [" + ", ".join(f":{g}" for g in symbols) + "]"
    return call


def _new_line(text: str, lines: list[str], request: PinRequest) -> PinPlan:
    ceiling = RUBYGEMS.ceiling_for(request.old)
    quote = "'" if re.search(r"^\s*gem\s+'", text, re.M) and not re.search(r'^\s*gem\s+"', text, re.M) else '"'
    spans = top_level_gem_lines(text)
    runtime = [sp for sp in spans if not re.search(r"\bgroups?\s*:|:groups?\s*=>", " ".join(lines[sp[0]:sp[1] + 1]))]
    if request.groups and spans:
        index = spans[-1][1] + 1
    elif runtime:
        index = runtime[-1][1] + 1
    elif spans:
        index = spans[-1][1] + 1
    else:
        sources = [i for i, ln in enumerate(lines) if ln.lstrip().startswith("source ")]
        index = sources[-1] + 1 if sources else len(lines)
    body = comment_block(request.comment, "") + _gem_call(request.name, ceiling, request.groups, quote) + "\n"
    return PinPlan(status="insert", requirement=ceiling, line=index + 2, text=body,
                   edit=ManifestEdit(inserts=((index, "\n" + body),)))
