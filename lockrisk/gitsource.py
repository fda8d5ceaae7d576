"""Lockfiles as they were at a git revision (read with `git show`, never checked out)."""

from __future__ import annotations

import subprocess
from pathlib import Path, PurePosixPath

from lockrisk.errors import GitError
from lockrisk.parsers import LOCKFILE_NAMES


def _git(args: list[str], cwd: Path) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    except FileNotFoundError:
        raise GitError("git is not installed") from None


def _paths(output: bytes) -> list[str]:
    """git's -z output as text: names that are not UTF-8 keep their bytes (surrogateescape) and are shown escaped."""
    return output.decode("utf-8", errors="surrogateescape").split("\0")


class GitRepo:
    def __init__(self, cwd: Path) -> None:
        proc = _git(["rev-parse", "--show-toplevel"], cwd)
        if proc.returncode != 0:
            raise GitError("not a git repository (run inside one, or compare two files: lockrisk diff OLD NEW)",
                           path=str(cwd))
        self.root = Path(proc.stdout.decode("utf-8", errors="surrogateescape").strip())
        self.cwd = cwd

    def resolve(self, ref: str) -> str:
        if ref.startswith("-"):
            raise GitError(f"unknown git revision {ref!r}")
        proc = _git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], self.root)
        if proc.returncode != 0:
            raise GitError(f"unknown git revision {ref!r}")
        return proc.stdout.decode().strip()

    def relative(self, path: str) -> str:
        """A path given on the command line, relative to the repository root (posix)."""
        absolute = (self.cwd / path).resolve()
        try:
            return PurePosixPath(absolute.relative_to(self.root.resolve())).as_posix()
        except ValueError:
            raise GitError("is outside the git repository", path=path) from None

    def show(self, commit: str, relpath: str) -> bytes | None:
        proc = _git(["show", f"{commit}:{relpath}"], self.root)
        if proc.returncode != 0:
            return None
        return proc.stdout

    def read_worktree(self, relpath: str) -> bytes | None:
        from lockrisk.inputs import read_regular

        path = self.root / relpath
        return None if path.is_dir() else read_regular(path, label=relpath)

    def lockfiles_changed(self, base: str, head: str | None) -> list[str]:
        """Lockfiles that differ between base and head (the working tree when head is None)."""
        args = ["diff", "--name-only", "-z", base] + ([head] if head else []) + ["--"]
        proc = _git(args, self.root)
        if proc.returncode != 0:
            raise GitError(proc.stderr.decode(errors="replace").strip().splitlines()[-1:][0] if proc.stderr else "git diff failed")
        names = [n for n in _paths(proc.stdout) if n]
        found = [n for n in names if PurePosixPath(n).name in LOCKFILE_NAMES]
        if head is None:
            # untracked lockfiles in the working tree count as added
            untracked = _git(["ls-files", "--others", "--exclude-standard", "-z"], self.root)
            found += [n for n in _paths(untracked.stdout) if n and PurePosixPath(n).name in LOCKFILE_NAMES]
        return sorted(set(found))

    def submodules_moved(self, base: str, head: str | None) -> list[tuple[str, str, str]]:
        """Submodule pointers that differ between base and head: (path, old commit, new commit)."""
        proc = _git(["diff", "--raw", "--no-renames", "-z", base] + ([head] if head else []) + ["--"], self.root)
        if proc.returncode != 0:
            return []
        fields = _paths(proc.stdout)
        moved = []
        for i in range(0, len(fields) - 1, 2):  # ":oldmode newmode oldsha newsha status", then the path
            meta = fields[i].lstrip(":").split(" ")
            if len(meta) >= 4 and "160000" in meta[:2]:
                moved.append((fields[i + 1], meta[2], meta[3]))
        return moved
