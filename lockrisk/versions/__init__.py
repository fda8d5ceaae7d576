"""Version and constraint semantics, one scheme per ecosystem.

`scheme_for(ecosystem)` returns the object that knows how that ecosystem orders
versions and reads requirements; nothing else branches on the ecosystem for that.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lockrisk.model import Ecosystem
    from lockrisk.versions.scheme import Scheme


def scheme_for(ecosystem: "Ecosystem") -> "Scheme":
    match ecosystem:
        case "rubygems":
            from lockrisk.versions.rubygems import RUBYGEMS

            return RUBYGEMS
        case "pypi":
            from lockrisk.versions.pep440 import PYPI

            return PYPI
        case _:
            raise ValueError(f"unknown ecosystem {ecosystem!r}")
