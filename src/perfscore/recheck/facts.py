"""The facts the review rule set (``rules/cn-review.yaml``) reads for one subject: declared total
and the sum of the declared parts, the weights on the form, execution vs performance points, budget
and executed, the printed 指标值 / 实际完成值 patterns."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal, localcontext
from typing import Any

from ..declared import Declared
from ..findings import RuleInfo, SubjectResult
from ..numbers import round_half_up
from .context import _Context
from .result import DEVIATION_PLACES
from .targets import judge


def _raw_values(record: Any) -> Mapping[str, Any]:
    if not isinstance(record, Mapping):
        return {}
    values = record.get("values") if "values" in record else record
    return values if isinstance(values, Mapping) else {}


def _top_most(claims: Mapping[str, Decimal], infos: Mapping[str, RuleInfo]) -> list[str]:
    """Known claimed ids with no claimed ancestor (ids the rule set lacks are left out: where
    they sit on the form is unknown; they are reported by ``claim__unknown``)."""
    out = []
    for cid in claims:
        if cid not in infos:
            continue
        parent = infos[cid].parent if cid in infos else None
        covered = False
        while parent is not None:
            if parent in claims:
                covered = True
                break
            parent = infos[parent].parent if parent in infos else None
        if not covered:
            out.append(cid)
    return out


def _max_completion(ctx: _Context, scored: SubjectResult) -> Decimal | None:
    best: Decimal | None = None
    for f in scored.findings:
        if f.kind != "indicator" or f.rule_id == ctx.execution or not f.threshold:
            continue
        target = f.threshold.get("value")
        if f.threshold.get("op") not in (">=", ">"):
            continue
        if isinstance(f.value, Decimal) and isinstance(target, Decimal) and target > 0:
            with localcontext() as c:
                c.prec = 40
                ratio = f.value / target
            best = ratio if best is None else max(best, ratio)
    return None if best is None else round_half_up(best, DEVIATION_PLACES)


def _sum(xs: Iterable[Decimal]) -> Decimal:
    return sum(xs, Decimal(0))


def _facts(
    ctx: _Context,
    declared: Declared | None,
    scored: SubjectResult,
    claims: Mapping[str, Decimal],
    batch_full: bool,
    values: Mapping[str, Any],
    record: Any,
) -> dict[str, Any]:
    fact: dict[str, Any] = {
        "max_total": scored.max,
        "recomputed_total": scored.total,
        "batch_full_marks": batch_full,
        "max_completion": _max_completion(ctx, scored),
    }
    if ctx.budget_field is not None:
        fact["budget"] = values.get(ctx.budget_field)
    if ctx.executed_field is not None:
        fact["executed"] = values.get(ctx.executed_field)
    full = 0
    if declared is not None and not declared.empty:
        fact["declared_total"] = declared.total
        top = _top_most(claims, ctx.infos)
        parts = _sum(claims[k] for k in top) if top else None
        fact["declared_parts"] = parts
        if declared.weights:
            wtop = _top_most(declared.weights, ctx.infos)
            fact["declared_weights"] = _sum(declared.weights[k] for k in wtop)
        ex = ctx.execution
        ex_info = ctx.infos.get(ex) if ex else None
        if ex is not None and ex_info is not None and ex_info.weight is not None:
            fact["execution_weight"] = ex_info.weight
            fact["performance_weight"] = scored.max - ex_info.weight
            if ex in claims:
                fact["execution_points"] = claims[ex]
                others = [k for k in top if k != ex and not _under(ctx, ex, k)]
                if others and parts is not None:
                    fact["performance_points"] = parts - claims[ex]
                elif declared.total is not None:
                    fact["performance_points"] = declared.total - claims[ex]
        for k, d in claims.items():
            info = ctx.infos.get(k)
            if info is None or info.kind != "indicator" or k == ex or info.weight is None:
                continue
            if d >= info.weight and info.weight > 0:
                full += 1
    fact["full_mark_claims"] = full
    raw = _raw_values(record)
    if declared is not None and (declared.targets or declared.actuals):
        fact.update(_printed_patterns(ctx, declared, raw))
    for name in ctx.rules.compiled.inputs:
        if name in fact or name.startswith("review_"):
            continue
        if name in raw:
            fact[name] = raw[name]
    return {k: v for k, v in fact.items() if v is not None}


def _indicator_name(ctx: _Context, rid: str, declared: Declared, raw: Mapping[str, Any]) -> str:
    """The indicator's name as a reviewer reads it: the form's (``declared.names``), the
    subject's ``<id>_name`` value (the 10号 slots), else the rule set's title."""
    printed = (declared.names or {}).get(rid)
    if printed:
        return printed
    own = raw.get(f"{rid}_name")
    if isinstance(own, str) and own.strip():
        return own.strip()
    info = ctx.infos.get(rid)
    return info.title if info is not None else rid


def _printed_patterns(ctx: _Context, declared: Declared, raw: Mapping[str, Any]) -> dict[str, Any]:
    """The review rule set's facts about the printed 指标值 / 实际完成值 (the hand-review
    patterns of :mod:`perfscore.recheck.targets`): a count and a listing per pattern."""
    targets, actuals = declared.targets or {}, declared.actuals or {}
    names = {rid: _indicator_name(ctx, rid, declared, raw) for rid in {*targets, *actuals}}
    found = judge(targets, actuals, names, ctx.words)
    out: dict[str, Any] = {}
    for key, hits in (
        ("cost_targets_ge", found.cost_ge),
        ("unassessable_targets", found.unassessable),
        ("complaints_as_satisfaction", found.complaints),
    ):
        out[key] = len(hits)
        out[f"{key}_list"] = "；".join(f"{name}（{rid}）：{text}" for rid, name, text, _ in hits)
    return out


def _under(ctx: _Context, leaf: str, group: str) -> bool:
    """True when ``group`` is an ancestor of ``leaf``."""
    parent = ctx.infos[leaf].parent if leaf in ctx.infos else None
    while parent is not None:
        if parent == group:
            return True
        parent = ctx.infos[parent].parent if parent in ctx.infos else None
    return False
