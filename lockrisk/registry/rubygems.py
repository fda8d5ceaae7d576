"""RubyGems-compatible servers: the Compact Index (`/info/NAME`) for versions and their
dependencies, and the JSON API for release dates and changelog links."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lockrisk.errors import RegistryError
from lockrisk.registry.http import HttpClient

# `VERSION[-PLATFORM] [dep:req&req,...]|checksum:...[,ruby:...]`: what every line after `---` looks like
_INFO_LINE = re.compile(r"[0-9A-Za-z][0-9A-Za-z._+\-]* [^|]*\|.*")


@dataclass(frozen=True, slots=True, kw_only=True)
class GemRelease:
    """One release of a gem on one platform, from the Compact Index."""

    version: str
    platform: str
    dependencies: dict[str, str] = field(default_factory=dict)  # name -> "req, req"
    ruby: str | None = None  # the Ruby it declares it needs (`ruby:>= 3.2`), when it says


def _is_gem_version(text: str) -> bool:
    from lockrisk.errors import VersionError
    from lockrisk.versions.rubygems import RUBYGEMS

    try:
        RUBYGEMS.parse(text)
    except VersionError:
        return False
    return bool(text)


def parse_compact_info(text: str) -> list[GemRelease]:
    """Lines after `---`: `VERSION[-PLATFORM] dep:req&req,dep2:req|checksum:...,ruby:>= 2.7`."""
    releases = []
    started = False
    skipped = 0
    for raw in text.splitlines():
        line = raw.strip()
        if line == "---":
            started = True
            continue
        if not started or not line:
            continue
        head, _, meta = line.partition("|")
        version_part, _, deps_part = head.partition(" ")
        version, _, platform = version_part.partition("-")
        deps = {}
        for dep in filter(None, deps_part.split(",")):
            name, _, reqs = dep.partition(":")
            deps[name] = ", ".join(r.strip() for r in reqs.split("&") if r.strip())
        ruby = None
        for item in meta.split(","):
            key, _, value = item.partition(":")
            if key.strip() == "ruby" and value.strip():
                ruby = ", ".join(r.strip() for r in value.split("&") if r.strip())
        if not _is_gem_version(version):  # a registry cannot publish it; a hostile one can write it
            skipped += 1
            continue
        releases.append(GemRelease(version=version, platform=platform or "ruby", dependencies=deps, ruby=ruby))
    if not started:
        raise RegistryError("not a compact index response (no --- line)")
    if skipped and not releases:
        raise RegistryError(f"not a usable compact index response (none of its {skipped} versions is a gem version)")
    return releases


def check_compact_info(body: bytes) -> bool:
    """Whether `body` is a Compact Index `/info/NAME` answer (UTF-8, a `---` line, every line after it
    shaped like a release); raises RegistryError naming what is wrong. Nothing else is cached."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise RegistryError("not UTF-8 text (not a compact index response)") from None
    lines = [line.strip() for line in text.splitlines()]
    if "---" not in lines:
        raise RegistryError("not a compact index response (no --- line)")
    for line in lines[lines.index("---") + 1:]:
        if line and not _INFO_LINE.fullmatch(line):
            raise RegistryError("not a compact index response (a line is not shaped like a release)")
    return True


class RubyGemsClient:
    def __init__(self, http: HttpClient, base_url: str) -> None:
        self.http = http
        self.base = base_url.rstrip("/")

    def releases(self, name: str) -> list[GemRelease]:
        fetched = self.http.get(f"{self.base}/info/{name}", accept="text/plain", validate=check_compact_info)
        return parse_compact_info(fetched.body.decode("utf-8"))

    def release_dates(self, name: str) -> dict[str, str]:
        """version -> created_at (ISO 8601), from the JSON API."""
        data = self.http.get_json(f"{self.base}/api/v1/versions/{name}.json",
                                  check=lambda d: isinstance(d, list), expected="a list of versions")
        return {str(v.get("number")): str(v.get("created_at")) for v in data if isinstance(v, dict) and v.get("number")}

    def links(self, name: str) -> dict[str, str | None]:
        data = self.http.get_json(f"{self.base}/api/v1/gems/{name}.json",
                                  check=lambda d: isinstance(d, dict), expected="a gem object")
        meta = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
        return {
            "changelog": data.get("changelog_uri") or meta.get("changelog_uri"),
            "source": data.get("source_code_uri") or meta.get("source_code_uri") or data.get("homepage_uri"),
        }
