"""Turn a Report into text. Each format lives in its own module, imported when chosen."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lockrisk.report import Report

FORMATS = ("table", "text", "json", "markdown", "sarif")


def render(report: "Report", fmt: str, *, show_all: bool = False, width: int | None = None,
           color: bool = False) -> str:
    match fmt:
        case "json":
            from lockrisk.render.json import render_json

            return render_json(report)
        case "markdown":
            from lockrisk.render.markdown import render_markdown

            return render_markdown(report, show_all=show_all)
        case "text":
            from lockrisk.render.text import render_text

            return render_text(report, show_all=show_all)
        case "table":
            from lockrisk.render.table import render_table  # rich: only when a table is asked for

            return render_table(report, show_all=show_all, width=width, color=color)
        case "annotations":
            from lockrisk.render.annotations import render_annotations

            return render_annotations(report)
        case "sarif":
            from lockrisk.render.sarif import render_sarif

            return render_sarif(report)
    raise ValueError(f"unknown format {fmt!r}")
