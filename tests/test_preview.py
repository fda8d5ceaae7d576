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

# name, version, dependencies: alpha 1 and 2 both ask for beta >= 1.0 (a floor), beta 2 is a new major; and the
# incident's shape: a framework gem and sidekiq 7.3.9 ask for connection_pool with floors, 3.0.2 exists
GEMS = [("alpha", "1.0.0", {"beta": ">= 1.0"}), ("alpha", "2.0.0", {"beta": ">= 1.0"}),
        ("beta", "1.0.0", {}), ("beta", "1.1.0", {}), ("beta", "2.0.0", {}),
        ("connection_pool", "2.5.5", {}), ("connection_pool", "3.0.2", {}),
        ("sidekiq", "7.3.9", {"connection_pool": ">= 2.3.0"}),
        ("framework", "7.2.0", {"connection_pool": ">= 2.2.5"}), ("framework", "8.0.0", {"connection_pool": ">= 2.2.5"})]


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


def _rails_app(tmp_path: Path, source: str) -> Path:
    app = tmp_path / "rails"
    app.mkdir()
    (app / "Gemfile").write_text(f'source "{source}"\n\ngem "framework", "~> 7.2"\ngem "sidekiq"\n')
    (app / "Gemfile.lock").write_text(
        f"GEM\n  remote: {source}\n  specs:\n    connection_pool (2.5.5)\n    framework (7.2.0)\n"
        "      connection_pool (>= 2.2.5)\n    sidekiq (7.3.9)\n      connection_pool (>= 2.3.0)\n\n"
        "PLATFORMS\n  ruby\n\nDEPENDENCIES\n  framework (~> 7.2)\n  sidekiq\n\nBUNDLED WITH\n   2.3.27\n")
    return app


def test_a_framework_upgrade_floats_connection_pool_and_the_pin_holds_it(cli, tmp_path, gem_source) -> None:
    """The incident, before it happens: upgrading the framework lets connection_pool float to 3.0.2; one pin
    keeps it on 2.5.5, and the resolver confirms the plan."""
    app = _rails_app(tmp_path, gem_source)
    before = _snapshot(app)
    result = cli(["preview", "framework", "--to", "~> 8.0", "-f", "json"], cwd=app)
    assert result.code == 0, result.err
    changes = {c["name"]: c for c in result.json()["changes"]}
    assert changes["framework"]["to"] == "8.0.0" and changes["framework"]["severity"] == "low"
    pool = changes["connection_pool"]
    assert (pool["from"], pool["to"], pool["severity"]) == ("2.5.5", "3.0.2", "critical")  # sidekiq 7.3.9 is locked
    planned = cli(["preview", "framework", "--to", "~> 8.0", "--pin-floated", "-f", "json"], cwd=app)
    assert planned.code == 0, planned.err
    after = {c["name"]: c for c in planned.json()["changes"]}
    assert "connection_pool" not in after or after["connection_pool"]["to"] == "2.5.5"
    assert after["framework"]["to"] == "8.0.0"
    assert 'the resolver accepts these pins together: gem "connection_pool", "~> 2.5"' in planned.err
    assert _snapshot(app) == before  # without --write, byte-identical


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


def _tool(name: str) -> str | None:
    """A resolver on PATH, or installed beside the Python running the tests."""
    import sys

    beside = Path(sys.executable).parent / name
    return shutil.which(name) or (str(beside) if beside.is_file() else None)


def _wheel(folder: Path, name: str, version: str, requires: tuple[str, ...] = ()) -> None:
    """A minimal pure-Python wheel: enough metadata for a resolver, no code to speak of."""
    import zipfile

    dist = f"{name}-{version}.dist-info"
    files = {f"{name}/__init__.py": "",
             f"{dist}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
                                 + "".join(f"Requires-Dist: {r}\n" for r in requires),
             f"{dist}/WHEEL": "Wheel-Version: 1.0\nGenerator: lockrisk-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
             f"{dist}/RECORD": ""}
    with zipfile.ZipFile(folder / "files" / f"{name}-{version}-py3-none-any.whl", "w") as archive:
        for path, text in files.items():
            archive.writestr(path, text)
    _index(folder)


def _index(folder: Path) -> None:
    """A PEP 503 simple index over the wheels in folder/files."""
    import hashlib

    by_name: dict[str, list[Path]] = {}
    for wheel in sorted((folder / "files").glob("*.whl")):
        by_name.setdefault(wheel.name.split("-")[0].replace("_", "-"), []).append(wheel)
    for name, wheels in by_name.items():
        page = folder / "simple" / name
        page.mkdir(parents=True, exist_ok=True)
        links = "".join(f'<a href="../../files/{w.name}#sha256={hashlib.sha256(w.read_bytes()).hexdigest()}">'
                        f"{w.name}</a>\n" for w in wheels)
        (page / "index.html").write_text(f"<!DOCTYPE html><html><body>\n{links}</body></html>\n")


@pytest.fixture()
def python_index(tmp_path):
    """A local package index on 127.0.0.1 with the incident's shape: a framework and a worker ask for `pool`
    with floors; the index has pool 2.5.5 only, until the test publishes 3.0.2."""
    root = tmp_path / "index"
    (root / "files").mkdir(parents=True)
    _wheel(root, "pool", "2.5.5")
    _wheel(root, "worker", "7.3.9", ("pool>=2.3.0",))
    _wheel(root, "framework", "7.2.0", ("pool>=2.2.5",))
    handler = functools.partial(_Quiet, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield root, f"http://127.0.0.1:{server.server_address[1]}/simple"
    server.shutdown()


PYPROJECT = ('[project]\nname = "app"\nversion = "0.1.0"\nrequires-python = ">=3.10"\n'
             'dependencies = ["framework>=7.2,<9", "worker"]\n')  # the project already allows framework 8


def _python_story(cli, app: Path, root: Path, lock: str) -> None:
    """Publish the new majors, preview the full update, then let --pin-floated find the plan."""
    _wheel(root, "pool", "3.0.2")
    _wheel(root, "framework", "8.0.0", ("pool>=2.2.5",))
    before = _snapshot(app)
    result = cli(["preview", "--all", "-f", "json"], cwd=app)
    assert result.code == 0, result.err
    changes = {c["name"]: c for c in result.json()["changes"]}
    assert (changes["pool"]["from"], changes["pool"]["to"]) == ("2.5.5", "3.0.2")
    assert changes["framework"]["to"] == "8.0.0"
    # Poetry records every requirement's range: the float is undeclared, high; uv.lock records none, so it is
    # medium there, and the plan is asked for at that level
    assert changes["pool"]["severity"] == ("high" if lock == "poetry.lock" else "medium")
    planned = cli(["preview", "--all", "--pin-floated", "--pin-at", "medium", "-f", "json"], cwd=app)
    assert planned.code == 0, planned.err
    held = {c["name"]: c for c in planned.json()["changes"]}
    assert "pool" not in held and held["framework"]["to"] == "8.0.0"
    assert "the resolver accepts these pins together:" in planned.err and "pool" in planned.err
    assert _snapshot(app) == before


@pytest.mark.skipif(_tool("uv") is None, reason="uv is not installed")
def test_uv_previews_the_update_against_a_local_index(cli, tmp_path, monkeypatch, python_index) -> None:
    root, url = python_index
    uv = _tool("uv")
    app = tmp_path / "app"
    app.mkdir()
    (app / "pyproject.toml").write_text(PYPROJECT)
    monkeypatch.setenv("PATH", f"{Path(uv).parent}:{__import__('os').environ['PATH']}")
    for name, value in (("UV_INDEX_URL", url), ("UV_NO_CACHE", "1"), ("UV_PYTHON_DOWNLOADS", "never")):
        monkeypatch.setenv(name, value)  # the user's own uv configuration reaches the resolver
    subprocess.run([uv, "lock"], cwd=app, check=True, capture_output=True, timeout=120)
    _python_story(cli, app, root, "uv.lock")


@pytest.mark.skipif(_tool("poetry") is None, reason="Poetry is not installed")
def test_poetry_previews_the_update_and_pins_against_a_local_index(cli, tmp_path, monkeypatch, python_index) -> None:
    root, url = python_index
    poetry = _tool("poetry")
    app = tmp_path / "app"
    app.mkdir()
    (app / "pyproject.toml").write_text(PYPROJECT + f'\n[[tool.poetry.source]]\nname = "local"\nurl = "{url}/"\n'
                                                    'priority = "primary"\n\n[tool.poetry]\npackage-mode = false\n')
    monkeypatch.setenv("PATH", f"{Path(poetry).parent}:{__import__('os').environ['PATH']}")
    monkeypatch.setenv("POETRY_CACHE_DIR", str(tmp_path / "poetry-cache"))
    monkeypatch.setenv("POETRY_VIRTUALENVS_CREATE", "false")
    proc = subprocess.run([poetry, "lock", "--no-interaction"], cwd=app, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr
    _python_story(cli, app, root, "poetry.lock")
