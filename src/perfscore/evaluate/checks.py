"""Evaluate, one check (equal / assert / explain_if) for one subject → its finding."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from ..compile import CheckNode
from ..errors import EvaluationError, ZeroDenominatorError
from ..exact import exact_difference, exact_value, full, plain
from ..findings import Finding
from ..words import in_language
from .messages import render
from .records import finding_of
from .state import EN, ZH, Failure, SubjectRun, blocking
from .texts import display_text


def check(
    node: CheckNode,
    run: SubjectRun,
    fingerprint: str,
    titles: Mapping[str, str],
    units: Mapping[str, str | None],
    places: int,
) -> Finding:
    """A check's finding for one subject."""
    scope, failures, subject = run.scope, run.failures, run.subject
    title_en = node.title_en or node.id
    value: Any = None
    threshold: dict[str, Any] | None = None
    fields: dict[str, str] = {"title": node.title, "subject": subject.name or subject.id}
    reason: Failure | None = None
    outcome = "pass"
    zh = en = ""
    reads = [n for n in node.reads if n != node.require]
    f = blocking(reads, failures, node.missing_aware)
    if node.require and node.require in failures and failures[node.require].kind == "error":
        f = failures[node.require]
    try:
        if f is not None:
            reason = f
            outcome = "error" if f.kind == "error" else "not_applicable"
        elif node.type != "explain_if" and node.when is not None and not node.when(scope):
            outcome = "not_applicable"
            reason = Failure(
                "not_applicable",
                EN["check_condition_false"].format(condition=node.when.text),
                ZH["check_condition_false"].format(condition=node.when.text),
                (),
            )
        elif node.type == "equal":
            assert node.left is not None and node.right is not None
            left, right = node.left(scope), node.right(scope)
            value = left
            if isinstance(left, Decimal) and isinstance(right, Decimal):
                if full(left) or full(right):  # a rounded side: the exact values decide
                    gap = exact_value(node.left.exact(scope)) - exact_value(node.right.exact(scope))
                else:
                    gap = exact_difference(left, right)
                # copy_abs: abs() would round the exact gap in the thread's 28-digit context
                # (0.01 + 2e-30 became 0.01, within a tolerance of 0.01)
                size = gap.copy_abs() if isinstance(gap, Decimal) else abs(gap)
                ok = size <= node.tolerance
                diff = plain(size)
                fields["difference"] = display_text(diff, node.unit, places)
            else:
                ok = left == right
                fields["difference"] = "—"
            outcome = "pass" if ok else "fail"
            threshold = {"op": "==", "value": right, "tolerance": node.tolerance}
            lt, rt = (
                display_text(left, node.unit, places),
                display_text(right, node.unit, places),
            )
            fields.update(
                left=lt, right=rt, tolerance=display_text(node.tolerance, node.unit, places)
            )
            if ok:
                zh = ZH["equal_ok"].format(title=node.title, left=lt, right=rt)
                en = EN["equal_ok"].format(title=title_en, left=lt, right=rt)
            else:
                d_txt, t_txt = fields["difference"], fields["tolerance"]
                texts = {"left": lt, "right": rt, "difference": d_txt, "tolerance": t_txt}
                zh = ZH["equal_fail"].format(title=node.title, **texts)
                en = EN["equal_fail"].format(title=title_en, **texts)
        elif node.type == "assert":
            assert node.expr is not None
            ok = bool(node.expr(scope))
            outcome = "pass" if ok else "fail"
            key = "assert_ok" if ok else "assert_fail"
            zh = ZH[key].format(title=node.title, expr=node.expr.text)
            en = EN[key].format(title=title_en, expr=node.expr.text)
        else:
            assert node.when is not None and node.require is not None
            triggered = bool(node.when(scope))
            given = scope.get(node.require)
            explained = given is True or (isinstance(given, str) and given.strip() != "")
            rtitle = titles.get(node.require, node.require)
            if not triggered:
                zh = ZH["explain_not_needed"].format(title=node.title)
                en = EN["explain_not_needed"].format(title=title_en)
            elif explained:
                zh = ZH["explained"].format(title=node.title, field_title=rtitle)
                en = EN["explained"].format(title=title_en, field=node.require)
            else:
                outcome = "fail"
                texts = {"condition": node.when.text, "field": node.require}
                zh = ZH["not_explained"].format(title=node.title, field_title=rtitle, **texts)
                en = EN["not_explained"].format(title=title_en, **texts)
                reason = None
                fields["reason"] = EN["explanation_missing"].format(field=node.require)
    except ZeroDenominatorError:
        outcome, reason = (
            "not_applicable",
            Failure("not_applicable", EN["division_by_zero"], ZH["division_by_zero"], ()),
        )
    except EvaluationError as e:
        outcome, reason = (
            "error",
            Failure(
                "error",
                e.message,
                ZH["cannot_check"].format(problem=in_language(e.message, "zh")),
                (),
            ),
        )
    if outcome in ("error", "not_applicable"):
        assert reason is not None
        key = "check_error" if outcome == "error" else "check_na"
        zh = ZH[key].format(title=node.title, reason=reason.zh)
        en = EN[key].format(title=title_en, reason=reason.en)
        fields["reason"] = reason.zh
    fields.setdefault("reason", "")
    for k in ("left", "right", "difference", "tolerance"):
        fields.setdefault(k, "—")
    templates = node.messages.get(outcome)
    if templates is not None:
        zh, en = render(templates, fields, scope, units, places, zh, en)
    return finding_of(
        {
            "rule_id": node.id,
            "subject": subject,
            "outcome": outcome,
            "severity": node.severity if outcome == "fail" else "none",
            "message": zh,
            "message_en": en,
            "value": value,
            "unit": node.unit,
            "display": display_text(value, node.unit, places) if value is not None else None,
            "threshold": threshold,
            "points": None,
            "weight": None,
            "grade": None,
            "reason": reason.en if reason else None,
            "fields": reason.fields if reason else (),
            "fingerprint": fingerprint,
            "location": node.location,
            "kind": "check",
            "waiver": None,
            "data_locations": (),
        }
    )
