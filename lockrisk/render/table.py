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


def render_table(report: Report, *, show_all: bool = False, width: int | None = None, color: bool = False) -> str:
    buf = io.StringIO()
    console = Console(file=buf, width=width or 100, color_system="standard" if color else None,
                      force_terminal=color, no_color=not color, highlight=False, emoji=False, markup=False)
    shown = report.findings if show_all else report.notable()
    for s in report.lockfiles:
        console.print(Text(f"{plain(s.path)}: {plain(s.base)} -> {plain(s.head)} "
                           f"({s.packages_before} -> {s.packages_after} packages)", style="bold"))
    if not shown:
        console.print(Text("No risky changes: nothing crossed a major version.", style="green"))
    else:
        table = Table(show_lines=True, expand=False)
        table.add_column("severity", no_wrap=True)
        table.add_column("package", overflow="fold")
        table.add_column("change", overflow="fold")
        table.add_column("pulled in by", overflow="fold")
        table.add_column("why it matters", overflow="fold", ratio=2)
        for f in shown:
            sev = describe.severity(f)
            name = Text(plain(f.name), style="bold")
            if f.family_members:
                name.append(f"\n+{len(f.family_members)} in family", style="dim")
            change = Text(plain(describe.versions(f)))
            change.append(f"\n{describe.jump(f)}, {describe.origin(f)}", style="dim")
            by = "\n".join(plain(f"{d.name} {d.requirement}") for d in f.dependents[:5])
            if len(f.dependents) > 5:
                by += f"\n+{len(f.dependents) - 5} more"
            if f.direct_requirements:
                by = (by + "\n" if by else "") + "project: " + ", ".join(plain(r.constraint or "any") for r in f.direct_requirements)
            why = "\n".join("- " + plain(r) for r in describe.top_reasons(f, 3))
            if f.pin is not None:
                why += ("\n" if why else "") + "pin: " + plain(f.pin.summary())
            table.add_row(Text(sev, style=SEVERITY_STYLE.get(sev, "")), name, change, Text(by), Text(why))
        console.print(table)
    hidden = len(report.findings) - len(shown)
    if hidden > 0:
        console.print(Text(f"{hidden} other changes (minor, patch, added, removed); --all lists them", style="dim"))
    for note in report.notes:
        console.print(Text(f"note: {plain(note)}", style="yellow"))
    return buf.getvalue()
