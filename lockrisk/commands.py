"""What each command does, as functions returning an exit status (the CLI only parses options)."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, replace
from pathlib import Path

from lockrisk.errors import ConfigError, LockriskError
from lockrisk.report import SEVERITIES, Report

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR, EXIT_INCOMPLETE = 0, 1, 2, 3


@dataclass(frozen=True, slots=True, kw_only=True)
class DiffOptions:
    """What `lockrisk diff` was asked to do."""

    paths: list[str]
    base: str | None = None
    head: str | None = None
    fmt: str | None = None
    output: Path | None = None
    fail_on: str | None = None
    show_all: bool = False
    config: Path | None = None
    offline: bool = False
    budget: float = 20.0
    trusted_config: str | None = None  # "base" or "head"; with --base the default is "base"
    cwd: Path | None = None


def _stdout_is_terminal() -> bool:
    return sys.stdout.isatty()


def _use_color() -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return _stdout_is_terminal() and os.environ.get("TERM") != "dumb"


TEXT_JSON = ("text", "json")  # the formats of `why` and `pin`


def choose_format(fmt: str | None, writing_to_file: bool) -> str:
    from lockrisk.render import FORMATS

    if fmt is None:
        return "table" if (_stdout_is_terminal() and not writing_to_file) else "text"
    if fmt not in FORMATS:
        raise ConfigError(f"unknown format {fmt!r} (choose from {', '.join(FORMATS)})")
    return fmt


def check_text_json(fmt: str | None, command: str) -> str:
    if fmt is None:
        return "text"
    if fmt not in TEXT_JSON:
        raise ConfigError(f"{command}: unknown format {fmt!r} (choose from {', '.join(TEXT_JSON)})")
    return fmt


def check_severity(name: str | None, option: str, *, allow_none: bool = False) -> str | None:
    """A severity name from the command line or the environment; `none` too where it means 'never fail'."""
    if name is None:
        return None
    choices = (*SEVERITIES, "none") if allow_none else SEVERITIES
    if name not in choices:
        raise ConfigError(f"{option}: unknown severity {name!r} (choose from {', '.join(choices)})")
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
    return EXIT_FINDINGS if fail_on is not None and report.reaching(fail_on) else EXIT_OK


def run_diff(options: DiffOptions) -> int:
    from lockrisk.config import load_settings
    from lockrisk.pipeline import build_report

    cwd = options.cwd or Path.cwd()
    fmt = choose_format(options.fmt, options.output is not None)
    fail_on = check_severity(options.fail_on, "--fail-on", allow_none=True)
    pairs, notes = lockfile_pairs(options.paths, options.base, options.head, cwd)
    trusted = options.trusted_config or ("base" if options.base else "head")
    if trusted not in ("base", "head"):
        raise ConfigError(f"--trusted-config: {trusted!r} is not base or head")
    if trusted == "base" and options.base:
        from lockrisk.ci import _at_revision

        settings = load_settings(options.config, cwd, [p.path for p in pairs],
                                 read_text=_at_revision(cwd, options.base), label=f"@{options.base}")
        notes.append(f"settings are read from {options.base} (--trusted-config base): the change under review "
                     "does not configure its own review; --trusted-config head reads them from the working tree")
    else:
        settings = load_settings(options.config, cwd, [p.path for p in pairs])
    lookups = None if is_offline(options.offline) else lookup_factory(settings, budget=options.budget,
                                                                      trust_base=trusted == "base" and bool(options.base))
    report = build_report("diff", pairs, notes + list(settings.notes), settings=settings, lookups=lookups)
    emit(report, fmt, options.output, options.show_all)
    return exit_status(report, fail_on or settings.fail_on)


def find_lockfile(cwd: Path) -> Path:
    from lockrisk.parsers import LOCKFILE_NAMES

    for name in LOCKFILE_NAMES:
        if (cwd / name).is_file():
            return cwd / name
    raise LockriskError("no Gemfile.lock, poetry.lock or uv.lock here; name the lockfile", path=str(cwd))


def lockfile_pairs(paths: list[str], base: str | None, head: str | None, cwd: Path):
    """The lockfile pairs a command compares: OLD NEW files, or every changed lockfile between two revisions."""
    from lockrisk.pipeline import pair_from_files, pairs_from_git

    if head and not base:
        raise ConfigError("--head needs --base")
    if base:
        return pairs_from_git(cwd, base, head, paths)
    if len(paths) != 2:
        raise ConfigError("give two lockfiles (OLD NEW) or a git revision (--base REF)")
    old, new = paths
    return [pair_from_files(cwd / old, cwd / new, old, new)], []


def add_alternatives(findings: list, lookup, lockfile) -> list:
    """Ask the registry, for each floated major, whether a newer dependent release settles it: the questions
    go out together on the look-up pool, not one after another."""
    asked = [i for i, f in enumerate(findings) if _wants_alternative(f)]
    answers = list(lookup.map(lambda i: _alternative(findings[i], lookup, lockfile), asked))
    out = list(findings)
    for i, text in zip(asked, answers):
        if text:
            f = out[i]
            out[i] = replace(f, registry=replace(f.registry, alternative=text))
    return out


def _wants_alternative(f) -> bool:
    return not (f.registry is None or f.direct or f.forced or f.change.jump.kind != "major" or f.change.old is None
                or f.change.new is None or f.assessment is None or f.assessment.severity in ("info", "low"))


def _alternative(f, lookup, lockfile) -> str | None:
    from lockrisk.names import pypi_key

    keys = [d.name if lockfile.ecosystem == "rubygems" else pypi_key(d.name) for d in f.dependents]
    dependents = [lockfile.packages[k] for k in keys if k in lockfile.packages]
    return lookup.alternative(f.name, f.change.old.version, f.change.new.version, dependents)


def is_offline(flag: bool, env=None) -> bool:
    """--offline, or LOCKRISK_OFFLINE set to a true value: no registry look-ups."""
    from lockrisk.envflags import flag as env_flag

    return flag or env_flag((env if env is not None else os.environ).get("LOCKRISK_OFFLINE"), False)


def lookup_factory(settings, *, budget: float = 20.0, trust_base: bool = False):
    """Lookups that share one HTTP client, and so one time budget and one cache, across lockfiles.

    With `trust_base` (a pull request under review) only registries the old side already used, the
    settings or the environment name are asked."""
    from lockrisk.registry.facts import Lookup
    from lockrisk.registry.http import HttpClient, default_cache_dir

    from lockrisk import deadline

    left = deadline.remaining()
    if left is not None:  # look-ups end well before the whole run must
        budget = max(0.0, min(budget, left * 0.5))
    http = HttpClient(cache_dir=default_cache_dir(), budget=budget)
    return lambda new, old=None: Lookup(new, index_url=settings.index_url, http=http,
                                        trusted=old if trust_base else None)
