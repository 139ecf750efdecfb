"""What a leaf's scorer computes, lifted out to run by columns (#18) — so what a bureau
naturally writes keeps the rule set columnar:

* a tier's ``ratio`` computed from inputs (``ratio: 评审得分 / 100``) runs as a metric of its own
  with the leaf's ``zero_division``, read as the bare ratio is: when something it reads is
  blank, no ratio was given (the tier's default), as per record;
* a scorer's expression over series (a ``formula`` such as 连续增长, ``2 if year(s, 2023) >
  year(s, 2022) and … else 0``) runs as an exact metric over series
  (:class:`~perfscore.columnar.seriesexpr.SeriesExpr`) when it is all the leaf reads — per
  record its first failure decides, which the metric keeps;
* (a tier or grade named by an expression over text and yes/no inputs is a derived text
  column: :mod:`~perfscore.columnar.derived`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..compile import IndicatorNode
from .bounds import Unsupported
from .expression import ColumnExpr
from .plan import MetricPlan
from .reasons import about
from .seriesexpr import SeriesExpr, unsupported

__all__ = ["Lifted", "lift_leaves"]

_AWARE = frozenset({"is_missing", "coalesce"})


@dataclass
class Lifted:
    """Per leaf: its scorer's expressions run as metrics (text as written → metric), the
    metrics it then reads instead of the expressions' names (``reads``) and beside its
    optional reads (``optional``)."""

    names: dict[str, dict[str, str]]
    reads: dict[str, tuple[str, ...]]
    optional: dict[str, tuple[str, ...]]
    metrics: list[MetricPlan]


def _over_series(names: Any, kinds: Mapping[str, str], nullable: set[str]) -> bool:
    return any(kinds.get(n) == "series" for n in names) or bool(nullable & set(names))


def lift_leaves(
    leaves: list[IndicatorNode],
    kinds: dict[str, str],
    nullable: set[str],
    per_row: Mapping[str, Mapping[str, str]] | None = None,
) -> Lifted:
    """The leaves' expressions to run as metrics (``kinds`` gains them); ``per_row``: those
    already run per row (:mod:`~perfscore.columnar.rowexpr`), leaf id → texts."""
    out = Lifted({}, {}, {}, [])
    for node in leaves:
        sc = node.scorer
        if node.children or sc is None or node.missing_aware:
            continue
        mine: dict[str, str] = {}
        done = (per_row or {}).get(node.id, {})
        lifted = getattr(sc, "lift_optional", True)  # (a checklist's items are conditions)
        for k, e in enumerate(getattr(sc, "optional_expressions", ()) if lifted else ()):
            text = e.text.strip()
            if kinds.get(text) in ("number", "metric") or text in mine or text in done:
                continue
            if e.functions & _AWARE:
                raise unsupported(
                    f"indicator {node.id}: is_missing/coalesce in a ratio: {text}",
                    f"评分指标 {node.id}：比例里用了 is_missing/coalesce：{text}",
                )
            name = f"_opt_{node.id}_{k}"  # (ids start with a letter: no rule set's name)
            try:
                out.metrics.append(_metric(name, e, kinds, nullable, node.zero_division))
            except Unsupported as why:
                raise about(f"indicator {node.id}", f"评分指标 {node.id}", why) from None
            kinds[name] = "metric"
            mine[text] = name
        if mine:
            out.optional[node.id] = tuple(mine.values())
        for k, e in enumerate(getattr(sc, "expressions", ())):
            text = e.text.strip()
            if text in mine or text in done or not _over_series(e.names, kinds, nullable):
                continue
            when = set() if node.when is None else set(node.when.names)  # (decides first)
            others = (set(node.reads) | set(node.optional_reads)) - set(e.names) - when
            if node.value is not None or others or len(sc.expressions) > 1:
                raise unsupported(
                    f"indicator {node.id}: a series function in its scorer ({text}) beside "
                    "what else it reads — written as a metric, it runs by columns",
                    f"评分指标 {node.id}：评分器里的逐年序列函数（{text}）与其另读的值并用"
                    "——写成计算指标（metrics）即可按列评分",
                )
            name = f"_expr_{node.id}_{k}"
            try:
                sx = SeriesExpr(text, kinds, name)
                if sx.kind != "number":
                    raise sx.refused("other")
            except Unsupported as why:
                raise about(f"indicator {node.id}", f"评分指标 {node.id}", why) from None
            names = tuple(sorted(e.names))
            out.metrics.append(MetricPlan(name, None, names, node.zero_division, sx))
            kinds[name] = "metric"
            mine[text] = name
            out.reads[node.id] = (name, *sorted(when & set(node.reads)))
        if mine:
            out.names[node.id] = mine
    return out


def _metric(
    name: str, e: Any, kinds: Mapping[str, str], nullable: set[str], zero_division: str
) -> MetricPlan:
    names = tuple(sorted(e.names))
    if _over_series(e.names, kinds, nullable):
        sx = SeriesExpr(e.text, kinds, name)
        if sx.kind != "number" or sx.nullable:  # (year(s, y) alone: None is no ratio)
            raise sx.refused("other")
        return MetricPlan(name, None, names, zero_division, sx)
    return MetricPlan(name, ColumnExpr(e.text, kinds), names, zero_division)
