"""Warnings about a rule set that loads: what it leaves to a default a reviewer should see.

``perfscore validate`` prints them (``file:line:col: path: warning: ...``) and still exits 0;
they never stop a rule set from scoring.
"""

from __future__ import annotations

from .errors import Problem
from .model import DEFAULT_MIN_COVERAGE
from .numbers import json_number
from .ruleset import RuleSet

__all__ = ["ruleset_warnings"]


def ruleset_warnings(rs: RuleSet) -> list[Problem]:
    """Every warning for ``rs``, in file order."""
    c = rs.compiled
    out: list[Problem] = []
    grades = c.model.grades
    if grades is not None and grades.min_coverage is None:
        pct = json_number(DEFAULT_MIN_COVERAGE * 100)
        out.append(
            c.document.problem(
                ("grades",),
                f"warning: no min_coverage, so a grade is given once data covers {pct}% of the "
                f"weight (the default); write `min_coverage: {json_number(DEFAULT_MIN_COVERAGE)}` "
                "(or your bureau's share) so readers see the rule",
                code="warning",
                key=True,
            )
        )
    return sorted(out, key=lambda p: (p.line or 0, p.column or 0))
