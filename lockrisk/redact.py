"""One redaction for every message and output that can carry a URL: credentials never reach a report.

Kept apart from the HTTP client so that reports can redact without loading it.
"""

from __future__ import annotations

import functools
import re
from urllib.parse import urlsplit, urlunsplit

_USERINFO = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*://)[^/\s?#]*@")


def redact_text(text: str) -> str:
    """Free text with every `scheme://user:pass@` rewritten to `scheme://`."""
    return _USERINFO.sub(r"\1", text)


@functools.lru_cache(maxsize=1024)  # the same few source URLs are printed for every finding
def redact(url: str) -> str:
    """A URL safe to print: credentials removed."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return redact_text(url)
    if "@" in parts.netloc:
        parts = parts._replace(netloc=parts.netloc.rpartition("@")[2])
    return redact_text(urlunsplit(parts))
