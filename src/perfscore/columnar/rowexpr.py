"""Expressions that call a bureau's own (plug-in) function, run per row inside a columnar run
(#18): the expression — a metric, an indicator's ``value``, a scorer's expression — is the
per-record evaluator's own compiled expression, called for each row where nothing it reads
failed (once per distinct combination of the inputs behind it when every plug-in function it
reaches is registered ``pure=True``), and its numbers become a column like any metric's: exact
rationals, a float64 column with its bound, an integer column where they fit.  Everything else
in the rule set stays vectorised.

What a row holds is what the per-record path holds for the record ``{name: float(cell)}``
(:mod:`perfscore.columnar`): numbers as ``Decimal(repr(x))`` (÷ 100 for a percent), text and
yes/no values as read, a series cell through the per-record reader (``normalise_value``),
metrics the expression reads computed by their own compiled expressions on that scope (or
taken from an earlier per-row metric).

* A metric run per row fails as :meth:`perfscore.evaluate.state.Scan.one` makes it fail: where
  its expression raises a division by zero, its ``zero_division`` decides; another error is an
  error failure of the metric (the indicators reading it are errors, as per record).
* An indicator's ``value`` or scorer expression run per row (a metric of its own, read beside
  the indicator's other reads): a row where it raises goes to the per-record path, which
  decides which failure comes first.
* A result that is not a finite ``Decimal`` (None, text, an ``int`` — which the per-record path
  refuses in some places and not in others) sends its row to the per-record path.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np

from ..compile import Compiled, IndicatorNode
from ..errors import EvaluationError, MissingValueError, ZeroDenominatorError
from ..words import Bilingual
from .bounds import Chunk
from .plan import MetricPlan
from .rational import Q
from .reasons import REASONS, said_both
from .seriesfns import Raised

__all__ = ["RowExpr", "RowPlans", "chain_of", "plugin_calls", "pure_chain", "row_plans"]

_HUNDRED = Decimal(100)
_LIMIT = 1 << 62
#: how a row's per-row value ended: a value, a division by zero, an error, per record
_OK, _ZERO, _ERROR, _UNSURE, _MISSING = 0, 1, 2, 3, 4


def plugin_calls(c: Compiled, functions: frozenset[str]) -> tuple[str, ...]:
    """The functions among ``functions`` that are a bureau's own (registered by a plug-in, not
    perfscore's built-ins), sorted."""
    out = []
    for name in functions:
        f = c.functions.get(name)
        if f is None:
            continue
        module = getattr(f.fn, "__module__", None) or ""
        if module.split(".")[0] != "perfscore":
            out.append(name)
    return tuple(sorted(out))


def _pure(c: Compiled, names: Sequence[str]) -> bool:
    return all(bool(getattr(c.functions.get(n), "pure", False)) for n in names)


def pure_chain(c: Compiled, calls: Sequence[str], chain: _Chain) -> bool:
    """Whether every plug-in function ``calls`` and the metrics behind it call is pure."""
    return _pure(c, calls) and all(
        _pure(c, plugin_calls(c, m.expr.functions)) for m in c.metrics if m.name in chain.reads
    )


@dataclass(frozen=True)
class _Chain:
    """What a per-row expression needs besides itself: the inputs behind it (name → type) and
    the metrics it reads, directly or through others, in the rule set's order."""

    inputs: tuple[tuple[str, str], ...]
    metrics: tuple[tuple[str, Any], ...]
    reads: tuple[str, ...]  # every input and metric behind it: their failures block it
    #: series inputs behind it: their specs (a row's cell read by the per-record reader)
    series: tuple[tuple[str, Any], ...] = ()


class RowExpr:
    """A plug-in-calling expression run per row, as a metric (it stands where a
    :class:`~perfscore.columnar.seriesexpr.SeriesExpr` stands in a :class:`MetricPlan`:
    :func:`~perfscore.columnar.stages.run_series_metric` runs it)."""

    kind = "number"
    pad = 0
    nullable = False

    def __init__(
        self, name: str, expr: Any, chain: _Chain, *, pure: bool, strict: bool, calls: Any
    ) -> None:
        self.name = name
        self.expr = expr
        self.chain = chain
        self.pure = pure
        #: a whole metric: its raising is its failure (else the row goes to the per-record path)
        self.strict = strict
        #: the plug-in functions it calls (for the reason it gives)
        self.calls = calls

    def _scope_columns(self, ctx: Chunk, rows: Any) -> list[tuple[str, list[Any]]]:
        """Per name in the scope, its values in ``rows`` as the per-record path holds them."""
        out: list[tuple[str, list[Any]]] = []
        specs = dict(self.chain.series)
        for name, kind in self.chain.inputs:
            col = ctx.cols[name][rows]
            if kind == "series":  # the cell as the per-record reader reads it
                out.append((name, [_series_value(specs[name], x) for x in col.tolist()]))
            elif kind in ("text", "boolean"):
                vocab = ctx.vocab[name]
                out.append((name, [vocab[k] for k in col.tolist()]))
            elif kind == "percent":
                out.append((name, [Decimal(repr(x)) / _HUNDRED for x in col.tolist()]))
            else:
                out.append((name, [Decimal(repr(x)) for x in col.tolist()]))
        return out

    def _keys(self, ctx: Chunk, rows: Any) -> tuple[Any, Any]:
        """Rows grouped by the inputs behind the expression: ``(first row of each group,
        group of each row)`` — the float cells compared bit for bit (-0.0 is not 0.0)."""
        if not self.chain.inputs or not len(rows):
            return rows[:1], np.zeros(len(rows), np.int64)
        if self.chain.series:  # (cells of year → figure: each row its own)
            return rows, np.arange(len(rows))
        parts = []
        for name, kind in self.chain.inputs:
            col = np.asarray(ctx.cols[name][rows])
            text = kind in ("text", "boolean")
            parts.append(col.astype(np.int64) if text else col.view(np.int64))
        if len(parts) == 1:  # one column: a plain sort (axis=0 sorts rows as records, ~10x)
            _, first, where = np.unique(parts[0], return_index=True, return_inverse=True)
            return rows[first], np.asarray(where).reshape(-1)
        key = np.stack(parts, axis=1)
        _, first, where = np.unique(key, axis=0, return_index=True, return_inverse=True)
        return rows[first], np.asarray(where).reshape(-1)

    def fn(self, ctx: Chunk, raised: Raised) -> Q:
        n = ctx.n
        open_rows = ~ctx.unsure  # (rows already sent to the per-record path: not called there)
        for name in self.chain.reads:
            code = ctx.codes.get(name)
            if code is not None:
                open_rows &= code == 0
        rows = np.flatnonzero(open_rows)
        if self.pure:  # once per distinct combination of the inputs behind it
            firsts, where = self._keys(ctx, rows)
            values, status = self._values(ctx, firsts)
            status = status[where]
        else:
            values, status = self._values(ctx, rows)
            where = None
        if self.strict:
            ctx.flag_rows(rows, status == _UNSURE)
            raised.zero[rows[status == _ZERO]] = True
            raised.error[rows[status == _ERROR]] = True
            raised.missing[rows[status == _MISSING]] = True
        else:  # a leaf's expression: the per-record path decides which failure comes first
            ctx.flag_rows(rows, status != _OK)
        # each value's exact ratio, float and Decimal: once per value computed (a pure
        # expression's per distinct inputs, then spread over its rows by ``where``)
        m = len(values)
        vnum, vden = np.zeros(m, object), np.ones(m, object)
        vcol, vfloat = np.empty(m, object), np.zeros(m)
        for k, v in enumerate(values):
            if v is not None:
                vnum[k], vden[k] = v.as_integer_ratio()  # (lowest terms, den > 0)
                vcol[k] = v
                vfloat[k] = float(v)  # correctly rounded
        vnum, vden = _fits(vnum), _fits(vden)
        pick = slice(None) if where is None else where  # the value each of ``rows`` takes
        num = np.zeros(n, vnum.dtype)
        den = np.ones(n, vden.dtype)
        floats = np.zeros(n)
        num[rows], den[rows], floats[rows] = vnum[pick], vden[pick], vfloat[pick]
        ctx.floats[self.name] = floats
        if self.strict:  # what a later per-row expression reading this metric reads
            col = np.empty(n, object)
            col[rows] = vcol[pick]
            ctx.decimals[self.name] = col
        bad = np.ones(n, bool)
        bad[rows[status == _OK]] = False
        return Q(num, den, n, bad if bad.any() else None)

    def _values(self, ctx: Chunk, rows: Any) -> tuple[list[Decimal | None], Any]:
        """The expression's value in each of ``rows`` and how it ended there (:data:`_OK`,
        a division by zero, an error, or the per-record path's to decide)."""
        cols = self._scope_columns(ctx, rows)
        decimals = ctx.decimals
        known = [(m, decimals[m]) for m, _ in self.chain.metrics if m in decimals]
        todo = [(m, e) for m, e in self.chain.metrics if m not in decimals]
        expr = self.expr
        out: list[Decimal | None] = []
        status = np.zeros(len(rows), np.int8)
        for k, i in enumerate(rows.tolist()):
            scope: dict[str, Any] = {name: vals[k] for name, vals in cols}
            for m, arr in known:
                scope[m] = arr[i]
            v: Any = None
            if self.chain.series and any(v is _REFUSED for v in scope.values()):
                status[k] = _UNSURE
                out.append(None)
                continue
            try:
                for m, e in todo:
                    scope[m] = e(scope)
            except Exception:  # the columns said it has a value: the record path decides
                status[k] = _UNSURE
                out.append(None)
                continue
            try:
                v = expr(scope)
            except ZeroDenominatorError:
                status[k] = _ZERO
            except MissingValueError:
                status[k] = _MISSING
            except EvaluationError:
                status[k] = _ERROR
            except Exception:
                status[k] = _UNSURE
            else:
                if type(v) is not Decimal or not v.is_finite():
                    status[k] = _UNSURE  # None, text, an int: the per-record path says
            out.append(v if status[k] == _OK else None)
        return out, status


#: a series cell the per-record reader refuses (its row goes to the per-record path)
_REFUSED = object()


def _series_value(spec: Any, cell: Any) -> Any:
    """A series cell as the per-record reader reads it (``normalise_value``)."""
    from ..subjects import normalise_value  # (the reader: imported where it is used)
    from .frames import plain_cell

    raw = plain_cell(cell)
    if raw is None:
        return None
    try:
        return normalise_value(spec, raw)
    except Exception:
        return _REFUSED


def _fits(x: Any) -> Any:
    """An int64 array where every value fits (keeps later steps fast), else the object array."""
    if not len(x):
        return x.astype(np.int64)
    top = max(abs(int(np.max(x))), abs(int(np.min(x))))
    return x.astype(np.int64) if top < _LIMIT else x


@dataclass
class RowPlans:
    """What runs per row: metric plans (whole metrics, and the indicators' lifted
    expressions), each leaf's lifted value (leaf id → metric), each leaf's lifted scorer
    expressions (text → metric) and the names the leaf then reads besides, and a note of what
    runs per row, in both languages (None: nothing)."""

    metrics: dict[str, MetricPlan]
    lifted: list[MetricPlan]
    values: dict[str, str]
    exprs: dict[str, dict[str, str]]
    reads: dict[str, tuple[str, ...]]
    optional: dict[str, tuple[str, ...]]
    note: Bilingual | None
    #: the plug-in functions leaves call that are not declared pure
    impure: frozenset[str] = frozenset()
    #: a condition's text → the text it runs as by columns (plug-in calls split out)
    conditions: Callable[[str], str] = str.strip

    def merge(self, lifts: Any, lifted: dict[str, str], whens: Sequence[Any]) -> None:
        """Into what the planner lifts itself (:class:`~perfscore.columnar.lifts.Lifted`,
        leaf id → its value's metric)."""
        lifted.update(self.values)
        for nid, mine in self.exprs.items():
            lifts.names[nid] = {**lifts.names.get(nid, {}), **mine}
        for nid, opt in self.optional.items():
            lifts.optional[nid] = (*lifts.optional.get(nid, ()), *opt)
        lifts.reads.update(self.reads)
        lifts.metrics += self.lifted
        lifted.update({f"calls:{n.id}": self.conditions(n.when.text) for n in whens})


def chain_of(c: Compiled, names: Any) -> _Chain | None:
    """The chain behind ``names`` (None: something behind it is a series, or not read per
    row: the expression stays off the columns)."""
    behind: set[str] = set()
    for n in names:
        behind |= set(c.behind.get(n, {n}))
    inputs, series = [], []
    for name in sorted(behind):
        spec = c.inputs.get(name)
        if spec is None:
            continue
        if spec.type not in ("number", "money", "percent", "integer", "text", "boolean", "series"):
            return None
        inputs.append((name, spec.type))
        if spec.type == "series":
            series.append((name, spec))
    metrics = []
    for mt in c.metrics:
        if mt.name in behind:
            if mt.missing_aware:
                return None
            metrics.append((mt.name, mt.expr.__call__))
    return _Chain(tuple(inputs), tuple(metrics), tuple(sorted(behind)), tuple(series))


def row_plans(c: Compiled, kinds: dict[str, str], splitter: Callable[[Compiled], Any]) -> RowPlans:
    """The metrics and leaf expressions to run per row (``kinds`` gains them); the rest of
    the rule set is planned as before (an expression here that cannot be run per row stays
    where it is, and the planner says why it is not columnar).  ``splitter`` (rowcalls'
    ``CallSplitter``, passed in: it runs :class:`RowExpr`, so it imports this module) takes
    the calls out of conditions."""
    out = RowPlans({}, [], {}, {}, {}, {}, None)
    said: list[tuple[str, dict[str, str]]] = []  # (reason key, its fields)
    local = dict(kinds)
    for mt in c.metrics:
        calls = plugin_calls(c, mt.expr.functions)
        if not calls or mt.missing_aware or mt.expr.kind != "number":
            continue
        chain = chain_of(c, mt.expr.names)
        if chain is None:
            continue
        pure = pure_chain(c, calls, chain)
        row = RowExpr(mt.name, mt.expr.__call__, chain, pure=pure, strict=True, calls=calls)
        names = tuple(sorted(mt.expr.names))
        out.metrics[mt.name] = MetricPlan(mt.name, None, names, mt.zero_division, row)
        local[mt.name] = "metric"
        said.append(("per_row_metric", {"name": mt.name, "calls": _calls(calls)}))
    for node in c.leaves():
        if node.missing_aware:
            continue
        value = node.value
        if value is not None and plugin_calls(c, value.functions):
            got = _lift(c, node, value, f"_row_{node.id}", local)
            if got is not None:
                out.lifted.append(got)
                out.values[node.id] = got.name
        sc = node.scorer
        optional = getattr(sc, "optional_expressions", ())
        if not getattr(sc, "lift_optional", True):  # (a checklist's items: blank per item)
            optional = ()
        for e in (*getattr(sc, "expressions", ()), *optional):
            calls = plugin_calls(c, e.functions)
            out.impure |= {f for f in calls if not _pure(c, (f,))}
        mine: dict[str, str] = {}
        opt: list[str] = []
        for k, e in enumerate((*getattr(sc, "expressions", ()), *optional)):
            text = e.text.strip()
            if text in mine or not plugin_calls(c, e.functions):
                continue
            got = _lift(c, node, e, f"_rowx_{node.id}_{k}", local)
            if got is not None:
                out.lifted.append(got)
                mine[text] = got.name
                if any(o is e for o in optional):  # (a tier's ratio: read when present)
                    opt.append(got.name)
        if mine:
            out.exprs[node.id] = mine
        if opt:
            out.optional[node.id] = tuple(opt)
        made = [n for n in mine.values() if n not in opt]
        if node.id in out.values:
            made.append(out.values[node.id])
        if made or opt:
            out.reads[node.id] = tuple(sorted({*node.reads, *made}))
            every = {*made, *opt}
            fns = {f for m in out.lifted if m.name in every for f in m.series.calls}
            calls = tuple(sorted(fns))
            said.append(("per_row_leaf", {"id": node.id, "calls": _calls(calls)}))
    split = splitter(c)
    out.lifted += split.metrics
    out.conditions = split.text
    said += split.owners
    for mp in [*out.metrics.values(), *out.lifted]:
        kinds[mp.name] = "metric"
    if said:
        en = "; ".join(REASONS[k][0].format(**f) for k, f in said)
        zh = "；".join(REASONS[k][1].format(**f) for k, f in said)
        out.note = said_both("per_row", what=Bilingual(en, zh))
    return out


def _calls(names: Sequence[str]) -> str:
    return ", ".join(f"{n}()" for n in names)


def _lift(
    c: Compiled, node: IndicatorNode, e: Any, name: str, kinds: dict[str, str]
) -> MetricPlan | None:
    """A leaf's expression as a metric run per row (its raising sends the row per record)."""
    chain = chain_of(c, e.names)
    if chain is None or e.kind != "number" or e.functions & {"is_missing", "coalesce"}:
        return None  # (a tier named by a plug-in's text: a derived text column, derived.py)
    calls = plugin_calls(c, e.functions)
    pure = pure_chain(c, calls, chain)
    row = RowExpr(name, e.__call__, chain, pure=pure, strict=False, calls=calls)
    kinds[name] = "metric"
    return MetricPlan(name, None, tuple(sorted(e.names)), node.zero_division, row)
