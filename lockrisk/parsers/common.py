"""Checks every lockfile parser makes before reading its grammar."""

from __future__ import annotations

import bisect
import re

from lockrisk.errors import ParseError

# The patterns below are compiled on first use (re keeps them): a Gemfile.lock never needs the Python ones.
_CONFLICT = r"^(<<<<<<<|=======|>>>>>>>|\|\|\|\|\|\|\|)"


def decode_text(data: bytes, path: str) -> str:
    """Bytes to text, refusing empty, binary and non-UTF-8 content with a located error."""
    if not data or data.isspace():  # (strip() would copy a large file to find out)
        raise ParseError("file is empty", path=path, line=1)
    nul = data.find(b"\x00")
    if nul >= 0:
        raise ParseError("binary content (NUL byte): not a lockfile", path=path, line=data.count(b"\n", 0, nul) + 1)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ParseError("binary content (not UTF-8): not a lockfile", path=path, line=line) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    return text


def refuse_conflicts(text: str, path: str) -> None:
    if not any(marker in text for marker in ("<<<<<<<", "=======", ">>>>>>>", "|||||||")):
        return  # a substring scan is much quicker than a line-anchored search over a large lockfile
    m = re.compile(_CONFLICT, re.M).search(text)
    if m:
        line = text.count("\n", 0, m.start()) + 1
        raise ParseError(
            "contains merge-conflict markers; resolve the conflict (or check out a clean lockfile) first",
            path=path,
            line=line,
        )


def without_artifact_lists(text: str) -> str:
    """The lockfile text with its per-file hash lists blanked out, line for line (see `read_artifact_lists`)."""
    return read_artifact_lists(text)[0]


def wheel_tags(lines: str) -> set[str]:
    """The platform tags of the wheels named on the lines of `lines` (a `files`/`wheels` list or its items)."""
    tags: set[str] = set()
    for item in lines.split("\n"):
        tags.update(_wheel_platforms(item))
    return tags


def _wheel_platforms(item: str) -> list[str]:
    """Platform tags of the wheel a `files`/`wheels` item names: name-version-python-abi-PLATFORM.whl."""
    end = item.find(".whl")
    if end < 0:
        return []
    start = max(item.rfind("/", 0, end), item.rfind('"', 0, end)) + 1
    if item.count("-", start, end) < 4:
        return []
    return item[item.rfind("-", start, end) + 1:end].split(".")


_WS = r"[^\S\n]"  # whitespace within one line
_ITEM_LINE = rf"{_WS}+\{{[^\[\]\n]*\}},?{_WS}*\n"  # {file = "...", hash = "sha256:..."}, one line
_LIST_BODY = rf"\[\n(?:{_ITEM_LINE})*\](?=\n|\Z)"
_FILE_LIST = rf"(?:files|wheels) = {_LIST_BODY}"  # matched at a line start
_HASH_LIST = rf"""^(?:"[^"\n]*"|'[^'\n]*'|[A-Za-z0-9_.-]+) = {_LIST_BODY}"""  # a [metadata.files] entry
_SDIST = r"sdist = \{.*\}$"  # matched at a line start


def line_starts(text: str, prefix: str) -> list[int]:
    """Offsets of the lines that start with `prefix` (a substring search, much quicker than a ^-anchored
    pattern tried at every offset of a large file)."""
    out = [0] if text.startswith(prefix) else []
    needle = "\n" + prefix
    at = text.find(needle)
    while at >= 0:
        out.append(at + 1)
        at = text.find(needle, at + 1)
    return out


def read_artifact_lists(text: str) -> tuple[str, dict[int, frozenset[str]]]:
    """The text with its per-file hash lists blanked out, and the wheel platforms each package lists.

    poetry.lock `files = [...]` (and lock 1.1 `[metadata.files]`) and uv.lock `sdist = {...}` /
    `wheels = [...]` are most of a Python lockfile. Each block is replaced by as many empty lines, so
    line numbers stay true; a block is only touched when every line has the exact shape those tools
    write, otherwise it is left for the TOML parser to judge. On the way, the platform tags of the
    wheels named there (`manylinux_2_17_x86_64`, `win_amd64`, `any`) are collected for the package
    whose `[[package]]` header came last, keyed by that header's line number (1-based).
    """
    # package headers, and the [metadata.files] sections (lock 1.1), whose hash lists are read below
    packages = sorted(line_starts(text, "[[package]]") + line_starts(text, "[[distribution]]"))
    metadata_files = [at for at in line_starts(text, "[metadata.files]") if _line(text, at).strip() == "[metadata.files]"]
    blocks: list[tuple[int, int]] = []
    wheels: dict[int, set[str]] = {}
    header_at, counted, line = -1, 0, 1
    file_list = re.compile(_FILE_LIST).match
    lists = (file_list(text, at) for at in sorted(line_starts(text, "files = [") + line_starts(text, "wheels = [")))
    for m in lists:
        if m is None:
            continue
        if metadata_files:
            k = bisect.bisect_right(metadata_files, m.start()) - 1
            if k >= 0 and text.find("\n[", metadata_files[k], m.start()) < 0:
                continue  # directly in [metadata.files]: read below, with the hash lists of that section
        blocks.append(m.span())
        k = bisect.bisect_right(packages, m.start()) - 1
        if k < 0:
            continue
        header = packages[k]
        if header != header_at:
            line += text.count("\n", counted, header)
            counted = header_at = header
        wheels.setdefault(line, set()).update(wheel_tags(m.group()))  # (its first and last lines name no wheel)
    for offset in metadata_files:
        next_bracket = text.find("\n[", offset)
        end = next_bracket + 1 if next_bracket >= 0 else len(text)
        blocks.extend(m.span() for m in re.compile(_HASH_LIST, re.M).finditer(text, offset, end))
    sdist = re.compile(_SDIST, re.M).match
    sdists = (sdist(text, at) for at in line_starts(text, "sdist = {"))
    blocks.extend(m.span() for m in sdists if m)  # a line of its own: never inside a list above
    shared: dict[frozenset[str], frozenset[str]] = {}  # most packages list the same few tag sets: one object each
    found = {k: shared.setdefault(tags, tags) for k, tags in ((k, frozenset(v)) for k, v in wheels.items())}
    if not blocks:
        return text, found
    out: list[str] = []
    done = 0
    for begin, end in sorted(blocks):
        out.append(text[done:begin])
        out.append("\n" * text.count("\n", begin, end))
        done = end
    out.append(text[done:])
    return "".join(out), found


def _line(text: str, at: int) -> str:
    end = text.find("\n", at)
    return text[at:end if end >= 0 else len(text)]


def header_lines(text: str, pattern: re.Pattern[str]) -> list[int]:
    """1-based numbers of the lines that start with "[" and that `pattern` matches, in one pass."""
    out: list[int] = []
    line, counted = 1, 0
    for at in line_starts(text, "["):
        if pattern.match(text, at):
            line += text.count("\n", counted, at)
            counted = at
            out.append(line)
    return out


def split_forks(entries: dict[str, list]) -> tuple[dict, dict]:
    """Entries per key -> (the newest entry per key, the other entries per key that has several).

    A lock holds several versions of one package when resolution forks by environment (uv.lock
    `resolution-markers`, poetry.lock marker splits). Every one is kept; the newest stands for the
    package where one version has to (chains, pins, look-ups), with the groups of all of them. An
    entry without a version (a dynamic local project) sorts below every version.
    """
    from dataclasses import replace

    from lockrisk.versions.pep440 import locked_order

    packages: dict = {}
    forks: dict = {}
    for key, found in entries.items():
        if len(found) == 1:
            packages[key] = found[0]
            continue
        ordered = sorted(found, key=lambda p: locked_order(p.version), reverse=True)  # stable: lock order among equals
        primary = ordered[0]
        groups = tuple(dict.fromkeys(g for p in ordered for g in p.groups))
        packages[key] = replace(primary, groups=groups)
        forks[key] = tuple(ordered[1:])
    return packages, forks
