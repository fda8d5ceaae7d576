"""What the registry adds to a finding: release date, newest release of the old major line,
newest overall, changelog, yanks, and whether a newer dependent release is the better fix.

Look-ups run on a bounded thread pool; any failure degrades to no facts plus a one-line note.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator

from lockrisk.errors import RegistryError
from lockrisk.model import Lockfile, Package
from lockrisk.registry.http import HttpClient, redact, redact_text
from lockrisk.versions import scheme_for
from lockrisk.versions.jump import major_line

POOL = 8
HOTFIX_DAYS = 14


@dataclass(frozen=True, slots=True, kw_only=True)
class RegistryFacts:
    """What the registry says about one move: release dates, newer lines, yanks, runtime needs."""

    latest: str | None
    latest_in_major: str | None  # newest release on the locked version's major line
    released: str | None = None  # release date of the version the finding moves to (ISO 8601)
    age_days: int | None = None
    versions_skipped: int | None = None
    changelog: str | None = None
    yanked: tuple[str, ...] = ()  # locked versions the registry no longer serves
    alternative: str | None = None  # "sidekiq 8.1.0 declares connection_pool >= 3: upgrade it instead"
    required_ruby: str | None = None  # the new version's declared Ruby (Compact Index `ruby:`)
    requires_python: str | None = None  # the new version's Requires-Python
    first_of_line: str | None = None  # release date of the first release of the new version's line
    hotfix: str | None = None  # "3.0.0 was followed by 3.0.1 four days later"
    predates: tuple[str, ...] = ()  # "sidekiq 7.3.9 (2025-02) predates connection_pool 3.0.0 (2025-12)"

    def to_dict(self) -> dict[str, Any]:
        return {"released": self.released, "age_days": self.age_days, "latest_in_major": self.latest_in_major,
                "latest": self.latest, "versions_skipped": self.versions_skipped, "changelog": self.changelog,
                "yanked": list(self.yanked), "alternative": self.alternative, "required_ruby": self.required_ruby,
                "requires_python": self.requires_python, "first_of_line": self.first_of_line, "hotfix": self.hotfix,
                "predates": list(self.predates)}


def index_for(package: Package, lockfile: Lockfile, index_url: str | None, env=os.environ) -> str | None:
    """Where to ask about `package`: the lockfile's own record first, then configuration."""
    if lockfile.ecosystem == "rubygems":
        remote = (package.source.url or "").split(",")[0].strip() if package.source.kind == "registry" else ""
        if remote:
            from urllib.parse import urlsplit

            host = urlsplit(remote).hostname or ""
            mirror = env.get("BUNDLE_MIRROR__" + host.upper().replace(".", "__"))
            return mirror or remote
        return index_url
    if package.source.kind == "registry" and package.source.url:
        return package.source.url
    return index_url or env.get("PIP_INDEX_URL") or env.get("UV_INDEX_URL") or env.get("UV_DEFAULT_INDEX")


def _origin(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or ''}:{parts.port or ''}"


def _indexes(lockfile: Lockfile, index_url: str | None, env=os.environ) -> set[str]:
    """The registry origins a trusted lockfile, the settings and the environment name."""
    urls = {index_for(p, lockfile, index_url, env) for p in lockfile.packages.values()}
    urls |= {index_url, env.get("PIP_INDEX_URL"), env.get("UV_INDEX_URL"), env.get("UV_DEFAULT_INDEX")}
    urls |= {v for k, v in env.items() if k.startswith("BUNDLE_MIRROR__")}
    return {_origin(u) for u in urls if u}


def _date(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    try:
        when = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=dt.timezone.utc)


def _usual_gap(versions: dict[str, str | None], finals: list[str], before, parsed) -> float:
    """Median days between the last ten releases before `before`: a package that ships every few days
    is always followed by a quick patch, so a quick patch says nothing about it."""
    import statistics

    dates = sorted(d for v in finals if parsed[v].sort_key < before and (d := _date(versions[v])))[-11:]
    gaps = [(b - a).days for a, b in zip(dates, dates[1:])]
    return statistics.median(gaps) if gaps else float("inf")


def summarise(ecosystem: str, versions: dict[str, str | None], old: str, new: str | None, now: dt.datetime,
              yanked_versions: set[str], runtime: dict[str, str] | None = None) -> RegistryFacts:
    """Facts from a {version: release date} map as they stood at `now`; pure, so it is tested without HTTP.

    Releases dated after `now` are left out: a review looks at the registry as it was then.
    """
    from lockrisk.evidence import release_line

    scheme = scheme_for(ecosystem)
    versions = {v: d for v, d in versions.items() if (_date(d) or now) <= now}
    parsed = {v: scheme.parse(v) for v in versions}
    finals = [v for v, p in parsed.items() if not p.prerelease and v not in yanked_versions]
    key = lambda v: parsed[v].sort_key  # noqa: E731
    latest = max(finals, key=key) if finals else None
    line = major_line(scheme.parse(old))
    same_line = [v for v in finals if major_line(parsed[v]) == line]
    latest_in_major = max(same_line, key=key) if same_line else None
    released = versions.get(new or latest or "")
    when = _date(released)
    age = max((now - when).days, 0) if when else None
    skipped = None
    if new and old in parsed and new in parsed:
        lo, hi = sorted((parsed[old].sort_key, parsed[new].sort_key))
        skipped = sum(1 for v in finals if lo < parsed[v].sort_key < hi)
    gone = tuple(v for v in (old, new) if v and v not in versions and v not in yanked_versions)
    gone += tuple(v for v in (new,) if v and v in yanked_versions)
    first_of_line = hotfix = None
    if new and new in parsed:
        new_line = release_line(parsed[new])
        on_line = [v for v in finals if release_line(parsed[v]) == new_line and _date(versions[v])]
        if on_line:
            first_of_line = versions[min(on_line, key=key)]
        minor = parsed[new].release[:2]
        later = sorted((v for v in finals if parsed[v].release[:2] == minor and parsed[v].sort_key > parsed[new].sort_key
                        and _date(versions[v]) and when), key=key)
        if later and when is not None:
            gap = (_date(versions[later[0]]) - when).days  # type: ignore[operator]
            if gap <= HOTFIX_DAYS and _usual_gap(versions, finals, parsed[new].sort_key, parsed) > 2 * max(gap, 1):
                hotfix = (f"{new} was superseded by {later[0]} {gap} day{'s' if gap != 1 else ''} later: a quick "
                          "follow-up patch is the classic sign of a regression")
    requirement = (runtime or {}).get(new or "")
    return RegistryFacts(latest=latest, latest_in_major=latest_in_major, released=released, age_days=age,
                         versions_skipped=skipped, yanked=gone, first_of_line=first_of_line, hotfix=hotfix,
                         required_ruby=requirement if ecosystem == "rubygems" else None,
                         requires_python=requirement if ecosystem == "pypi" else None)


class Lookup:
    """Registry facts for many packages at once, within a time budget, never raising."""

    def __init__(self, lockfile: Lockfile, *, index_url: str | None, http: HttpClient,
                 now: dt.datetime | None = None, progress: bool | None = None,
                 trusted: Lockfile | None = None) -> None:
        """`trusted`: a lockfile (the base revision's) whose registries alone may be asked, besides the
        settings and the environment; a registry only the reviewed change names is never contacted."""
        self.lockfile = lockfile
        self.trusted_indexes = _indexes(trusted, index_url) if trusted is not None else None
        self.index_url = index_url
        self.http = http
        self.now = now or dt.datetime.now(dt.timezone.utc)
        self.failures: list[str] = []
        self.progress = sys.stderr.isatty() if progress is None else progress
        self._lock = threading.Lock()
        self._versions: dict[str, tuple] = {}
        self._done = 0

    def _note(self, text: str) -> None:
        with self._lock:
            self.failures.append(redact_text(text))  # a registry's own words may quote a credentialed URL

    @property
    def notes(self) -> list[str]:
        """One line for all failed look-ups: the results fall back to what the lockfile says."""
        if not self.failures:
            return []
        first = self.failures[0]
        more = f" (and {len(self.failures) - 1} more)" if len(self.failures) > 1 else ""
        return [f"registry: {len(self.failures)} look-up{'s' if len(self.failures) != 1 else ''} failed, "
                f"first: {first}{more}; those packages are reported from the lockfile alone"]

    def versions(self, package: Package) -> tuple[dict[str, str | None], set[str], str | None, dict[str, str]]:
        """({version: release date}, yanked versions, changelog, {version: declared Ruby / Requires-Python})."""
        with self._lock:
            cached = self._versions.get(package.key)
        if cached is not None:
            return cached
        result = self._fetch_versions(package)
        with self._lock:
            self._versions[package.key] = result
        return result

    def _index(self, package: Package) -> str | None:
        base = index_for(package, self.lockfile, self.index_url)
        if base is not None and self.trusted_indexes is not None and _origin(base) not in self.trusted_indexes:
            raise RegistryError(f"{redact(base)} is named only by the change under review: not contacted")
        return base

    def _fetch_versions(self, package: Package) -> tuple[dict[str, str | None], set[str], str | None, dict[str, str]]:
        base = self._index(package)
        if base is None:
            raise RegistryError(f"no index URL for {package.name}: set PIP_INDEX_URL or [tool.lockrisk] index-url")
        if self.lockfile.ecosystem == "rubygems":
            from lockrisk.registry.rubygems import RubyGemsClient

            client = RubyGemsClient(self.http, base)
            # the package's three requests go out together (each is one round trip; they do not depend on
            # each other): the compact index is required, dates and links only add to it
            with ThreadPoolExecutor(max_workers=2) as side:
                dated = side.submit(client.release_dates, package.name)
                linked = side.submit(client.links, package.name)
                releases = client.releases(package.name)
                dates: dict[str, str | None] = {r.version: None for r in releases}
                runtime = {r.version: r.ruby for r in releases if r.ruby and r.platform == "ruby"}
                try:
                    for v, when in dated.result().items():
                        if v in dates:
                            dates[v] = when
                except RegistryError:
                    pass  # the compact index alone still gives versions
                changelog = None
                try:
                    changelog = linked.result().get("changelog")
                except RegistryError:
                    pass
            return dates, set(), changelog, runtime
        from lockrisk.registry.pypi import PyPIClient

        pyclient = PyPIClient(self.http, base)
        releases = pyclient.releases(package.name)
        return ({r.version: r.uploaded for r in releases}, {r.version for r in releases if r.yanked}, None,
                {r.version: r.requires_python for r in releases if r.requires_python})

    def facts_for(self, package: Package, new_version: str | None,
                  dependents: tuple[Package, ...] = ()) -> RegistryFacts | None:
        try:
            dates, yanked, changelog, runtime = self.versions(package)
        except RegistryError as exc:
            self._note(exc.message)
            return None
        facts = summarise(self.lockfile.ecosystem, dates, package.version, new_version, self.now, yanked, runtime)
        from dataclasses import replace

        if changelog:
            facts = replace(facts, changelog=changelog)
        if dependents and facts.first_of_line and new_version:
            facts = replace(facts, predates=self._predating(package, new_version, facts.first_of_line, dependents))
        return facts

    def _predating(self, package: Package, new_version: str, first_of_line: str,
                   dependents: tuple[Package, ...]) -> tuple[str, ...]:
        """Locked dependents released before the new line existed: never tested against it."""
        from lockrisk.evidence import release_line

        scheme = scheme_for(self.lockfile.ecosystem)
        line = ".".join(map(str, release_line(scheme.parse(new_version)))) + ".x"
        start = _date(first_of_line)
        out = []
        asked = dependents[:4]
        dates = list(self.map(self._released, asked))  # the dependents' look-ups go out together
        for dep, released in zip(asked, dates):
            when = _date(released)
            if when is not None and start is not None and when < start:
                out.append(f"{dep.name} {dep.version} ({when.date().isoformat()}) predates {package.name} {line} "
                           f"(first released {start.date().isoformat()}): it was never tested against it")
        return tuple(out)

    def _released(self, dep: Package) -> str | None:
        try:
            return self.versions(dep)[0].get(dep.version)
        except RegistryError as exc:
            self._note(exc.message)
            return None

    def alternative(self, name: str, old: str, new: str, dependents: list[Package]) -> str | None:
        """A newer release of a dependent that settles the question: one that caps the package,
        or one built for the new major ("upgrade it instead")."""
        scheme = scheme_for(self.lockfile.ecosystem)
        for dep in dependents[:4]:
            try:
                newest, requirement = self._newest_requirement(dep, name)
            except RegistryError as exc:
                self._note(exc.message)
                continue
            if newest is None or requirement is None or newest == dep.version:
                continue
            try:
                c = scheme.constraint(requirement)
                admits_old, admits_new = c.admits(old), c.admits(new)
            except Exception:
                continue
            if admits_old and not admits_new:
                return f"{dep.name} {newest} declares {name} {requirement}: upgrading {dep.name} adds the ceiling"
            if admits_new and not admits_old:
                return (f"{dep.name} {newest} declares {name} {requirement}, built for the new major: "
                        f"upgrading {dep.name} is the other way forward")
        return None

    def _newest_requirement(self, dep: Package, name: str) -> tuple[str | None, str | None]:
        base = self._index(dep)
        if base is None:
            return None, None
        scheme = scheme_for(self.lockfile.ecosystem)
        if self.lockfile.ecosystem == "rubygems":
            from lockrisk.registry.rubygems import RubyGemsClient

            releases = [r for r in RubyGemsClient(self.http, base).releases(dep.name)
                        if r.platform == "ruby" and not scheme.parse(r.version).prerelease]
            if not releases:
                return None, None
            newest = max(releases, key=lambda r: scheme.parse(r.version).sort_key)
            return newest.version, newest.dependencies.get(name)
        from packaging.requirements import InvalidRequirement, Requirement

        from lockrisk.names import pypi_key
        from lockrisk.registry.pypi import PyPIClient

        client = PyPIClient(self.http, base)
        releases = [r for r in client.releases(dep.name) if not r.yanked and not scheme.parse(r.version).prerelease]
        if not releases:
            return None, None
        newest = max(releases, key=lambda r: scheme.parse(r.version).sort_key)
        for line in client.core_metadata(newest).requires_dist:
            try:
                req = Requirement(line)
            except InvalidRequirement:
                continue
            if pypi_key(req.name) == pypi_key(name) and not (req.marker and "extra" in str(req.marker)):
                return newest.version, str(req.specifier)
        return newest.version, None

    def many(self, items: Iterable[tuple], on_each: Callable[[str, RegistryFacts | None], None] | None = None
             ) -> dict[str, RegistryFacts]:
        """Facts for (key, package, new version[, dependents]) items on a bounded pool."""
        work = [item if len(item) == 4 else (*item, ()) for item in items]
        out: dict[str, RegistryFacts] = {}
        started = time.monotonic()
        stop = threading.Event()
        ticker = threading.Thread(target=self._tick, args=(len(work), started, stop), daemon=True)
        if self.progress and work:
            ticker.start()
        try:
            for key, facts in zip((item[0] for item in work),
                                  self.map(lambda item: self.facts_for(item[1], item[2], item[3]), work)):
                with self._lock:
                    self._done += 1
                if facts is not None:
                    out[key] = facts
        finally:
            stop.set()
            if ticker.is_alive():
                ticker.join()
                sys.stderr.write("\r\x1b[K")
        return out

    def map(self, fn: Callable[[Any], Any], items: list) -> Iterator[Any]:
        """`fn` over `items` on the bounded look-up pool: results in order, each as soon as it and the ones before
        it are in (the progress line counts them as they come)."""
        if len(items) <= 1:
            yield from (fn(item) for item in items)
            return
        with ThreadPoolExecutor(max_workers=min(POOL, len(items))) as pool:
            yield from pool.map(fn, items)

    def _tick(self, total: int, started: float, stop: threading.Event) -> None:
        if stop.wait(0.5):
            return  # finished quickly: no progress line
        while not stop.wait(0.1):
            sys.stderr.write(f"\rlockrisk: registry look-ups {self._done}/{total}")
            sys.stderr.flush()


__all__ = ["Lookup", "RegistryFacts", "index_for", "redact", "summarise"]
