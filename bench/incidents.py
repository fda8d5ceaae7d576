"""Judgement on real incidents: is the package that broke production ranked first?

`bench/incidents.toml` lists real incidents from public projects' own history: a commit whose
lockfile change brought a breaking release (the culprit), and the project's later commit that pinned
it back or reverted it, with the public evidence. This script reads each pair from a fetched copy of
the repository (a bare git directory under $LOCKRISK_MIRRORS/OWNER+NAME/repo, by default
/work/.mirror), never from this repository, runs lockrisk on it, and reports where the culprit ranks
and how many other findings reach high or above. Incidents whose repository is not fetched are
skipped and counted.

    python bench/incidents.py                 # offline, as `lockrisk diff --offline`
    python bench/incidents.py --no-catalogue  # also without the catalogued known breakages
    python bench/incidents.py --online        # with registry look-ups (needs a reachable index)
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib

MANIFESTS = ("Gemfile", "gems.rb", "pyproject.toml", ".ruby-version")


def git_dir(repository: str) -> Path:
    base = Path(os.environ.get("LOCKRISK_MIRRORS", "/work/.mirror"))
    return base / repository.replace("/", "+") / "repo"


def show(repo: Path, commit: str, path: str) -> bytes | None:
    proc = subprocess.run(["git", "--git-dir", str(repo), "show", f"{commit}:{path}"], capture_output=True)
    return proc.stdout if proc.returncode == 0 else None


def extract(incident: dict, root: Path) -> tuple[Path, Path] | None:
    repo = git_dir(incident["repository"])
    if not repo.is_dir():
        return None
    lockfile = incident["lockfile"]
    folder = lockfile.rpartition("/")[0]
    name = lockfile.rpartition("/")[2]
    sides = []
    for side in ("before", "after"):
        data = show(repo, incident[side], lockfile)
        if data is None:
            return None
        target = root / side
        target.mkdir(parents=True)
        (target / name).write_bytes(data)
        for manifest in MANIFESTS:
            content = show(repo, incident[side], f"{folder}/{manifest}" if folder else manifest)
            if content is not None:
                (target / manifest).write_bytes(content)
        sides.append(target / name)
    return sides[0], sides[1]


def committed(incident: dict):
    import datetime as dt

    proc = subprocess.run(["git", "--git-dir", str(git_dir(incident["repository"])), "show", "-s", "--format=%cI",
                           incident["after"]], capture_output=True, text=True)
    return dt.datetime.fromisoformat(proc.stdout.strip())


def judge(incident: dict, old: Path, new: Path, online: bool) -> dict:
    from lockrisk.names import pypi_key
    from lockrisk.pipeline import build_report, pair_from_files

    pair = pair_from_files(old, new)
    lookups = None
    if online:
        from lockrisk.registry.facts import Lookup
        from lockrisk.registry.http import HttpClient, default_cache_dir

        # the registry as it stood when the change was committed: no later release is seen
        http = HttpClient(cache_dir=default_cache_dir(), budget=60.0)
        when = committed(incident)
        lookups = lambda lockfile, old=None: Lookup(lockfile, index_url=None, http=http, now=when, progress=False)  # noqa: E731
    report = build_report("diff", [pair], lookups=lookups)
    key = pypi_key(incident["culprit"]) if incident["ecosystem"] == "pypi" else incident["culprit"]
    ranked = [f for f in report.findings if f.assessment is not None]
    rank = next((i + 1 for i, f in enumerate(ranked) if f.key == key or key in f.family_members), None)
    culprit = next((f for f in ranked if f.key == key), None)
    holder = culprit or (ranked[rank - 1] if rank else None)  # the finding it is shown in, when another forced it
    loud = [f for f in ranked if f is not holder and f.key != key and f.assessment.severity in ("critical", "high")]
    if culprit is not None:
        kinds = [e.kind for e in culprit.assessment.evidence if e.level != "context"]
    elif holder is not None:  # the lines of the holder's evidence that name the culprit
        kinds = [e.kind for e in holder.assessment.evidence if e.level != "context"
                 and e.text.lower().startswith(incident["culprit"].lower() + " ")]
    else:
        kinds = []
    return {"id": incident["id"], "rank": rank, "changes": len(report.findings),
            "severity": (holder.assessment.severity + ("" if culprit else f" (in {holder.name})")) if holder
            else "missing",
            "evidence": kinds,
            "noise": len(loud)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--online", action="store_true")
    parser.add_argument("--no-catalogue", action="store_true", help="switch off the catalogued known breakages")
    parser.add_argument("--quiet", action="store_true")
    parser.add_argument("--ecosystem", choices=("rubygems", "pypi"), help="only the incidents of one ecosystem")
    parser.add_argument("--incidents", type=Path, default=HERE / "incidents.toml", help="the list to judge")
    args = parser.parse_args()
    if args.no_catalogue:
        import lockrisk.weigh

        lockrisk.weigh.breakages = lambda ecosystem=None: ()  # what the generic evidence finds on its own
    from lockrisk.errors import LockriskError

    incidents = tomllib.loads(args.incidents.read_text())["incident"]
    if args.ecosystem:
        incidents = [i for i in incidents if i["ecosystem"] == args.ecosystem]
    results, skipped = [], []
    for incident in incidents:
        with tempfile.TemporaryDirectory(prefix="lockrisk-incident-") as tmp:
            sides = extract(incident, Path(tmp))
            if sides is None:
                skipped.append(incident["id"])
                continue
            try:
                results.append(judge(incident, *sides, args.online))
            except LockriskError as exc:  # a lockfile lockrisk refuses (a committed merge conflict): counted as missed
                results.append({"id": incident["id"], "rank": None, "changes": 0, "evidence": [], "noise": 0,
                                "severity": f"error: {exc.message}"})
    if not results:
        print(f"no incident could be read ({len(skipped)} repositories not fetched)")
        return 1
    if not args.quiet:
        print("| incident | changes | culprit rank | culprit severity | evidence | other findings at high+ |")
        print("|---|---|---|---|---|---|")
        for r in results:
            print(f"| {r['id']} | {r['changes']} | {r['rank'] or '-'} | {r['severity']} | "
                  f"{', '.join(r['evidence']) or '-'} | {r['noise']} |")
    n = len(results)
    top1 = sum(1 for r in results if r["rank"] == 1)
    top3 = sum(1 for r in results if r["rank"] is not None and r["rank"] <= 3)
    noise = statistics.median(r["noise"] for r in results)
    mode = "online" if args.online else "offline"
    catalogue = "without the catalogued breakages" if args.no_catalogue else "with the catalogue"
    scope = f"{args.ecosystem} " if args.ecosystem else ""
    print(f"\n{mode}, {catalogue}: {n} {scope}incidents ({len(skipped)} skipped, not fetched): top-1 {top1}/{n} "
          f"({100 * top1 // n}%), top-3 {top3}/{n} ({100 * top3 // n}%), median non-culprit findings at high or "
          f"above {noise:g}, max {max(r['noise'] for r in results)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
