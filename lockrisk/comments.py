"""Trailing `# comments` on one line of a Gemfile or a TOML file, outside quoted strings."""

from __future__ import annotations


def strip_comment(line: str) -> str:
    """The line without its trailing `# comment` (a `#` inside quotes is kept)."""
    out, quote = [], None
    for ch in line:
        if quote:
            if ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch == "#":
            break
        out.append(ch)
    return "".join(out)
