"""Escapers for every output. Lockfile contents come from strangers: nothing is trusted.

Each function takes untrusted text and returns text that renders as exactly that
text in its target (or as an inert, visibly altered version of it).
"""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069]")
_NEWLINES = re.compile(r"\r\n|\r|\n")
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>:])")


def plain(text: object) -> str:
    """One line of terminal-safe text: newlines become '⏎', control characters '�'."""
    s = _NEWLINES.sub("⏎", str(text))
    return _CONTROL.sub("\ufffd", s)


def markdown(text: object) -> str:
    """Inline markdown/HTML-safe text for GitHub (comments, job summaries, tables)."""
    s = plain(text)
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    s = _MD_SPECIAL.sub(r"\\\1", s)
    # '@name' would notify a user or team; '#123' would link an issue
    return s.replace("@", "&#64;")


def markdown_code(text: object) -> str:
    """Text for inside an HTML <code> element (no markdown parsing happens there)."""
    s = plain(text)
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    return s.replace("@", "&#64;").replace("`", "&#96;").replace("|", "&#124;")


def workflow_data(text: object) -> str:
    """The message part of a GitHub Actions workflow command (::error ...::MESSAGE)."""
    return str(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def workflow_property(text: object) -> str:
    """A property value of a workflow command (file=..., title=...)."""
    return workflow_data(text).replace(":", "%3A").replace(",", "%2C")


def rich_markup(text: object) -> str:
    """Terminal text for a rich console: control characters removed, markup brackets escaped."""
    return plain(text).replace("\\", "\\\\").replace("[", "\\[")
