"""Checks every lockfile parser makes before reading its grammar."""

from __future__ import annotations

import re

from lockrisk.errors import ParseError

_CONFLICT = re.compile(r"^(<<<<<<<|=======|>>>>>>>|\|\|\|\|\|\|\|)", re.M)
_ARTIFACT_ITEM = re.compile(r"^\s+\{[^\[\]\n]*\},?\s*$")  # {file = "...", hash = "sha256:..."}, one line
_ARTIFACT_LISTS = ("files = [", "wheels = [")
_HASH_KEY = re.compile(r"""^(?:"[^"\n]*"|'[^'\n]*'|[A-Za-z0-9_.-]+) = \[$""")  # [metadata.files] entry


def decode_text(data: bytes, path: str) -> str:
    """Bytes to text, refusing empty, binary and non-UTF-8 content with a located error."""
    if not data.strip():
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
    m = _CONFLICT.search(text)
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


def _wheel_platforms(item: str) -> list[str]:
    """Platform tags of the wheel a `files`/`wheels` item names: name-version-python-abi-PLATFORM.whl."""
    end = item.find(".whl")
    if end < 0:
        return []
    start = max(item.rfind("/", 0, end), item.rfind('"', 0, end)) + 1
    parts = item[start:end].split("-")
    return parts[-1].split(".") if len(parts) >= 5 else []


def read_artifact_lists(text: str) -> tuple[str, dict[int, frozenset[str]]]:
    """The text with its per-file hash lists blanked out, and the wheel platforms each package lists.

    poetry.lock `files = [...]` (and lock 1.1 `[metadata.files]`) and uv.lock `sdist = {...}` /
    `wheels = [...]` are most of a Python lockfile. Each block is replaced by as many empty lines, so
    line numbers stay true; a block is only touched when every line has the exact shape those tools
    write, otherwise it is left for the TOML parser to judge. On the way, the platform tags of the
    wheels named there (`manylinux_2_17_x86_64`, `win_amd64`, `any`) are collected for the package
    whose `[[package]]` header came last, keyed by that header's line number (1-based).
    """
    lines = text.split("\n")
    n = len(lines)
    out: list[str] = []
    wheels: dict[int, set[str]] = {}
    in_metadata_files = False
    header = 0
    i = 0
    while i < n:
        line = lines[i]
        if line.startswith("["):
            in_metadata_files = line.strip() == "[metadata.files]"
            if line.startswith(("[[package]]", "[[distribution]]")):
                header = i + 1
        opens_list = line in _ARTIFACT_LISTS or (in_metadata_files and _HASH_KEY.match(line) is not None)
        if opens_list:
            j = i + 1
            while j < n and _ARTIFACT_ITEM.match(lines[j]):
                j += 1
            if j < n and lines[j] == "]":
                if header and not in_metadata_files:
                    tags = wheels.setdefault(header, set())
                    for item in lines[i + 1:j]:
                        tags.update(_wheel_platforms(item))
                out.extend([""] * (j - i + 1))
                i = j + 1
                continue
        elif line.startswith("sdist = {") and line.endswith("}") and "\n" not in line:
            out.append("")
            i += 1
            continue
        out.append(line)
        i += 1
    return "\n".join(out), {k: frozenset(v) for k, v in wheels.items()}


def header_lines(text: str, pattern: re.Pattern[str]) -> list[int]:
    """1-based numbers of the lines `pattern` matches, in one pass."""
    return [number for number, line in enumerate(text.split("\n"), start=1) if pattern.match(line)]


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
