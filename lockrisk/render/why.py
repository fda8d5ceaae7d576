"""`lockrisk why NAME`: the requirers of one package and the chains to the project."""

from __future__ import annotations

import json

from lockrisk.analyse import UNRECORDED, applies_when
from lockrisk.errors import LockriskError
from lockrisk.graph import Graph
from lockrisk.names import pypi_key
from lockrisk.render.escape import plain
from lockrisk.versions import scheme_for


def _constraint_flags(scheme, text: str) -> bool | None:
    try:
        return scheme.constraint(text).is_floor_only()
    except LockriskError:
        return None


def render_why(graph: Graph, name: str, fmt: str) -> str:
    lockfile = graph.lockfile
    key = pypi_key(name) if lockfile.ecosystem == "pypi" else name
    package = lockfile.packages.get(key)
    if package is None:
        raise LockriskError(f"{name!r} is not locked in this file", path=lockfile.path)
    scheme = scheme_for(lockfile.ecosystem)
    manifest = "Gemfile" if lockfile.ecosystem == "rubygems" else "pyproject.toml"
    dependents = [
        {"name": e.parent.name, "version": e.parent.version,
         "requirement": (e.requirement.constraint or scheme.any_version) if e.requirement.recorded else UNRECORDED,
         "floor_only": _constraint_flags(scheme, e.requirement.constraint) if e.requirement.recorded else None,
         "markers": e.requirement.markers}
        for e in graph.dependents(key)
    ]
    own = [{"requirement": r.constraint or scheme.any_version, "groups": list(r.groups), "markers": r.markers,
            "floor_only": _constraint_flags(scheme, r.constraint)} for r in graph.direct.get(key, [])]
    markers = applies_when(key, graph)
    names = graph.names
    chains = [[names.get(k, k) for k in c] + [manifest] for c in graph.chains_to_direct(key, limit=50)]
    if fmt == "json":
        return json.dumps({"name": package.name, "version": package.version, "lockfile": lockfile.path,
                           "markers": markers, "dependents": dependents, "direct": own, "paths": chains},
                          indent=2) + "\n"
    lines = [f"{plain(package.name)} {plain(package.version)}  ({plain(lockfile.path)})"]
    if markers:
        lines.append(f"installed only when {plain(markers)}")

    def when(marker: str | None) -> str:
        return f" ; {marker}" if marker else ""

    rows = [(f"{manifest} requires {r['requirement']}{when(r['markers'])}"
             + (f" [{', '.join(r['groups'])}]" if r["groups"] else ""), r["floor_only"]) for r in own]
    rows += [(f"{d['name']} {d['version']} requires {d['requirement']}{when(d['markers'])}", d["floor_only"])
             for d in dependents]
    if not rows:
        lines.append("└── nothing requires it")
    for i, (text, floor) in enumerate(rows):
        branch = "└──" if i == len(rows) - 1 else "├──"
        lines.append(f"{branch} {plain(text)}" + ("  (floor only: no ceiling)" if floor else ""))
    if chains:
        lines.append("")
        lines.append("chains to the project:")
        for c in chains:
            lines.append("  " + plain(" <- ".join(c)))
    return "\n".join(lines) + "\n"
