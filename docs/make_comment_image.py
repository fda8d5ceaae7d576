"""Render the pull-request comment lockrisk posts for the incident fixture as docs/comment.png.

Needs the `markdown` package and a headless Chromium (Debian: chromium). Usage:
    python docs/make_comment_image.py [path/to/chromium]
The body is produced by the same function `lockrisk ci` uses for the comment.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import markdown

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lockrisk.github.comment import COMMENT_LIMIT, MARKER  # noqa: E402
from lockrisk.pipeline import build_report, pair_from_files  # noqa: E402
from lockrisk.render.markdown import render_comment  # noqa: E402

CSS = """
body { font: 14px/1.5 -apple-system, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif; color: #1f2328;
       background: #fff; margin: 0; padding: 16px; width: 1040px; }
.comment { border: 1px solid #d1d9e0; border-radius: 6px; }
.head { background: #f6f8fa; border-bottom: 1px solid #d1d9e0; padding: 8px 16px; color: #59636e; }
.head b { color: #1f2328; }
.body { padding: 16px; }
table { border-collapse: collapse; margin: 8px 0; display: block; overflow: auto; }
th, td { border: 1px solid #d1d9e0; padding: 6px 13px; vertical-align: top; }
tr:nth-child(2n) { background: #f6f8fa; }
code { font: 12px ui-monospace, SFMono-Regular, Menlo, monospace; background: #eff1f3; padding: .2em .4em;
       border-radius: 6px; }
pre { background: #f6f8fa; padding: 12px; border-radius: 6px; overflow: auto; }
pre code { background: none; padding: 0; }
details { margin: 8px 0; }
summary { cursor: pointer; }
"""


def main() -> None:
    chromium = sys.argv[1] if len(sys.argv) > 1 else "chromium"
    fixture = ROOT / "fixtures" / "rubygems" / "incident"
    pair = pair_from_files(fixture / "before" / "Gemfile.lock", fixture / "after" / "Gemfile.lock",
                           "Gemfile.lock@main", "Gemfile.lock")
    report = build_report("ci", [pair])
    body = render_comment(report, limit=COMMENT_LIMIT - len(MARKER) - 1, full_report_url=None)
    # show the first finding opened, as a reviewer would after one click
    body = body.replace("<details>", "<details open>", 1)
    # GitHub parses markdown inside <details> after a blank line; python-markdown needs to be told
    body = body.replace("<details", '<details markdown="1"')
    html = markdown.markdown(body, extensions=["tables", "fenced_code", "md_in_html"])
    page = (f"<!doctype html><meta charset='utf-8'><style>{CSS}</style><div class='comment'>"
            f"<div class='head'><b>github-actions</b> bot commented</div><div class='body'>{html}</div></div>")
    with tempfile.TemporaryDirectory() as tmp:
        index = Path(tmp) / "comment.html"
        index.write_text(page, encoding="utf-8")
        out = ROOT / "docs" / "comment.png"
        subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                        "--disable-background-networking", "--disable-component-update", "--disable-sync",
                        f"--user-data-dir={tmp}/profile", "--hide-scrollbars", "--window-size=1072,1180",
                        f"--screenshot={out}", index.as_uri()], check=True, capture_output=True)
        print(f"wrote {out}")


if __name__ == "__main__":
    main()
