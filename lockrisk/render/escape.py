"""Escapers for every output. Lockfile contents come from strangers: nothing is trusted.

Each function takes untrusted text and returns text that renders as exactly that
text in its target (or as an inert, visibly altered version of it).
"""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069]")
_NEWLINES = re.compile(r"\r\n|\r|\n")
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]|])")
_AUTOLINK = re.compile(r"(?i)(://|www\.)")


def plain(text: object) -> str:
    """One line of terminal-safe text: newlines become '⏎', control characters '�'."""
    s = _NEWLINES.sub("⏎", str(text))
    return _CONTROL.sub("\ufffd", s)


def html(text: object) -> str:
    """Text for an HTML block (e.g. a <details><summary> line), where markdown is not parsed."""
    s = plain(text)
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    s = s.replace("'", "&#39;").replace("@", "&#64;").replace("`", "&#96;").replace("|", "&#124;")
    return _AUTOLINK.sub(lambda m: m.group(1)[0] + "\u200b" + m.group(1)[1:], s)


def markdown(text: object) -> str:
    """Inline GitHub markdown (table cells, list items, inside <code>): shown as exactly this text.

    HTML is entity-escaped, markdown punctuation backslash-escaped, '@' mentions and bare
    URLs broken up so they neither notify anyone nor become links.
    """
    s = plain(text)
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    s = _MD_SPECIAL.sub(r"\\\1", s)
    s = s.replace("@", "&#64;").replace("~", "&#126;")
    return _AUTOLINK.sub(lambda m: m.group(1)[0] + "\u200b" + m.group(1)[1:], s)


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
