"""Load: a rule-set file becomes a :class:`RuleSet` you can evaluate many times.

rs = perfscore.load_ruleset("rules/cn-dept-overall.yaml")
report = rs.evaluate(perfscore.load_subjects("examples/liwan-npc-office-2023.yaml"))
report.total, report.grade, report.findings, report.to_json()

The rule set lives in :mod:`.rules` (:class:`RuleSet`, loading), a batch of subjects and what an
evaluation reads from its data in :mod:`.batch`, validation with located problems in
:mod:`.validate`, and how a rule set travels to worker processes in :mod:`.pickling`.
"""

from __future__ import annotations

from .batch import DuplicateIds, SubjectBatch, duplicate_ids, duplicate_subjects, load_subjects
from .rules import RuleSet, load_ruleset, load_ruleset_text, sha256_of

__all__ = [
    "DuplicateIds",
    "RuleSet",
    "SubjectBatch",
    "duplicate_ids",
    "duplicate_subjects",
    "load_ruleset",
    "load_ruleset_text",
    "load_subjects",
    "sha256_of",
]
