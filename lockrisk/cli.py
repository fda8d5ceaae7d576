"""Command line: thin typer commands over the functions in lockrisk.commands (why, pin and audit: lockrisk.why_command,
lockrisk.pin_command and lockrisk.audit_command, loaded only when they run).

Every LockriskError becomes one line, `lockrisk: error: FILE:LINE: message`, and exit
status 2; a traceback is shown only with --debug.

Annotations here are evaluated when the module loads (no `from __future__ import annotations`): typer
reads every command's parameters on each run, and string annotations would be compiled and evaluated
again every time (4 ms of each command's start-up).
"""

import gc
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from lockrisk import __version__
from lockrisk.commands import DiffOptions, run_diff
from lockrisk.errors import LockriskError

app = typer.Typer(
    name="lockrisk",
    help="Find the risky major-version jumps in a lockfile diff, and the ceiling that would have stopped them.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

FormatOpt = Annotated[
    Optional[str],
    typer.Option("--format", "-f", help="table (default on a terminal), text, json, markdown or sarif."),
]
TextJsonOpt = Annotated[Optional[str], typer.Option("--format", "-f", help="text (default) or json.")]
OutputOpt = Annotated[Optional[Path], typer.Option("--output", "-o", help="Write the report to this file (atomically).")]
FailOnOpt = Annotated[
    Optional[str],
    typer.Option("--fail-on", help="Exit 1 when a finding reaches this severity: critical, high, medium, low, info, "
                                   "or none (report only)."),
]
AllOpt = Annotated[bool, typer.Option("--all", help="List every change, not only the notable ones.")]
ConfigOpt = Annotated[Optional[Path], typer.Option("--config", help="Settings file (default: .lockrisk.toml or [tool.lockrisk]).")]
DebugOpt = Annotated[bool, typer.Option("--debug", help="Show a traceback on errors.")]
BudgetOpt = Annotated[float, typer.Option("--budget", help="Seconds all registry look-ups may take together.")]
DeadlineOpt = Annotated[
    Optional[str],
    typer.Option("--deadline", help="Stop with an error after this many seconds, whatever the input (default 300, "
                                    "or LOCKRISK_DEADLINE; 0 for none).", metavar="SECONDS"),
]


def _arm(deadline: str | None) -> None:
    import os

    from lockrisk import deadline as run_deadline

    run_deadline.start(run_deadline.parse(deadline if deadline is not None else os.environ.get("LOCKRISK_DEADLINE")))


def _version(value: bool) -> None:
    if value:
        print(f"lockrisk {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    debug: DebugOpt = False,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")] = False,
) -> None:
    """lockrisk: read a lockfile diff the way a careful reviewer would."""


@app.command()
def diff(
    paths: Annotated[Optional[list[str]], typer.Argument(help="OLD NEW lockfiles, or with --base: lockfiles to compare (default: every changed one).")] = None,
    base: Annotated[Optional[str], typer.Option("--base", help="Git revision of the old side.")] = None,
    head: Annotated[Optional[str], typer.Option("--head", help="Git revision of the new side (default: the working tree).")] = None,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    fail_on: FailOnOpt = None,
    show_all: AllOpt = False,
    config: ConfigOpt = None,
    offline: Annotated[bool, typer.Option("--offline", help="No registry look-ups (also LOCKRISK_OFFLINE=1): judge "
                                                            "from the lockfiles alone.")] = False,
    online: Annotated[bool, typer.Option("--online", hidden=True, help="Look-ups are the default; kept for old scripts.")] = False,
    budget: BudgetOpt = 20.0,
    trusted_config: Annotated[Optional[str], typer.Option(
        "--trusted-config", help="With --base: read settings (and registries) from the base revision (the default, "
                                 "as the Action does) or from the working tree (head).")] = None,
    deadline: DeadlineOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Compare two lockfiles (or two git revisions) and weigh every move by its evidence.

    Registry evidence (release dates, declared Ruby or Python, yanks, hot-fixes) is looked up unless --offline.
    """
    _arm(deadline)
    options = DiffOptions(paths=list(paths or []), base=base, head=head, fmt=fmt, output=output, fail_on=fail_on,
                          show_all=show_all, config=config, offline=offline and not online, budget=budget,
                          trusted_config=trusted_config)
    raise typer.Exit(run_diff(options))


@app.command()
def why(
    names: Annotated[list[str], typer.Argument(metavar="NAME",
                                               help="Package names, optionally followed by the lockfile "
                                                    "(default: Gemfile.lock, poetry.lock or uv.lock here).")],
    lockfile: Annotated[Optional[Path], typer.Option("--lockfile", "-l", help="The lockfile to read.")] = None,
    fmt: TextJsonOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Show who requires each NAME, with which requirement, and the chains up to the project's own requirements.

    JSON is one object for one name, and a list of them for several.
    """
    from lockrisk.why_command import WhyOptions, run_why, split_why_arguments  # loaded only when `why` runs

    names, lockfile = split_why_arguments(names, lockfile)
    raise typer.Exit(run_why(WhyOptions(names=tuple(names), lockfile=lockfile, fmt=fmt)))


@app.command()
def pin(
    paths: Annotated[Optional[list[str]], typer.Argument(help="OLD NEW lockfiles, or with --base: lockfiles (default: every changed one); with --check: the lockfile.")] = None,
    base: Annotated[Optional[str], typer.Option("--base", help="Git revision of the old side.")] = None,
    head: Annotated[Optional[str], typer.Option("--head", help="Git revision of the new side (default: the working tree).")] = None,
    patch: Annotated[bool, typer.Option("--patch", help="Print the edit as a unified diff.")] = False,
    write: Annotated[bool, typer.Option("--write", help="Edit the Gemfile / pyproject.toml in place (atomically).")] = False,
    check: Annotated[bool, typer.Option("--check", help="Find lockrisk pins whose removal condition now holds (exit 1 if any).")] = False,
    pin_at: Annotated[Optional[str], typer.Option("--pin-at", help="Suggest pins for findings at or above this severity (default high).")] = None,
    fmt: TextJsonOpt = None,
    config: ConfigOpt = None,
    deadline: DeadlineOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Suggest the missing ceiling for every floated major, and for a release that certainly breaks: print it,
    show it as a patch, or write it.

    With --write or --patch, exit 1 when some finding could not be pinned (each is listed with the reason).
    """
    _arm(deadline)
    from lockrisk.pin_command import PinOptions, run_pin  # loaded only when `pin` runs

    options = PinOptions(paths=list(paths or []), base=base, head=head, patch=patch, write=write, check=check,
                         pin_at=pin_at, fmt=fmt, config=config)
    raise typer.Exit(run_pin(options))


@app.command()
def preview(
    packages: Annotated[Optional[list[str]], typer.Argument(metavar="PACKAGE", help="Packages to update (with --all: none).")] = None,
    to: Annotated[Optional[str], typer.Option("--to", help="First set the one named gem's Gemfile requirement to this (say '~> 8.0').")] = None,
    everything: Annotated[bool, typer.Option("--all", help="A full update (bundle lock --update, poetry update --lock, uv lock --upgrade).")] = False,
    pin_floated: Annotated[bool, typer.Option("--pin-floated", help="Pin what floats across a major and resolve again, until nothing does.")] = False,
    write: Annotated[bool, typer.Option("--write", help="With --pin-floated: write the pins the resolver accepted to the real manifest.")] = False,
    lockfile: Annotated[Optional[Path], typer.Option("--lockfile", "-l", help="The lockfile (default: the one here).")] = None,
    fmt: FormatOpt = None,
    fail_on: FailOnOpt = None,
    pin_at: Annotated[Optional[str], typer.Option("--pin-at", help="Pin findings at or above this severity (default high).")] = None,
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds each resolver run may take.")] = 300.0,
    offline: Annotated[bool, typer.Option("--offline", help="No registry look-ups while reviewing the result.")] = False,
    budget: BudgetOpt = 20.0,
    debug: DebugOpt = False,
) -> None:
    """Before an upgrade: run the real resolver in a scratch copy and review what it would move.

    The project's files are never touched (unless --write). Examples: `lockrisk preview rails --to '~> 8.0'`,
    `lockrisk preview --all --pin-floated`.
    """
    from lockrisk.preview import PreviewOptions, run_preview

    raise typer.Exit(run_preview(PreviewOptions(packages=tuple(packages or ()), to=to, all=everything,
                                                pin_floated=pin_floated, write=write, lockfile=lockfile, fmt=fmt,
                                                fail_on=fail_on, pin_at=pin_at, timeout=timeout, offline=offline,
                                                budget=budget)))


@app.command()
def audit(
    lockfile: Annotated[Optional[str], typer.Argument(help="Lockfile (default: Gemfile.lock, poetry.lock or uv.lock here).")] = None,
    offline: Annotated[bool, typer.Option("--offline", help="Make no request: list the floor-only exposure only.")] = False,
    budget: BudgetOpt = 20.0,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    fail_on: FailOnOpt = None,
    show_all: AllOpt = False,
    config: ConfigOpt = None,
    deadline: DeadlineOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Before an upgrade: which floor-only packages would a full re-resolve move across a major?"""
    _arm(deadline)
    from lockrisk.audit_command import AuditOptions, run_audit  # loaded only when `audit` runs

    raise typer.Exit(run_audit(AuditOptions(lockfile=lockfile, fmt=fmt, output=output, fail_on=fail_on,
                                            offline=offline, budget=budget, show_all=show_all, config=config)))


@app.command()
def ci(deadline: DeadlineOpt = None, debug: DebugOpt = False) -> None:
    """Run as the GitHub Action: job summary, annotations, outputs, SARIF and one sticky PR comment.

    Reads its inputs from LOCKRISK_* environment variables and the GITHUB_* ones.
    """
    from lockrisk.ci import run_ci

    _arm(deadline)

    raise typer.Exit(run_ci())


_COMMAND = None  # typer builds the click command on every call: build it once per process


def _shown(text: object) -> str:
    """An error message on one line, with control characters from file names or contents shown as escapes."""
    from lockrisk.render.escape import plain

    return plain(text)


def main(argv: list[str] | None = None) -> None:
    global _COMMAND
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    # a command builds millions of small acyclic objects (packages, requirements, findings) and frees them by
    # reference counting: the cycle collector would only rescan them (a third of the time on a 100k lockfile)
    collecting = gc.isenabled() and argv is not None  # as the program itself, the process ends right after
    gc.disable()
    try:
        if _COMMAND is None:
            _COMMAND = typer.main.get_command(app)
        try:
            code = _COMMAND.main(args=args, prog_name="lockrisk", standalone_mode=False)
        finally:
            from lockrisk import deadline

            deadline.stop()
            if collecting:
                gc.enable()
    except LockriskError as exc:
        if debug:
            import traceback

            traceback.print_exc()
        print(f"lockrisk: error: {_shown(exc.located())}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        print("lockrisk: interrupted", file=sys.stderr)
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(0)
    except Exception as exc:
        if hasattr(exc, "show") and hasattr(exc, "exit_code"):  # click's usage errors (typer vendors click)
            exc.show()
            sys.exit(2)
        # a bug: still one line, with the traceback behind --debug
        if debug:
            raise
        print(f"lockrisk: error: internal error: {type(exc).__name__}: {_shown(exc)} (rerun with --debug for a traceback)",
              file=sys.stderr)
        sys.exit(2)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":  # pragma: no cover
    main()
