"""The report every renderer reads: findings from one or more lockfiles, plus notes."""

from __future__ import annotations

from dataclasses import dataclass

from lockrisk.analyse import Finding

SCHEMA = "lockrisk/report-v1"
SEVERITIES = ("critical", "high", "medium", "low", "info")


def severity_rank(severity: str) -> int:
    """0 for critical ... 4 for info; unknown sorts last."""
    return SEVERITIES.index(severity) if severity in SEVERITIES else len(SEVERITIES)


@dataclass(frozen=True, slots=True, kw_only=True)
class LockfileSummary:
    """One lockfile of a report: its sides and package counts."""

    path: str
    ecosystem: str
    base: str  # label of the old side: a file path or a git revision
    head: str
    packages_before: int
    packages_after: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Report:
    """The result of one command: the findings of every lockfile, with notes."""

    command: str
    lockfiles: tuple[LockfileSummary, ...]
    findings: tuple[Finding, ...]
    notes: tuple[str, ...] = ()
    unchecked: tuple[str, ...] = ()  # audit: packages the registry could not be asked about
    schema: str = SCHEMA

    @property
    def highest_severity(self) -> str | None:
        ranked = [f.assessment.severity for f in self.findings if f.assessment is not None]
        return min(ranked, key=severity_rank) if ranked else None

    def reaching(self, severity: str) -> tuple[Finding, ...]:
        """Findings at `severity` or worse: what a --fail-on threshold fails on (`none`: nothing does)."""
        if severity == "none":
            return ()
        return tuple(f for f in self.findings
                     if f.assessment is not None and severity_rank(f.assessment.severity) <= severity_rank(severity))

    def all_clear(self) -> str:
        """What to say when nothing is notable; never an all-clear while packages went unchecked."""
        if self.unchecked:
            return (f"incomplete: {len(self.unchecked)} package{'s' if len(self.unchecked) != 1 else ''} could not "
                    "be checked; nothing risky among the rest")
        return "no risky changes found"

    def notable(self) -> tuple[Finding, ...]:
        """Findings worth a line of their own: assessed above info, or any major/source move."""
        out = []
        for f in self.findings:
            if f.assessment is not None:
                if f.assessment.severity != "info":
                    out.append(f)
            elif f.change.jump.kind in ("major", "source"):
                out.append(f)
        return tuple(out)
