"""Plain text: one block per notable finding, for logs and pipes."""

from __future__ import annotations

from lockrisk.evidence import name_list
from lockrisk.render import describe
from lockrisk.render.escape import plain
from lockrisk.report import Report


def render_text(report: Report, *, show_all: bool = False) -> str:
    out: list[str] = []
    shown = report.findings if show_all else report.notable()
    for summary in report.lockfiles:
        out.append(
            f"{plain(summary.path)}: {plain(summary.base)} -> {plain(summary.head)}, "
            f"{summary.packages_before} -> {summary.packages_after} packages"
        )
    if not shown:
        out.append(report.all_clear())
    for f in shown:
        sev = describe.severity(f)
        prefix = f"[{sev}] " if sev else ""
        out.append("")
        out.append(f"{prefix}{plain(f.name)} {plain(describe.versions(f))}  {describe.jump(f)}, {describe.origin(f)}"
                   + (", floor-only" if f.floor_only else ""))
        if f.family_members:
            out.append(f"  family of {len(f.family_members)}: "
                       f"{plain(name_list(list(f.family_members), describe.FAMILY_SHOWN))}")
        if describe.markers_line(f):
            out.append(f"  installed only when {plain(f.markers)}")
        for d in f.dependents:
            flag = "  (no ceiling)" if d.floor_only else ""
            when = f" ; {plain(d.markers)}" if d.markers else ""
            out.append(f"  required by {plain(d.name)} {plain(d.version)}: {plain(d.requirement)}{when}{flag}")
        for r in f.direct_requirements:
            when = f" ; {plain(r.markers)}" if r.markers else ""
            out.append(f"  required by the project: {plain(r.constraint or 'any version')}{when}"
                       + (f" [{plain(', '.join(r.groups))}]" if r.groups else ""))
        for p in f.paths[:5]:
            out.append(f"  path: {plain(describe.chain(p))}")
        if f.assessment is not None:
            for r in f.assessment.reasons:
                out.append(f"  - {plain(r.text)}")
            if f.assessment.known_breakage is not None:
                out.append(f"  source: {plain(f.assessment.known_breakage.source)}")
        for line in describe.registry_lines(f):
            out.append(f"  registry: {plain(line)}")
        if f.pin is not None:
            out.append(f"  pin: {plain(f.pin.summary())}")
    hidden = len(report.findings) - len(shown)
    if hidden > 0:
        out.append("")
        rest = [f for f in report.findings if f not in shown]
        out.append(f"routine, not listed: {plain(describe.routine(rest))}; --all lists them")
    for note in report.notes:
        out.append(f"note: {plain(note)}")
    return "\n".join(out) + "\n"
