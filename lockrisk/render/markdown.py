"""GitHub-flavoured markdown: a verdict, a table, and a collapsible section per finding.

Every string from a lockfile passes through escape.markdown / escape.markdown_code.
"""

from __future__ import annotations

from lockrisk.analyse import Finding
from lockrisk.evidence import name_list
from lockrisk.render import describe
from lockrisk.render.escape import markdown as md
from lockrisk.render.escape import html
from lockrisk.render.escape import markdown_code as code
from lockrisk.report import Report

ICON = {"critical": "🟥", "high": "🟧", "medium": "🟨", "low": "🟦", "info": "⬜"}


def verdict(report: Report) -> str:
    shown = report.notable()
    if not shown and report.unchecked:
        return f"⚠️ **lockrisk**: {md(report.all_clear())}."
    if not shown:
        return "✅ **lockrisk**: no risky changes: nothing crossed a major version."
    counts: dict[str, int] = {}
    for f in shown:
        sev = describe.severity(f) or "unrated"
        counts[sev] = counts.get(sev, 0) + 1
    parts = ", ".join(f"{n} {sev}" for sev, n in counts.items())
    top = shown[0]
    worst = describe.severity(top)
    return (f"{ICON.get(worst, '')} **lockrisk**: {len(shown)} finding{'s' if len(shown) != 1 else ''} ({parts}); "
            f"top: <code>{code(top.name)}</code> {code(describe.versions(top))}")


def finding_table(findings: tuple[Finding, ...] | list[Finding]) -> list[str]:
    lines = ["| severity | package | change | pulled in by | top reason |", "|---|---|---|---|---|"]
    for f in findings:
        sev = describe.severity(f)
        fam = f" (+{len(f.family_members)} in family)" if f.family_members else ""
        reasons = describe.top_reasons(f, 1)
        lines.append(
            f"| {ICON.get(sev, '')} {sev} | <code>{code(f.name)}</code>{fam} | {md(describe.versions(f))}<br>"
            f"{md(describe.jump(f))}, {describe.origin(f)} | {md(describe.pulled_in_by(f, 3)) or '—'} | "
            f"{md(reasons[0]) if reasons else ''} |"
        )
    return lines


def _link_text(url: str) -> str:
    """The text of a link to a catalogued source (lockrisk's own data): the address without its scheme, with
    markdown punctuation escaped and nothing invisible added."""
    import re

    return re.sub(r"([\\`*_{}\[\]|<>])", r"\\\1", url.split("://", 1)[-1])


def pin_lines(findings) -> list[str]:
    """The pins a reviewer acts on, one line each, outside any collapsed section."""
    out = []
    for f in findings:
        pin = f.pin
        if pin is None or pin.action not in ("insert", "edit"):
            continue
        out.append(f"- <code>{code(f.name)}</code>: <code>{code(pin.requirement_line())}</code> in "
                   f"<code>{code(pin.file)}</code>, then <code>{code(pin.command)}</code>")
    return ["**Suggested pins**", ""] + out + [""] if out else []


def finding_details(f: Finding) -> list[str]:
    sev = describe.severity(f)
    # the <details> line is an HTML block: markdown is not parsed there, so it gets HTML escaping only
    out = [f"<details><summary>{ICON.get(sev, '')} <b>{html(f.name)}</b> {html(describe.versions(f))} "
           f"({sev or describe.jump(f)}) in <code>{html(f.change.lockfile)}</code></summary>", ""]
    if describe.markers_line(f):
        out += [f"Installed only when <code>{code(f.markers)}</code>", ""]
    if f.dependents or f.direct_requirements:
        out += ["| required by | version | requirement | ceiling |", "|---|---|---|---|"]
        for r in f.direct_requirements:
            groups = f" ({md(', '.join(r.groups))})" if r.groups else ""
            when = f" ; {code(r.markers)}" if r.markers else ""
            out.append(f"| the project{groups} | | <code>{code(r.constraint or 'any')}{when}</code> | |")
        for d in f.dependents:
            when = f" ; {code(d.markers)}" if d.markers else ""
            out.append(f"| <code>{code(d.name)}</code> | {md(d.version)} | <code>{code(d.requirement)}{when}</code> | "
                       f"{'none (floor only)' if d.floor_only else 'yes'} |")
        out.append("")
    if f.paths:
        out.append("Chains: " + "; ".join(f"<code>{code(describe.chain(p))}</code>" for p in f.paths[:6]))
        out.append("")
    if f.family_members:
        out.append("Moved with it (pinned exactly, or forced by its move): "
                   + name_list([f"<code>{code(m)}</code>" for m in f.family_members], describe.FAMILY_SHOWN))
        out.append("")
    if f.assessment is not None:
        out += [f"- {md(r.text)}" for r in f.assessment.reasons]
        kb = f.assessment.known_breakage
        if kb is not None:  # catalogue data shipped with lockrisk, not lockfile content
            out.append(f"- source: [{_link_text(kb.source)}]({kb.source.replace('(', '%28').replace(')', '%29')})")
        out.append("")
    facts = describe.registry_lines(f)
    if facts:
        out += ["Registry: " + "; ".join(md(x) for x in facts), ""]
    if f.pin is not None:
        out += f.pin.markdown_lines()
        out.append("")
    out += ["</details>", ""]
    return out


def render_markdown(report: Report, *, show_all: bool = False, details: bool = True) -> str:
    shown = report.findings if show_all else report.notable()
    lines = [verdict(report), ""]
    for s in report.lockfiles:
        lines.append(f"<code>{code(s.path)}</code>: {md(s.base)} → {md(s.head)}, "
                     f"{s.packages_before} → {s.packages_after} packages")
    lines.append("")
    if shown:
        lines += finding_table(shown)
        lines.append("")
        lines += pin_lines(shown)
        if details:
            for f in shown:
                lines += finding_details(f)
    hidden = len(report.findings) - len(shown)
    if hidden > 0:
        listed = {id(f) for f in shown}
        rest = [f for f in report.findings if id(f) not in listed]
        lines.append(f"Routine, not listed: {md(describe.routine(rest))}.")
        lines.append("")
    for note in report.notes:
        lines.append(f"> {md(note)}")
    return "\n".join(lines).rstrip() + "\n"


def _fitted(report: Report, *, limit: int, size, details: bool, cut_note: str) -> str:
    """The verdict, as many table rows as fit, then (when every row fits) as many details as fit; each
    piece is rendered once and measured once, and a cut falls between whole lines, never inside markup."""
    shown = report.notable()
    rows = finding_table(shown)
    head, table, body = verdict(report) + "\n\n", "\n".join(rows[:2]) + "\n", rows[2:]
    trailers = (f"\n{len(shown)} more findings are not shown here. {cut_note}\n",
                f"\nFurther details were cut to stay under the size limit. {cut_note}\n",
                f"\nDetails per finding are not shown here. {cut_note}\n")
    room = limit - size(head) - max(size(t) for t in trailers)  # whichever closing line is written must fit too
    out = [head]
    if body and size(table) <= room:
        out.append(table)
        room -= size(table)
    else:
        body = []
    count = 0
    for row in body:
        line = row + "\n"
        if size(line) > room:
            break
        out.append(line)
        room -= size(line)
        count += 1
    if count < len(shown):
        out.append(f"\n{len(shown) - count} more finding{'s' if len(shown) - count != 1 else ''} are not shown here. "
                   f"{cut_note}\n")
        return "".join(out)
    out.append("\n")
    pins = "\n".join(pin_lines(shown))
    if pins and size(pins + "\n") <= room:
        out.append(pins + "\n")
        room -= size(pins + "\n")
    if details:
        for f in shown:
            block = "\n".join(finding_details(f)) + "\n"
            if size(block) > room:
                out.append(f"Further details were cut to stay under the size limit. {cut_note}\n")
                return "".join(out)
            out.append(block)
            room -= size(block)
        return "".join(out)
    out.append(f"Details per finding are not shown here. {cut_note}\n")
    return "".join(out)


def render_comment(report: Report, *, limit: int, full_report_url: str | None) -> str:
    """The markdown report cut to fit `limit` characters: details go first, then table rows."""
    full = render_markdown(report)
    if len(full) <= limit:
        return full
    pointer = ("Full details: [the job summary](" + full_report_url + ")." if full_report_url
               else "Full details are in the job summary.")
    return _fitted(report, limit=limit, size=len, details=False, cut_note=pointer)


SUMMARY_MARGIN = 4096  # bytes kept free below GitHub's cap: the file may already hold a line or two


def render_summary(report: Report, *, limit_bytes: int) -> str:
    """The job summary: the full report when it fits GitHub's cap, else the table and the top details."""
    full = render_markdown(report)
    if len(full.encode("utf-8")) <= limit_bytes - SUMMARY_MARGIN:
        return full
    return _fitted(report, limit=limit_bytes - SUMMARY_MARGIN, size=lambda t: len(t.encode("utf-8")), details=True,
                   cut_note="The JSON report has every finding.")
