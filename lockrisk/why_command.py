"""The `why` command: who requires each package, how, and the chains up to the project's own requirements.
Loaded only when `why` runs."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from lockrisk.commands import EXIT_OK, check_text_json, find_lockfile


@dataclass(frozen=True, slots=True, kw_only=True)
class WhyOptions:
    """What `lockrisk why` was asked to do."""

    names: tuple[str, ...]
    lockfile: Path | None = None
    fmt: str | None = None
    cwd: Path | None = None


def split_why_arguments(args: list[str], lockfile: Path | None) -> tuple[list[str], Path | None]:
    """`why NAME... [LOCKFILE]`: a last argument that names a lockfile is the lockfile."""
    from lockrisk.parsers import LOCKFILE_NAMES

    if lockfile is None and len(args) > 1:
        last = Path(args[-1])
        if last.name in LOCKFILE_NAMES or "/" in args[-1] or last.suffix in (".lock", ".locked"):
            return args[:-1], last
    return args, lockfile


def run_why(options: WhyOptions) -> int:
    from lockrisk.graph import Graph
    from lockrisk.parsers import load_path
    from lockrisk.render.why import render_why

    cwd = options.cwd or Path.cwd()
    path = options.lockfile if options.lockfile is not None else find_lockfile(cwd)
    lockfile = load_path(path if path.is_absolute() else cwd / path, label=str(path))
    graph = Graph.from_lockfile(lockfile)
    fmt = check_text_json(options.fmt, "why")
    sys.stdout.write(render_why(graph, list(options.names), fmt))
    return EXIT_OK
