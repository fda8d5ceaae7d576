"""Lockfiles and manifests shaped to make a naive reader slow or a naive renderer huge.

Each function writes a before/after pair into a folder and returns (old, new). `scale` 1.0 is the size
the shape had when it was found (bench/dos.py measures those); tests use smaller scales.
"""

from __future__ import annotations

from pathlib import Path

POETRY_TAIL = '[metadata]\nlock-version = "2.1"\npython-versions = "^3.10"\ncontent-hash = "x"\n'


def _poetry_package(name: str, version: str, deps: list[str], files: int = 0, floor: str = ">=1.0") -> str:
    listed = ",\n".join(f'    {{file = "{name}-{version}-{j}-py3-none-any.whl", hash = "sha256:{"0" * 64}"}}'
                        for j in range(files))
    out = (f'[[package]]\nname = "{name}"\nversion = "{version}"\ndescription = "x"\noptional = false\n'
           f'python-versions = ">=3.8"\ngroups = ["main"]\nfiles = [\n{listed}\n]\n')
    if deps:
        out += "\n[package.dependencies]\n" + "".join(f'{d} = "{floor}"\n' for d in deps)
    return out + "\n"


def _write_pair(folder: Path, name: str, before: str, after: str) -> tuple[Path, Path]:
    for side, text in (("before", before), ("after", after)):
        (folder / side).mkdir(parents=True, exist_ok=True)
        (folder / side / name).write_text(text, encoding="utf-8")
    return folder / "before" / name, folder / "after" / name


def big_ring(folder: Path, scale: float = 1.0) -> tuple[Path, Path]:
    """An 11 MB poetry.lock: 9,000 packages in a ring (nothing is direct), each with eight wheels, all moving."""
    n = max(10, int(9000 * scale))

    def lock(version: str) -> str:
        return "".join(_poetry_package(f"pkg{i}", version, [f"pkg{(i + k) % n}" for k in (1, 2, 3)], files=8)
                       for i in range(n)) + POETRY_TAIL

    return _write_pair(folder, "poetry.lock", lock("1.0.0"), lock("2.0.0"))


def forced_ring(folder: Path, scale: float = 1.0) -> tuple[Path, Path]:
    """9,000 packages in a ring, each new version requiring the next three at >=2.0: every move is forced by
    another move, so the walk up to the move that forced it goes round and round."""
    n = max(10, int(9000 * scale))

    def lock(version: str, floor: str) -> str:
        return "".join(_poetry_package(f"pkg{i}", version, [f"pkg{(i + k) % n}" for k in (1, 2, 3)], floor=floor)
                       for i in range(n)) + POETRY_TAIL

    return _write_pair(folder, "poetry.lock", lock("1.0.0", ">=1.0"), lock("2.0.0", ">=2.0"))


def long_chain(folder: Path, scale: float = 1.0) -> tuple[Path, Path]:
    """One chain p0 -> p1 -> ... -> p5999, every link moving: chains written out in full cost the square."""
    n = max(10, int(6000 * scale))

    def lock(version: str) -> str:
        return "".join(_poetry_package(f"p{i}", version, [f"p{i + 1}"] if i + 1 < n else [])
                       for i in range(n)) + POETRY_TAIL

    return _write_pair(folder, "poetry.lock", lock("1.0.0"), lock("2.0.0"))


def many_findings(folder: Path, scale: float = 1.0) -> tuple[Path, Path]:
    """12,000 floated majors under one root: the comment and the summary must be cut, once."""
    n = max(10, int(12000 * scale))

    def lock(version: str) -> str:
        root = _poetry_package("root", "1.0", [f"p{i}" for i in range(n)])
        return root + "".join(_poetry_package(f"p{i}", version, []) for i in range(n)) + POETRY_TAIL

    return _write_pair(folder, "poetry.lock", lock("1.0.0"), lock("2.0.0"))


def long_lines(folder: Path, scale: float = 1.0) -> tuple[Path, Path]:
    """A Gemfile.lock with a 117 KB spec line and a 60 KB requirement line of dotted numbers."""
    width = max(100, int(117_000 * scale))

    def lock(version: str, extra: str) -> str:
        return ("GEM\n  remote: https://rubygems.example/\n  specs:\n"
                f"    {'a' * width} ({version})\n{extra}    rack ({version}.0.0)\n\n"
                "PLATFORMS\n  ruby\n\nDEPENDENCIES\n  rack\n\nBUNDLED WITH\n   2.5.0\n")

    requirement = f"      {'b' * (width // 2)} (>= {'1.' * (width // 4)}0)\n"
    return _write_pair(folder, "Gemfile.lock", lock("1", ""), lock("2", requirement))


def backtracking_gemfile(folder: Path, scale: float = 1.0) -> tuple[Path, Path]:
    """The 853-byte Gemfile that took minutes: `group` and spaces, and friends, beside an ordinary lock pair."""
    width = max(100, int(20000 * scale))
    old, new = long_lines(folder, 0.001)
    shapes = ["group" + " " * width + "x", "group (" + " " * width + "x", "gem" + " " * width + "(",
              "x do" + " " * width + "x", "group :a," + " :b," * (width // 4) + " x", 'gem "rack"']
    (folder / "after" / "Gemfile").write_text("\n".join(shapes) + "\n")
    return old, new


def wide_pyproject(folder: Path, scale: float = 1.0) -> tuple[Path, Path]:
    """A 78 KB pyproject.toml of long arrays and strings beside a small uv.lock pair."""
    n = max(10, int(2500 * scale))
    entries = "\n".join(f'  "dep{i}>=1.0",  # {"#" * 10}' for i in range(n))
    (folder / "after").mkdir(parents=True, exist_ok=True)
    (folder / "after" / "pyproject.toml").write_text(
        '[project]\nname = "demo"\nversion = "0.1.0"\ndescription = "' + "\\\"" * n + '"\n'
        f'dependencies = [\n  "alpha",\n{entries}\n]\n')  # a ~80 KB pyproject

    def lock(version: str) -> str:
        return ('version = 1\nrevision = 3\nrequires-python = ">=3.11"\n\n'
                '[[package]]\nname = "demo"\nversion = "0.1.0"\nsource = { virtual = "." }\n'
                'dependencies = [{ name = "alpha" }]\n\n[package.metadata]\nrequires-dist = [{ name = "alpha" }]\n\n'
                f'[[package]]\nname = "alpha"\nversion = "{version}"\n'
                'source = { registry = "https://pypi.example/simple" }\n')

    return _write_pair(folder, "uv.lock", lock("1.0.0"), lock("2.0.0"))


def many_markers(folder: Path, scale: float = 1.0) -> tuple[Path, Path]:
    """12,000 packages under one root, each edge with its own environment markers, and every package losing its
    linux-arm64 wheel: whether each is installed there is read once, up to a bound, not once per package."""
    n = max(10, int(12000 * scale))

    def block(name: str, version: str, wheels: list[str], deps: str = "") -> str:
        items = "".join(f'    {{file = "{name}-{version}-py3-none-{w}.whl", hash = "sha256:{"0" * 64}"}},\n' for w in wheels)
        return (f'[[package]]\nname = "{name}"\nversion = "{version}"\ndescription = "x"\noptional = false\n'
                f'python-versions = ">=3.8"\nfiles = [\n{items}]\n' + (f"\n[package.dependencies]\n{deps}" if deps else "") + "\n")

    def lock(version: str, wheels: list[str]) -> str:
        deps = "".join(f'm{i} = {{version = "*", markers = "platform_release != \\"r{i}\\" and extra == \\"e{i}\\""}}\n'
                       for i in range(n))
        return (block("marked-root", "1.0.0", ["any"], deps) + "".join(block(f"m{i}", version, wheels) for i in range(n))
                + POETRY_TAIL)

    before, after = _write_pair(folder, "poetry.lock", lock("1.0.0", ["manylinux2014_x86_64", "manylinux2014_aarch64"]),
                                lock("1.0.1", ["manylinux2014_x86_64"]))
    for side in ("before", "after"):
        (folder / side / "pyproject.toml").write_text('[tool.poetry]\nname = "x"\nversion = "0"\ndescription = ""\n'
                                                      'authors = []\n\n[tool.poetry.dependencies]\npython = "^3.10"\n'
                                                      'marked-root = "*"\n')
    return before, after


SHAPES = {"big-ring": big_ring, "forced-ring": forced_ring, "long-chain": long_chain, "many-findings": many_findings, "long-lines": long_lines,
          "backtracking-gemfile": backtracking_gemfile, "wide-pyproject": wide_pyproject, "many-markers": many_markers}
