"""Classify the move of one package between two lockfiles."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from lockrisk.versions.scheme import ParsedVersion, Scheme

# "exposed" is audit's kind: nothing moved yet, but every requirement on the package is floor-only
JumpKind = Literal["major", "minor", "patch", "calver", "added", "removed", "source", "exposed", "none"]
Direction = Literal["up", "down", "same", "none"]

CALVER_FIRST_SEGMENT = 1900  # a leading segment this large is a year (or a date), not a major


@dataclass(frozen=True, slots=True, kw_only=True)
class Jump:
    """How far a version moved: the kind of move, its direction and how many majors it crossed."""

    kind: JumpKind
    direction: Direction
    majors_crossed: int = 0
    prerelease: bool = False  # either side is a prerelease
    initial_development: bool = False  # a 0.x line, where a minor change is breaking

    @property
    def breaking(self) -> bool:
        return self.kind == "major"


def _is_calver(release: tuple[int, ...]) -> bool:
    return bool(release) and release[0] >= CALVER_FIRST_SEGMENT


def _seg(release: tuple[int, ...], i: int) -> int:
    return release[i] if i < len(release) else 0


def classify(old: ParsedVersion, new: ParsedVersion, *, calendar: bool = False) -> Jump:
    """Compare two versions of the same package.

    Major is a change of the first release segment; on 0.x lines it is a change of
    the left-most non-zero segment (0.24 -> 0.25 breaks), and on 0.0.x any release is
    one breaking step. Year-like leading segments are calendar versions, not majors; so are
    two-digit years (22.10 -> 24.7) where the package is known to version by the calendar
    (`calendar`: from the catalogue, as the version alone cannot tell 22.10 from a 22nd major).
    """
    a, b = old.release, new.release
    if new.sort_key == old.sort_key:
        direction: Direction = "same"
    else:
        direction = "up" if old.sort_key < new.sort_key else "down"
    prerelease = old.prerelease or new.prerelease
    if direction == "same":
        return Jump(kind="none", direction="same", prerelease=prerelease)
    if (calendar or (_is_calver(a) and _is_calver(b))) and _seg(a, 0) != _seg(b, 0):
        return Jump(kind="calver", direction=direction, prerelease=prerelease)
    if _seg(a, 0) != _seg(b, 0):
        crossed = abs(_seg(b, 0) - _seg(a, 0))
        return Jump(kind="major", direction=direction, majors_crossed=crossed, prerelease=prerelease,
                    initial_development=_seg(a, 0) == 0 or _seg(b, 0) == 0)
    if _seg(a, 0) == 0 and not _is_calver(a):
        # initial development: the left-most non-zero segment is the breaking one
        if _seg(a, 1) != _seg(b, 1):
            return Jump(kind="major", direction=direction, majors_crossed=abs(_seg(b, 1) - _seg(a, 1)),
                        prerelease=prerelease, initial_development=True)
        if _seg(a, 1) == 0 and _seg(a, 2) != _seg(b, 2):
            # 0.0.x: every release may break, and nothing tells how much: one move is one step however far
            # it goes (0.0.7 -> 0.0.33 is not 26 majors); the evidence decides how severe it is
            return Jump(kind="major", direction=direction, majors_crossed=1, prerelease=prerelease,
                        initial_development=True)
        return Jump(kind="patch", direction=direction, prerelease=prerelease, initial_development=True)
    if _seg(a, 1) != _seg(b, 1):
        return Jump(kind="minor", direction=direction, prerelease=prerelease)
    return Jump(kind="patch", direction=direction, prerelease=prerelease)


def major_line(version: ParsedVersion) -> tuple[int, ...]:
    """The release line a major jump leaves: (2,) for 2.5.5, (0, 24) for 0.24.1 (0.x minors break)."""
    release = version.release or (0,)
    if release[0] == 0:
        return (0, release[1] if len(release) > 1 else 0)
    return (release[0],)


def classify_texts(scheme: Scheme, old: str, new: str) -> Jump:
    return classify(scheme.parse(old), scheme.parse(new))
