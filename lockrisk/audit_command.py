"""The `audit` command: packages a floor-only requirement leaves exposed to a newer major. Loaded only when
`audit` runs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lockrisk.commands import (EXIT_INCOMPLETE, EXIT_OK, add_alternatives, check_severity, choose_format, emit,
                               exit_status, find_lockfile, is_offline, lookup_factory)
from lockrisk.inputs import read_regular


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditOptions:
    """What `lockrisk audit` was asked to do."""

    lockfile: str | None = None
    fmt: str | None = None
    output: Path | None = None
    fail_on: str | None = None
    offline: bool = False
    budget: float = 20.0
    show_all: bool = False
    config: Path | None = None
    cwd: Path | None = None


def run_audit(options: AuditOptions) -> int:
    from lockrisk.audit import audit_findings
    from lockrisk.config import load_settings
    from lockrisk.graph import Graph
    from lockrisk.parsers import load_path, manifest_name
    from lockrisk.pipeline import LockfilePair, attach_pins, order_findings
    from lockrisk.report import LockfileSummary, Report
    from lockrisk.weigh import weigh_findings

    cwd = options.cwd or Path.cwd()
    fmt = choose_format(options.fmt, options.output is not None)
    fail_on = check_severity(options.fail_on, "--fail-on", allow_none=True)
    path = cwd / options.lockfile if options.lockfile else find_lockfile(cwd)
    label = options.lockfile or path.name
    lockfile = load_path(path, label=label)
    settings = load_settings(options.config, cwd, [label])
    lookup = None if is_offline(options.offline) else lookup_factory(settings, budget=options.budget)(lockfile)
    findings, notes, unchecked = audit_findings(lockfile, lookup)
    graph = Graph.from_lockfile(lockfile)
    weighed = weigh_findings(findings, graph, settings=settings)
    if lookup is not None:
        weighed = add_alternatives(weighed, lookup, lockfile)
        notes = [*notes, *lookup.notes]  # after every look-up, so the failure count is final
    name = manifest_name(lockfile)
    manifest = path.parent / name
    pair = LockfilePair(path=label, old=lockfile, new=lockfile, base="registry" if lookup else "floor-only exposure",
                        head=label, manifest_label=str(Path(label).parent / name),
                        manifest_bytes=read_regular(manifest) if manifest.exists() else None, manifest_file=manifest)
    pinned = attach_pins(weighed, pair, settings.pin_at)
    report = Report(command="audit", lockfiles=(LockfileSummary(path=label, ecosystem=lockfile.ecosystem,
                                                               base=pair.base, head=label,
                                                               packages_before=len(lockfile.packages),
                                                               packages_after=len(lockfile.packages)),),
                    findings=tuple(order_findings(pinned)),
                    notes=tuple(dict.fromkeys([*lockfile.notes, *settings.notes, *notes])), unchecked=tuple(unchecked))
    emit(report, fmt, options.output, options.show_all)
    status = exit_status(report, fail_on or settings.fail_on)
    return EXIT_INCOMPLETE if status == EXIT_OK and report.unchecked else status
