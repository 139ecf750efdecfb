"""The rows of one subject's review: each claim compared with its recomputed points (a cause and a
level), the declared total and grade, group claims against their parts, the form's problems,
unknown indicators, and the review rule set's checks."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Any

from .. import words
from ..declared import Declared
from ..errors import did_you_mean
from ..findings import IndicatorScore, SubjectResult
from .context import Pair, _advice, _basis, _cause, _Context, _item, _join, _num, _pct, _say
from .facts import _facts, _sum
from .result import LEVEL_OF_SEVERITY, ReviewItem, Thresholds, deviation

# zh first; ids stay ASCII
CAUSES = words.REVIEW_CAUSE["zh"]
ADVICE = words.REVIEW_ADVICE["zh"]
CHECK_DIMENSIONS = {
    "red_inflation": "warning",
    "yellow_budget": "warning",
    "total_adds_up": "arithmetic",
    "weights_add_up": "arithmetic",
    "execution_score_follows": "arithmetic",
}
CHECK_LOCATIONS = words.REVIEW_CHECK_LOCATION["zh"]
CHECK_ADVICE = words.REVIEW_CHECK_ADVICE["zh"]


def _review_subject(
    ctx: _Context,
    record: Any,
    declared: Declared | None,
    scored: SubjectResult,
    batch_full: bool,
    values: Mapping[str, Any],
) -> tuple[list[ReviewItem], dict[str, Any]]:
    rows: list[ReviewItem] = []
    th = ctx.thresholds
    if declared is not None and declared.problems:
        errors = [p for p in declared.problems if p.level == "error"]
        text = "；".join(
            f"{p.field}：{words.in_language(p.message, 'zh')}" for p in declared.problems
        )
        text_en = "; ".join(
            f"{p.field}: {words.in_language(p.message, 'en')}" for p in declared.problems
        )
        rows.append(
            _item(
                "claim__form",
                th.levels["form_error"] if errors else "P2",
                "error" if errors else "fail",
                "form",
                "form_error",
                "、".join(p.field for p in declared.problems),
                _cause("form_error" if errors else "form_ignored"),
                (text, text_en),
                _advice("form_error"),
                "perfscore 自评数据格式（declared: total / grade / points / weights）",
                fields=tuple(p.field for p in declared.problems),
            )
        )
    nothing = declared is None or declared.empty
    if nothing:
        rows.append(
            _item(
                "claim__nothing",
                th.levels["nothing_declared"],
                "not_applicable",
                "form",
                "nothing_declared",
                "自评表",
                _cause("nothing_declared"),
                _say("nothing_declared"),
                _advice("nothing_declared"),
                "自评表",
            )
        )
    scores = {s.rule_id: s for s in scored.scores}
    claims: dict[str, Decimal] = dict(declared.points or {}) if declared is not None else {}
    if declared is not None and declared.total is not None:
        rows.append(_total_row(ctx, declared.total, scored))
    if declared is not None and declared.grade is not None:
        rows.append(_grade_row(ctx, declared, scored))
    known = [r.id for r in ctx.rs.rules if r.kind in ("group", "indicator") and r.id in claims]
    for rid in known:
        score = scores.get(rid)
        rows.append(_claim_row(ctx, rid, claims[rid], score, scored))
    rows.extend(_group_rows(ctx, claims))
    unknown = sorted(k for k in claims if k not in ctx.infos or ctx.infos[k].kind == "check")
    weights_unknown = (
        sorted(k for k in (declared.weights or {}) if k not in ctx.infos)
        if declared is not None
        else []
    )
    if unknown or weights_unknown:
        parts: list[Pair] = []
        ids = [r.id for r in ctx.rs.rules if r.kind in ("group", "indicator")]
        for k in unknown:
            hint = did_you_mean(k, ids)
            line = _say("unknown_points", id=k, d=_num(claims[k]))
            if hint:
                more = _say("unknown_hint", hint=hint)
                line = (line[0] + more[0], line[1] + more[1])
            parts.append(line)
        for k in weights_unknown:
            if k not in unknown and declared is not None:
                parts.append(_say("unknown_weight", id=k, w=_num((declared.weights or {})[k])))
        listed, tail = _join(parts), _say("unknown_tail", rs=ctx.rs.id)
        rows.append(
            _item(
                "claim__unknown",
                th.levels["unknown_indicator"],
                "fail",
                "form",
                "unknown_indicator",
                "、".join(dict.fromkeys(unknown + weights_unknown)),
                _cause("unknown_indicator"),
                (listed[0] + tail[0], listed[1] + tail[1]),
                _advice("unknown_indicator"),
                _basis(ctx, None),
                fields=tuple(f"declared.points.{k}" for k in unknown),
            )
        )
    fact = _facts(ctx, declared, scored, claims, batch_full, values, record)
    rows.extend(_check_rows(ctx, scored, fact))
    return rows, fact


def _group_rows(ctx: _Context, claims: Mapping[str, Decimal]) -> list[ReviewItem]:
    """A declared group (决策/过程/产出/效益) whose declared children are all there must be
    their sum: a form error otherwise.  Groups with a child left blank are not compared (the
    form may leave a part out); a group above its weight is the claim row's ``above_weight``."""
    rows = []
    for rid, kids in ctx.children.items():
        if rid not in claims or not kids or not all(k in claims for k in kids):
            continue
        parts = _sum(claims[k] for k in kids)
        d = claims[rid]
        if _within(_gap(d, *(claims[k] for k in kids)), ctx.thresholds.tolerance):
            continue
        info = ctx.infos[rid]
        items = _join(
            [_say("part", title=ctx.infos[k].title, d=_num(claims[k])) for k in kids],
            "list_separator",
        )
        rows.append(
            _item(
                f"claim__parts_{rid}",
                ctx.thresholds.levels["group_parts"],
                "fail",
                "arithmetic",
                "group_parts",
                f"{info.title}（{rid}）",
                _cause("group_parts"),
                _say(
                    "group_parts",
                    group=info.title,
                    d=_num(d),
                    parts=_num(parts),
                    items=items,
                    diff=_num(d - parts),
                ),
                _advice("group_parts"),
                _basis(ctx, rid),
                indicator=rid,
                declared=d,
                weight=info.weight,
                fields=tuple(f"declared.points.{k}" for k in (rid, *kids)),
            )
        )
    return rows


def _gap(d: Decimal, *parts: Decimal) -> Fraction:
    """``d`` minus the sum of ``parts``, exactly: in the 28-digit context a claim of 0.01 − 1e-30
    less 0.06 rounds to −0.05, within a tolerance of 0.05 though the true gap is beyond it."""
    return Fraction(d) - sum(map(Fraction, parts), Fraction(0))


def _within(gap: Fraction, tolerance: Decimal) -> bool:
    return abs(gap) <= Fraction(tolerance)


def _classify(
    th: Thresholds, d: Decimal, score: IndicatorScore | None, weight: Decimal | None
) -> tuple[str, str, Decimal | None]:
    """(cause, level, recomputed points) of one claim."""
    r = score.points if score is not None else None
    if weight is not None and d > weight:
        return "above_weight", th.levels["above_weight"], r
    if score is None or score.outcome == "not_applicable":
        if d == 0:
            return "consistent", "pass", None
        return "claim_without_data", th.levels["claim_without_data"], None
    if score.outcome == "error" or r is None:
        return "cannot_recompute", th.levels["cannot_recompute"], None
    diff = _gap(d, r)
    if _within(diff, th.tolerance):
        return "consistent", "pass", r
    if diff > 0:
        return "contradicted", th.contradicted_level(d, r), r
    return "under_claimed", th.levels["under_claimed"], r


def _facts_text(
    cause: str, d: Decimal, r: Decimal | None, weight: Decimal | None, why: Pair | None
) -> Pair:
    wn = _say("weight_note", w=_num(weight)) if weight is not None else ("", "")
    why = why if why and why[0] else _say("not_applicable")
    if cause == "above_weight":
        return _say("above_weight", d=_num(d), w=_num(weight))
    if cause == "claim_without_data":
        return _say("claim_without_data", d=_num(d), wn=wn, why=why)
    if cause == "cannot_recompute":
        return _say("cannot_recompute", d=_num(d), wn=wn, why=why)
    if r is None:  # a claim of 0 for an indicator that does not apply
        return _say("zero_not_applicable", d=_num(d), wn=wn, why=why)
    dev = deviation(d, r)
    dev_text = _say("deviation", p=_pct(dev)) if dev is not None else _say("deviation_undefined")
    return _say(
        "compared",
        d=_num(d),
        r=_num(r),
        wn=wn,
        diff=_num(d - r),
        dev=dev_text,
        verdict=_say(f"verdict_{cause}"),
    )


def _compared(
    ctx: _Context,
    rule_id: str,
    location: str,
    d: Decimal,
    score: IndicatorScore | None,
    weight: Decimal | None,
    why: Pair | None,
    basis: str,
    **kw: Any,
) -> ReviewItem:
    """The row of one claim (an indicator's points, or the total) against its recomputation."""
    cause, level, r = _classify(ctx.thresholds, d, score, weight)
    if cause in ("claim_without_data", "cannot_recompute"):
        r = None
    outcome = {"consistent": "pass", "cannot_recompute": "error"}.get(cause, "fail")
    return _item(
        rule_id,
        level,
        outcome,
        "arithmetic" if cause == "above_weight" else "claim",
        cause,
        location,
        _cause(cause),
        _facts_text(cause, d, r, weight, why),
        _advice(cause),
        basis,
        declared=d,
        recomputed=r,
        deviation=deviation(d, r) if r is not None else None,
        weight=weight,
        **kw,
    )


def _claim_row(
    ctx: _Context, rid: str, d: Decimal, score: IndicatorScore | None, scored: SubjectResult
) -> ReviewItem:
    info = ctx.infos[rid]
    why: Pair | None = None
    fields: tuple[str, ...] = ()
    try:
        f = scored.finding(rid)
        why = (f.message, f.message_en or f.message)
        fields = f.fields
    except KeyError:
        pass
    location = f"{info.title}（{rid}）"
    return _compared(
        ctx, f"claim_{rid}", location, d, score, info.weight, why, _basis(ctx, rid),
        indicator=rid, fields=fields,
    )  # fmt: skip


def _total_row(ctx: _Context, d: Decimal, scored: SubjectResult) -> ReviewItem:
    r = scored.total
    outcome = "not_applicable" if r is None else "pass"
    if not scored.complete and r is None:
        outcome = "error"
    pseudo = IndicatorScore("total", r, scored.max, None, outcome, scored.coverage)
    if scored.grade_reason:
        why = (scored.grade_reason_zh or scored.grade_reason, scored.grade_reason)
    else:
        why = _say("total_data_error" if not scored.complete else "total_nothing_scored")
    return _compared(
        ctx, "claim__total", "自评得分（总分）", d, pseudo, scored.max, why, _basis(ctx, None)
    )


def _band(ctx: _Context, total: Decimal) -> tuple[str, str] | None:
    for b in ctx.rs.compiled.grade_bands:
        if b.min <= total:
            return b.id, b.label or b.id
    return None


def _grade_row(ctx: _Context, declared: Declared, scored: SubjectResult) -> ReviewItem:
    g = declared.grade or ""
    bands = ctx.rs.compiled.grade_bands
    th = ctx.thresholds
    basis = f"{ctx.rs.title} 等级：" + "、".join(
        f"{b.label or b.id} ≥ {_num(b.min)}" for b in bands
    )
    recomputed = scored.grade_label or scored.grade
    rt = _say("grade_recomputed", g=recomputed) if recomputed else _say("grade_not_recomputed")
    match = next((b for b in bands if g in (b.label, b.id) or g.lower() == b.id.lower()), None)

    def row(cause: str, words: str, facts: Pair) -> ReviewItem:
        """The 自评等级 row: consistent (or not comparable) passes; a wrong grade is flagged."""
        if cause == "grade_consistent":
            outcome = "pass" if words == "grade_consistent" else "not_applicable"
            return _item("claim__grade", "pass", outcome, "grade", cause, "自评等级",
                         _cause(words), facts, ("", ""), basis)  # fmt: skip
        return _item("claim__grade", th.levels[cause], "fail", "grade", cause, "自评等级",
                     _cause(cause), facts, _advice(cause), basis,
                     fields=("declared.grade",))  # fmt: skip

    if not bands:
        return row("grade_consistent", "grade_none", _say("grade_no_bands", g=g, rs=ctx.rs.id))
    if match is None:
        names = _join([(b.label or b.id, b.label or b.id) for b in bands], "list_separator")
        return row("grade_unknown", "", _say("grade_unknown", g=repr(g), names=names, rt=rt))
    if declared.total is None:
        return row("grade_consistent", "grade_no_total", _say("grade_only", g=g, rt=rt))
    band = _band(ctx, declared.total)
    label = match.label or match.id
    total = _num(declared.total)
    if band is not None and band[0] == match.id:
        facts = _say("grade_consistent", t=total, label=label, rt=rt)
        return row("grade_consistent", "grade_consistent", facts)
    should = (band[1], band[1]) if band is not None else _say("no_grade")
    facts = _say("grade_misapplied", t=total, should=should, label=label, rt=rt)
    return row("grade_misapplied", "", facts)


def _check_rows(ctx: _Context, scored: SubjectResult, fact: Mapping[str, Any]) -> list[ReviewItem]:
    record = {"id": scored.subject.id, "type": scored.subject.type, "values": dict(fact)}
    if scored.subject.name:
        record["name"] = scored.subject.name
    result = ctx.rules.evaluate_subject(record)
    rows = []
    for f in result.findings:
        if f.kind != "check":
            continue
        info = ctx.check_infos.get(f.rule_id)
        level = "pass" if f.outcome != "fail" else LEVEL_OF_SEVERITY.get(f.severity, "P2")
        if f.outcome == "error":
            level = ctx.thresholds.levels["cannot_recompute"]
        dimension = CHECK_DIMENSIONS.get(f.rule_id, "pattern")
        source = info.source if info is not None else None
        basis = str(source.get("document")) if source else ctx.rules.title
        title = info.title if info is not None else f.rule_id
        failed = f.outcome == "fail"
        title_en = (info.title_en if info is not None else None) or title
        message_en = f.message_en or f.message
        advice = (
            tuple(
                words.REVIEW_CHECK_ADVICE[lang].get(f.rule_id, words.REVIEW_ADVICE[lang]["check"])
                for lang in words.LANGS
            )
            if failed
            else ("", "")
        )
        rows.append(
            _item(
                f.rule_id,
                level,
                f.outcome,
                dimension,
                "check",
                CHECK_LOCATIONS.get(f.rule_id, title),
                (title, title_en) if failed else (f.message, message_en),
                (f.message, message_en) if failed else ("", ""),
                (advice[0], advice[1]),
                basis,
                fields=f.fields,
            )
        )
    return rows
