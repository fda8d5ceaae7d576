"""`lockrisk why NAME...`: the requirers of each package and the chains to the project."""

from __future__ import annotations

import json

from lockrisk.analyse import UNRECORDED, applies_when, manifest_label
from lockrisk.diff import MAX_FORKS
from lockrisk.errors import LockriskError
from lockrisk.graph import Graph
from lockrisk.names import pypi_key
from lockrisk.render.describe import shown_version
from lockrisk.render.escape import plain
from lockrisk.versions import scheme_for


def _constraint_flags(scheme, text: str) -> bool | None:
    try:
        return scheme.constraint(text).is_floor_only()
    except LockriskError:
        return None


def render_why(graph: Graph, names: list[str], fmt: str) -> str:
    """Text blocks separated by a blank line; JSON: one object for one name, a list for several."""
    if fmt == "json":
        entries = [_why_entry(graph, name) for name in names]
        return json.dumps(entries[0] if len(entries) == 1 else entries, indent=2) + "\n"
    return "\n".join(_why_text(graph, _why_entry(graph, name)) for name in names)


def _why_entry(graph: Graph, name: str) -> dict:
    lockfile = graph.lockfile
    key = pypi_key(name) if lockfile.ecosystem == "pypi" else name
    package = lockfile.packages.get(key)
    if package is None:
        raise LockriskError(f"{name!r} is not locked in this file", path=lockfile.path)
    scheme = scheme_for(lockfile.ecosystem)
    manifest = manifest_label(graph)
    own = [{"requirement": r.constraint or scheme.any_version, "groups": list(r.groups), "markers": r.markers,
            "floor_only": _constraint_flags(scheme, r.constraint)} for r in graph.direct.get(key, [])]
    names = graph.names
    chains = [[names.get(k, k) for k in c] + [manifest] for c in graph.chains_to_direct(key, limit=50)]
    entry = {"name": package.name, "version": shown_version(package), "lockfile": lockfile.path,
             "markers": applies_when(key, graph), "dependents": _dependents(graph, key, package, scheme),
             "direct": own, "paths": chains}
    if key in lockfile.forks:
        # one package locked at several versions: each entry with the environments it is for, and who needs it
        entry["markers"] = package.fork
        entry["forks"] = [{"version": shown_version(p), "markers": p.fork,
                           "dependents": _dependents(graph, key, p, scheme)} for p in lockfile.forks[key][:MAX_FORKS]]
    return entry


def _dependents(graph: Graph, key: str, package, scheme) -> list[dict]:
    return [
        {"name": e.parent.name, "version": e.parent.version,
         "requirement": (e.requirement.constraint or scheme.any_version) if e.requirement.recorded else UNRECORDED,
         "floor_only": _constraint_flags(scheme, e.requirement.constraint) if e.requirement.recorded else None,
         "markers": e.requirement.markers}
        for e in graph.dependents(key, package.version)
    ]


def _why_text(graph: Graph, entry: dict) -> str:
    manifest = manifest_label(graph)

    def when(marker: str | None) -> str:
        return f" ; {marker}" if marker else ""

    def block(version: str, markers: str | None, direct: list[dict], dependents: list[dict]) -> list[str]:
        lines = [f"{plain(entry['name'])} {plain(version)}  ({plain(entry['lockfile'])})"]
        if markers:
            lines.append(f"installed only when {plain(markers)}")
        rows = [(f"{manifest} requires {r['requirement']}{when(r['markers'])}"
                 + (f" [{', '.join(r['groups'])}]" if r["groups"] else ""), r["floor_only"]) for r in direct]
        rows += [(f"{d['name']} {d['version']} requires {d['requirement']}{when(d['markers'])}", d["floor_only"])
                 for d in dependents]
        if not rows:
            lines.append("└── nothing requires it")
        for i, (text, floor) in enumerate(rows):
            branch = "└──" if i == len(rows) - 1 else "├──"
            lines.append(f"{branch} {plain(text)}" + ("  (floor only: no ceiling)" if floor else ""))
        return lines

    lines = block(entry["version"], entry["markers"], entry["direct"], entry["dependents"])
    for fork in entry.get("forks", ()):
        lines += ["", *block(fork["version"], fork["markers"], entry["direct"], fork["dependents"])]
    if entry["paths"]:
        lines.append("")
        lines.append("chains to the project:")
        for c in entry["paths"]:
            lines.append("  " + plain(" <- ".join(c)))
    return "\n".join(lines) + "\n"
