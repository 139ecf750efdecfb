"""Planning: a compiled rule set prepared for columns, once — which inputs are read, the
metrics as column expressions, the indicator tree with each leaf's column form (asked of its
scorer's module), ``when`` conditions, groups by aggregator, the checks, grade bands and
overrides.  A rule set using anything the columnar path does not mirror raises
:class:`~perfscore.columnar.bounds.Unsupported` here, saying what."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal
from fractions import Fraction

import numpy as np

from ..aggregate import AggregateSpec, mean, weakest_link, weighted_sum
from ..compile import CheckNode, Compiled, IndicatorNode
from ..words import Bilingual, in_language
from .bounds import Unsupported, ceil_scaled, const
from .expression import ColumnCond, ColumnExpr
from .plan import (
    GENERIC,
    NUMERIC,
    AggPlan,
    CheckPlan,
    ColumnBuild,
    GroupPlan,
    LeafPlan,
    MetricPlan,
    Plan,
    WhenPlan,
)
from .seriesexpr import SeriesExpr

__all__ = ["build_plan", "grade_ids", "stack_all"]


def build_plan(c: Compiled, root_weight: Decimal | None) -> Plan:
    """The plan for ``c``, or :class:`Unsupported` (or SyntaxError) saying what is not mirrored."""
    places = c.model.settings.places
    kinds: dict[str, str] = {}
    for name, spec in c.inputs.items():
        kinds[name] = "number" if spec.type in NUMERIC else spec.type
    metrics = []
    metric_plans = []
    pad = 0
    nullable: set[str] = set()  # metrics ``year(s, y)``: read as values by exact expressions
    for mt in c.metrics:
        if mt.missing_aware:
            raise Unsupported(f"metric {mt.name}: is_missing/coalesce")
        names = tuple(sorted(mt.expr.names))
        if any(kinds.get(n) == "series" for n in names) or nullable & set(names):
            try:
                sx = SeriesExpr(mt.expr.text, kinds, mt.name)
            except Unsupported as e:
                raise _about_metric(c, mt.name, e) from None
            if sx.nullable:
                _only_values_read(c, mt.name)
                nullable.add(mt.name)
            pad = max(pad, sx.pad)
            metric_plans.append(MetricPlan(mt.name, None, names, mt.zero_division, sx))
            kinds[mt.name] = "series" if sx.kind == "series" else "metric"
            continue
        metrics.append((mt.name, ColumnExpr(mt.expr.text, kinds)))
        metric_plans.append(MetricPlan(mt.name, metrics[-1][1], names, mt.zero_division))
        kinds[mt.name] = "metric"
    letter_ids = () if c.letters is None else c.letters.ordered()
    build = ColumnBuild(places, kinds, letters=letter_ids)
    tree = [_node(n, build, c) for n in c.indicators]
    for node in stack_all(c):  # series_bands looks back this many years
        years = getattr(node.scorer, "last", None)
        if type(years) is int:
            pad = max(pad, years - 1)
    top_w = sum((n.weight or Decimal(0) for n in c.indicators), Decimal(0))
    has_total = root_weight is not None
    if tree and has_total and root_weight != top_w:
        raise Unsupported("top-level weights")
    checks = [_check(ch, kinds) for ch in c.checks]
    # every numeric input read by anything must be a present, in-range number
    read = sorted({n for n, k in kinds.items() if k == "number"} & _names_read(c, kinds))
    root = _group(
        "total",
        tuple(tree),  # (a letter group adds no points: its weight is 0)
        [n.weight or Decimal(0) for n in c.indicators],
        top_w,
        c.model.settings.not_applicable_weight,
    )
    min_cov = c.min_coverage
    if min_cov is not None and tree and _max_den(root) >= 1 << 62:
        raise Unsupported("coverage denominators beyond int64")  # numerators ≤ denominators
    ids = grade_ids(c)
    overrides = []
    with_total = {**kinds, "total": "metric"}
    for o in c.overrides:
        cond = ColumnCond(o.when.text, with_total)
        aware = bool(o.when.functions & {"is_missing", "coalesce"})
        names = tuple(sorted(n for n in o.when.names if n != "total"))
        overrides.append((cond, ids.index(o.grade), names, aware))
    defaults = {}
    series = sorted(n for n in _names_read(c, kinds) if kinds.get(n) == "series" and n in c.inputs)
    for name in series:  # (the schema refuses one: this guards a spec made in code)
        if c.inputs[name].default is not None:
            raise Unsupported(f"input {name}: a default series")
    for name in read:
        d = c.inputs[name].default
        if d is None:
            continue
        if not isinstance(d, Decimal):
            raise Unsupported(f"input {name}: default {d!r}")
        cell = d * 100 if c.inputs[name].type == "percent" else d
        if Decimal(repr(float(cell))) != cell:
            raise Unsupported(f"input {name}: default {d} is not a float cell")
        defaults[name] = float(cell)
    # metrics nothing reads (directly or through another metric) are not computed
    used: set[str] = set()
    for node in stack_all(c):
        used |= set(node.reads) | set(node.optional_reads)
        if node.when is not None:
            used |= set(node.when.names)
    for ch in c.checks:
        used |= set(ch.reads) | ({ch.require} if ch.require else set())
    for o in c.overrides:
        used |= set(o.when.names)
    for mt in reversed(c.metrics):
        if mt.name in used:
            used |= set(mt.expr.names)
    metric_plans = [mp for mp in metric_plans if mp.name in used]
    # the leaves each input reaches (through metrics): where it is worth holding in integers
    reach: dict[str, set[str]] = {}
    for mt in c.metrics:
        reach[mt.name] = set().union(*(reach.get(n, {n}) for n in mt.expr.names))
    users: dict[str, list[str]] = {}
    for node in stack_all(c):
        if not node.children:
            for name in set().union(*(reach.get(n, {n}) for n in node.reads)):
                users.setdefault(name, []).append(node.id)
    return Plan(
        metrics,
        tree,
        checks,
        read,
        [ceil_scaled(b.min, places) for b in c.grade_bands],
        min_cov is None or Decimal(1) >= min_cov,
        kinds,
        dict(metrics),
        metric_plans,
        root,
        None if min_cov is None else ceil_scaled(min_cov, 4),
        defaults,
        sorted(n for n in _names_read(c, kinds) if kinds.get(n) in ("text", "boolean")),
        overrides,
        {name: tuple(ids) for name, ids in users.items()},
        letter_ids,
        has_total,
        series,
        pad,
    )


def _check(ch: CheckNode, kinds: Mapping[str, str]) -> CheckPlan:
    """A check's plan: ``equal`` (without ``require``), ``assert`` (without ``require``) or
    ``explain_if`` explained by a text or yes/no input."""
    when = None if ch.when is None else ColumnCond(ch.when.text, kinds)
    reads = tuple(sorted(n for n in ch.reads if n != ch.require))
    aware = ch.missing_aware
    if ch.type == "equal" and ch.left is not None and ch.right is not None:
        if ch.require is not None:
            raise Unsupported(f"check {ch.id}: require")
        left, right = ColumnExpr(ch.left.text, kinds), ColumnExpr(ch.right.text, kinds)
        tolerance = const(ch.tolerance)
        return CheckPlan(ch.id, left, right, tolerance, reads, when=when, missing_aware=aware)
    if ch.type == "assert" and ch.expr is not None and ch.require is None:
        cond = ColumnCond(ch.expr.text, kinds)
        return CheckPlan(ch.id, None, None, None, reads, "assert", cond, when, missing_aware=aware)
    if ch.type == "explain_if" and when is not None and ch.require is not None:
        if kinds.get(ch.require) not in ("text", "boolean"):
            raise Unsupported(f"check {ch.id}: explained by {ch.require!r}")
        return CheckPlan(
            ch.id, None, None, None, reads, "explain_if", None, when, ch.require, aware
        )
    raise Unsupported(f"check {ch.id}: {ch.type}")


def grade_ids(c: Compiled) -> tuple[str, ...]:
    """The grades a row can get: the bands' ids, then the overrides' grades."""
    return tuple(dict.fromkeys([*(b.id for b in c.grade_bands), *(o.grade for o in c.overrides)]))


def _group(
    rule_id: str,
    kids: tuple[LeafPlan | GroupPlan | AggPlan, ...],
    weights: list[Decimal],
    weight: Decimal,
    na_weight: str,
) -> GroupPlan:
    base = sum(weights, Decimal(0))
    e = max([0, -_exponent(weight), *(-_exponent(w) for w in weights)])
    scaled = (int(weight.scaleb(e)), tuple(int(w.scaleb(e)) for w in weights))
    if scaled[0] >= 1 << 40 or sum(scaled[1]) >= 1 << 40:
        raise Unsupported(f"{rule_id}: weights too precise")
    cov_den, coef = _coverage(kids, scaled[1])
    return GroupPlan(
        rule_id, kids, weight, base, na_weight == "redistribute", scaled, cov_den, coef
    )


def _coverage(
    kids: tuple[LeafPlan | GroupPlan | AggPlan, ...], scaled: tuple[int, ...]
) -> tuple[int, tuple[int, ...]]:
    """A group's coverage — Σ w·cov / Σ w over integer weights (``scaled``), children's
    coverage over their own denominators; the share of children scored when the weights add
    up to 0 — as an integer over a constant denominator: ``(denominator, coefficients)``."""
    dens = [1 if isinstance(k, LeafPlan) else k.cov_den for k in kids]
    lcm = 1
    for d in dens:
        lcm = lcm * d // math.gcd(lcm, d)
    if sum(scaled) == 0:
        return len(kids), tuple(1 for _ in kids)
    # Σ coef_i · num_i / den, reduced by what every coefficient and den share
    coef = tuple(w * (lcm // d) for w, d in zip(scaled, dens, strict=True))
    cov_den = sum(scaled) * lcm
    g = math.gcd(cov_den, *coef)
    return cov_den // g, tuple(c // g for c in coef)


def _share_coefficients(
    weight: Decimal, declared: tuple[Decimal | None, ...]
) -> tuple[int, tuple[int | None, ...]]:
    """``mean``/``weakest_link`` shares in integers: the parent's weight over each child's
    (``W / w``) as ``coef / D`` with one ``D`` (None for a child without weight, which has
    no share)."""
    ratios = [None if not w else Fraction(weight) / Fraction(w) for w in declared]
    den = 1
    for r in ratios:
        if r is not None:
            den = den * r.denominator // math.gcd(den, r.denominator)
    return den, tuple(None if r is None else int(r * den) for r in ratios)


def _exponent(x: Decimal) -> int:
    exp = x.as_tuple().exponent
    return exp if isinstance(exp, int) else 0


def _readers(c: Compiled, name: str) -> list[str]:
    """The indicators that read ``name``, directly or through metrics (for a reason)."""
    reach = {name}
    for mt in c.metrics:
        if mt.expr.names & reach:
            reach.add(mt.name)
    return sorted(n.id for n in stack_all(c) if not n.children and set(n.reads) & reach)


def _about_metric(c: Compiled, name: str, e: Unsupported) -> Unsupported:
    """``e`` said of metric ``name`` and the indicators reading it, in both languages."""
    why = e.args[0] if e.args else type(e).__name__
    readers = _readers(c, name)
    en = f"metric {name}" + (f" (read by {', '.join(readers)})" if readers else "")
    zh = f"计算指标 {name}" + (f"（{'、'.join(readers)} 读它）" if readers else "")
    return Unsupported(Bilingual(f"{en}: {why}", f"{zh}：{in_language(why, 'zh')}"))


def _only_values_read(c: Compiled, name: str) -> None:
    """Metric ``name`` may have no value without a failure (``year(s, y)``): other metrics
    read it as such (:attr:`~perfscore.columnar.bounds.Chunk.nulls`; they are run as exact
    series expressions); elsewhere the columns mirror it as an error in the metric, which
    equals the per-record path only where nothing else read beside it can decide first — so
    else ``name`` may only be the whole of what leaves read (their ``value``)."""
    why = _about_metric(
        c,
        name,
        Unsupported(
            Bilingual(
                "year(s, y) read beside other values (a year without a value is no value "
                "there, not a failure)",
                "year(s, y) 与其他值一起读（某年无值时那里是空值，不是失败）",
            )
        ),
    )
    if any(name in o.when.names for o in c.overrides) or any(
        name in ch.reads or ch.require == name for ch in c.checks
    ):
        raise why
    for node in stack_all(c):
        reads = set(node.reads) | set(node.optional_reads)
        if node.when is not None:
            reads |= set(node.when.names)
        if name in reads and (node.children or reads != {name} or name in node.optional_reads):
            raise why


def _names_read(c: Compiled, kinds: Mapping[str, str]) -> set[str]:
    names: set[str] = set()
    for mt in c.metrics:
        names |= mt.expr.names
    stack = list(c.indicators)
    while stack:
        n = stack.pop()
        names |= set(n.reads)
        stack.extend(n.children)
    for o in c.overrides:
        names |= set(o.when.names) - {"total"}
    for ch in c.checks:
        names |= set(ch.reads)
        if ch.require is not None:
            names.add(ch.require)
    for n in stack_all(c):
        names |= set(n.optional_reads)
        if n.when is not None:
            names |= set(n.when.names)
    for name in list(names):
        # text and yes/no inputs only reach scorers that read them as values (tier,
        # checklist); an expression reading one is refused when it is translated
        if kinds.get(name) not in ("number", "metric", "text", "boolean", "series"):
            raise Unsupported(f"input {name!r} of type {kinds.get(name)}")
    return names


def stack_all(c: Compiled) -> list[IndicatorNode]:
    out: list[IndicatorNode] = []
    stack = list(c.indicators)
    while stack:
        n = stack.pop()
        out.append(n)
        stack.extend(n.children)
    return out


def _when(node: IndicatorNode, build: ColumnBuild) -> WhenPlan | None:
    if node.when is None:
        return None
    aware = bool(node.when.functions & {"is_missing", "coalesce"})
    names = tuple(sorted(node.when.names))
    return WhenPlan(ColumnCond(node.when.text, build.kinds), names, aware, node.missing)


def _node(node: IndicatorNode, build: ColumnBuild, c: Compiled) -> LeafPlan | GroupPlan | AggPlan:
    when = _when(node, build)
    if node.children:
        kids = tuple(_node(k, build, c) for k in node.children)
        if node.aggregate in GENERIC:
            spec = AggregateSpec(
                node.id, node.weight, node.not_applicable_weight, c.letters, node.table
            )
            assert node.aggregate is not None
            declared = tuple(k.weight for k in node.children)
            weights = [w or Decimal(0) for w in declared]
            e = max([0, *(-_exponent(w) for w in weights)])
            scaled = tuple(int(w.scaleb(e)) for w in weights)
            if sum(scaled) >= 1 << 40:
                raise Unsupported(f"{node.id}: weights too precise")
            cov_den, coef = _coverage(kids, scaled)
            ints = None
            if node.aggregate in (mean, weakest_link) and c.letters is None:
                den, coefs = _share_coefficients(node.weight or Decimal(0), declared)
                ints = (den, coefs, node.not_applicable_weight == "redistribute")
            return AggPlan(
                node.id,
                kids,
                spec,
                node.aggregate,
                declared,
                when,
                sum(scaled) == 0,
                cov_den,
                coef,
                ints,
            )
        if node.aggregate is not weighted_sum or node.weight is None:
            raise Unsupported(f"{node.id}: aggregate {node.aggregate_name}")
        if any(k.weight is None for k in node.children):
            raise Unsupported(f"{node.id}: child without weight")
        weights = [k.weight or Decimal(0) for k in node.children]
        group = _group(node.id, kids, weights, node.weight, node.not_applicable_weight)
        return group if when is None else replace(group, when=when)
    if node.missing_aware:
        raise Unsupported(f"{node.id}: is_missing/coalesce")
    sc, w = node.scorer, node.weight
    if sc is not None and sc.yields == "grade":
        return _letter_leaf(node, build, when, c)
    if w is None or sc is None or sc.yields != "points":
        raise Unsupported(f"{node.id}: not a points scorer")
    text = None if node.value is None else node.value.text
    series_value = text is not None and build.kinds.get(text.strip()) == "series"
    value = None if text is None or series_value else ColumnExpr(text, build.kinds)
    column_form = getattr(sc, "column_form", None)
    try:
        leaf = replace(build, value=text)
        form = column_form(w, build.places, leaf) if column_form is not None else None
    except Unsupported as e:
        raise Unsupported(f"{node.id}: {e}") from None
    if form is None:
        raise Unsupported(f"{node.id}: scorer {type(sc).__name__}")
    if value is None and form.needs_value:
        raise Unsupported(f"{node.id}: no value")
    pass_at = ceil_scaled(w * node.pass_at, build.places)
    full = ceil_scaled(w, build.places)
    if node.missing == "full" and Decimal(full).scaleb(-build.places) != w:
        raise Unsupported(f"{node.id}: 'missing: full' with a weight finer than the places")
    return LeafPlan(
        node.id,
        value,
        form,
        pass_at,
        node.pass_at == 1 and form.uses_met,
        tuple(sorted(node.reads)),
        node.missing,
        node.zero_division,
        full,
        w,
        tuple(sorted(node.optional_reads)),
        when,
        w,
    )


def _letter_leaf(
    node: IndicatorNode, build: ColumnBuild, when: WhenPlan | None, c: Compiled
) -> LeafPlan:
    """A leaf whose scorer gives a letter (``grade``): its column form gives letter codes."""
    column_form = getattr(node.scorer, "column_form", None)
    leaf = replace(build, value=None if node.value is None else node.value.text)
    try:
        form = column_form(node.weight, build.places, leaf) if column_form else None
    except Unsupported as e:
        raise Unsupported(f"{node.id}: {e}") from None
    if form is None or form.grade is None:
        raise Unsupported(f"{node.id}: scorer {type(node.scorer).__name__}")
    if node.missing == "full":
        raise Unsupported(f"{node.id}: 'missing: full' on a letter indicator")
    assert c.letters is not None  # (compile refuses a letter scorer without a scale)
    return LeafPlan(
        node.id,
        None,
        form,
        0,
        True,
        tuple(sorted(node.reads)),
        node.missing,
        node.zero_division,
        0,
        Decimal(0),
        tuple(sorted(node.optional_reads)),
        when,
        node.weight,
        np.array([*(c.letters.passes(g) for g in c.letters.ordered()), False]),
    )


def _max_den(node: LeafPlan | GroupPlan | AggPlan) -> int:
    if isinstance(node, LeafPlan):
        return 1
    return max([node.cov_den, *(_max_den(k) for k in node.kids)])
