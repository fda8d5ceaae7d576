"""Escapers for every output. Lockfile contents come from strangers: nothing is trusted.

Each function takes untrusted text and returns text that renders as exactly that
text in its target (or as an inert, visibly altered version of it).
"""

from __future__ import annotations

import re

# control characters, bidirectional overrides, zero-width and invisible formatting characters, the BOM and
# Unicode tag characters: none of them belongs in a package name, and each can hide or reorder what is shown
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e"
                      "\u2060-\u206f\ufe00-\ufe0f\ufeff\ufff9-\ufffb\U000e0000-\U000e007f\ud800-\udfff]")
_NEWLINES = re.compile(r"\r\n|\r|\n")
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]|])")
_AUTOLINK = re.compile(r"(?i)(://|www\.)")
_SHA = re.compile(r"(?i)(?<![0-9a-z])[0-9a-f]{7,64}(?![0-9a-z])")
JOINER = "\u2060"  # word joiner: invisible, and GitHub no longer sees a mention, a reference or a commit


_UNDECODED = re.compile("[\udc80-\udcff]")  # a byte of a file name that is not UTF-8 (surrogateescape)


def undecoded_bytes(text: str) -> str:
    """Text with the bytes surrogateescape kept (from a file name that is not UTF-8) shown as `\\xNN`."""
    return _UNDECODED.sub(_escape_char, text)


def _escape_char(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    if 0xDC80 <= code <= 0xDCFF:
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else (f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")


def _inert_references(s: str) -> str:
    """GitHub finds @mentions, #references, owner/repo#N and commit SHAs after rendering, so entities do
    not help: a joiner goes after every '@' and '#', and long hexadecimal words are cut every six characters."""
    s = s.replace("@", "@" + JOINER).replace("#", "#" + JOINER)
    return _SHA.sub(lambda m: JOINER.join(m.group(0)[i:i + 6] for i in range(0, len(m.group(0)), 6)), s)


def plain(text: object) -> str:
    """One line of terminal-safe text: newlines become '⏎'; control and invisible characters are shown as
    escapes (`\\x1b`, `\\u202e`), so they neither act on the terminal nor hide from the reader."""
    s = _NEWLINES.sub("⏎", str(text))
    return _CONTROL.sub(_escape_char, s)


def html(text: object) -> str:
    """Text for an HTML block (e.g. a <details><summary> line), where markdown is not parsed."""
    s = _inert_references(plain(text))
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    s = s.replace("'", "&#39;").replace("`", "&#96;").replace("|", "&#124;")
    return _AUTOLINK.sub(lambda m: m.group(1)[0] + JOINER + m.group(1)[1:], s)


def markdown(text: object) -> str:
    """Inline GitHub markdown (table cells, list items, inside <code>): shown as exactly this text.

    HTML is entity-escaped, markdown punctuation backslash-escaped; mentions, references, commit
    SHAs and bare URLs are broken up with an invisible joiner so they neither notify anyone nor link.
    """
    s = _inert_references(plain(text))
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    s = _MD_SPECIAL.sub(r"\\\1", s)
    s = s.replace("~", "&#126;")
    return _AUTOLINK.sub(lambda m: m.group(1)[0] + JOINER + m.group(1)[1:], s)


def markdown_code(text: object) -> str:
    """Text inside an inline <code> element in markdown: markdown is still parsed there."""
    return markdown(text)


def workflow_data(text: object) -> str:
    """The message part of a GitHub Actions workflow command (::error ...::MESSAGE)."""
    s = _CONTROL.sub("\ufffd", str(text).replace("\r\n", "\n"))
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def workflow_property(text: object) -> str:
    """A property value of a workflow command (file=..., title=...)."""
    return workflow_data(text).replace(":", "%3A").replace(",", "%2C")


def rich_markup(text: object) -> str:
    """Terminal text for a rich console: control characters removed, markup brackets escaped."""
    return plain(text).replace("\\", "\\\\").replace("[", "\\[")
