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
from ..compile import Compiled, IndicatorNode
from ..words import Bilingual
from .bounds import Unsupported, ceil_scaled
from .checks import check_plan
from .expression import ColumnCond, ColumnExpr
from .lifts import Lifted, lift_leaves
from .plan import (
    GENERIC,
    NUMERIC,
    AggPlan,
    ColumnBuild,
    GroupPlan,
    LeafPlan,
    MetricPlan,
    Plan,
    WhenPlan,
)
from .reasons import about, about_metric, no
from .rowcalls import CallSplitter
from .rowexpr import row_plans
from .seriesexpr import SeriesExpr, value_over_series, when_over_series

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
    rows = row_plans(c, kinds, CallSplitter)  # what calls a plug-in function: run per row
    for mt in c.metrics:
        if mt.missing_aware:
            raise no("metric_aware", name=mt.name)
        names = tuple(sorted(mt.expr.names))
        if mt.name in rows.metrics:
            metric_plans.append(rows.metrics[mt.name])
            continue
        if any(kinds.get(n) == "series" for n in names) or nullable & set(names):
            try:
                sx = SeriesExpr(mt.expr.text, kinds, mt.name)
            except Unsupported as e:
                raise about_metric(c, mt.name, e) from None
            if sx.kind == "bool":  # a yes/no metric: per record its readers see True/False
                raise about_metric(c, mt.name, sx.refused("Compare"))
            if sx.nullable:
                nullable.add(mt.name)
            pad = max(pad, sx.pad)
            metric_plans.append(MetricPlan(mt.name, None, names, mt.zero_division, sx))
            kinds[mt.name] = "series" if sx.kind == "series" else "metric"
            continue
        metrics.append((mt.name, ColumnExpr(mt.expr.text, kinds)))
        metric_plans.append(MetricPlan(mt.name, metrics[-1][1], names, mt.zero_division))
        kinds[mt.name] = "metric"
    lifted: dict[str, str] = dict(rows.values)  # leaf id → the metric its value runs as
    for node in stack_all(c):
        if node.id in lifted or not value_over_series(node, kinds):
            continue
        assert node.value is not None
        name = f"_value_{node.id}"  # (ids start with a letter: no rule set's name)
        try:
            sx = SeriesExpr(node.value.text, kinds, name)
        except Unsupported as e:
            raise about(f"indicator {node.id}", f"评分指标 {node.id}", e) from None
        pad = max(pad, sx.pad)
        names = tuple(sorted(node.value.names))
        metric_plans.append(MetricPlan(name, None, names, node.zero_division, sx))
        kinds[name] = "series" if sx.kind == "series" else "metric"
        lifted[node.id] = name
    for node in stack_all(c):  # a ``when`` comparing numbers computed from series
        try:
            got = when_over_series(node, kinds, nullable)
        except Unsupported as e:
            raise about(f"indicator {node.id}", f"评分指标 {node.id}", e) from None
        if got is not None:
            for name, names, sx in got[1]:
                pad = max(pad, sx.pad)
                metric_plans.append(MetricPlan(name, None, names, "error", sx))
                kinds[name] = "metric"
            lifted[f"when:{node.id}"] = got[0]
            lifted[f"raises:{node.id}"] = ",".join(name for name, _, _ in got[1])
    # a scorer's own expressions that run as metrics
    leaves = [n for n in stack_all(c) if n.id not in lifted]
    lifts = lift_leaves(leaves, kinds, nullable, rows.exprs)
    rows.merge(lifts, lifted, [n for n in stack_all(c) if n.when is not None])
    metric_plans += lifts.metrics
    metrics += [(m.name, m.expr) for m in lifts.metrics if m.expr is not None]
    pad = max([pad, *(m.series.pad for m in lifts.metrics if m.series is not None)])
    for name in sorted(nullable):
        whens = {k[5:] for k in lifted if k.startswith("when:")}
        _only_values_read(c, name, set(lifts.reads), whens)
    letter_ids = () if c.letters is None else c.letters.ordered()
    build = ColumnBuild(
        places, kinds, letters=letter_ids, impure=rows.impure, conditions=rows.conditions
    )
    tree = [_node(n, build, c, lifted, lifts) for n in c.indicators]
    for node in stack_all(c):  # series_bands looks back this many years
        years = getattr(node.scorer, "last", None)
        if type(years) is int:
            pad = max(pad, years - 1)
    top_w = sum((n.weight or Decimal(0) for n in c.indicators), Decimal(0))
    has_total = root_weight is not None
    if tree and has_total and root_weight != top_w:
        raise no("top_weights")
    checks = [check_plan(ch, kinds, rows.conditions) for ch in c.checks]
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
        raise no("coverage_big")  # numerators ≤ denominators
    ids = grade_ids(c)
    overrides = []
    with_total = {**kinds, "total": "metric"}
    for o in c.overrides:
        cond = ColumnCond(rows.conditions(o.when.text), with_total)
        aware = bool(o.when.functions & {"is_missing", "coalesce"})
        names = tuple(sorted(n for n in o.when.names if n != "total"))
        overrides.append((cond, ids.index(o.grade), names, aware))
    defaults = {}
    series = sorted(n for n in _names_read(c, kinds) if kinds.get(n) == "series" and n in c.inputs)
    for name in series:  # (the schema refuses one: this guards a spec made in code)
        if c.inputs[name].default is not None:
            raise no("default_series", name=name)
    for name in read:
        d = c.inputs[name].default
        if d is None:
            continue
        if not isinstance(d, Decimal):
            raise no("default_kind", name=name, d=repr(d))
        cell = d * 100 if c.inputs[name].type == "percent" else d
        if Decimal(repr(float(cell))) != cell:
            raise no("default_float", name=name, d=d)
        defaults[name] = float(cell)
    # metrics nothing reads (directly or through another metric) are not computed
    used: set[str] = set()
    for node in stack_all(c):
        used |= set(node.reads) | set(node.optional_reads)
        if node.when is not None:
            used |= set(node.when.names)
    for ch in c.checks:
        used |= set(ch.reads) | ({ch.require} if ch.require else set())
    used |= {v for k, v in lifted.items() if ":" not in k}
    used |= {m.name for m in lifts.metrics}
    used |= {n for k, v in lifted.items() if k.startswith("raises:") for n in v.split(",")}
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
        list(build.derived.values()),
        rows.note,
    )


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
        raise no("weights_fine", id=rule_id)
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
    dens = [k.form.cov_den if isinstance(k, LeafPlan) else k.cov_den for k in kids]
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


def _only_values_read(c: Compiled, name: str, lifted: set[str], whens: set[str]) -> None:
    """Metric ``name`` may have no value without a failure (``year(s, y)``): other metrics
    read it as such (:attr:`~perfscore.columnar.bounds.Chunk.nulls`; they are run as exact
    series expressions); elsewhere the columns mirror it as an error in the metric, which
    equals the per-record path only where nothing else read beside it can decide first — so
    else ``name`` may only be the whole of what leaves read (their ``value``)."""
    why = about_metric(
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
        reads = set() if node.id in lifted else set(node.reads) | set(node.optional_reads)
        if node.when is not None and node.id in whens:  # (a lifted when reads it exactly)
            reads -= set(node.when.names) - _own_reads(node)
        elif node.when is not None:
            reads |= set(node.when.names)
        if name in reads and (node.children or reads != {name} or name in node.optional_reads):
            raise why


def _own_reads(node: IndicatorNode) -> set[str]:
    """What a leaf's value and scorer read (not its ``when``)."""
    exprs = [] if node.scorer is None else list(node.scorer.expressions)
    return {n for e in [node.value, *exprs] if e is not None for n in e.names}


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
            raise no("input_kind", name=repr(name), kind=kinds.get(name))
    return names


def stack_all(c: Compiled) -> list[IndicatorNode]:
    out: list[IndicatorNode] = []
    stack = list(c.indicators)
    while stack:
        n = stack.pop()
        out.append(n)
        stack.extend(n.children)
    return out


def _when(node: IndicatorNode, build: ColumnBuild, lifted: Mapping[str, str]) -> WhenPlan | None:
    if node.when is None:
        return None
    aware = bool(node.when.functions & {"is_missing", "coalesce"})
    names = tuple(sorted(node.when.names))
    text = lifted.get(f"calls:{node.id}", node.when.text)  # (plug-in calls: as metrics)
    text = lifted.get(f"when:{node.id}", text)  # (series: compared as metrics)
    raises = tuple(filter(None, lifted.get(f"raises:{node.id}", "").split(",")))
    return WhenPlan(ColumnCond(text, build.kinds), names, aware, node.missing, raises)


def _node(
    node: IndicatorNode, build: ColumnBuild, c: Compiled, lifted: Mapping[str, str], lifts: Lifted
) -> LeafPlan | GroupPlan | AggPlan:
    when = _when(node, build, lifted)
    if node.children:
        kids = tuple(_node(k, build, c, lifted, lifts) for k in node.children)
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
                raise no("weights_fine", id=node.id)
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
            raise no("aggregate", id=node.id, name=node.aggregate_name)
        if any(k.weight is None for k in node.children):
            raise no("no_weight", id=node.id)
        weights = [k.weight or Decimal(0) for k in node.children]
        group = _group(node.id, kids, weights, node.weight, node.not_applicable_weight)
        return group if when is None else replace(group, when=when)
    if node.missing_aware:
        raise no("node_aware", id=node.id)
    sc, w = node.scorer, node.weight
    # a value over series: the metric it runs as, which is all the leaf reads
    reads = (lifted[node.id],) if node.id in lifted else tuple(sorted(node.reads))
    reads = lifts.reads.get(node.id, reads)  # (a scorer's expression run as a metric)
    if f"when:{node.id}" in lifted and node.when is not None:  # (when_codes reads those)
        own = _own_reads(node)
        reads = tuple(r for r in reads if r in own or r not in node.when.names)
    optional = tuple(sorted(node.optional_reads))
    text = lifted.get(node.id, None if node.value is None else node.value.text)
    exprs = (*getattr(sc, "expressions", ()), *getattr(sc, "optional_expressions", ()))
    build = replace(
        build, lifted=lifts.names.get(node.id, {}), compiled={e.text.strip(): e for e in exprs}
    )
    if sc is not None and sc.yields == "grade":
        return _letter_leaf(node, replace(build, value=text), when, c, reads)
    if w is None or sc is None or sc.yields != "points":
        raise no("not_points", id=node.id)
    series_value = text is not None and build.kinds.get(text.strip()) == "series"
    value = None if text is None or series_value else ColumnExpr(text, build.kinds)
    column_form = getattr(sc, "column_form", None)
    try:
        leaf = replace(build, value=text)
        form = column_form(w, build.places, leaf) if column_form is not None else None
    except Unsupported as e:
        raise about(node.id, node.id, e) from None
    if form is None:
        raise no("scorer", id=node.id, name=type(sc).__name__)
    if value is None and form.needs_value:
        raise no("no_value", id=node.id)
    pass_at = ceil_scaled(w * node.pass_at, build.places)
    full = ceil_scaled(w, build.places)
    if node.missing == "full" and Decimal(full).scaleb(-build.places) != w:
        raise no("full_fine", id=node.id)
    return LeafPlan(
        node.id,
        value,
        form,
        pass_at,
        node.pass_at == 1 and form.uses_met,
        reads,
        node.missing,
        node.zero_division,
        full,
        w,
        optional,
        when,
        w,
        after=lifts.optional.get(node.id, ()),
    )


def _letter_leaf(
    node: IndicatorNode,
    leaf: ColumnBuild,
    when: WhenPlan | None,
    c: Compiled,
    reads: tuple[str, ...],
) -> LeafPlan:
    """A leaf whose scorer gives a letter (``grade``): its column form gives letter codes."""
    column_form = getattr(node.scorer, "column_form", None)
    try:
        form = column_form(node.weight, leaf.places, leaf) if column_form else None
    except Unsupported as e:
        raise about(node.id, node.id, e) from None
    if form is None or form.grade is None:
        raise no("scorer", id=node.id, name=type(node.scorer).__name__)
    if node.missing == "full":
        raise no("full_letter", id=node.id)
    assert c.letters is not None  # (compile refuses a letter scorer without a scale)
    return LeafPlan(
        node.id,
        None,
        form,
        0,
        True,
        reads,
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
