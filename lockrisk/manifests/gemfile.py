"""Gemfile groups, read as text (the Gemfile is Ruby; it is never executed).

Understands `group :a, :b do ... end` blocks (nested in other blocks), and the
`group:` / `groups:` / `:group =>` options of a `gem` line. Anything dynamic
(a gem name built at run time) is left out, and a gem named in several places
collects every group it appears in.
"""

from __future__ import annotations

import functools
import re
from dataclasses import replace

from lockrisk.comments import strip_comment
from lockrisk.model import Lockfile, Requirement

DEFAULT_GROUP = "default"

# Gemfile lines come from strangers: no pattern may let two whitespace runs compete for the same spaces
# (`\s*(x)?\s*` backtracks cubically on `group` + 800 spaces), so each run has one owner.
_GEM = re.compile(r"""^\s*gem(?:\s*\(\s*|\s+)(["'])([^"']+)\1(.*)$""")
_GROUP_START = re.compile(r"^\s*group\b")
_DO_END = re.compile(r"\bdo(?:\s*\|[^|]*\|)?\s*$")
_SYMBOLS = re.compile(r""":(\w+)|["'](\w+)["']""")
_GROUP_OPTION = re.compile(r"""(?:\b(?:group|groups)\s*:|:groups?\s*=>)\s*(\[[^\]]*\]|:\w+|["']\w+["'])""")
_OPENS_BLOCK = re.compile(r"(\bdo(?:\s*\|[^|]*\|)?\s*$)|^\s*(if|unless|case|while|until|begin|def|class|module)\b")
_END = re.compile(r"^\s*end\b")


def group_block(line: str) -> str | None:
    """The arguments of a `group :a, :b do` line ("" for none), or None when it is not one."""
    start = _GROUP_START.match(line)
    if start is None:
        return None
    end = _DO_END.search(line, start.end())
    if end is None:
        return None
    args = line[start.end():end.start()].strip()
    return args[1:-1] if args.startswith("(") and args.endswith(")") else args


def _symbols(text: str) -> list[str]:
    return [a or b for a, b in _SYMBOLS.findall(text)]


@functools.lru_cache(maxsize=4)  # both sides of a diff usually share one Gemfile; callers only read the result
def read_gemfile_groups(text: str) -> tuple[dict[str, tuple[str, ...]], dict[str, int]]:
    """Gem name -> groups it is declared in, and gem name -> line of its first `gem` line."""
    stack: list[list[str] | None] = []  # one entry per open block: its groups, or None for other blocks
    groups: dict[str, list[str]] = {}
    lines: dict[str, int] = {}
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = strip_comment(raw).rstrip()
        if not line.strip():
            continue
        if _END.match(line):
            if stack:
                stack.pop()
            continue
        args = group_block(line)
        if args is not None:
            stack.append(_symbols(args))
            continue
        gem = _GEM.match(line)
        if gem:
            name, rest = gem.group(2), gem.group(3)
            declared = [g for entry in stack if entry for g in entry]
            for opt in _GROUP_OPTION.findall(rest):
                declared.extend(_symbols(opt))
            seen = groups.setdefault(name, [])
            for g in declared or [DEFAULT_GROUP]:
                if g not in seen:
                    seen.append(g)
            lines.setdefault(name, lineno)
            if _DO_END.search(line):
                stack.append(None)
            continue
        if _OPENS_BLOCK.search(line) and not re.search(r"\bend\s*$", line):
            stack.append(None)
    return {k: tuple(v) for k, v in groups.items()}, lines


def apply_gemfile_groups(lockfile: Lockfile, data: bytes, manifest_path: str) -> Lockfile:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        note = f"{manifest_path} is not UTF-8 text: groups unknown, every package treated as runtime"
        return replace(lockfile, notes=lockfile.notes + (note,))
    groups, _ = read_gemfile_groups(text)
    if not groups:
        note = f"{manifest_path} names no gems that could be read: every package treated as runtime"
        return replace(lockfile, notes=lockfile.notes + (note,))
    direct = tuple(
        Requirement(name=r.name, key=r.key, constraint=r.constraint, markers=r.markers, optional=r.optional,
                    groups=groups.get(r.name, (DEFAULT_GROUP,)), line=r.line)
        for r in lockfile.direct
    )
    return replace(lockfile, direct=direct)


def top_level_gem_lines(text: str) -> list[tuple[int, int, str]]:
    """(first, last, name) 0-based line spans of `gem` calls outside any block (continuations included)."""
    lines = text.splitlines()
    spans: list[tuple[int, int, str]] = []
    depth = 0
    i = 0
    while i < len(lines):
        line = strip_comment(lines[i]).rstrip()
        if not line.strip():
            i += 1
            continue
        if _END.match(line):
            depth = max(depth - 1, 0)
            i += 1
            continue
        gem = _GEM.match(line)
        if gem and depth == 0:
            first = i
            while line.endswith(",") and i + 1 < len(lines):
                i += 1
                line = strip_comment(lines[i]).rstrip()
            spans.append((first, i, gem.group(2)))
            if _DO_END.search(line):
                depth += 1
            i += 1
            continue
        if group_block(line) is not None or (_OPENS_BLOCK.search(line) and not re.search(r"\bend\s*$", line)):
            depth += 1
        i += 1
    return spans
