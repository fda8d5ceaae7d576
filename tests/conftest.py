"""Shared test helpers: fixture paths, the shared corpus (skips when absent), the Bundler oracle."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
CORPUS = ROOT.parent / "shared" / "corpus"
ORACLE = Path(__file__).resolve().parent / "oracle" / "bundler_dump.rb"


def fixture(*parts: str) -> Path:
    path = FIXTURES.joinpath(*parts)
    assert path.exists(), f"missing fixture {path}"
    return path


def corpus_cases(ecosystem: str) -> list[Path]:
    base = CORPUS / ecosystem
    return sorted(p for p in base.iterdir() if p.is_dir()) if base.is_dir() else []


def corpus_case(ecosystem: str, name: str) -> Path:
    path = CORPUS / ecosystem / name
    if not path.is_dir():
        pytest.skip(f"shared corpus case {ecosystem}/{name} is not available")
    return path


requires_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not available")


def bundler_available() -> bool:
    return shutil.which("ruby") is not None and subprocess.run(
        ["ruby", "-e", "require 'bundler'"], capture_output=True
    ).returncode == 0


requires_bundler = pytest.mark.skipif(
    not (shutil.which("ruby") and bundler_available()),
    reason="ruby with bundler is not installed (CI installs Debian's ruby and bundler)",
)


def bundler_dumps(lockfiles: list[Path]) -> dict[Path, dict]:
    """Bundler's own reading of many lockfiles, in one Ruby process."""
    proc = subprocess.run(["ruby", str(ORACLE), *map(str, lockfiles)], capture_output=True, text=True, check=True)
    return dict(zip(lockfiles, (json.loads(line) for line in proc.stdout.splitlines())))


class CliResult:
    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err

    def json(self) -> dict:
        return json.loads(self.out)


@pytest.fixture
def cli(capsys, monkeypatch):
    """Run the real command line in-process: cli(["diff", ...]) -> CliResult."""
    from lockrisk.cli import main

    def run(args: list[str], cwd: Path | None = None) -> CliResult:
        if cwd is not None:
            monkeypatch.chdir(cwd)
        capsys.readouterr()
        try:
            main([str(a) for a in args])
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory, monkeypatch):
    """Registry look-ups cache into a temporary directory, never the user's; no test reaches a registry
    unless it asks for look-ups (the `online` fixture) and answers them on the wire with `responses`."""
    monkeypatch.setenv("LOCKRISK_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    monkeypatch.setenv("LOCKRISK_OFFLINE", "1")
    for name in ("PIP_INDEX_URL", "UV_INDEX_URL", "UV_DEFAULT_INDEX"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def online(monkeypatch):
    """Registry look-ups on, as a user gets them by default (each test replays the responses)."""
    monkeypatch.delenv("LOCKRISK_OFFLINE", raising=False)
