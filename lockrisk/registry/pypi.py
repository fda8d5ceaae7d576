"""Python package indexes: the Simple API in JSON (PEP 691, with PEP 700 upload times and
yanks) and PEP 658 core-metadata files for Requires-Dist. Works against private indexes."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from email.parser import HeaderParser

from lockrisk.errors import RegistryError
from lockrisk.names import pypi_key
from lockrisk.registry.http import HttpClient

SIMPLE_JSON = "application/vnd.pypi.simple.v1+json"
_HEADER = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]*:|[ \t]")  # a header line, or a continuation of one


@dataclass(frozen=True, slots=True, kw_only=True)
class PyRelease:
    """One release on a Python package index."""

    version: str
    uploaded: str | None  # earliest upload-time of its files
    yanked: bool  # every file of it is yanked
    metadata_url: str | None = None  # PEP 658 core-metadata of one of its files
    files: int = 0
    requires_python: str | None = None  # the Requires-Python its files declare


@dataclass(frozen=True, slots=True, kw_only=True)
class CoreMetadata:
    """The parts of a release's core metadata lockrisk reads."""

    requires_dist: tuple[str, ...] = ()
    project_urls: dict[str, str] = field(default_factory=dict)


def _version_of(filename: str, project: str) -> str | None:
    key = pypi_key(project).replace("-", "_")
    lower = filename.lower()
    if lower.endswith(".whl"):
        parts = filename.split("-")
        return parts[1] if len(parts) >= 5 else None
    for ext in (".tar.gz", ".zip", ".tar.bz2"):
        if lower.endswith(ext):
            stem = filename[: -len(ext)]
            prefix = stem.rsplit("-", 1)
            if len(prefix) == 2 and pypi_key(prefix[0]).replace("-", "_") == key:
                return prefix[1]
    return None


class PyPIClient:
    def __init__(self, http: HttpClient, index_url: str) -> None:
        self.http = http
        self.index = index_url.rstrip("/")

    def releases(self, name: str) -> list[PyRelease]:
        data = self.http.get_json(f"{self.index}/{pypi_key(name)}/", accept=SIMPLE_JSON, check=_is_project_page,
                                  expected="a PEP 691 JSON response")
        by_version: dict[str, dict] = {}
        for v in data.get("versions", []) or []:
            by_version.setdefault(str(v), {"uploaded": None, "yanked": [], "metadata": None, "python": None})
        for f in data["files"]:
            if not isinstance(f, dict) or not isinstance(f.get("filename"), str):
                continue
            version = _version_of(f["filename"], name)
            if version is None:
                continue
            entry = by_version.setdefault(version, {"uploaded": None, "yanked": [], "metadata": None, "python": None})
            if isinstance(f.get("requires-python"), str) and f["requires-python"].strip() and entry["python"] is None:
                entry["python"] = f["requires-python"].strip()
            up = f.get("upload-time")
            if isinstance(up, str) and (entry["uploaded"] is None or up < entry["uploaded"]):
                entry["uploaded"] = up
            entry["yanked"].append(bool(f.get("yanked")))
            if f.get("core-metadata") or f.get("data-dist-info-metadata"):
                if f["filename"].endswith(".whl") and entry["metadata"] is None:
                    entry["metadata"] = _absolute(self.index, str(f.get("url", ""))) + ".metadata"
        return [PyRelease(version=v, uploaded=e["uploaded"], yanked=bool(e["yanked"]) and all(e["yanked"]),
                          metadata_url=e["metadata"], files=len(e["yanked"]), requires_python=e["python"])
                for v, e in by_version.items()]

    def core_metadata(self, release: PyRelease) -> CoreMetadata:
        if not release.metadata_url:
            raise RegistryError(f"no core metadata published for {release.version}")
        fetched = self.http.get(release.metadata_url, accept="text/plain", validate=check_core_metadata)
        msg = HeaderParser().parsestr(fetched.body.decode("utf-8", errors="replace"))
        urls = {}
        for entry in msg.get_all("Project-URL") or []:
            label, _, url = entry.partition(",")
            urls[label.strip()] = url.strip()
        return CoreMetadata(requires_dist=tuple(msg.get_all("Requires-Dist") or ()), project_urls=urls)


def _is_project_page(data) -> bool:
    return isinstance(data, dict) and isinstance(data.get("files"), list)


def check_core_metadata(body: bytes) -> bool:
    """Whether `body` is a core-metadata file: RFC 822 headers, one of them Metadata-Version; raises
    RegistryError naming what is wrong (an HTML page is never cached as metadata)."""
    text = body.decode("utf-8", errors="replace")
    head = text.replace("\r\n", "\n").split("\n\n", 1)[0].splitlines()
    if not any(line.lower().startswith("metadata-version:") for line in head):
        raise RegistryError("not a core metadata file (no Metadata-Version header)")
    if not all(_HEADER.match(line) for line in head if line.strip()):
        raise RegistryError("not a core metadata file (a line is not a header)")
    return True


def _absolute(index: str, url: str) -> str:
    from urllib.parse import urljoin

    url = url.split("#", 1)[0]
    return urljoin(index + "/", url)
