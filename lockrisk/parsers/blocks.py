"""Package blocks of a poetry.lock or uv.lock whose packages are known without the TOML reader.

Two kinds are known. An update rewrites part of a lockfile, and most of its package blocks are
the same text on both sides: when the new side has been read, each block the old side shares
with it, byte for byte, stands for the package the new side read from it, at the old side's
line. And a block in the exact plain shape the tool writes is read by one match (the format's
own `block_reader`). `reuse_from` finds the known blocks and gives the text without them,
except the first, which stays as a bare `[[package]]` header so that the TOML reader still
checks the document's shape (a `package` key defined before it, for one); the parser reads
what is left and takes the known packages from there, each at its own line.

This is only done where it is sure to give what reading the whole text would: neither text
holds a multi-line string (which could hide a line that looks like a header), every line that
starts with `[` is a plain header at the start of its line, and a block runs from its
`[[package]]` header to the next header that is not one of its own `[package.*]` tables, so
nothing outside a block can add to its package. A block that occurs twice on either side is
not shared, nor is a key with several entries. Anything else, and the text is read whole; any
error in the shortened text, too, and the whole text gives the verdict.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, replace
from typing import Callable

from lockrisk.model import Lockfile, Package
from lockrisk.parsers.common import decode_text, line_starts, read_artifact_lists, refuse_conflicts
from lockrisk.tomlload import loads

_PACKAGE = "[[package]]"
_END = r"[ \t]*\r?(?:\n|\Z)"
_NAME = r"(?!package[\].]|distribution[\].])[A-Za-z0-9_-]+[A-Za-z0-9_.-]*"  # a table other than the packages'
# a line starting with "[" that is none of: [[package]], [package.own-table], [other] or [[other]]
_ODD_HEADER = re.compile(rf"\n\[(?!\[package\]\]{_END}|package\.[A-Za-z0-9_.-]+\]{_END}|\[{_NAME}\]\]{_END}|{_NAME}\]{_END})")
_OTHER_HEADER = re.compile(r"\n\[(?!\[package\]\]|package\.)")
_INDENTED_BRACKET = re.compile(r"\n[ \t]+\[")


@functools.lru_cache(maxsize=2)  # the new side's text is split once when it is read, and again beside the old side
def package_blocks(text: str) -> list[tuple[int, int, int]] | None:
    """(start, end, header line) of every package block, or None when the text's structure is not plain (the
    list is shared: never change it)."""
    if '"""' in text or "'''" in text or _INDENTED_BRACKET.search(text) or text.startswith((" [", "\t[")):
        return None
    lined = "\n" + text  # every line, the first included, follows a newline
    if _ODD_HEADER.search(lined):
        return None
    packages = [at - 1 for at in line_starts(lined, _PACKAGE) if at]
    others = [m.start() for m in _OTHER_HEADER.finditer(lined)]  # offsets in `text`
    # a package's own table must follow its package header, with no other table between
    own = lined.find("\n[package.")
    if own >= 0 and (not packages or own < packages[0]):
        return None
    for at in others:
        own = text.find("\n[package.", at)
        if own >= 0:
            following = text.find("\n" + _PACKAGE, at)
            if following < 0 or own < following:
                return None
    blocks: list[tuple[int, int, int]] = []
    line, counted = 1, 0
    k = 0
    for i, at in enumerate(packages):
        line += text.count("\n", counted, at)
        counted = at
        end = packages[i + 1] if i + 1 < len(packages) else len(text)
        while k < len(others) and others[k] < at:
            k += 1
        if k < len(others) and others[k] < end:
            end = others[k]
        blocks.append((at, end, line))
    return blocks


class NotShared(Exception):
    """The old text cannot be read with the new side's packages: read it whole."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Reuse:
    """How to read a text whose known blocks are cut out (for the old side of a pair: "the old text")."""

    whole: str  # the text the blocks were cut from, decoded once
    text: str  # the text without its known blocks (the first left as a bare header)
    headers: dict[int, int]  # line in `text` -> line in the old text, for each `[[package]]` header left
    placeholder: int  # of those, the line of the bare header
    shared: dict[int, Package]  # header line in the old text -> the package its block stands for

    def line(self, at: int) -> int:
        """The old text's line of the header at line `at` of the shortened text."""
        found = self.headers.get(at)
        if found is None:
            raise NotShared  # a header the scan did not see
        return found

    def place(self, at: int | None, raw: object) -> tuple[int | None, Package | None]:
        """For the `[[package]]` header at line `at` of the shortened text: its line in the old text, and the
        known package when it is the bare header (None: the parser reads `raw`, what the TOML reader found)."""
        line = self.line(at) if at else None
        return line, (self.take(raw) if line == self.placeholder else None)

    def take(self, raw: object) -> Package:
        """The package of the bare header; `raw` is what the TOML reader found under it (nothing)."""
        if raw != {}:
            raise NotShared  # something outside the block added to it
        return self._at(self.placeholder)

    def others(self) -> list[Package]:
        """Every other shared package, at its line in the old text."""
        return [self._at(line) for line in self.shared if line != self.placeholder]

    def _at(self, line: int) -> Package:
        package = self.shared[line]
        return package if package.line == line else replace(package, line=line)


def lock_document(data: bytes, path: str, reuse: Reuse | None) -> tuple[str, dict, dict[int, set[str]]]:
    """A poetry.lock's or uv.lock's text as read (shortened with `reuse`), its TOML document without the hash
    lists, and the wheel tags of each list by the line it sits on. Merge-conflict markers are looked for in the
    whole text (`reuse` was cut from `data` decoded)."""
    text = reuse.whole if reuse is not None else decode_text(data, path)
    refuse_conflicts(text, path)
    if reuse is not None:
        text = reuse.text
    stripped, wheels = read_artifact_lists(text)
    return text, loads(stripped, path), wheels


def to_read(raw_packages: list, headers: list[int], reuse: Reuse | None, entries: dict[str, list[Package]]):
    """(index, raw, at, line) of each package block a parser must read: its header's line in the text read (`at`)
    and in the text it came from; a known block's package (the bare header's) goes straight into `entries`."""
    for index, raw in enumerate(raw_packages):
        at = line = headers[index] if index < len(headers) else None
        if reuse is not None:
            line, known = reuse.place(at, raw)
            if known is not None:
                entries.setdefault(known.key, []).append(known)
                continue
        yield index, raw, at, line


def merged(parsed: dict[str, list[Package]], reuse: Reuse) -> dict[str, list[Package]]:
    """The entries read from the shortened text and the shared ones, per key, in the old text's order."""
    every = [p for found in parsed.values() for p in found] + reuse.others()
    every.sort(key=lambda p: p.line or 0)
    out: dict[str, list[Package]] = {}
    for p in every:
        out.setdefault(p.key, []).append(p)
    return out


BlockReader = Callable[[str, int], "Package | None"]  # a block's text and header line -> its package, or None


def reuse_from(old_text: str, new: Lockfile | None = None, new_text: str = "",
               read_block: BlockReader | None = None) -> Reuse | None:
    """How to read `old_text` with packages known without the TOML reader: the packages of `new` (read from
    `new_text`) for the blocks the two share, and `read_block`'s for the others it can read on its own (a
    block in the exact shape the tool writes). None when no block is known.
    Only a key with one entry in `new` is shared (the entry standing for several carries all of their groups)."""
    old_blocks = package_blocks(old_text)
    if not old_blocks:
        return None
    known: dict[int, Package] = {}  # index of the block in old_blocks -> its package
    new_blocks = package_blocks(new_text) if new is not None else None
    if new is not None and new_blocks:
        by_line = {p.line: p for key, p in new.packages.items() if p.line and key not in new.forks}
        by_hash: dict[int, tuple[int, int, int] | None] = {}
        for block in new_blocks:
            digest = hash(new_text[block[0]:block[1]])
            by_hash[digest] = None if digest in by_hash else block  # seen twice: shared by neither
        digests = [hash(old_text[start:end]) for start, end, _ in old_blocks]
        count: dict[int, int] = {}
        for digest in digests:
            count[digest] = count.get(digest, 0) + 1
        for index, ((start, end, _), digest) in enumerate(zip(old_blocks, digests)):
            match = by_hash.get(digest)
            if (match is not None and count[digest] == 1 and match[2] in by_line
                    and new_text[match[0]:match[1]] == old_text[start:end]):
                known[index] = by_line[match[2]]
    if read_block is not None:
        for index, (start, end, line) in enumerate(old_blocks):
            if index not in known:
                package = read_block(old_text[start:end], line)
                if package is not None:
                    known[index] = package
    return _cut(old_text, old_blocks, known)


def _cut(text: str, blocks: list[tuple[int, int, int]], known: dict[int, Package]) -> Reuse | None:
    """`text` without the blocks whose package is known, the first left as a bare header."""
    if not known:
        return None
    pieces: list[str] = []
    kept: dict[int, int] = {}  # line in the shortened text -> line in the old text, of each header kept
    shared: dict[int, Package] = {}
    placeholder = -1
    done, done_line, out_line = 0, 1, 1
    for index, (start, end, line) in enumerate(blocks):
        out_line += line - done_line  # the lines between the last piece and this header
        pieces.append(text[done:start])
        package = known.get(index)
        if package is None:
            pieces.append(text[start:end])
            kept[out_line] = line
            out_line += text.count("\n", start, end)
        else:
            shared[line] = package
            if placeholder < 0:
                placeholder = line
                pieces.append(_PACKAGE + "\n")
                kept[out_line] = line
                out_line += 1
        done = end
        done_line = line + text.count("\n", start, end)
    pieces.append(text[done:])
    return Reuse(whole=text, text="".join(pieces), headers=kept, placeholder=placeholder, shared=shared)
