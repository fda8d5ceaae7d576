"""`lockrisk preview` against Bundler's real resolver: tiny gems built with `gem build`, served from
127.0.0.1 as a gem source (Bundler reads its full index), resolved in a scratch copy."""

from __future__ import annotations

import functools
import http.server
import shutil
import subprocess
import threading
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not (shutil.which("gem") and shutil.which("bundle")),
                                reason="preview's tests need Ruby's gem and Bundler")

# name, version, dependencies: alpha 1 and 2 both ask for beta >= 1.0 (a floor), beta 2 is a new major
GEMS = [("alpha", "1.0.0", {"beta": ">= 1.0"}), ("alpha", "2.0.0", {"beta": ">= 1.0"}),
        ("beta", "1.0.0", {}), ("beta", "1.1.0", {}), ("beta", "2.0.0", {})]


@pytest.fixture(scope="module")
def gem_source(tmp_path_factory):
    """A gem source on 127.0.0.1 serving the GEMS, built and indexed with Ruby's own tools."""
    root = tmp_path_factory.mktemp("gemsource")
    build = root / "build"
    (root / "repo" / "gems").mkdir(parents=True)
    build.mkdir()
    for name, version, deps in GEMS:
        lines = [f"  s.add_dependency {n!r}, {r!r}" for n, r in deps.items()]
        spec = build / f"{name}-{version}.gemspec"
        spec.write_text("Gem::Specification.new do |s|\n"
                        f"  s.name = {name!r}\n  s.version = {version!r}\n  s.summary = 'test gem'\n"
                        "  s.authors = ['lockrisk']\n  s.files = []\n" + "\n".join(lines) + "\nend\n")
        subprocess.run(["gem", "build", spec.name], cwd=build, check=True, capture_output=True)
        shutil.move(build / f"{name}-{version}.gem", root / "repo" / "gems")
    index = subprocess.run(["gem", "generate_index", "-d", str(root / "repo")], capture_output=True)
    if index.returncode != 0:  # newer RubyGems ship it as a separate gem
        pytest.skip("gem generate_index is not available to build a local gem source")
    handler = functools.partial(_Quiet, directory=str(root / "repo"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def _app(tmp_path: Path, source: str) -> Path:
    app = tmp_path / "app"
    app.mkdir()
    (app / "Gemfile").write_text(f'source "{source}"\n\ngem "alpha", "~> 1.0" # the one gem this app asks for\n')
    (app / "Gemfile.lock").write_text(
        f"GEM\n  remote: {source}\n  specs:\n    alpha (1.0.0)\n      beta (>= 1.0)\n    beta (1.0.0)\n\n"
        "PLATFORMS\n  ruby\n\nDEPENDENCIES\n  alpha (~> 1.0)\n\nBUNDLED WITH\n   2.3.27\n")
    return app


def _snapshot(app: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in app.iterdir() if p.is_file()}


def test_a_full_update_is_previewed_without_touching_the_project(cli, tmp_path, gem_source) -> None:
    app = _app(tmp_path, gem_source)
    before = _snapshot(app)
    result = cli(["preview", "--all", "-f", "json", "--fail-on", "high"], cwd=app)
    assert result.code == 1, result.err
    changes = {c["name"]: c for c in result.json()["changes"]}
    assert (changes["beta"]["from"], changes["beta"]["to"]) == ("1.0.0", "2.0.0")  # Bundler's answer
    assert changes["beta"]["severity"] == "high" and not changes["beta"]["forced"] and not changes["beta"]["direct"]
    assert any("bundle lock --update" in n for n in result.json()["notes"])
    assert _snapshot(app) == before  # the resolver ran in a scratch copy


def test_pin_floated_iterates_to_a_plan_the_resolver_accepts_and_writes_it(cli, tmp_path, gem_source) -> None:
    app = _app(tmp_path, gem_source)
    result = cli(["preview", "--all", "--pin-floated", "--write", "-f", "json", "--fail-on", "high"], cwd=app)
    assert result.code == 0, result.err
    changes = {c["name"]: c for c in result.json()["changes"]}
    assert changes["beta"]["to"] == "1.1.0"  # held on its line by the pin, yet updated within it
    assert 'the resolver accepts these pins together: gem "beta", "~> 1.0"' in result.err
    gemfile = (app / "Gemfile").read_text()
    assert 'gem "beta", "~> 1.0"' in gemfile and gemfile.count('gem "beta"') == 1
    assert (app / "Gemfile.lock").read_text().count("beta (1.0.0)") == 1  # the lockfile itself is the user's to update
    again = cli(["preview", "--all", "--pin-floated", "--write", "-f", "json"], cwd=app)
    assert again.code == 0 and (app / "Gemfile").read_text() == gemfile  # nothing left to pin: unchanged


def test_to_rewrites_one_requirement_in_the_copy_and_shows_what_floats_with_it(cli, tmp_path, gem_source) -> None:
    app = _app(tmp_path, gem_source)
    result = cli(["preview", "alpha", "--to", "~> 2.0", "-f", "json"], cwd=app)
    assert result.code == 0, result.err
    changes = {c["name"]: c for c in result.json()["changes"]}
    assert changes["alpha"]["to"] == "2.0.0" and changes["alpha"]["severity"] == "low"  # asked for
    assert changes["beta"]["to"] == "2.0.0" and changes["beta"]["severity"] == "high"  # not asked for
    assert '"~> 1.0"' in (app / "Gemfile").read_text()


def test_resolver_failures_are_one_line_with_the_resolvers_message(cli, tmp_path, gem_source, monkeypatch) -> None:
    app = _app(tmp_path, gem_source)
    impossible = cli(["preview", "alpha", "--to", "~> 9.0"], cwd=app)
    assert impossible.code == 2 and impossible.err.count("\n") == 1
    assert "bundle lock --update alpha failed" in impossible.err and "alpha" in impossible.err
    slow = cli(["preview", "--all", "--timeout", "0.01"], cwd=app)
    assert slow.code == 2 and "did not finish within 0.01 s" in slow.err
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    missing = cli(["preview", "--all"], cwd=app)
    assert missing.code == 2 and "bundle is not installed" in missing.err
    assert cli(["preview"], cwd=app).code == 2  # nothing named, no --all


def _uv() -> str | None:
    import sys

    found = shutil.which("uv")
    beside = Path(sys.executable).parent / "uv"
    return found or (str(beside) if beside.is_file() else None)


def _wheel(folder: Path, name: str, version: str, requires: tuple[str, ...] = ()) -> None:
    """A minimal pure-Python wheel: enough metadata for a resolver, no code to speak of."""
    import zipfile

    dist = f"{name}-{version}.dist-info"
    files = {f"{name}/__init__.py": "",
             f"{dist}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
                                 + "".join(f"Requires-Dist: {r}\n" for r in requires),
             f"{dist}/WHEEL": "Wheel-Version: 1.0\nGenerator: lockrisk-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
             f"{dist}/RECORD": ""}
    with zipfile.ZipFile(folder / f"{name}-{version}-py3-none-any.whl", "w") as archive:
        for path, text in files.items():
            archive.writestr(path, text)


@pytest.mark.skipif(_uv() is None, reason="uv is not installed")
def test_uv_resolves_a_full_update_in_a_scratch_copy(cli, tmp_path, monkeypatch) -> None:
    uv = _uv()
    links = tmp_path / "links"
    links.mkdir()
    _wheel(links, "alpha", "1.0.0", ("beta>=1.0",))
    _wheel(links, "beta", "1.0.0")
    app = tmp_path / "app"
    app.mkdir()
    (app / "pyproject.toml").write_text('[project]\nname = "app"\nversion = "0.1.0"\nrequires-python = ">=3.10"\n'
                                        'dependencies = ["alpha>=1.0"]\n')
    monkeypatch.setenv("PATH", f"{Path(uv).parent}:{__import__('os').environ['PATH']}")
    for name, value in (("UV_NO_INDEX", "1"), ("UV_FIND_LINKS", str(links)), ("UV_NO_CACHE", "1"),
                        ("UV_PYTHON_DOWNLOADS", "never")):
        monkeypatch.setenv(name, value)  # the user's own uv configuration reaches the resolver
    subprocess.run([uv, "lock"], cwd=app, check=True, capture_output=True, timeout=120)
    _wheel(links, "beta", "2.0.0")
    before = _snapshot(app)
    result = cli(["preview", "--all", "-f", "json"], cwd=app)
    assert result.code == 0, result.err
    changes = {c["name"]: c for c in result.json()["changes"]}
    assert (changes["beta"]["from"], changes["beta"]["to"]) == ("1.0.0", "2.0.0")
    assert any("uv lock --upgrade" in n for n in result.json()["notes"])
    assert _snapshot(app) == before
