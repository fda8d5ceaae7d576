"""What each command does, as functions returning an exit status (the CLI only parses options)."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

from lockrisk.errors import ConfigError, LockriskError
from lockrisk.report import SEVERITIES, Report, severity_rank

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


@dataclass(frozen=True, slots=True, kw_only=True)
class DiffOptions:
    paths: list[str]
    base: str | None = None
    head: str | None = None
    fmt: str | None = None
    output: Path | None = None
    fail_on: str | None = None
    show_all: bool = False
    config: Path | None = None
    cwd: Path | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class WhyOptions:
    name: str
    lockfile: Path | None = None
    fmt: str | None = None
    cwd: Path | None = None


def _stdout_is_terminal() -> bool:
    return sys.stdout.isatty()


def _use_color() -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return _stdout_is_terminal() and os.environ.get("TERM") != "dumb"


def choose_format(fmt: str | None, writing_to_file: bool) -> str:
    from lockrisk.render import FORMATS

    if fmt is None:
        return "table" if (_stdout_is_terminal() and not writing_to_file) else "text"
    if fmt not in FORMATS:
        raise ConfigError(f"unknown format {fmt!r} (choose from {', '.join(FORMATS)})")
    return fmt


def check_severity(name: str | None, option: str) -> str | None:
    if name is None:
        return None
    if name not in SEVERITIES:
        raise ConfigError(f"{option}: unknown severity {name!r} (choose from {', '.join(SEVERITIES)})")
    return name


def emit(report: Report, fmt: str, output: Path | None, show_all: bool) -> None:
    from lockrisk.render import render

    width = None
    if fmt == "table" and not output:
        import shutil

        width = shutil.get_terminal_size((100, 24)).columns
    text = render(report, fmt, show_all=show_all, width=width, color=_use_color() and output is None)
    if output is not None:
        from lockrisk.fsutil import atomic_write

        try:
            atomic_write(output, text)
        except OSError as exc:
            raise LockriskError(f"cannot write the report: {exc.strerror or exc}", path=str(output)) from None
    else:
        sys.stdout.write(text)
        sys.stdout.flush()


def exit_status(report: Report, fail_on: str | None) -> int:
    if fail_on is None or report.highest_severity is None:
        return EXIT_OK
    if severity_rank(report.highest_severity) <= severity_rank(fail_on):
        return EXIT_FINDINGS
    return EXIT_OK


def run_diff(options: DiffOptions) -> int:
    from lockrisk.config import load_settings
    from lockrisk.pipeline import build_report, pair_from_files, pairs_from_git

    cwd = options.cwd or Path.cwd()
    fmt = choose_format(options.fmt, options.output is not None)
    fail_on = check_severity(options.fail_on, "--fail-on")
    if options.head and not options.base:
        raise ConfigError("--head needs --base")
    if options.base:
        pairs, notes = pairs_from_git(cwd, options.base, options.head, options.paths)
    else:
        if len(options.paths) != 2:
            raise ConfigError("give two lockfiles (lockrisk diff OLD NEW) or a git revision (lockrisk diff --base REF)")
        old, new = options.paths
        pairs, notes = [pair_from_files(cwd / old, cwd / new, old, new)], []
    settings = load_settings(options.config, cwd, [p.path for p in pairs])
    report = build_report("diff", pairs, notes + list(settings.notes), settings=settings)
    emit(report, fmt, options.output, options.show_all)
    return exit_status(report, fail_on or settings.fail_on)


def find_lockfile(cwd: Path) -> Path:
    for name in ("Gemfile.lock", "gems.locked", "poetry.lock"):
        if (cwd / name).is_file():
            return cwd / name
    raise LockriskError("no Gemfile.lock or poetry.lock here; name the lockfile", path=str(cwd))


def run_why(options: WhyOptions) -> int:
    from lockrisk.graph import Graph
    from lockrisk.parsers import load_path
    from lockrisk.render.why import render_why

    cwd = options.cwd or Path.cwd()
    path = options.lockfile if options.lockfile is not None else find_lockfile(cwd)
    lockfile = load_path(path if path.is_absolute() else cwd / path, label=str(path))
    graph = Graph.from_lockfile(lockfile)
    fmt = options.fmt or "text"
    if fmt not in ("text", "json"):
        raise ConfigError("why: --format is text or json")
    sys.stdout.write(render_why(graph, options.name, fmt))
    return EXIT_OK
