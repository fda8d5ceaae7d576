"""Plain-language pieces shared by the human-readable renderers (no escaping here)."""

from __future__ import annotations

from lockrisk.analyse import Finding


DYNAMIC = "(version not recorded)"
FAMILY_SHOWN = 12  # members of a family named in a finding; the rest are counted (the JSON lists them all)


def shown_version(package) -> str:
    """A locked version as shown; a dynamic local project has none to show."""
    return package.version or DYNAMIC


def versions(f: Finding) -> str:
    c = f.change
    fork = f" (fork: {c.fork})" if c.fork else ""
    if c.old is None and c.new is not None:
        return f"(new) {shown_version(c.new)}{fork}"
    if c.new is None and c.old is not None:
        return f"{shown_version(c.old)} (removed){fork}"
    assert c.old is not None and c.new is not None
    if c.jump.kind == "exposed":
        return f"{c.old.version} (no ceiling)"
    if c.jump.kind == "source":
        shown = shown_version(c.new) if c.old.version == c.new.version else \
            f"{shown_version(c.old)} -> {shown_version(c.new)}"
        return f"{shown} ({c.old.source.describe()} -> {c.new.source.describe()}){fork}"
    return f"{c.old.version} -> {c.new.version}{fork}"


def markers_line(f: Finding) -> str | None:
    """The environments a finding applies to, unless its versions already name them as a fork."""
    return f.markers if f.markers and f.markers != f.change.fork else None


def jump(f: Finding) -> str:
    j = f.change.jump
    if j.kind == "major":
        label = "major"
        if j.initial_development:
            label = "0.x breaking"
        if j.majors_crossed > 1:
            label += f" x{j.majors_crossed}"
        if j.direction == "down":
            label = "DOWNGRADE " + label
        return label
    if j.kind == "exposed":
        return "exposure"
    if j.direction == "down":
        return f"{j.kind} (down)"
    return j.kind


def origin(f: Finding) -> str:
    if f.direct and not f.dependents:
        return "direct"
    if f.change.jump.kind == "exposed":
        return "exposed, direct" if f.direct else "exposed"
    if f.direct:
        return "direct"
    if f.forced:
        return "forced"
    return "forced or floated (ranges not recorded)" if f.unrecorded else "floated"


def pulled_in_by(f: Finding, limit: int = 4) -> str:
    parts = [f"{d.name} {d.requirement}" for d in f.dependents[:limit]]
    if len(f.dependents) > limit:
        parts.append(f"+{len(f.dependents) - limit} more")
    return ", ".join(parts)


def chain(path: tuple[str, ...]) -> str:
    return " <- ".join(path)


def headline(f: Finding) -> str:
    """One sentence on what happened and why the resolver could do it."""
    c = f.change
    bits = [f"{c.name} {versions(f)}"]
    if c.jump.kind in ("added", "removed", "source"):
        return bits[0]
    if f.direct:
        bits.append("(direct dependency)")
    elif f.forced:
        bits.append("(forced: " + "; ".join(f.forced_by[:2]) + ")")
    else:
        bits.append("(floated: nothing in the lockfile required the move)")
    return " ".join(bits)


def severity(f: Finding) -> str:
    return f.assessment.severity if f.assessment is not None else ""


def top_reasons(f: Finding, limit: int = 2) -> list[str]:
    if f.assessment is None:
        return []
    return [r.text for r in f.assessment.reasons[:limit]]


def registry_lines(f: Finding) -> list[str]:
    """Registry facts in plain words (empty when the finding was not looked up)."""
    r = f.registry
    if r is None:
        return []
    out = []
    target = f.change.new.version if f.change.new is not None else None
    if r.released:
        age = f", {r.age_days} day{'s' if r.age_days != 1 else ''} ago" if r.age_days is not None else ""
        out.append(f"{target} released {r.released[:10]}{age}")
    if r.versions_skipped:
        out.append(f"{r.versions_skipped} release{'s' if r.versions_skipped != 1 else ''} in between")
    if r.latest_in_major and f.change.old is not None:
        out.append(f"newest on the {f.change.old.version} line: {r.latest_in_major}")
    if r.latest and r.latest != target:
        out.append(f"newest release: {r.latest}")
    if r.yanked:
        out.append("no longer served (yanked?): " + ", ".join(r.yanked))
    if r.alternative:
        out.append(r.alternative)
    if r.changelog:
        out.append(f"changelog: {r.changelog}")
    return out


_ROUTINE_LABELS = {"patch": "patch", "minor": "minor", "calver": "calendar", "added": "added", "removed": "removed",
                   "source": "same version from elsewhere", "exposed": "exposed"}


def routine(findings) -> str:
    """The changes not listed, one count per kind: '23 patch, 12 minor, 2 majors of Ruby's own gems, 3 added'."""
    counts: dict[str, int] = {}
    for f in findings:
        kind = f.change.jump.kind
        if kind == "major":
            codes = {e.kind for e in f.assessment.evidence} if f.assessment is not None else set()
            if "standard-gem" in codes:
                label = "majors of Ruby's own gems"
            elif f.assessment is not None and f.assessment.tier in ("docs", "test", "development"):
                label = f"majors of {f.assessment.tier} tools"
            else:
                label = "routine majors"
        else:
            label = _ROUTINE_LABELS.get(kind, kind)
        counts[label] = counts.get(label, 0) + 1
    order = ["patch", "minor", "calendar", "routine majors", "majors of Ruby's own gems", "majors of docs tools",
             "majors of test tools", "majors of development tools", "added", "removed"]
    ranked = sorted(counts.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else len(order))
    return ", ".join(f"{n} {label.replace('majors', 'major') if n == 1 else label}" for label, n in ranked)
