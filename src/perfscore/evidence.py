"""Where a finding's figures came from and how sure the rule set is of the rule: the report
line of each figure (from ``perfscore extract`` or ``--template``) and the rule's evidence mark
when it is an assumption — shown in every people's format."""

from __future__ import annotations

from .findings import Finding, RuleInfo
from .words import EVIDENCE, language

__all__ = ["evidence"]

#: Evidence labels readers need to see: the rule is not taken from a document seen first hand.
_UNSURE = frozenset({"RECALLED", "MEMORY", "INFERRED", "ASSUMED", "PLACEHOLDER", "SEEN-partial"})


def evidence(f: Finding, rule: RuleInfo | None, lang: str) -> str:
    """The report line(s) each figure of ``f`` came from and the rule set's evidence mark when
    the rule is an assumption: ``来源 report.txt 第 12 行 · 依据 ASSUMED`` ("" when neither)."""
    w = EVIDENCE[language(lang)]
    parts = []
    lines = [
        w["line"].format(uri=loc.get("uri", ""), line=loc["line"])
        for loc in f.data_locations
        if loc.get("role") == "report" and isinstance(loc.get("line"), int)
    ]
    if lines:
        parts.append(f"{w['report']} {w['sep'].join(dict.fromkeys(lines))}")
    mark = (rule.source or {}).get("evidence") if rule is not None else None
    if isinstance(mark, str) and mark in _UNSURE:
        parts.append(f"{w['mark']} {mark}")
    return w["join"].join(parts)
