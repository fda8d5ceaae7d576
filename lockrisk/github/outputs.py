"""Step outputs ($GITHUB_OUTPUT) and the job summary ($GITHUB_STEP_SUMMARY)."""

from __future__ import annotations

import secrets
from pathlib import Path

SUMMARY_LIMIT = 1024 * 1024  # GitHub rejects a step summary over 1 MiB


def write_outputs(path: Path, values: dict[str, str]) -> None:
    """Append name=value pairs; multi-line values use a random heredoc delimiter."""
    with path.open("a", encoding="utf-8") as fh:
        for name, value in values.items():
            if "\n" in value or "\r" in value:
                delimiter = f"lockrisk_{secrets.token_hex(8)}"
                fh.write(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")
            else:
                fh.write(f"{name}={value}\n")


def append_summary(path: Path, markdown: str) -> None:
    with path.open("a", encoding="utf-8") as fh:
        fh.write(markdown)
        if not markdown.endswith("\n"):
            fh.write("\n")
