"""GitHub Actions workflow commands (::error / ::warning / ::notice) pointing at lockfile lines."""

from __future__ import annotations

from lockrisk.render import describe
from lockrisk.render.escape import workflow_data, workflow_property
from lockrisk.report import Report

LEVEL = {"critical": "error", "high": "error", "medium": "warning", "low": "notice"}


MAX_ANNOTATIONS = 50  # GitHub shows at most 50 annotations per job; more only lengthen the log


def render_annotations(report: Report) -> str:
    lines = []
    annotated = [f for f in report.notable() if LEVEL.get(describe.severity(f)) is not None]
    for f in annotated[:MAX_ANNOTATIONS]:
        sev = describe.severity(f)
        level = LEVEL[sev]
        line = f.change.new.line if f.change.new is not None else None
        props = [f"file={workflow_property(f.change.lockfile)}"]
        if line:
            props.append(f"line={line}")
        props.append(f"title={workflow_property(f'lockrisk {sev}: {f.name} {describe.versions(f)}')}")
        reasons = describe.top_reasons(f, 3)
        message = f"{f.name} {describe.versions(f)} ({describe.jump(f)}, {describe.origin(f)})"
        if reasons:
            message += "\n" + "\n".join(reasons)
        if f.pin is not None and not f.pin.blocked_by:
            message += f"\nsuggested pin: {f.pin.requirement_line()} in {f.pin.file}"
        lines.append(f"::{level} {','.join(props)}::{workflow_data(message)}")
    if len(annotated) > MAX_ANNOTATIONS:
        lines.append(f"::notice::lockrisk: {len(annotated) - MAX_ANNOTATIONS} more findings are not annotated "
                     f"(GitHub shows {MAX_ANNOTATIONS} per job); the job summary and the JSON report list them")
    return "\n".join(lines) + ("\n" if lines else "")
