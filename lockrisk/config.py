"""Project settings: `.lockrisk.toml`, or `[tool.lockrisk]` in pyproject.toml.

```toml
fail-on = "high"          # exit 1 when a finding reaches this severity ("none": report only)
pin-at = "high"           # suggest pins for floated findings at or above this severity
index-url = "https://pypi.example/simple"

[catalogue]               # additions and overrides of the blast-radius catalogue
connection_pool = "runtime-critical"
internal-client = { tier = "runtime", reason = "our own API client" }

[[ignore]]
name = "minitest"
reason = "we run minitest 6 already in CI"
until = 2027-01-31        # optional; an expired ignore stops applying and warns
```
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from lockrisk.catalogue.load import TIERS
from lockrisk.errors import ConfigError, LockriskError
from lockrisk.report import SEVERITIES


@dataclass(frozen=True, slots=True, kw_only=True)
class Ignore:
    """A finding the project chose to silence, with its reason and (optionally) an end date."""

    name: str
    reason: str
    until: dt.date | None = None
    lockfile: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CatalogueEntry:
    """The project's own word on where a package runs, over the bundled catalogue's."""

    tier: str
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    """The project's settings: .lockrisk.toml or [tool.lockrisk]."""

    path: str | None = None
    fail_on: str | None = None
    pin_at: str = "high"
    index_url: str | None = None
    catalogue: dict[str, CatalogueEntry] = field(default_factory=dict)
    ignores: tuple[Ignore, ...] = ()
    notes: tuple[str, ...] = ()

    def active_ignore(self, name: str, key: str, lockfile: str, today: dt.date | None = None) -> Ignore | None:
        today = today or dt.date.today()
        for ig in self.ignores:
            if ig.name not in (name, key):
                continue
            if ig.lockfile and ig.lockfile != lockfile:
                continue
            if ig.until is not None and ig.until < today:
                continue
            return ig
        return None


def _severity(value: Any, key: str, path: str, *, allow_none: bool = False) -> str:
    choices = (*SEVERITIES, "none") if allow_none else SEVERITIES
    if value not in choices:
        raise ConfigError(f"{key}: expected one of {', '.join(choices)}, got {value!r}", path=path)
    return value


def settings_from_table(table: dict[str, Any], path: str, today: dt.date | None = None) -> Settings:
    today = today or dt.date.today()
    known = {"fail-on", "pin-at", "index-url", "catalogue", "ignore"}
    unknown = sorted(set(table) - known)
    notes: list[str] = []
    if unknown:
        notes.append(f"{path}: unknown settings ignored: {', '.join(unknown)}")
    fail_on = _severity(table["fail-on"], "fail-on", path, allow_none=True) if "fail-on" in table else None
    pin_at = _severity(table.get("pin-at", "high"), "pin-at", path)
    index_url = table.get("index-url")
    if index_url is not None and not isinstance(index_url, str):
        raise ConfigError("index-url: expected a string", path=path)
    catalogue: dict[str, CatalogueEntry] = {}
    raw_cat = table.get("catalogue", {})
    if not isinstance(raw_cat, dict):
        raise ConfigError("catalogue: expected a table", path=path)
    for name, value in raw_cat.items():
        if isinstance(value, str):
            value = {"tier": value}
        if not isinstance(value, dict) or value.get("tier") not in TIERS:
            raise ConfigError(f"catalogue.{name}: tier must be one of {', '.join(TIERS)}", path=path)
        catalogue[name] = CatalogueEntry(tier=value["tier"], reason=str(value.get("reason", "set in project settings")))
    ignores: list[Ignore] = []
    raw_ignores = table.get("ignore", [])
    if not isinstance(raw_ignores, list):
        raise ConfigError("ignore: expected an array of tables ([[ignore]])", path=path)
    for i, item in enumerate(raw_ignores):
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise ConfigError(f"ignore[{i}]: needs a name", path=path)
        if not isinstance(item.get("reason"), str) or not item["reason"].strip():
            raise ConfigError(f"ignore[{i}] ({item['name']}): needs a reason", path=path)
        until = item.get("until")
        if isinstance(until, str):
            try:
                until = dt.date.fromisoformat(until)
            except ValueError:
                raise ConfigError(f"ignore[{i}].until: expected a date like 2027-01-31", path=path) from None
        if until is not None and not isinstance(until, dt.date):
            raise ConfigError(f"ignore[{i}].until: expected a date like 2027-01-31", path=path)
        if isinstance(until, dt.datetime):
            until = until.date()
        ig = Ignore(name=item["name"], reason=item["reason"], until=until, lockfile=item.get("lockfile"))
        if until is not None and until < today:
            notes.append(f"{path}: the ignore for {ig.name} expired on {until.isoformat()} and no longer applies")
        ignores.append(ig)
    return Settings(path=path, fail_on=fail_on, pin_at=pin_at, index_url=index_url, catalogue=catalogue,
                    ignores=tuple(ignores), notes=tuple(notes))


def read_file(path: Path) -> str | None:
    """A settings file's text from disk, None when it does not exist."""
    from lockrisk.inputs import read_regular

    if path.is_dir():
        raise ConfigError("not a UTF-8 TOML file", path=str(path))
    data = read_regular(path, limit=4 * 1024 * 1024)
    if data is None:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError("not a UTF-8 TOML file", path=str(path)) from None


def load_settings(explicit: Path | None, cwd: Path, lockfile_paths: list[str] | None = None,
                  read_text: Callable[[Path], str | None] = read_file, label: str = "") -> Settings:
    """Settings from --config, else .lockrisk.toml or [tool.lockrisk] here or beside a lockfile.

    `read_text` reads a settings file (None when it does not exist): the working tree by default, the
    base revision in `lockrisk ci`, so that a pull request never configures its own review.
    """
    def read(path: Path, mentioning: str = "") -> dict[str, Any] | None:
        text = read_text(path)
        if text is None or mentioning not in text:
            return None  # a pyproject.toml that never names lockrisk holds no settings for it: not parsed
        from lockrisk.tomlload import loads  # only when there is a settings file: start-up stays lean

        return loads(text, f"{path}{label}")

    if explicit is not None:
        doc = read(explicit)
        if doc is None:
            raise ConfigError("no such settings file", path=f"{explicit}{label}")
        table = doc.get("tool", {}).get("lockrisk", doc) if explicit.name == "pyproject.toml" else doc
        return settings_from_table(table, f"{explicit}{label}")
    places = [cwd] + [(cwd / p).parent for p in (lockfile_paths or [])]
    seen: set[Path] = set()
    for place in places:
        if place in seen:
            continue
        seen.add(place)
        dotfile = place / ".lockrisk.toml"
        doc = read(dotfile)
        if doc is not None:
            return settings_from_table(doc, f"{dotfile}{label}")
        try:
            doc = read(place / "pyproject.toml", mentioning="lockrisk")
        except LockriskError:
            continue  # an unreadable pyproject is reported by the parser that needs it
        tool = doc.get("tool", {}) if doc is not None else {}
        if isinstance(tool, dict) and isinstance(tool.get("lockrisk"), dict):
            return settings_from_table(tool["lockrisk"], f"{place / 'pyproject.toml'}{label} [tool.lockrisk]")
    return Settings()
