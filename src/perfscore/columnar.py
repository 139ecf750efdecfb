"""Columnar batch scoring: many subjects from columns (numpy arrays or a pandas DataFrame), with
exactly the results of the per-record (Decimal) path.

Design — float64 with a certified guard, exact integers for points, exact tie-breaks:

* Expressions (``+ - * /``, unary ``-``, ``min``/``max``/``abs``, names, number literals) run in
  float64 over whole columns, and alongside each value an *error bound* is carried: an operation
  count ``k`` and either a relative bound (``|float − exact| ≤ k·u·|float|``, ``u`` = 2⁻⁵³, kept
  through ``× ÷`` of inputs and constants) or a magnitude array ``m`` (``≤ k·u·m``, after
  ``+ −``).  The Decimal path's own 28-digit rounding is far below that.
* A comparison with a constant (threshold, target, deduct start, band edge) is two float
  comparisons against the constant ± 4× the bound; when the two popcounts differ, the rows in
  between are too close to call in float64 — typically exact ties such as 95/100 against 0.95 —
  and are decided by comparing the *exact* per-record value of that input or metric (inputs read
  as the per-record reader reads them, metrics by their compiled Decimal expressions).
* Points are rounded half-up to the rule set's places from the float value unless it lies within
  4× its bound of a half; such rows (exact half-way ties such as 3.125) take the exact per-record
  points of that indicator (formula scorers) or fall back.
* Rows with a missing/non-finite/out-of-range input, a possibly-zero denominator, or anything
  without an exact tie-break are scored by the per-record evaluator and merged in.  So every row
  equals the per-record result (property-tested).
* Points are scaled integers (``× 10**places``) held in float64 while scoring — exact below
  2⁵³ — so group sums and the total are exact; a re-weighted group (``got × weight / base``) is
  rounded half-up in integer arithmetic.  Results are int64.
* Supported: inputs of type number/money/percent/integer; metrics; leaf scorers ``threshold``,
  ``proportional``, ``deduct`` (constant target/start), ``bands`` (points) and ``formula``;
  groups with ``weighted_sum``; ``equal`` checks; grade bands.  A rule set using anything else
  (``when``, text/boolean/series inputs in expressions, checklist/tier/grade/series scorers,
  other aggregators, assert/explain_if checks, grade overrides, non-numeric functions) is scored
  entirely by the per-record path — same results, per-record speed; ``ColumnarScorer.reason``
  says why.

The per-record equivalent of row ``i`` is the record ``{name: float(column[name][i])}`` with NaN
as a missing value (numbers go through ``Decimal(repr(x))``, exactly what the per-record reader
does with a float).
"""

from __future__ import annotations

import ast
import itertools
import math
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from typing import Any, cast

import numpy as np

from .aggregate import weighted_sum
from .compile import IndicatorNode
from .errors import PerfscoreError
from .numbers import round_places
from .ruleset import RuleSet
from .scorers import BandsScorer, DeductScorer, FormulaScorer, ProportionalScorer, ThresholdScorer
from .subjects import read_subject

__all__ = [
    "OUTCOMES",
    "ColumnarResult",
    "ColumnarScorer",
    "FrameScorer",
    "score_columns",
    "score_frame",
]

OUTCOMES = ("pass", "fail", "not_applicable", "error")
_CODE = {o: i for i, o in enumerate(OUTCOMES)}
U = 2.0**-53
SAFETY = 4.0
CHUNK = 1 << 14
_NUMERIC = ("number", "money", "percent", "integer")


class Unsupported(Exception):
    """The rule set uses something the columnar path does not mirror."""


# --- values with error bounds ------------------------------------------------------------------


class _V:
    """A float64 column with ``|value − exact| ≤ k·u·mag`` (``mag`` None means ``|value|``)."""

    __slots__ = ("exact", "k", "mag", "name", "v")

    def __init__(
        self, v: Any, mag: Any, k: float, *, name: str | None = None, exact: Decimal | None = None
    ) -> None:
        self.v, self.mag, self.k = v, mag, k
        self.name = name  # an input or metric: its exact value can be computed per row
        self.exact = exact  # a constant's exact value

    def m(self) -> Any:
        return np.abs(self.v) if self.mag is None else self.mag

    def tol(self) -> Any:
        return (SAFETY * U * self.k) * self.m()


class _Ctx:
    """One chunk: the input columns and the running 'undecided' mask."""

    def __init__(
        self,
        cols: Mapping[str, Any],
        n: int,
        exact: Callable[[Mapping[str, Any], str, Any], list[Decimal | None]] | None = None,
    ) -> None:
        self.cols = cols
        self.n = n
        self.unsure = np.zeros(n, dtype=bool)
        self.cache: dict[str, _V] = {}
        self._exact = exact

    def exact(self, name: str, rows: Any) -> list[Decimal | None]:
        """Exact (per-record) values of input or metric ``name`` in ``rows`` (None: unsure)."""
        if self._exact is None:
            return [None] * len(rows)
        return self._exact(self.cols, name, rows)

    def flag(self, mask: Any) -> None:
        np.logical_or(self.unsure, mask, out=self.unsure)


def _compare(ctx: _Ctx, a: _V, op: str, b: _V) -> Any:
    """``a op b`` where decided; undecided rows are flagged (their value is irrelevant)."""
    if op in (">=", ">", "<=", "<") and a.mag is None and np.ndim(b.v) == 0:
        return np.logical_not(_fail(ctx, a, op, b))  # the fast guard lives there
    d = a.v - b.v
    tol = a.tol() + b.tol() + (SAFETY * U) * np.abs(d)
    ctx.flag(np.abs(d) <= tol)
    if op == ">=":
        return d >= 0
    if op == ">":
        return d > 0
    if op == "<=":
        return d <= 0
    if op == "<":
        return d < 0
    if op == "==":
        return d == 0
    return d != 0


def _fail(ctx: _Ctx, a: _V, op: str, b: _V, out: Any = None) -> Any:
    """``not (a op b)`` where decided (written to ``out`` if given); undecided rows flagged.
    The fast path is one comparison plus one for the guard, and two popcounts."""
    if not (a.mag is None and np.ndim(b.v) == 0) or op not in (">=", ">", "<=", "<"):
        return np.logical_not(_compare(ctx, a, op, b), out=out)
    c = SAFETY * U * (a.k + 1)
    t = float(b.v)
    e = c * (abs(t) * (1 + b.k)) / (1 - c)
    hi_edge = math.nextafter(t + e, math.inf)
    not_below = a.v >= math.nextafter(t - e, -math.inf)
    if op in (">=", ">"):
        above = np.greater(a.v, hi_edge)
        # counted on the same comparisons, so NaN rows (false in both) cannot hide a tie
        unsure = np.count_nonzero(not_below) != np.count_nonzero(above)  # above ⊆ not_below
        fail = np.logical_not(above, out=out)
    else:
        fail = np.greater(a.v, hi_edge, out=out)  # = above
        unsure = np.count_nonzero(not_below) != np.count_nonzero(fail)
        above = fail
    if unsure:
        _decide_exactly(ctx, a, op, b, np.flatnonzero(not_below ^ above), fail)
    return fail


def _decide_exactly(ctx: _Ctx, a: _V, op: str, b: _V, rows: Any, fail: Any) -> None:
    """Rows too close to call in float64 (typically exact ties such as 95/100 against 0.95):
    compare the exact per-record values instead; rows without one fall back whole."""
    values = ctx.exact(a.name, rows) if a.name is not None and b.exact is not None else None
    if values is None:
        mask = np.zeros(ctx.n, bool)
        mask[rows] = True
        ctx.flag(mask)
        return
    t = b.exact
    assert t is not None
    for row, x in zip(rows.tolist(), values, strict=True):
        if x is None:
            ctx.unsure[row] = True
            continue
        met = x >= t if op == ">=" else x > t if op == ">" else x <= t if op == "<=" else x < t
        fail[row] = not met


_TINY = 2.2250738585072014e-308  # the smallest normal float64


def _const(x: Decimal) -> _V:
    f = float(x)
    if not abs(f) < 1e300:
        raise Unsupported(f"number {x} is beyond the float64 range this path allows")
    if f != 0 and abs(f) < 1e-300:  # subnormal-ish: only an absolute bound holds
        return _V(f, abs(f) + 1e-290, 1.0, exact=x)
    # |float(x) − x| <= u·|float(x)|: a relative bound, like an input's
    return _V(f, None, 1.0, exact=x)


class _Expr:
    """A rule expression translated to column operations (built once, run per chunk)."""

    def __init__(self, text: str, kinds: Mapping[str, str]) -> None:
        self.text = text
        tree = ast.parse(text.strip(), mode="eval")
        self.fn = self._build(tree.body, kinds, text.strip())

    def _build(self, node: ast.expr, kinds: Mapping[str, str], src: str) -> Any:
        if isinstance(node, ast.Name):
            name = node.id
            if kinds.get(name) not in ("number", "metric"):
                raise Unsupported(f"name {name!r} is not a number")
            return lambda ctx: ctx.cache[name]
        if isinstance(node, ast.Constant) and type(node.value) in (int, float):
            seg = ast.get_source_segment(src, node) or repr(node.value)
            try:
                c = _const(Decimal(seg.strip()))
            except ArithmeticError:
                raise Unsupported("number literal") from None
            return lambda ctx: c
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            inner = self._build(node.operand, kinds, src)
            if isinstance(node.op, ast.UAdd):
                return inner

            def neg(ctx: _Ctx) -> _V:
                x = inner(ctx)
                return _V(-x.v, x.mag, x.k)

            return neg
        if isinstance(node, ast.BinOp) and type(node.op) in (ast.Add, ast.Sub, ast.Mult, ast.Div):
            left = self._build(node.left, kinds, src)
            right = self._build(node.right, kinds, src)
            op = type(node.op)

            def binop(ctx: _Ctx) -> _V:
                a, b = left(ctx), right(ctx)
                if op is ast.Add or op is ast.Sub:
                    v = a.v + b.v if op is ast.Add else a.v - b.v
                    return _V(v, a.m() + b.m(), max(a.k, b.k) + 1)
                if op is ast.Mult:
                    mag = None if a.mag is None and b.mag is None else a.m() * b.m()
                    return _V(a.v * b.v, mag, a.k + b.k + 1)
                if b.mag is None:  # relative bound: possibly zero exactly when it is zero
                    if np.ndim(b.v) == 0:
                        if b.v == 0:
                            ctx.flag(np.ones(ctx.n, bool))
                    elif not (b.v.min() > 0 or b.v.max() < 0):  # NaN: neither, checked below
                        ctx.flag(~(b.v != 0))
                else:
                    ctx.flag(np.abs(b.v) <= (SAFETY * U * b.k) * b.m())  # the exact path decides
                with np.errstate(divide="ignore", invalid="ignore"):
                    v = a.v / b.v
                    if a.mag is None and b.mag is None:
                        return _V(v, None, a.k + b.k + 1)
                    bm = b.m()
                    mag = (a.m() + np.abs(v) * bm) / np.abs(b.v)
                return _V(v, mag, a.k + b.k + 1)

            return binop
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords:
            fname = node.func.id
            args = [self._build(a, kinds, src) for a in node.args]
            if fname in ("min", "max") and args:
                pick = np.minimum if fname == "min" else np.maximum

                def extreme(ctx: _Ctx) -> _V:
                    xs = [f(ctx) for f in args]
                    v, mag, k = xs[0].v, xs[0].m(), xs[0].k
                    for x in xs[1:]:
                        v, mag, k = pick(v, x.v), np.maximum(mag, x.m()), max(k, x.k)
                    return _V(v, mag, k)

                return extreme
            if fname == "abs" and len(args) == 1:
                inner = args[0]

                def absolute(ctx: _Ctx) -> _V:
                    x = inner(ctx)
                    return _V(np.abs(x.v), x.mag, x.k)

                return absolute
            raise Unsupported(f"function {fname}()")
        raise Unsupported(f"expression construct {type(node).__name__}")

    def __call__(self, ctx: _Ctx) -> _V:
        out = self.fn(ctx)
        if np.ndim(out.v) == 0:  # a constant expression
            return _V(np.full(ctx.n, out.v), np.full(ctx.n, out.m()), out.k)
        # inf or NaN (overflow, inf/inf, inf·0) would slip through the comparisons: one
        # reduction finds out whether any row has one (a finite overflowing sum only costs
        # the per-row test)
        if not math.isfinite(float(np.sum(out.v))):
            ctx.flag(~np.isfinite(out.v))
        return out  # type: ignore[no-any-return]


# --- the scorer --------------------------------------------------------------------------------


@dataclass
class ColumnarResult:
    """Scores of ``n`` subjects.  Points are int64 scaled by ``10**places`` (valid where
    ``has_points``); outcomes are codes into :data:`OUTCOMES`; ``grade`` indexes
    ``grade_ids`` (−1: none); ``fallback`` marks rows scored by the per-record path."""

    places: int
    rule_ids: tuple[str, ...]
    points: dict[str, Any]
    has_points: dict[str, Any]
    outcome: dict[str, Any]
    total: Any
    has_total: Any
    grade: Any
    grade_ids: tuple[str, ...]
    checks: dict[str, Any]
    fallback: Any

    def __len__(self) -> int:
        return len(self.total)

    def _dec(self, arr: Any, mask: Any) -> list[Decimal | None]:
        return [
            Decimal(int(x)).scaleb(-self.places) if ok else None
            for x, ok in zip(arr.tolist(), mask.tolist(), strict=False)
        ]

    def points_decimal(self, rule_id: str) -> list[Decimal | None]:
        return self._dec(self.points[rule_id], self.has_points[rule_id])

    def totals_decimal(self) -> list[Decimal | None]:
        return self._dec(self.total, self.has_total)

    def outcomes(self, rule_id: str) -> list[str]:
        codes = self.outcome[rule_id] if rule_id in self.outcome else self.checks[rule_id]
        return [OUTCOMES[c] for c in codes.tolist()]

    def grades(self) -> list[str | None]:
        return [self.grade_ids[g] if g >= 0 else None for g in self.grade.tolist()]

    def to_pandas(self) -> Any:
        """One row per subject: ``total``, ``grade`` and ``<rule>.points``/``<rule>.outcome``
        (points as exact Decimals)."""
        import pandas as pd

        data: dict[str, Any] = {"total": self.totals_decimal(), "grade": self.grades()}
        names = np.array(OUTCOMES, dtype=object)
        for rid in self.rule_ids:
            data[f"{rid}.points"] = self.points_decimal(rid)
            data[f"{rid}.outcome"] = names[self.outcome[rid]]
        for cid, codes in self.checks.items():
            data[f"{cid}.outcome"] = names[codes]
        return pd.DataFrame(data)


def _scaled(x: Decimal, places: int) -> int:
    return int(round_places(x, places).scaleb(places))


def _ceil_scaled(x: Decimal, places: int) -> int:
    return int(x.scaleb(places).to_integral_value(rounding=ROUND_CEILING))


class ColumnarScorer:
    """A rule set prepared for columns; ``score(columns)`` → :class:`ColumnarResult`."""

    def __init__(self, rs: RuleSet) -> None:
        self.rs = rs
        c = rs.compiled
        self.places = c.model.settings.places
        self.scale = 10**self.places
        self.reason: str | None = None
        self.inputs = {n: s for n, s in c.inputs.items()}
        self.rule_ids = tuple(r.id for r in c.rules if r.kind != "check")
        self.check_ids = tuple(ch.id for ch in c.checks)
        self.grade_ids = tuple(b.id for b in c.grade_bands)
        try:
            self._prepare()
        except (Unsupported, SyntaxError) as e:
            self.reason = str(e) or type(e).__name__

    @property
    def supported(self) -> bool:
        return self.reason is None

    # -- preparation -------------------------------------------------------------------------
    def _prepare(self) -> None:
        c = self.rs.compiled
        kinds: dict[str, str] = {}
        self.metric_exprs: dict[str, Any] = {}
        self._plans: dict[frozenset[str], tuple[dict[str, Any], list[Any]]] = {}
        for name, spec in c.inputs.items():
            kinds[name] = "number" if spec.type in _NUMERIC else spec.type
        self.metrics = []
        for mt in c.metrics:
            self.metrics.append((mt.name, _Expr(mt.expr.text, kinds)))
            self.metric_exprs[mt.name] = mt
            kinds[mt.name] = "metric"
        self.kinds = kinds
        if c.overrides:
            raise Unsupported("grade overrides")
        if c.letters is not None:
            raise Unsupported("letter grades")
        self.plan = [self._node(n) for n in c.indicators]
        if not self.plan:
            raise Unsupported("no indicators")
        top_w = sum((n.weight or Decimal(0) for n in c.indicators), Decimal(0))
        if self.rs.evaluator.root.weight != top_w:
            raise Unsupported("top-level weights")
        self.check_plan = []
        for ch in c.checks:
            if ch.type != "equal" or ch.when is not None or ch.left is None or ch.right is None:
                raise Unsupported(f"check {ch.id}: {ch.type}")
            self.check_plan.append(
                (
                    ch.id,
                    _Expr(ch.left.text, kinds),
                    _Expr(ch.right.text, kinds),
                    _const(ch.tolerance),
                )
            )
        self.bands_min = [_ceil_scaled(b.min, self.places) for b in c.grade_bands]
        self.min_cov_ok = c.min_coverage is None or Decimal(1) >= c.min_coverage
        # every numeric input read by anything must be a present, in-range number
        self.read = sorted({n for n, k in kinds.items() if k == "number"} & self._names_read())

    def _names_read(self) -> set[str]:
        c = self.rs.compiled
        names: set[str] = set()
        for mt in c.metrics:
            names |= mt.expr.names
        stack = list(c.indicators)
        while stack:
            n = stack.pop()
            names |= set(n.reads)
            stack.extend(n.children)
        for ch in c.checks:
            names |= set(ch.reads)
        for name in list(names):
            if self.kinds.get(name) not in ("number", "metric"):
                raise Unsupported(f"input {name!r} of type {self.kinds.get(name)}")
        return names

    def _node(self, node: IndicatorNode) -> Any:
        if node.when is not None:
            raise Unsupported(f"{node.id}: 'when'")
        if node.children:
            if node.aggregate is not weighted_sum or node.weight is None:
                raise Unsupported(f"{node.id}: aggregate {node.aggregate_name}")
            kids = [self._node(k) for k in node.children]
            base = sum((k.weight or Decimal(0) for k in node.children), Decimal(0))
            if any(k.weight is None for k in node.children):
                raise Unsupported(f"{node.id}: child without weight")
            return ("group", node.id, kids, node.weight, base)
        sc, w = node.scorer, node.weight
        if w is None or sc is None or sc.yields != "points":
            raise Unsupported(f"{node.id}: not a points scorer")
        value = _Expr(node.value.text, self.kinds) if node.value is not None else None
        pass_at = _ceil_scaled(w * node.pass_at, self.places)
        use_met = node.pass_at == 1
        t = type(sc)
        if t is ThresholdScorer:
            th = cast(ThresholdScorer, sc)
            if th.target.const is None:
                raise Unsupported(f"{node.id}: target expression")
            full = th.points_met if th.points_met is not None else w
            spec: Any = (
                "threshold",
                th.op,
                _const(th.target.const),
                _scaled(full, self.places),
                _scaled(th.points_otherwise, self.places),
            )
        elif t is ProportionalScorer:
            pr = cast(ProportionalScorer, sc)
            if pr.target.const is None:
                raise Unsupported(f"{node.id}: target expression")
            _const(pr.target.const)  # in range (raises Unsupported otherwise)
            spec = ("proportional", pr.direction, pr.target.const, w)
        elif t is DeductScorer:
            de = cast(DeductScorer, sc)
            if de.start.const is None:
                raise Unsupported(f"{node.id}: start expression")
            for x in (de.start.const, de.per, de.points, de.floor, w):
                _const(x)
            spec = (
                "deduct",
                de.direction,
                de.start.const,
                de.per,
                de.points,
                de.count,
                de.floor,
                w,
            )
        elif t is BandsScorer:
            bs = cast(BandsScorer, sc)
            if not isinstance(bs.otherwise, (Decimal, type(None))):
                raise Unsupported(f"{node.id}: otherwise")
            # a points scorer compiles only when every band gives points
            bands = [(b.interval, _scaled(cast(Decimal, b.points), self.places)) for b in bs.bands]
            other = None if bs.otherwise is None else _scaled(bs.otherwise, self.places)
            # the open slots between consecutive band edges: each lies in one band or none
            edges = sorted(
                {x for b in bs.bands for x in (b.interval.low, b.interval.high) if x.is_finite()}
            )
            reps = (
                [
                    edges[0] - 1,
                    *((lo + hi) / 2 for lo, hi in itertools.pairwise(edges)),
                    edges[-1] + 1,
                ]
                if edges
                else [Decimal(0)]
            )

            def band_of(x: Decimal) -> int | None:
                return next((i for i, (interval, _) in enumerate(bands) if x in interval), None)

            slot_band = [band_of(x) for x in reps]
            slots: list[int | None] = [other if b is None else bands[b][1] for b in slot_band]
            # a value exactly on edge j belongs to the band above it (counts as past the edge:
            # '>='), the band below ('>'), or neither: then the row is left to the exact path
            edge_ops: list[str | None] = []
            for j, edge in enumerate(edges):
                b = band_of(edge)
                if b is not None and b == slot_band[j + 1]:
                    edge_ops.append(">=")
                elif b is not None and b == slot_band[j]:
                    edge_ops.append(">")
                elif b is None and slot_band[j] is None and slot_band[j + 1] is None:
                    edge_ops.append(">")  # all three fall through: the same either way
                else:
                    edge_ops.append(None)
            # per edge: the constant to compare with ('>' or '>='; with no exact value where
            # the edge's own band is neither neighbour, so those ties fall back) — built once
            cuts = []
            for edge, op in zip(edges, edge_ops, strict=True):
                c = _const(edge)
                cuts.append((op, c) if op else (">", _V(c.v, c.mag, c.k)))  # no exact value
            fills = [0 if p is None else p for p in slots]
            steps = [float(fills[j] - fills[j + 1]) for j in range(len(edges))]
            spec = ("bands", bands, other, cuts, slots, float(fills[-1]), steps)
            use_met = False
        elif t is FormulaScorer:
            fs = cast(FormulaScorer, sc)
            spec = ("formula", _Expr(fs.expr.text, self.kinds), w, fs.expr)
            use_met = False
        else:
            raise Unsupported(f"{node.id}: scorer {type(sc).__name__}")
        if value is None and spec[0] != "formula":
            raise Unsupported(f"{node.id}: no value")
        return ("leaf", node.id, value, spec, pass_at, use_met)

    # -- running -----------------------------------------------------------------------------
    def score(self, data: Any) -> ColumnarResult:
        """Score every row of ``data``: a mapping of column name → 1-D array, a pandas or
        polars DataFrame, or a pyarrow Table/RecordBatch.  Null or NaN is a missing value; a
        column the rule set reads but ``data`` lacks is missing in every row."""
        names = _keys(data)
        raw = {n: data[n] for n in self.inputs if n in names}
        cols: dict[str, Any] = {}
        dirty: Any = None  # rows with a cell that is not a plain number (text, "1,234", "95%")
        for name, col in raw.items():
            cols[name], bad = _column(col)
            if bad is not None:
                dirty = bad if dirty is None else dirty | bad
        n = len(next(iter(cols.values()))) if cols else _rows(data)
        res = ColumnarResult(
            self.places,
            self.rule_ids,
            {r: np.zeros(n, np.int64) for r in self.rule_ids},
            {r: np.full(n, self.supported) for r in self.rule_ids},
            {r: np.zeros(n, np.int8) for r in self.rule_ids},
            np.zeros(n, np.int64),
            np.zeros(n, bool),
            np.full(n, -1, np.int8),
            self.grade_ids,
            {cid: np.zeros(n, np.int8) for cid in self.check_ids},
            np.ones(n, bool) if not self.supported else np.zeros(n, bool),
        )
        if self.supported:
            for lo in range(0, n, CHUNK):
                self._span(res, cols, lo, min(n, lo + CHUNK))
        if dirty is not None:
            res.fallback |= dirty
        rows = np.flatnonzero(res.fallback)
        if len(rows):
            self._per_record(res, raw, rows)
        return res

    def _span(self, res: ColumnarResult, cols: Mapping[str, Any], lo: int, hi: int) -> None:
        """Score rows ``lo:hi``.  Where float64 under- or overflowed (values such as 1e-200
        multiplied together), relative error bounds no longer hold: the span is split and
        scored again, down to 64 rows, which then take the per-record path."""
        trouble: list[str] = []
        with np.errstate(
            divide="ignore", invalid="ignore", over="call", under="call",
            call=lambda kind, _flag: trouble.append(kind),
        ):  # fmt: skip
            self._chunk(res, {k: v[lo:hi] for k, v in cols.items()}, lo, hi)
        if not trouble:
            return
        if hi - lo <= 64:
            res.fallback[lo:hi] = True
            return
        step = max(64, -(-(hi - lo) // 16))
        for start in range(lo, hi, step):
            self._span(res, cols, start, min(hi, start + step))

    def _chunk(self, res: ColumnarResult, cols: dict[str, Any], lo: int, hi: int) -> None:
        n = hi - lo
        ctx = _Ctx(cols, n, self._exact_values)
        for name in self.read:
            spec = self.inputs[name]
            if name not in cols:
                ctx.flag(np.ones(n, bool))
                ctx.cache[name] = _V(np.zeros(n), None, 1.0)
                continue
            raw = cols[name]
            blo, bhi = -1e15, 1e15  # beyond 1e15 the reader refuses a figure
            rest = []
            for bound, below in ((spec.min, True), (spec.max, False)):
                if bound is None:
                    continue
                fb = float(bound)
                if Decimal(fb) == bound and -1e15 < fb < 1e15:
                    # a bound a float holds exactly: float order = Decimal(repr(x)) order
                    blo, bhi = (max(blo, fb), bhi) if below else (blo, min(bhi, fb))
                else:
                    rest.append((fb, below))
            low, high = raw.min(), raw.max()  # NaN (missing) propagates and fails both tests
            if (
                rest
                or spec.type == "integer"
                or not (low >= blo and (high <= bhi if bhi < 1e15 else high < bhi))
            ):
                ok = raw >= blo  # NaN compares false: missing values fall back too
                ok &= raw <= bhi if bhi < 1e15 else raw < bhi
                for fb, below in rest:
                    d = raw - fb
                    near = np.abs(d) <= (SAFETY * U) * (np.abs(raw) + abs(fb))
                    ok &= ~near & (d >= 0 if below else d <= 0)
                if spec.type == "integer":
                    ok &= raw == np.floor(raw)
                ctx.flag(~ok)  # (otherwise the whole chunk is present and in range)
            if not (low > _TINY or high < -_TINY):  # zeros or both signs: any subnormals?
                sub = (raw > -_TINY) & (raw < _TINY) & (raw != 0)
                if sub.any():  # their repr is not within u of them: the exact path decides
                    ctx.flag(sub)
            if spec.type == "percent":
                ctx.cache[name] = _V(raw / 100.0, None, 2.0, name=name)
            else:
                ctx.cache[name] = _V(raw, None, 1.0, name=name)
        for name, expr in self.metrics:
            got = expr(ctx)
            ctx.cache[name] = _V(got.v, got.mag, got.k, name=name)
        total = np.zeros(n)
        for node in self.plan:
            pts, _ = self._run(node, ctx, res, lo, hi)
            total += pts
        checks = [
            (cid, self._check(ctx, left, right, tol)) for cid, left, right, tol in self.check_plan
        ]
        sl = slice(lo, hi)
        res.total[sl] = total  # rows that fall back may hold NaN here: replaced later
        res.has_total[sl] = True
        grade = np.full(n, -1, np.int8)
        if self.min_cov_ok:
            for i in range(len(self.bands_min) - 1, -1, -1):
                grade[total >= self.bands_min[i]] = i
        res.grade[sl] = grade
        for cid, ok in checks:
            res.checks[cid][sl] = np.where(ok, 0, 1)
        res.fallback[sl] = ctx.unsure

    def _check(self, ctx: _Ctx, left: _Expr, right: _Expr, tol: _V) -> Any:
        a, b = left(ctx), right(ctx)
        diff = _V(np.abs(a.v - b.v), a.m() + b.m(), max(a.k, b.k) + 1)
        return _compare(ctx, diff, "<=", tol)

    def _round_points(
        self,
        ctx: _Ctx,
        x: _V,
        top: float,
        factor: float = 1.0,
        exact: Callable[[Any], list[Any]] | None = None,
    ) -> Any:
        """Round ``x × factor`` (points in [0, top], clamped by the caller) half-up to places,
        exactly: the scaled integers as float64 (exact below 2**53), flagging rows too close
        to a half to be sure."""
        s = x.v * (factor * self.scale)
        s += 0.5
        smax = top * self.scale + 0.5
        if not s.min() >= 0.5:  # NaN (from a row already undecided), or negative
            ctx.flag(~(s >= 0.5))
        # |s̃ − s| <= e for every row: relative bounds scale with s <= smax; otherwise the
        # largest magnitude bounds them all (a huge outlier makes e large, never wrong)
        c = SAFETY * U * (x.k + 4)
        if x.mag is None:
            e = c * smax
        else:
            e = c * (float(np.max(x.mag)) * abs(factor) * self.scale + smax)
        whole = np.floor(s)
        frac = s
        frac -= whole
        if not e < 0.25:  # per row instead (NaN bounds fall back too)
            tol = x.tol() * abs(factor) * self.scale + c * (whole + frac)
            ctx.flag(~((frac > tol) & (frac < 1 - tol)))
        else:
            near_low, near_high = frac <= e, frac >= 1 - e
            if np.count_nonzero(near_low) or np.count_nonzero(near_high):
                near = near_low | near_high
                if exact is None:
                    ctx.flag(near)
                else:  # exact half-way ties (3.125 → 3.13): the exact points, rounded
                    rows = np.flatnonzero(near & ~ctx.unsure)
                    for row, points in zip(rows.tolist(), exact(rows), strict=True):
                        if points is None:
                            ctx.unsure[row] = True
                        else:
                            whole[row] = _scaled(points, self.places)
        return whole

    def _run(self, node: Any, ctx: _Ctx, res: ColumnarResult, lo: int, hi: int) -> tuple[Any, Any]:
        sl = slice(lo, hi)
        if node[0] == "group":
            _, gid, kids, w, base = node
            # points are scaled integers held in float64: sums are exact below 2**53
            failed = res.outcome[gid][sl].view(bool)  # written in place: fail = 1
            got: Any = None
            owned = False
            for k in kids:
                p, kid_failed = self._run(k, ctx, res, lo, hi)
                if got is None:
                    got = p
                    np.copyto(failed, kid_failed)
                else:
                    if owned:
                        got += p
                    else:
                        got, owned = got + p, True
                    np.logical_or(failed, kid_failed, out=failed)
            if got is None:
                got = np.zeros(ctx.n)
                failed[:] = False
            if base == w:
                pts = got
            elif base == 0:
                pts = np.zeros(ctx.n)
            else:
                # got/scale × w / base, rounded half-up to places: (2·num + den) // (2·den)
                e = max(-w.as_tuple().exponent, -base.as_tuple().exponent, 0)
                wn, bn = int(w.scaleb(e)), int(base.scaleb(e))
                pts = ((2 * got.astype(np.int64) * wn + bn) // (2 * bn)).astype(np.float64)
            res.points[gid][sl] = pts
            return pts, failed
        _, rid, value, spec, pass_at, use_met = node
        v = value(ctx) if value is not None else None
        kind = spec[0]
        met = None
        failed = res.outcome[rid][sl].view(bool)  # outcome codes: pass 0, fail 1
        decided = False  # outcome already written to ``failed``
        if kind == "threshold":
            assert v is not None
            _, op, t, full, other = spec
            fail = _fail(ctx, v, op, t, out=failed if use_met else None)
            decided = use_met
            pts = np.multiply(fail, float(other - full))
            pts += float(full)
        elif kind == "proportional":
            assert v is not None
            _, direction, t, w = spec
            tv = _const(t)
            wf = float(w)
            zero = _const(Decimal(0))
            if direction == "higher":
                if use_met or t <= 0:
                    met = ~_fail(ctx, v, ">=", tv, out=failed)
                    decided = use_met
                # (otherwise no comparison is needed: the points are continuous in v, and
                # the rounding guard catches rows whose points are too close to call)
                if t <= 0:
                    assert met is not None
                    ratio = _V(np.where(met, 1.0, 0.0), None, 1.0)
                else:  # continuous in v: 0 for v <= 0, v/t below t, 1 from t on
                    r = v.v / float(t)
                    np.clip(r, 0.0, 1.0, out=r)
                    ratio = _V(r, None if v.mag is None else v.m() / float(t), v.k + 2)
            elif direction == "lower":
                met = _compare(ctx, v, "<=", tv)
                pos = _compare(ctx, v, ">", zero)
                if t < 0:
                    ratio = _V(np.zeros(ctx.n), None, 1.0)
                else:
                    safe = np.where(v.v == 0, 1.0, v.v)
                    r = float(t) / safe
                    clipped = np.minimum(np.maximum(r, 0.0), 1.0)
                    # t/v inherits v's error relative to |v|: with an absolute bound (after
                    # + or −, where cancellation makes it large) carry it as a magnitude
                    mag = None if v.mag is None else np.abs(r) * v.mag / np.abs(safe)
                    ratio = _V(np.where(pos, clipped, 0.0), mag, v.k + 2)
            else:
                met = _compare(ctx, v, "==", tv)
                if t == 0:
                    ratio = _V(np.zeros(ctx.n), None, 1.0)
                else:
                    dev = np.abs(v.v - float(t))
                    r = 1.0 - dev / abs(float(t))
                    mag = (v.m() + abs(float(t))) / abs(float(t)) + 1.0
                    ratio = _V(np.minimum(np.maximum(r, 0.0), 1.0), mag, v.k + 3)
                ratio = _V(np.where(met, 1.0, ratio.v), ratio.mag, ratio.k)
            if direction == "higher":
                pts = self._round_points(ctx, ratio, wf, factor=wf)
            else:
                assert met is not None
                pv = _V(
                    np.where(met, wf, ratio.v * wf),
                    None if ratio.mag is None else ratio.m() * wf,
                    ratio.k + 2,
                )
                pts = self._round_points(ctx, pv, wf)
        elif kind == "deduct":
            assert v is not None
            _, direction, s, per, step, count, floor, w = spec
            sv = _const(s)
            beyond_v = v.v - sv.v if direction == "above" else sv.v - v.v
            beyond = _V(beyond_v, v.m() + sv.m(), max(v.k, 1.0) + 1)
            op = "<=" if direction == "above" else ">="
            fail = _fail(ctx, v, op, sv, out=failed if use_met else None)  # ties decided exactly
            decided = use_met
            units = _V(beyond.v / float(per), beyond.m() / abs(float(per)), beyond.k + 2)
            if count in ("started", "completed"):
                f = np.ceil(units.v) if count == "started" else np.floor(units.v)
                off = np.abs(units.v - np.round(units.v))
                near = off <= units.tol() + SAFETY * U * np.abs(units.v)
                ctx.flag(near & fail)
                units = _V(f, np.abs(f), 1.0)
            wf, ff, pf = float(w), float(floor), float(step)
            raw = np.minimum(wf, np.maximum(ff, wf - units.v * pf))
            mag = units.m() * abs(pf) + abs(wf) + abs(ff)
            pv = _V(np.where(fail, raw, wf), mag, units.k + 3)
            pts = self._round_points(ctx, pv, wf)
        elif kind == "bands" and v is not None and v.mag is None and spec[3]:
            # slot = number of edges below v (exact for rows away from every edge; rows near
            # one are flagged by the guard): points = p_last + Σ_j [v <= edge_j]·(p_j − p_j+1)
            _, _, _, cuts, slots, last, steps = spec
            pts = np.full(ctx.n, last)
            below = [_fail(ctx, v, op, cut) for op, cut in cuts]
            for fail, step in zip(below, steps, strict=True):
                if step:
                    pts += np.multiply(fail, step)
            m = len(below)
            for j, p in enumerate(slots):  # no band and no 'otherwise': an error finding
                if p is None:  # slot j: above edge j−1 (if any) and not above edge j (if any)
                    if j == 0:
                        ctx.flag(below[0])
                    elif j == m:
                        ctx.flag(~below[m - 1])
                    else:
                        ctx.flag(~below[j - 1] & below[j])
        elif kind == "bands":
            assert v is not None
            _, bands, other, _, _, _, _ = spec
            pts = np.zeros(ctx.n)
            found = np.zeros(ctx.n, bool)
            for interval, p in bands:
                inside = np.ones(ctx.n, bool)
                if interval.low.is_finite():
                    low_op = ">=" if interval.low_inclusive else ">"
                    inside &= _compare(ctx, v, low_op, _const(interval.low))
                if interval.high.is_finite():
                    high_op = "<=" if interval.high_inclusive else "<"
                    inside &= _compare(ctx, v, high_op, _const(interval.high))
                take = inside & ~found
                pts[take] = p
                found |= inside
            if other is None:
                ctx.flag(~found)  # outside every band: an error, the per-record path reports it
            else:
                pts[~found] = other
        else:  # formula
            _, expr, w, _ = spec
            raw = expr(ctx)
            wf = float(w)
            clamped = np.minimum(wf, np.maximum(0.0, raw.v))
            # clamping is 1-Lipschitz: the raw value's bound holds for the clamped one
            compiled = spec[3]

            def exact_points(rows: Any) -> list[Any]:
                return self._exact_eval(
                    ctx.cols,
                    compiled.names,
                    lambda scope: min(w, max(Decimal(0), compiled(scope))),
                    rows,
                )

            pts = self._round_points(ctx, _V(clamped, raw.mag, raw.k + 1), wf, exact=exact_points)
        if not decided:
            if use_met and met is not None:
                np.logical_not(met, out=failed)
            else:
                np.less(pts, pass_at, out=failed)
        res.points[rid][sl] = pts
        return pts, failed

    # -- exact values for undecided comparisons ---------------------------------------------
    def _exact_plan(self, names: frozenset[str]) -> tuple[dict[str, Any], list[Any]]:
        """The inputs ``names`` read (transitively) and the metrics to compute, in order."""
        plan = self._plans.get(names)
        if plan is None:
            c = self.rs.compiled
            need: set[str] = set().union(*(c.behind.get(n, (n,)) for n in names))
            specs = {n: c.inputs[n] for n in sorted(need) if n in c.inputs}
            chain = [mt for mt in c.metrics if mt.name in need]
            plan = self._plans[names] = (specs, chain)
        return plan

    def _exact_eval(
        self,
        cols: Mapping[str, Any],
        names: frozenset[str],
        fn: Callable[[Mapping[str, Any]], Any],
        rows: Any,
    ) -> list[Any]:
        """``fn(scope)`` with the per-record path's exact scope for each row (inputs read
        exactly as the record ``{input: float}``, then the metrics ``names`` need), or None
        where anything needed is missing or wrong."""
        specs, chain = self._exact_plan(names)
        subject_type = self.rs.compiled.model.subject_type
        out: list[Any] = []
        for row in rows.tolist():
            record: dict[str, Any] = {}
            for n in specs:
                x = float(cols[n][row]) if n in cols else math.nan
                record[n] = None if math.isnan(x) else x
            data = read_subject(record, specs, index=row, subject_type=subject_type)
            if data.field_errors or any(v is None for v in data.values.values()):
                out.append(None)
                continue
            scope: dict[str, Any] = dict(data.values)
            try:
                for mt in chain:
                    scope[mt.name] = mt.expr(scope)
                value = fn(scope)
            except PerfscoreError:
                out.append(None)
                continue
            out.append(value if isinstance(value, Decimal) and value.is_finite() else None)
        return out

    def _exact_values(self, cols: Mapping[str, Any], name: str, rows: Any) -> list[Decimal | None]:
        """Exact values of input or metric ``name`` in ``rows`` (for undecided comparisons)."""
        return self._exact_eval(cols, frozenset((name,)), operator.itemgetter(name), rows)

    # -- fallback ----------------------------------------------------------------------------
    def _per_record(self, res: ColumnarResult, raw: Mapping[str, Any], rows: Any) -> None:
        """Score ``rows`` with the per-record path, from the cells as the data holds them (text
        stays text, so a dirty cell is an error finding for its row, as in any other input)."""
        values = {name: _objects(col) for name, col in raw.items()}
        ev = self.rs
        for i in rows.tolist():
            record = {name: _plain(column[i]) for name, column in values.items()}
            r = ev.evaluate_subject(record, index=i)
            for sc in r.scores:
                res.outcome[sc.rule_id][i] = _CODE[sc.outcome]
                res.has_points[sc.rule_id][i] = sc.points is not None
                res.points[sc.rule_id][i] = (
                    0 if sc.points is None else int(sc.points.scaleb(self.places))
                )
            for f in r.findings:
                if f.kind == "check":
                    res.checks[f.rule_id][i] = _CODE[f.outcome]
            res.has_total[i] = r.total is not None
            res.total[i] = 0 if r.total is None else int(r.total.scaleb(self.places))
            res.grade[i] = self.grade_ids.index(r.grade) if r.grade in self.grade_ids else -1
        res.fallback[rows] = True


def _keys(data: Any) -> set[str]:
    """Column names of a mapping, pandas/polars DataFrame or pyarrow Table/RecordBatch."""
    names = getattr(data, "column_names", None)
    if isinstance(names, list):  # pyarrow (its .columns are the arrays)
        return set(names)
    if hasattr(data, "columns"):
        return {str(c) for c in data.columns}
    return set(data.keys())


def _rows(data: Any) -> int:
    for attr in ("num_rows", "height"):  # pyarrow, polars
        if isinstance(getattr(data, attr, None), int):
            return int(getattr(data, attr))
    if isinstance(data, Mapping):  # columns by name: the length of any column
        return len(next(iter(data.values()))) if data else 0
    return len(data)


def _column(col: Any) -> tuple[Any, Any]:
    """A float64 numpy array with NaN for nulls (pyarrow/polars nulls included), and a mask of
    the cells that are not numbers (text, a dirty cell) — None when there are none.  Such rows
    are scored by the per-record path, which reads "1,234", "95%" or reports the cell."""
    if not isinstance(col, np.ndarray) and hasattr(col, "to_numpy"):
        try:
            col = col.to_numpy(zero_copy_only=False)  # pyarrow
        except TypeError:
            col = col.to_numpy()  # pandas, polars
    kind = getattr(getattr(col, "dtype", None), "kind", None)
    try:
        if kind in ("O", "b", "U", "S"):  # mixed cells or booleans: looked at one by one
            raise TypeError
        out = np.asarray(col, dtype=np.float64)
        bad = None
    except (TypeError, ValueError):
        cells = [_plain(x) for x in _objects(col)]
        number = [isinstance(x, (int, float)) and not isinstance(x, bool) for x in cells]
        out = np.array(
            [float(x) if ok else math.nan for x, ok in zip(cells, number, strict=True)], np.float64
        )
        bad = np.array(
            [not ok and x is not None for x, ok in zip(cells, number, strict=True)], bool
        )
    if out.ndim != 1:
        raise ValueError(f"a column must be one-dimensional, not of shape {out.shape}")
    return out, bad


def _objects(col: Any) -> list[Any]:
    """A column as a list of Python objects (numbers, text, None)."""
    for attr in ("to_pylist", "to_list", "tolist"):  # pyarrow; pandas, polars; numpy
        method = getattr(col, attr, None)
        if method is not None:
            return list(method())
    return list(col)


def _plain(x: Any) -> Any:
    """One cell for the per-record reader: None for a null/NaN, Python numbers, text as is."""
    if x is None or type(x).__name__ in ("NAType", "NaTType"):
        return None
    if isinstance(x, np.generic):
        x = x.item()
    if isinstance(x, float) and math.isnan(x):
        return None
    return x


def score_columns(rs: RuleSet, data: Any) -> ColumnarResult:
    """``ColumnarScorer(rs).score(data)``."""
    return ColumnarScorer(rs).score(data)


def score_frame(rs: RuleSet, df: Any) -> Any:
    """Score a pandas DataFrame (one subject per row) → a DataFrame with the same index:
    ``total``, ``grade``, ``<rule>.points`` (exact Decimals) and ``<rule>.outcome``.

    This is the partition function for Dask (``ddf.map_partitions(score_frame_for(rs))``) and
    Spark (``mapInPandas``); the rule set travels to the workers by pickle."""
    out = ColumnarScorer(rs).score(df).to_pandas()
    out.index = df.index
    return out


class FrameScorer:
    """``FrameScorer(rs)(df)`` = ``score_frame(rs, df)``: a picklable partition function,
    e.g. ``ddf.map_partitions(FrameScorer(rs), meta=...)``; prepared once per worker."""

    def __init__(self, rs: RuleSet) -> None:
        self.rs = rs
        self._scorer: ColumnarScorer | None = None

    def __getstate__(self) -> dict[str, Any]:
        return {"rs": self.rs}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.rs, self._scorer = state["rs"], None

    def __call__(self, df: Any) -> Any:
        if self._scorer is None:
            self._scorer = ColumnarScorer(self.rs)
        out = self._scorer.score(df).to_pandas()
        out.index = df.index
        return out
