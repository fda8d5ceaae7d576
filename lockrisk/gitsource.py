"""Lockfiles as they were at a git revision (read with `git show`, never checked out)."""

from __future__ import annotations

import subprocess
from pathlib import Path, PurePosixPath

from lockrisk.errors import GitError
from lockrisk.inputs import MAX_INPUT_BYTES
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
        self._batch: subprocess.Popen | None = None
        self._blobs: dict[tuple[str, str], bytes | None] = {}

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
        """A file's bytes at `commit` (None when it is not there), read through one `git cat-file --batch`
        process for the whole run: a monorepo's fifty lockfiles do not start two hundred git processes."""
        if "\n" in relpath or "\r" in relpath:  # the batch protocol is line-based: ask git directly
            proc = _git(["show", f"{commit}:{relpath}"], self.root)
            return proc.stdout if proc.returncode == 0 else None
        key = (commit, relpath)
        if key in self._blobs:
            return self._blobs[key]
        data = self._batch_read(f"{commit}:{relpath}")
        self._blobs[key] = data
        return data

    def _batch_read(self, spec: str) -> bytes | None:
        import os

        if self._batch is None:
            try:
                self._batch = subprocess.Popen(["git", "cat-file", "--batch"], cwd=self.root, stdin=subprocess.PIPE,
                                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
            except FileNotFoundError:
                raise GitError("git is not installed") from None
        batch = self._batch
        assert batch.stdin is not None and batch.stdout is not None
        batch.stdin.write(os.fsencode(spec) + b"\n")
        batch.stdin.flush()
        header = batch.stdout.readline().split()
        if len(header) != 3 or header[1] == b"missing":
            return None
        size = int(header[2])
        if size > MAX_INPUT_BYTES:  # drained, never held: a committed file this large is not a lockfile to read
            for _ in range(size // (1 << 20) + 1):
                batch.stdout.read(min(1 << 20, size))
                size -= min(1 << 20, size)
            batch.stdout.read(1)
            from lockrisk.errors import ParseError

            raise ParseError(f"is over the {MAX_INPUT_BYTES // (1024 * 1024)} MB limit for an input file",
                             path=spec.partition(":")[2])
        data = batch.stdout.read(size)
        batch.stdout.read(1)  # the newline after every object
        return data if header[1] == b"blob" else None

    def close(self) -> None:
        if self._batch is not None:
            if self._batch.stdin is not None:
                self._batch.stdin.close()
            self._batch.wait(timeout=10)
            self._batch = None

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass

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
