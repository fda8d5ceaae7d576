"""A rich table for terminals (rich is imported only here)."""

from __future__ import annotations

import io

from rich.console import Console
from rich.table import Table
from rich.text import Text

from lockrisk.render import describe
from lockrisk.render.escape import plain
from lockrisk.report import Report

SEVERITY_STYLE = {"critical": "bold white on red", "high": "bold red", "medium": "yellow", "low": "cyan", "info": "dim"}


WIDE = 120  # from this width on, dependents get a column of their own


def _cells(f):
    sev = describe.severity(f)
    name = Text(plain(f.name), style="bold")
    if f.family_members:
        name.append(f"\n+{len(f.family_members)} in family", style="dim")
    change = Text(plain(describe.versions(f)))
    change.append(f"\n{describe.jump(f)}, {describe.origin(f)}", style="dim")
    if describe.markers_line(f):
        change.append(f"\nonly when {plain(f.markers)}", style="dim")
    by = "\n".join(plain(f"{d.name} {d.requirement}") for d in f.dependents[:5])
    if len(f.dependents) > 5:
        by += f"\n+{len(f.dependents) - 5} more"
    if f.direct_requirements:
        by = (by + "\n" if by else "") + "project: " + ", ".join(plain(r.constraint or "any") for r in f.direct_requirements)
    why = "\n".join("- " + plain(r) for r in describe.top_reasons(f, 3))
    if f.pin is not None:
        why += ("\n" if why else "") + "pin: " + plain(f.pin.summary())
    return Text(sev, style=SEVERITY_STYLE.get(sev, "")), name, change, by, why


def _table(shown, width: int) -> Table:
    """Names are never folded mid-word: the package column is as wide as the longest name (a name
    wider than the terminal allows is cut with an ellipsis); the reasons wrap instead."""
    longest = max(len(plain(f.name)) for f in shown)
    table = Table(show_lines=True, expand=False)
    table.add_column("severity", no_wrap=True)
    if width >= WIDE:
        table.add_column("package", no_wrap=True, overflow="ellipsis", min_width=min(longest, 45), max_width=45)
        table.add_column("change", overflow="fold")
        table.add_column("pulled in by", overflow="ellipsis")
        table.add_column("why it matters", overflow="fold", ratio=2)
        for f in shown:
            sev, name, change, by, why = _cells(f)
            table.add_row(sev, name, change, Text(by), Text(why))
        return table
    room = max(width - 34, 12)  # what the severity and reason columns leave
    table.add_column("package and change", no_wrap=True, overflow="ellipsis", min_width=min(max(longest, 16), room),
                     max_width=room)
    table.add_column("why it matters", overflow="fold", ratio=1)
    for f in shown:
        sev, name, change, by, why = _cells(f)
        package = name.copy()
        package.append("\n")
        package.append_text(change)
        detail = why + (("\n" if why else "") + "pulled in by: " + by.replace("\n", ", ") if by else "")
        table.add_row(sev, package, Text(detail))
    return table


def render_table(report: Report, *, show_all: bool = False, width: int | None = None, color: bool = False) -> str:
    buf = io.StringIO()
    console = Console(file=buf, width=width or 100, color_system="standard" if color else None,
                      force_terminal=color, no_color=not color, highlight=False, emoji=False, markup=False)
    shown = report.findings if show_all else report.notable()
    for s in report.lockfiles:
        console.print(Text(f"{plain(s.path)}: {plain(s.base)} -> {plain(s.head)} "
                           f"({s.packages_before} -> {s.packages_after} packages)", style="bold"))
    if not shown and report.unchecked:
        console.print(Text(report.all_clear().capitalize() + ".", style="yellow"))
    elif not shown:
        console.print(Text("No risky changes: nothing crossed a major version.", style="green"))
    else:
        console.print(_table(shown, width or 100))
    hidden = len(report.findings) - len(shown)
    if hidden > 0:
        rest = [f for f in report.findings if f not in shown]
        console.print(Text(f"routine, not listed: {describe.routine(rest)}; --all lists them", style="dim"))
    for note in report.notes:
        console.print(Text(f"note: {plain(note)}", style="yellow"))
    return buf.getvalue()
