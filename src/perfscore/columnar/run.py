"""Running a plan over columns, chunk by chunk: inputs checked and bounded, metrics, the
indicator tree (each leaf by its scorer's column form), checks, total and grade; rows left
unsure — and every row of an unsupported rule set — are scored by the per-record path."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from ..subjects import read_subject
from .bounds import (
    F_ERROR,
    F_FULL,
    F_MISSING,
    F_NA,
    F_ZERO,
    SAFETY,
    TINY,
    Bounded,
    Chunk,
    U,
    Unsupported,
    compare,
)
from .expression import ColumnExpr, branch
from .frames import (
    OUTCOMES,
    ColumnarResult,
    as_column,
    cell_objects,
    cells_at,
    column_names,
    plain_cell,
    row_count,
)
from .intcols import IntCol, NoInt, scaled_column
from .plan import CheckPlan, GroupPlan, LeafPlan, MetricPlan, Plan, build_plan, grade_ids
from .rational import Q, from_floats

if TYPE_CHECKING:  # annotations only: perfscore.ruleset routes frames here (perfscore.colbatch)
    from ..ruleset import RuleSet

__all__ = ["CHUNK", "ColumnarScorer", "FrameScorer", "score_columns", "score_frame"]

CHUNK = 1 << 16
#: the first chunk of a run: small, scored in float64 with the guard to learn which
#: indicators meet many ties (those then run in exact integers, see ``_run``)
PROBE = 2048
#: a leaf whose float run decided more than this share of rows exactly switches to integers
SWITCH = 1 / 32
_CODE = {o: i for i, o in enumerate(OUTCOMES)}

_KIND = {"error": F_ERROR, "not_applicable": F_NA, "zero": F_ZERO}
_MISSING = {"error": F_ERROR, "not_applicable": F_NA, "zero": F_ZERO, "full": F_FULL}


def _failure(ctx: Chunk, names: Any, zero: Any, zero_division: str, optional: Any = ()) -> Any:
    """The failure code per row of something reading ``names`` (0: none) — the first by
    priority, as the per-record path's ``blocking`` picks it (``optional`` names: a missing
    value is no failure) — then, where none, a division by zero (``zero``) as
    ``zero_division`` says; None when no row has one."""
    out = None
    for name in (*names, *optional):
        c = ctx.codes.get(name)
        if c is None:
            continue
        if name in optional and name not in names:
            c = np.where(c == F_MISSING, 0, c).astype(np.int8)
        if out is None:
            out = c
        else:  # the smallest non-zero code: 0 − 1 wraps to 255 in uint8, above every code
            first = np.minimum(c.view(np.uint8) - np.uint8(1), out.view(np.uint8) - np.uint8(1))
            out = (first + np.uint8(1)).view(np.int8)
    if zero is not None:
        zc = np.where(zero, _KIND[zero_division], 0)
        out = zc if out is None else np.where(out != 0, out, zc)
    return None if out is None else np.asarray(out, np.int8)


def _cov_ok(cov: Any, plan: Plan) -> Any:
    """Rows whose coverage, rounded half-up to 4 places, reaches the rule set's minimum."""
    assert plan.root is not None and plan.min_cov4 is not None
    den = plan.root.cov_den
    if den >= 1 << 44:  # 2·cov·10⁴ would overflow int64: Python integers
        cov = cov.astype(object)
    r4 = (2 * cov * 10**4 + den) // (2 * den)
    return np.asarray(r4 >= plan.min_cov4, bool)


def _int_column(raw: Any, low: float, high: float, percent: bool) -> Callable[[], IntCol | None]:
    return lambda: scaled_column(raw, low, high, percent)


def _ints_of(ctx: Chunk, mp: MetricPlan, code: Any) -> Callable[[], IntCol | None]:
    """The integer form of a metric computed in float64, made when something asks for it
    (exact values of its ties), with the chunk's transient state saved."""

    def make() -> IntCol | None:
        saved = ctx.skip, ctx.zero
        ctx.skip = None if code is None else code != 0
        ctx.zero = None
        try:
            got = mp.expr.ints(ctx)
            _no_value(ctx, mp, ctx.zero)
            return got
        finally:
            ctx.skip, ctx.zero = saved

    return make


def _no_value(ctx: Chunk, mp: MetricPlan, zero: Any) -> None:
    """Record the rows where a metric decided in integers has no value: its own divisions
    by zero and those of the metrics it reads (their exact values are then 'bad', as the
    rational path marks them)."""
    bad = zero
    for name in mp.names:
        other = ctx.int_bad.get(name)
        if other is not None:
            bad = other if bad is None else bad | other
    ctx.int_bad[mp.name] = bad


def _float_of(ctx: Chunk, mp: MetricPlan, exact: IntCol, code: Any) -> Callable[[], Bounded]:
    """The float form of a metric decided in integers, made when something asks for it:
    ``n / d`` correctly rounded while both are exact in float64, else the metric's float
    expression (run with the chunk's transient state saved)."""

    def make() -> Bounded:
        if exact.nmax <= 1 << 53 and exact.dmax <= 1 << 53:
            v = exact.n / exact.d
            if code is not None:
                v = np.where(code != 0, 0.0, v)
            return Bounded(v, None, 2.0, name=mp.name)
        saved = ctx.skip, ctx.zero
        ctx.skip = None if code is None else code != 0
        ctx.zero = None
        got = mp.expr(ctx)
        ctx.skip, ctx.zero = saved
        v, mag = got.v, got.mag
        if code is not None:
            v = np.where(code != 0, 0.0, v)
            mag = None if mag is None else np.where(code != 0, 0.0, mag)
        return Bounded(v, mag, got.k, name=mp.name)

    return make


#: a group's outcome from the bits ``1 << code`` of its children's outcomes: an error blocks
#: it, all not applicable makes it not applicable, else fail if any child failed
_GROUP_CODE = np.array(
    [3 if b & 8 else 2 if b == 4 else 1 if b & 2 else 0 for b in range(16)], np.int8
)


def _leaf_tables(node: LeafPlan) -> tuple[Any, Any]:
    """Outcome code and points per failure code, as the per-record path's _from_failure
    gives them (index 0: no failure, unused)."""
    kind = {F_ERROR: F_ERROR, F_NA: F_NA, F_ZERO: F_ZERO, F_MISSING: _MISSING[node.missing]}
    outcome = {F_ERROR: 3, F_NA: 2, F_ZERO: 1, F_FULL: 0}
    codes = np.zeros(6, np.int8)
    points = np.zeros(6, np.int64)
    for code, k in kind.items():
        codes[code] = outcome[k]
        points[code] = node.full if k == F_FULL else 0
    return codes, points


def _exponent(x: Decimal) -> int:
    return cast(int, x.as_tuple().exponent)  # a finite weight


class Arithmetic:
    """Which leaves of one run are scored in exact integers (the rest: float64 with the
    guard).  ``auto`` learns it per leaf from the rows its float run had to decide exactly."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.ints: set[str] = set()

    def wants(self, rule_id: str) -> bool:
        return self.mode == "int" or rule_id in self.ints

    def learn(self, rule_id: str) -> None:
        if self.mode == "auto":
            self.ints.add(rule_id)

    def any(self) -> bool:
        return self.mode == "int" or bool(self.ints)


class ColumnarScorer:
    """A rule set prepared for columns; ``score(columns)`` → :class:`ColumnarResult`."""

    def __init__(self, rs: RuleSet, *, arithmetic: str = "auto") -> None:
        """``arithmetic``: ``"auto"`` (float64 with the guard, exact integers for the
        indicators that meet many ties), ``"int"`` (exact integers wherever the columns
        allow) or ``"float"`` — the same results every way, only the speed differs."""
        if arithmetic not in ("auto", "int", "float"):
            raise ValueError(f"arithmetic must be auto, int or float, not {arithmetic!r}")
        self.arithmetic = arithmetic
        self.rs = rs
        c = rs.compiled
        self.places = c.model.settings.places
        self.scale = 10**self.places
        self.reason: str | None = None
        self.inputs = dict(c.inputs)
        self.rule_ids = tuple(r.id for r in c.rules if r.kind != "check")
        self.check_ids = tuple(ch.id for ch in c.checks)
        self.grade_ids = grade_ids(c)
        self.plan: Plan | None = None
        try:
            self.plan = build_plan(c, rs.evaluator.root.weight)
        except (Unsupported, SyntaxError) as e:
            self.reason = str(e) or type(e).__name__

    @property
    def supported(self) -> bool:
        return self.reason is None

    # -- running -----------------------------------------------------------------------------
    def score(self, data: Any) -> ColumnarResult:
        """Score every row of ``data``: a mapping of column name → 1-D array, a pandas or
        polars DataFrame, or a pyarrow Table/RecordBatch.  Null or NaN is a missing value; a
        column the rule set reads but ``data`` lacks is missing in every row."""
        names = column_names(data)
        raw = {n: data[n] for n in self.inputs if n in names}
        cols: dict[str, Any] = {}
        vocab: dict[str, list[Any]] = {}
        dirty: Any = None  # rows with a cell that is not a plain number (text, "1,234", "95%")
        plan = self.plan
        for name, col in raw.items():
            if plan is not None and name in plan.categorical:
                cols[name], vocab[name] = self._categories(name, col)
                continue
            if plan is not None and name not in plan.read:
                continue  # read by nothing: its cells do not matter
            cols[name], bad = as_column(col)
            if bad is not None:
                dirty = bad if dirty is None else dirty | bad
        n = len(next(iter(cols.values()))) if cols else row_count(data)
        if plan is not None:
            for name in plan.categorical:
                if name not in cols:  # the column is absent: every row reads a blank
                    cols[name], vocab[name] = self._categories(name, [None] * n)
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
        if self.plan is not None:
            prefer = Arithmetic(self.arithmetic)  # this run's choice per leaf
            lo = 0
            while lo < n:
                hi = min(n, lo + (PROBE if lo == 0 else CHUNK))
                self._span(self.plan, res, cols, vocab, lo, hi, prefer)
                lo = hi
        if dirty is not None:
            res.fallback |= dirty
        rows = np.flatnonzero(res.fallback)
        if len(rows):
            self._per_record(res, raw, rows)
        return res

    def _categories(self, name: str, col: Any) -> tuple[Any, list[Any]]:
        """A text or yes/no column as value codes: each distinct cell read once, exactly as
        the per-record reader reads it (defaults, required, choices, yes/no words); −1 for a
        blank, −2 for a cell the reader refuses."""
        spec = {name: self.inputs[name]}
        subject_type = self.rs.compiled.model.subject_type
        seen: dict[tuple[str, Any], int] = {}
        vocab: list[Any] = []
        out = []
        for cell in cell_objects(col):
            x = plain_cell(cell)
            key = (type(x).__name__, x)
            code = seen.get(key)
            if code is None:
                data = read_subject({name: x}, spec, index=0, subject_type=subject_type)
                value = data.values.get(name)
                if name in data.field_errors:
                    code = -2
                elif value is None:
                    code = -1
                else:
                    if value not in vocab:
                        vocab.append(value)
                    code = vocab.index(value)
                seen[key] = code
            out.append(code)
        return np.array(out, np.int32), vocab

    def _span(
        self,
        plan: Plan,
        res: ColumnarResult,
        cols: Mapping[str, Any],
        vocab: dict[str, list[Any]],
        lo: int,
        hi: int,
        prefer: Arithmetic,
    ) -> None:
        """Score rows ``lo:hi``.  Where float64 under- or overflowed (values such as 1e-200
        multiplied together), relative error bounds no longer hold: the span is split and
        scored again, down to 64 rows, which then take the per-record path."""
        trouble: list[str] = []
        with np.errstate(
            divide="ignore", invalid="ignore", over="call", under="call",
            call=lambda kind, _flag: trouble.append(kind),
        ):  # fmt: skip
            self._chunk(plan, res, {k: v[lo:hi] for k, v in cols.items()}, vocab, lo, hi, prefer)
        if not trouble:
            return
        if hi - lo <= 64:
            res.fallback[lo:hi] = True
            return
        step = max(64, -(-(hi - lo) // 16))
        for start in range(lo, hi, step):
            self._span(plan, res, cols, vocab, start, min(hi, start + step), prefer)

    def _inputs(self, plan: Plan, ctx: Chunk, cols: Mapping[str, Any]) -> None:
        """Each numeric input read: present, in range and whole where declared so, as a
        bounded column (rows that are not fall back)."""
        n = ctx.n
        for name in plan.read:
            spec = self.inputs[name]
            fill = plan.defaults.get(name)
            if name not in cols:  # missing in every row
                if fill is None:
                    code = F_ERROR if spec.required else F_MISSING
                    ctx.codes[name] = np.full(n, code, np.int8)
                ctx.cols[name] = np.full(n, 0.0 if fill is None else fill)  # type: ignore[index]
                raw = ctx.cols[name]
            else:
                raw = cols[name]
            low, high = raw.min(), raw.max()  # NaN (missing) propagates
            if low != low or high != high:  # blanks: a default, else missing (or an error)
                missing = np.isnan(raw)
                if missing.any():
                    if fill is None:
                        code = F_ERROR if spec.required else F_MISSING
                        ctx.codes[name] = np.multiply(missing, np.int8(code), dtype=np.int8)
                    raw = np.where(missing, 0.0 if fill is None else fill, raw)
                    ctx.cols[name] = raw  # type: ignore[index]
                    low, high = raw.min(), raw.max()
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
            if (
                rest
                or not (low >= blo and (high <= bhi if bhi < 1e15 else high < bhi))
                or (spec.type == "integer" and not np.array_equal(np.floor(raw), raw))
            ):
                ok = raw >= blo  # (NaN compares false: infinities were NaN's neighbours)
                ok &= raw <= bhi if bhi < 1e15 else raw < bhi
                for fb, below in rest:
                    d = raw - fb
                    near = np.abs(d) <= (SAFETY * U) * (np.abs(raw) + abs(fb))
                    ok &= ~near & (d >= 0 if below else d <= 0)
                if spec.type == "integer":
                    ok &= raw == np.floor(raw)
                ctx.flag(~ok)  # (otherwise the whole chunk is present and in range)
            if not (low > TINY or high < -TINY):  # zeros or both signs: any subnormals?
                small = np.abs(raw) < TINY if low < 0 else raw < TINY
                if np.count_nonzero(small) != n - np.count_nonzero(raw):
                    # their repr is not within u of them: the exact path decides
                    ctx.flag(small & (raw != 0))
            percent = spec.type == "percent"
            if percent:
                got = Bounded(raw / 100.0, None, 2.0, name=name)
            else:
                got = Bounded(raw, None, 1.0, name=name)
            got.sign = 1 if low > 0 else -1 if high < 0 else 0  # (NaN: 0)
            ctx.cache[name] = got
            ctx.ints.make[name] = _int_column(raw, float(low), float(high), percent)

    def _chunk(
        self,
        plan: Plan,
        res: ColumnarResult,
        cols: dict[str, Any],
        vocab: dict[str, list[Any]],
        lo: int,
        hi: int,
        prefer: Arithmetic,
    ) -> None:
        n = hi - lo
        ctx = Chunk(cols, n, self.places, self)
        ctx.vocab = vocab
        ctx.prefer = prefer
        use_ints = prefer.any()
        for name in plan.categorical:  # blanks and unreadable cells: failure codes
            cats = cols[name]
            if cats.min() < 0:
                code = np.where(cats == -1, F_MISSING, np.where(cats == -2, F_ERROR, 0))
                ctx.codes[name] = code.astype(np.int8)
        self._inputs(plan, ctx, cols)
        for mp in plan.metric_plans:
            blocked = _failure(ctx, mp.names, None, mp.zero_division)
            ctx.skip = None if blocked is None else blocked != 0  # those rows: no value
            ctx.zero = None
            exact = mp.expr.ints(ctx) if use_ints else None
            if exact is not None:  # decided in integers: the float form only on demand
                _no_value(ctx, mp, ctx.zero)
                code = _failure(ctx, mp.names, ctx.zero, mp.zero_division)
                ctx.zero = ctx.skip = None
                if code is not None:
                    ctx.codes[mp.name] = code
                ctx.ints[mp.name] = exact
                ctx.cache.make[mp.name] = _float_of(ctx, mp, exact, code)
                continue
            ctx.zero = None
            got = mp.expr(ctx)
            code = _failure(ctx, mp.names, ctx.zero, mp.zero_division)
            ctx.zero = ctx.skip = None
            ctx.ints.make[mp.name] = _ints_of(ctx, mp, code)
            v, mag = got.v, got.mag
            if code is not None:  # the metric has no value there: 0 keeps the column tame
                ctx.codes[mp.name] = code
                v = np.where(code != 0, 0.0, v)
                mag = None if mag is None else np.where(code != 0, 0.0, mag)
            ctx.cache[mp.name] = Bounded(v, mag, got.k, name=mp.name)
        sl = slice(lo, hi)
        kids = [self._run(node, ctx, res, lo, hi) for node in plan.tree]
        grade = np.full(n, -1, np.int8)
        cov_ok: Any
        if not kids:  # checks only: no total, no grade
            total = np.zeros(n, np.int64)
            res.has_total[sl] = False
            cov_ok = np.zeros(n, bool)
        elif all(k[3] for k in kids):  # nothing failed: the total is the sum
            total = kids[0][0] if len(kids) == 1 else np.sum([k[0] for k in kids], axis=0)
            res.has_total[sl] = True
            cov_ok = None if plan.min_cov_ok else np.zeros(n, bool)
        else:
            assert plan.root is not None
            total, codes, cov, _ = self._aggregate(plan.root, kids, ctx, plan.min_cov4)
            has = codes <= 1
            res.has_total[sl] = has
            total = np.where(has, total, 0)
            cov_ok = None if plan.min_cov4 is None else has & _cov_ok(cov, plan)
            if cov_ok is None and not has.all():
                cov_ok = has
        res.total[sl] = total  # rows that fall back may hold NaN here: replaced later
        for i in range(len(plan.bands_min) - 1, -1, -1):
            grade[total >= plan.bands_min[i]] = i
        if cov_ok is not None:
            grade[~cov_ok] = -1
        if plan.overrides and plan.bands_min:
            self._overrides(plan, ctx, total, res.has_total[sl], cov_ok, grade)
        res.grade[sl] = grade
        for ch in plan.checks:
            res.checks[ch.rule_id][sl] = self._run_check(ctx, ch)
        res.fallback[sl] = ctx.unsure

    def _overrides(
        self, plan: Plan, ctx: Chunk, total: Any, has: Any, cov_ok: Any, grade: Any
    ) -> None:
        """Grade overrides, in order, on rows with a total (and enough coverage): the first
        whose condition holds sets the grade; a condition its data blocks, or that cannot be
        evaluated (a division by zero), is passed over — as the per-record path does."""
        scale = float(self.scale)
        ctx.cache["total"] = Bounded(total / scale, None, 1.0, name="total")
        ctx.total = total
        open_rows = has.copy() if cov_ok is None else has & cov_ok
        for cond, index, names, aware in plan.overrides:
            if aware:
                code = _failure(ctx, (), None, "error", names)
            else:
                code = _failure(ctx, names, None, "error")
            ctx.skip = None if code is None else code != 0
            ctx.zero = None
            hit = cond(ctx) & open_rows
            if ctx.skip is not None:
                hit &= ~ctx.skip
            if ctx.zero is not None:
                hit &= ~ctx.zero
            ctx.skip = ctx.zero = None
            grade[hit] = index
            open_rows &= ~hit

    def _run_check(self, ctx: Chunk, ch: CheckPlan) -> Any:
        """A check's outcome codes, as the per-record path decides them: a failing name
        blocks it (error, else not applicable; an unreadable ``require`` is an error), a
        ``when`` that does not hold makes it not applicable (not for explain_if, whose
        ``when`` triggers it), a division by zero makes it not applicable."""
        if ch.missing_aware:  # a blank is a value here (is_missing), other failures block
            code = _failure(ctx, (), None, "error", ch.reads)
        else:
            code = _failure(ctx, ch.reads, None, "error")
        if ch.require is not None:
            req = ctx.codes.get(ch.require)
            if req is not None:
                code = np.where(req == F_ERROR, F_ERROR, 0 if code is None else code)
        ctx.skip = None if code is None else code != 0
        ctx.zero = None
        applies = None
        if ch.when is not None:
            applies = ch.when(ctx)
        if ch.kind == "equal":
            assert ch.left is not None and ch.right is not None and ch.tolerance is not None
            rows = np.ones(ctx.n, bool) if applies is None else applies
            ok = branch(ctx, lambda c: self._check(c, ch.left, ch.right, ch.tolerance), rows)
        elif ch.kind == "assert":
            assert ch.cond is not None
            rows = np.ones(ctx.n, bool) if applies is None else applies
            ok = branch(ctx, ch.cond, rows)
        else:  # explain_if: triggered, and the required field says something
            assert applies is not None and ch.require is not None
            cats, vocab = ctx.category(ch.require)
            said = [x is True or (isinstance(x, str) and x.strip() != "") for x in vocab]
            ok = ~applies | np.array([*said, False, False])[cats]
            applies = None
        out = np.where(ok, 0, 1).astype(np.int8)
        if applies is not None:
            out[~applies] = 2
        if ctx.zero is not None:  # a division by zero: not applicable
            out[ctx.zero] = 2
            ctx.zero = None
        if code is not None:
            out = np.where(code == 0, out, np.where(code == F_ERROR, 3, 2)).astype(np.int8)
        ctx.skip = None
        return out

    @staticmethod
    def _check(ctx: Chunk, left: ColumnExpr, right: ColumnExpr, tol: Bounded) -> Any:
        a, b = left(ctx), right(ctx)

        def exact(ctx: Chunk, rows: Any) -> Q:
            return abs(left.exact(ctx, rows) - right.exact(ctx, rows))

        diff = Bounded(np.abs(a.v - b.v), a.m() + b.m(), max(a.k, b.k) + 1, ex=exact)
        return compare(ctx, diff, "<=", tol)

    def _run(
        self, node: LeafPlan | GroupPlan, ctx: Chunk, res: ColumnarResult, lo: int, hi: int
    ) -> tuple[Any, Any, Any, bool]:
        """``(points, outcome codes, coverage numerators or None (all full), clean)`` of a
        node over the chunk; ``clean``: every row scored (pass/fail, nothing missing)."""
        sl = slice(lo, hi)
        if isinstance(node, GroupPlan):
            kids = [self._run(k, ctx, res, lo, hi) for k in node.kids]
            if not all(k[3] for k in kids):
                pts, codes, cov, _ = self._aggregate(node, kids, ctx, -1)
                res.points[node.rule_id][sl] = pts
                res.outcome[node.rule_id][sl] = codes
                res.has_points[node.rule_id][sl] = codes <= 1
                return pts, res.outcome[node.rule_id][sl], cov, False
            w, base = node.weight, node.base
            # points are scaled integers (int64)
            failed = res.outcome[node.rule_id][sl].view(bool)  # written in place: fail = 1
            got: Any = None
            owned = False
            for p, kid_codes, _, _ in kids:
                kid_failed = kid_codes.view(bool)
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
                got = np.zeros(ctx.n, np.int64)
                failed[:] = False
            if base == w:
                pts = got
            elif base == 0:
                pts = np.zeros(ctx.n, np.int64)
            else:
                # got/scale × w / base, rounded half-up to places: (2·num + den) // (2·den)
                e = max(-_exponent(w), -_exponent(base), 0)
                wn, bn = int(w.scaleb(e)), int(base.scaleb(e))
                pts = (2 * got * wn + bn) // (2 * bn)
            res.points[node.rule_id][sl] = pts
            return pts, res.outcome[node.rule_id][sl], None, True
        rid = node.rule_id
        code = _failure(ctx, node.reads, None, node.zero_division, node.optional)
        ctx.skip = None if code is None else code != 0
        ctx.zero = ctx.error = None
        failed = res.outcome[rid][sl].view(bool)  # outcome codes: pass 0, fail 1
        got = None
        int_run = node.form.int_run
        if int_run is not None and ctx.prefer.wants(rid):
            # exact integers (where the columns are short decimals and the bounds fit)
            iv = node.value.ints(ctx) if node.value is not None else None
            if iv is not None or node.value is None:
                try:
                    got = int_run(ctx, iv, failed, node.use_met)
                except NoInt:
                    got = None
        if got is None:
            before = ctx.exact_rows
            v = node.value(ctx) if node.value is not None else None
            got = node.form.run(ctx, v, failed, node.use_met)
            if int_run is not None and ctx.exact_rows - before > SWITCH * ctx.n:
                ctx.prefer.learn(rid)  # many ties here: integers from the next chunk on
        pts, met, decided = got
        store = res.points[rid][sl]
        store[...] = pts  # (float forms: whole numbers, converted; unsure rows: anything)
        pts = store
        if not decided:
            if node.use_met and met is not None:
                np.logical_not(met, out=failed)
            else:
                np.less(pts, node.pass_at, out=failed)
        zero, error = ctx.zero, ctx.error
        ctx.zero = ctx.error = ctx.skip = None
        for extra, kind_code in ((zero, _KIND[node.zero_division]), (error, F_ERROR)):
            if extra is None:
                continue  # a zero denominator (zero_division decides) or a scorer's error
            if code is None:
                code = np.multiply(extra, np.int8(kind_code), dtype=np.int8)
            else:  # a failure of what the leaf reads comes first
                code = code.copy()
                code[extra & (code == 0)] = kind_code
        if code is None:
            return pts, res.outcome[rid][sl], None, True
        # what the per-record path's _from_failure gives, per failure kind (rows with one)
        codes = res.outcome[rid][sl]
        rows = np.flatnonzero(code)
        if len(rows):
            outcome, points = _leaf_tables(node)
            kind = code[rows]
            codes[rows] = outcome[kind]
            pts[rows] = points[kind]
        res.has_points[rid][sl] = codes <= 1
        return pts, codes, code, False

    def _aggregate(
        self, node: GroupPlan, kids: list[tuple[Any, Any, Any, bool]], ctx: Chunk, cov4: Any
    ) -> tuple[Any, Any, Any, bool]:
        """``weighted_sum`` with children that failed: errors block the group, all not
        applicable makes it not applicable, the points are re-weighted over the weight that
        counts (``redistribute``) and rounded half-up in integers; coverage as an integer over
        the group's constant denominator.  A child's points are 0 where it is not scored."""
        n = ctx.n
        wn, kid_wn = node.scaled
        got: Any = None
        seen: Any = None  # per row, bit ``1 << code`` of every child's outcome code
        for p, codes, _, _ in kids:
            got = p.copy() if got is None else np.add(got, p, out=got)
            bit = np.left_shift(np.int8(1), codes)
            seen = bit if seen is None else np.bitwise_or(seen, bit, out=seen)
        if got is None:
            got, seen = np.zeros(n, np.int64), np.full(n, 4, np.int8)
        out_codes = _GROUP_CODE[seen]
        pts = got
        total_w = sum(kid_wn)
        # rows whose points are re-weighted: with a child not scored (its weight goes to the
        # others), or all of them when the children's weights do not add up to the group's
        rows = np.arange(n) if total_w != wn else np.flatnonzero(seen & 12)
        base = np.full(len(rows), total_w, np.int64)
        if node.redistribute and total_w:
            for (_, codes, _, _), w in zip(kids, kid_wn, strict=True):
                if w:
                    base -= (codes[rows] > 1) * w
        if len(rows):
            g = got[rows]
            b = np.where(base == 0, 1, base)
            r = np.where(base == wn, g, (2 * g * wn + b) // (2 * b))
            pts[rows] = np.where(base == 0, 0, r)
        blocked = out_codes >= 2
        pts[blocked] = 0
        cov = None
        if cov4 is not None:  # coverage is needed (a minimum coverage for the grade)
            num = np.zeros(n, np.int64)
            if total_w == 0:
                for _, codes_k, _, _ in kids:
                    num += codes_k <= 1
            else:
                for (_, codes_k, cov_k, _), coef, k in zip(
                    kids, node.cov_coef, node.kids, strict=True
                ):
                    if isinstance(k, GroupPlan):
                        num += coef * (k.cov_den if cov_k is None else cov_k)
                    elif cov_k is None:  # a leaf with no failure: full coverage
                        num += coef
                    else:  # scored, and read from data (no failure)
                        num += coef * ((codes_k <= 1) & (cov_k == 0))
            cov = np.where(blocked, 0, num)
        return pts, out_codes, cov, False

    # -- exact values for undecided rows ----------------------------------------------------
    def exact_q(self, ctx: Chunk, name: str, rows: Any) -> Q:
        """Exact values of input or metric ``name`` in ``rows`` of the chunk ``ctx``: inputs
        as the per-record reader reads the cells, metrics by their expressions over exact
        rationals (bad where there is none: a missing cell, a zero denominator)."""
        if name == "total" and name not in self.inputs:  # a grade override reads it
            return Q(ctx.total[rows].astype(np.int64), self.scale, len(rows))
        # integer columns: when made already, or worth making for this many rows
        ints = ctx.ints.get(name) if name in ctx.ints or len(rows) * 8 >= ctx.n else None
        if ints is not None:
            d = ints.d if isinstance(ints.d, int) else ints.d[rows]
            bad = ctx.int_bad.get(name)
            return Q(ints.n[rows], d, len(rows), None if bad is None else bad[rows])
        whole = ctx.exact_cache.get(name)
        if whole is None and len(rows) * 8 >= ctx.n:  # many rows on an edge: the whole chunk
            whole = ctx.exact_cache[name] = self._exact_q(ctx, name, np.arange(ctx.n))
        if whole is not None:
            return whole.take(rows)
        return self._exact_q(ctx, name, rows)

    def _exact_q(self, ctx: Chunk, name: str, rows: Any) -> Q:
        spec = self.inputs.get(name)
        if spec is not None:
            col = ctx.cols.get(name)
            if col is None:
                return Q(0, 1, len(rows), np.ones(len(rows), bool))
            return from_floats(col[rows], percent=spec.type == "percent")
        assert self.plan is not None
        return self.plan.metric_exprs[name].exact(ctx, rows)

    # -- fallback ----------------------------------------------------------------------------
    def _per_record(self, res: ColumnarResult, raw: Mapping[str, Any], rows: Any) -> None:
        """Score ``rows`` with the per-record path, from the cells as the data holds them (text
        stays text, so a dirty cell is an error finding for its row, as in any other input)."""
        values = {name: cells_at(col, rows) for name, col in raw.items()}  # those rows only
        ev = self.rs
        for k, i in enumerate(rows.tolist()):
            record = {name: plain_cell(cells[k]) for name, cells in values.items()}
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
