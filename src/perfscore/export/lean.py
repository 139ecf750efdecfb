"""Lean findings (``--lean``): the same document and JSON Lines records without what the
``rules`` and ``subjects`` sections (or the rule set) already say once, repeated per finding.

Dropped from each finding: the subject's name, key, period and parent (``type`` and ``id``
stay), the measurement's ``unit`` and ``weight`` (the rule's), the rule location's
``line``/``column`` (``uri`` and ``pointer`` stay: the schema requires them), and from its
``explanation`` the ``standard`` (the measurement's ``threshold`` says it) and each input's and
formula's ``title`` and ``unit`` (the rule set's own, the same in every finding; the ``zh``/``en``
sentences keep them).  Dropped from each subject's ``scores``: ``weight``.  The JSON document is
written without indentation (as JSON Lines always is).  Every field dropped is optional in the
findings schema, so a lean document validates against the same schema; ``run.lean`` (JSON
Lines: the ``run`` record's ``lean``) says they were left out on purpose.
"""

from __future__ import annotations

from typing import Any

__all__ = ["lean_document", "lean_finding", "lean_subject"]

_SUBJECT_KEEP = ("type", "id")


def lean_finding(rec: dict[str, Any]) -> dict[str, Any]:
    """A finding record (as :func:`perfscore.findings.finding_record` builds it), lean."""
    subject = rec["subject"]
    rec["subject"] = {k: subject[k] for k in _SUBJECT_KEEP if k in subject}
    m = rec.get("measurement")
    if m:
        m.pop("unit", None)
        m.pop("weight", None)
    why = rec.get("explanation")
    if why:  # rule-set constants and what the finding's measurement already holds
        why.pop("standard", None)
        for item in (*why.get("inputs", ()), *why.get("formulas", ())):
            item.pop("title", None)
            item.pop("unit", None)
    locs = rec.get("locations")
    if locs and locs[0].get("role") == "rule":
        first = locs[0]
        locs[0] = {"role": "rule", "uri": first["uri"], "pointer": first["pointer"]}
    return rec


def lean_subject(rec: dict[str, Any]) -> dict[str, Any]:
    """A subject record (as :func:`perfscore.findings.subject_record` builds it), lean."""
    for score in rec.get("scores", ()):
        score.pop("weight", None)
    return rec


def lean_document(doc: dict[str, Any]) -> dict[str, Any]:
    """A findings document (:meth:`perfscore.Report.to_dict`), lean."""
    doc["run"]["lean"] = True
    for f in doc["findings"]:
        lean_finding(f)
    for s in doc["subjects"]:
        lean_subject(s)
    return doc
