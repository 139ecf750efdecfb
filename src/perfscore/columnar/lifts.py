"""What a leaf's scorer computes, lifted out to run by columns (#18) — so what a bureau
naturally writes keeps the rule set columnar:

* a tier's ``ratio`` computed from inputs (``ratio: 评审得分 / 100``) runs as a metric of its own
  with the leaf's ``zero_division``, read as the bare ratio is: when something it reads is
  blank, no ratio was given (the tier's default), as per record;
* a scorer's expression over series (a ``formula`` such as 连续增长, ``2 if year(s, 2023) >
  year(s, 2022) and … else 0``) runs as an exact metric over series
  (:class:`~perfscore.columnar.seriesexpr.SeriesExpr`) when it is all the leaf reads — per
  record its first failure decides, which the metric keeps;
* a tier or grade named by an expression over text and yes/no inputs (the rule-language
  §7.7 recipe ``'achieved' if verdict == '达成' else …``) is a derived text column
  (:class:`Derived`): the expression itself run once per distinct combination of its inputs'
  values — exactly the per-record value."""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..compile import IndicatorNode
from .bounds import Unsupported
from .expression import ColumnExpr
from .plan import MetricPlan
from .reasons import about
from .seriesexpr import SeriesExpr, unsupported

__all__ = ["Derived", "Lifted", "derive", "derived_codes", "lift_leaves"]

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


@dataclass(frozen=True)
class Derived:
    """A text value computed from text and yes/no inputs (a tier named by an expression):
    ``expr`` (the compiled per-record expression) over ``names``."""

    name: str
    expr: Any
    names: tuple[str, ...]


def _over_series(names: Any, kinds: Mapping[str, str], nullable: set[str]) -> bool:
    return any(kinds.get(n) == "series" for n in names) or bool(nullable & set(names))


def lift_leaves(leaves: list[IndicatorNode], kinds: dict[str, str], nullable: set[str]) -> Lifted:
    """The leaves' expressions to run as metrics (``kinds`` gains them)."""
    out = Lifted({}, {}, {}, [])
    for node in leaves:
        sc = node.scorer
        if node.children or sc is None or node.missing_aware:
            continue
        mine: dict[str, str] = {}
        for k, e in enumerate(getattr(sc, "optional_expressions", ())):
            text = e.text.strip()
            if kinds.get(text) in ("number", "metric") or text in mine:
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
            if text in mine or not _over_series(e.names, kinds, nullable):
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
                    raise sx._no(sx_body(text), "other")
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


def sx_body(text: str) -> Any:
    """The expression's top node (what a reason quotes)."""
    return ast.parse(text.strip(), mode="eval").body


def _metric(
    name: str, e: Any, kinds: Mapping[str, str], nullable: set[str], zero_division: str
) -> MetricPlan:
    names = tuple(sorted(e.names))
    if _over_series(e.names, kinds, nullable):
        sx = SeriesExpr(e.text, kinds, name)
        if sx.kind != "number" or sx.nullable:  # (year(s, y) alone: None is no ratio)
            raise sx._no(sx_body(e.text), "other")
        return MetricPlan(name, None, names, zero_division, sx)
    return MetricPlan(name, ColumnExpr(e.text, kinds), names, zero_division)


def derive(
    text: str, compiled: Mapping[str, Any], kinds: Mapping[str, str], found: dict[str, Derived]
) -> str:
    """The derived text column for expression ``text`` (registered in ``found``), when it
    reads only text and yes/no inputs; else :class:`Unsupported`."""
    key = text.strip()
    e = compiled.get(key)
    if e is None or e.functions & _AWARE or not e.names:
        raise unsupported(
            f"{text!r} is not a text or yes/no input",
            f"{text!r} 不是文字或是否输入",
        )
    if any(kinds.get(n) not in ("text", "boolean") for n in e.names):
        raise unsupported(
            f"a tier or grade named by an expression that reads numbers: {key}",
            f"等次或字母等级由读数值的表达式给出：{key}",
        )
    for d in found.values():
        if d.expr is e:
            return d.name
    name = f"_cat_{len(found)}"
    found[name] = Derived(name, e, tuple(sorted(e.names)))
    return name


def derived_codes(
    d: Derived, cols: Mapping[str, Any], vocab: Mapping[str, list[Any]]
) -> tuple[Any, list[Any], Any]:
    """``(codes, values, raised)`` of a derived text column over whole columns: the
    expression run once per distinct combination of its inputs' values (a row with a blank
    or refused input: −1, its failure decides first); ``raised``: rows where the expression
    raised (the per-record path says what), or None."""
    parts = [np.asarray(cols[n], np.int64) for n in d.names]
    sizes = [len(vocab[n]) + 2 for n in d.names]
    key = np.zeros(len(parts[0]) if parts else 0, np.int64)
    radix = 1
    for x, size in zip(parts, sizes, strict=True):
        key += (x + 2) * radix  # (−2, −1, 0, …: from 0)
        radix *= size
    if radix <= 1 << 20:
        present = np.flatnonzero(np.bincount(key, minlength=radix))
        where = None
    else:
        present, where = np.unique(key, return_inverse=True)
    values: list[Any] = []
    table = np.full(len(present), -1, np.int32)
    bad = np.zeros(len(present), bool)
    for j, k in enumerate(present.tolist()):
        scope = {}
        for name, size in zip(d.names, sizes, strict=True):
            code = k % size - 2
            k //= size
            scope[name] = None if code < 0 else vocab[name][code]
        if any(v is None for v in scope.values()):
            continue  # a blank or refused input: its failure decides first
        try:
            got = d.expr(scope)
        except Exception:
            bad[j] = True
            continue
        if got not in values:
            values.append(got)
        table[j] = values.index(got)
    if where is None:
        index = np.zeros(radix, np.int64)
        index[present] = np.arange(len(present))
        where = index[key]
    codes = table[where]
    raised = bad[where]
    return codes, values, raised if raised.any() else None
