"""The indicator tree over a chunk: each leaf by its scorer's column form (exact integers or
float64 with the guard, chosen per leaf by :class:`Arithmetic`), its failures turned into
outcomes and points as the per-record path's ``_from_failure`` does; groups summed, or
re-weighted in integers where a child is not scored; the coverage a grade's minimum needs."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

import numpy as np

from ..aggregate import NodeScore, mean
from ..numbers import round_once
from .bounds import F_ERROR, F_MISSING, F_NA, Chunk
from .failures import GROUP_CODE, KIND, code_where, failure_codes, first_code, leaf_tables
from .frames import OUTCOMES, ColumnarResult
from .intcols import NoInt, where_int
from .plan import AggPlan, GroupPlan, LeafPlan, Plan, WhenPlan

__all__ = [
    "SWITCH",
    "Arithmetic",
    "aggregate",
    "coverage",
    "coverage_ok",
    "distinct_rows",
    "run_generic",
    "run_node",
    "when_codes",
]

ZERO = Decimal(0)
#: a leaf whose float run decided more than this share of rows exactly switches to integers
SWITCH = 1 / 32


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


def coverage_ok(cov: Any, plan: Plan) -> Any:
    """Rows whose coverage, rounded half-up to 4 places, reaches the rule set's minimum."""
    assert plan.root is not None and plan.min_cov4 is not None
    den = plan.root.cov_den
    if den >= 1 << 44:  # 2·cov·10⁴ would overflow int64: Python integers
        cov = cov.astype(object)
    r4 = (2 * cov * 10**4 + den) // (2 * den)
    return np.asarray(r4 >= plan.min_cov4, bool)


def when_codes(ctx: Chunk, when: WhenPlan, forced: Any = None) -> Any:
    """Per row, what a ``when`` makes of its indicator (0: it applies): the failure code of
    what the condition reads (first), :data:`F_ERROR` where evaluating it met an error (a
    division by zero, a blank read under ``is_missing``), :data:`F_NA` where it does not hold
    — as the per-record path's ``applies``.  Rows ``forced`` by a group above are not looked
    at."""
    # (a ``year(s, y)`` metric without a value is no failure: a condition over series reads
    # it as ``None``, and only such a condition reads one)
    if when.aware:  # a blank is a value here: only other failures block
        code = failure_codes(ctx, (), None, "error", when.names, nulls=True)
    else:
        code = failure_codes(ctx, when.names, None, "error", nulls=True)
    skip = None if code is None else code != 0
    if forced is not None:
        skip = forced != 0 if skip is None else skip | (forced != 0)
    ctx.skip, ctx.zero, ctx.missing, ctx.aware = skip, None, None, when.aware
    holds = when.cond(ctx)
    zero, blank = ctx.zero, ctx.missing
    ctx.skip = ctx.zero = ctx.missing = None
    ctx.aware = False
    out = code_where(np.logical_not(holds), F_NA)
    if zero is not None:
        out[zero] = F_ERROR
    if blank is not None:  # a blank computed with: the missing policy (MissingValueError)
        out[blank & (out != F_ERROR)] = F_MISSING
    for name in when.raises:  # (their failures of what the condition reads: ``code`` below)
        failed = ctx.codes.get(name)
        if failed is not None:  # a year without a figure computed with: missing, else error
            out[failed != 0] = np.where(failed[failed != 0] == F_MISSING, F_MISSING, F_ERROR)
    if code is not None:
        out = first_code(code, out)
    return out


def _forced(node: GroupPlan | AggPlan, ctx: Chunk, forced: Any) -> Any:
    """What a group's ``when`` forces on its subtree (0: nothing; :data:`F_ERROR` where it
    makes the group an error, else :data:`F_NA`), the group above's first."""
    if node.when is None:
        return forced
    w = when_codes(ctx, node.when, forced)
    err = (w == F_ERROR) | ((w == F_MISSING) & (node.when.missing == "error"))
    own = code_where(w != 0, F_NA)  # (an error is never 0: err ⊂ w != 0)
    own += code_where(err, F_ERROR - F_NA)
    return own if forced is None else first_code(forced, own)


def _coverage_wanted(ctx: Chunk) -> int | None:
    """-1 (a group's coverage is computed) when the rule set's grade has a minimum coverage,
    None when nothing reads a group's coverage: not made for each group of each chunk."""
    plan = getattr(ctx.source, "plan", None)
    return -1 if plan is None or plan.min_cov4 is not None else None


def run_node(
    node: LeafPlan | GroupPlan | AggPlan,
    ctx: Chunk,
    res: ColumnarResult,
    lo: int,
    hi: int,
    forced: Any = None,
) -> tuple[Any, Any, Any, bool]:
    """``(points, outcome codes, coverage numerators or None (all full), clean)`` of a
    node over the chunk; ``clean``: every row scored (pass/fail, nothing missing).
    ``forced``: per row, the outcome a ``when`` above imposes (:data:`F_NA`,
    :data:`F_ERROR`; 0 or None: none)."""
    sl = slice(lo, hi)
    if isinstance(node, AggPlan):
        return run_generic(node, ctx, res, lo, hi, forced)
    if isinstance(node, GroupPlan):
        forced = _forced(node, ctx, forced)
        kids = [run_node(k, ctx, res, lo, hi, forced) for k in node.kids]
        if not all(k[3] for k in kids):
            pts, codes, cov, _ = aggregate(node, kids, ctx, _coverage_wanted(ctx))
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
    code = failure_codes(ctx, node.reads, None, node.zero_division, node.optional)
    for name in node.after:  # what the scorer computes fails after what the leaf reads
        c = ctx.codes.get(name)
        if c is not None:
            own = np.multiply(c, c != F_MISSING, dtype=np.int8)
            code = own if code is None else first_code(code, own)
    if node.when is not None:  # it decides first
        w = when_codes(ctx, node.when, forced)
        code = w if code is None else first_code(w, code)
    if forced is not None:  # a group's when above decides first
        code = forced if code is None else first_code(forced, code)
    ctx.skip = None if code is None else code != 0
    ctx.zero = ctx.error = ctx.blank = ctx.covered = None
    failed = res.outcome[rid][sl].view(bool)  # outcome codes: pass 0, fail 1
    got = None
    int_run = node.form.int_run
    if node.form.grade is not None:  # a letter: no points; pass where the letter passes
        letters = node.form.grade(ctx)
        bad = letters < 0  # not a grade: the per-record error
        if ctx.skip is not None:
            bad &= ~ctx.skip
        if bad.any():
            ctx.add_error(bad)
        res.letters[rid][sl] = letters
        got = np.zeros(ctx.n, np.int64), node.passes[letters], False
    elif int_run is not None and ctx.prefer.wants(rid):
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
    zero, error, blank, covered = ctx.zero, ctx.error, ctx.blank, ctx.covered
    ctx.zero = ctx.error = ctx.skip = ctx.blank = ctx.covered = None
    extras = ((zero, KIND[node.zero_division]), (error, F_ERROR), (blank, F_MISSING))
    for extra, kind_code in extras:
        if extra is None:
            continue  # a zero denominator (zero_division decides), a scorer's error or blank
        if code is None:
            code = np.multiply(extra, np.int8(kind_code), dtype=np.int8)
        else:  # a failure of what the leaf reads comes first
            code = code.copy()
            code[extra & (code == 0)] = kind_code
    den = node.form.cov_den
    if code is None:
        if node.form.grade is not None:
            res.has_points[rid][sl] = False
        if covered is None:
            return pts, res.outcome[rid][sl], None, True
        _in_part(res, sl, covered < den)
        return pts, res.outcome[rid][sl], covered, False
    # what the per-record path's _from_failure gives, per failure kind (rows with one)
    codes = res.outcome[rid][sl]
    failing = code != 0
    if failing.any():  # (whole-column lookups and masked copies: no index arrays)
        outcome, points = leaf_tables(node)
        np.copyto(codes, outcome[code], where=failing)
        np.copyto(pts, points[code], where=failing)
    if node.form.grade is not None:  # points only from a failure's policy (zero: 0 points)
        np.copyto(res.letters[rid][sl], -1, where=failing)
        res.has_points[rid][sl] = (codes <= 1) & (code != 0)
    else:
        res.has_points[rid][sl] = codes <= 1
    if den != 1:  # coverage numerators: none where a failure decided
        own = np.full(ctx.n, den, np.int64) if covered is None else covered
        if covered is not None:
            _in_part(res, sl, (own < den) & ~failing)
        return pts, codes, np.multiply(own, np.logical_not(failing)), False
    return pts, codes, code, False


def _in_part(res: ColumnarResult, sl: slice, rows: Any) -> None:
    """Mark ``rows`` of the chunk ``sl`` as covered in part (see ColumnarResult)."""
    if not rows.any():
        return
    if res.covered_in_part is None:
        res.covered_in_part = np.zeros(len(res.total), bool)
    res.covered_in_part[sl] |= rows


def distinct_rows(parts: list[Any]) -> tuple[Any, Any]:
    """The distinct rows of the columns ``parts`` (int64) and each row's index among them:
    one int64 key per row (mixed radix; a column of wide values first numbered by its
    distinct values) where the ranges allow, else numpy's row-wise unique."""
    key = np.zeros(len(parts[0]), np.int64)
    radix = 1
    for x in parts:
        lo, hi = (int(x.min()), int(x.max())) if len(x) else (0, 0)
        span = hi - lo + 1
        if span > 1 << 16:  # (points): numbered by their distinct values
            values, x = np.unique(x, return_inverse=True)
            lo, span = 0, len(values)
        if radix * span >= 1 << 62:
            stacked = np.stack(parts, axis=1)
            uniq, where = np.unique(stacked, axis=0, return_inverse=True)
            return uniq, where.reshape(-1)
        key += (x.reshape(-1) - lo) * radix
        radix *= span
    _, first, where = np.unique(key, return_index=True, return_inverse=True)
    return np.stack(parts, axis=1)[first], where.reshape(-1)


def run_generic(
    node: AggPlan, ctx: Chunk, res: ColumnarResult, lo: int, hi: int, forced: Any
) -> tuple[Any, Any, Any, bool]:
    """A group with another aggregator (``mean``, ``weakest_link``, ``lookup``): its
    children's results (outcome, points, letter) per row, each distinct combination given
    once to the aggregator itself — so exactly its result, however few or many the rows."""
    sl = slice(lo, hi)
    forced = _forced(node, ctx, forced)
    kids = [run_node(k, ctx, res, lo, hi, forced) for k in node.kids]
    if node.ints is not None and _shares_in_ints(node, kids, ctx, res, sl):
        return kids_done(node, kids, ctx, res, sl)
    parts = []
    for k, (pts, codes, _, _) in zip(node.kids, kids, strict=True):
        has = res.has_points[k.rule_id][sl]
        parts += [codes.astype(np.int64), has.astype(np.int64), np.where(has, pts, 0)]
        if res.letters:
            parts.append(res.letters[k.rule_id][sl].astype(np.int64))
    uniq, where = distinct_rows(parts)
    m = len(uniq)
    pts_u, code_u = np.zeros(m, np.int64), np.zeros(m, np.int8)
    has_u, letter_u = np.zeros(m, bool), np.full(m, -1, np.int8)
    ids = res.letter_ids
    step = 4 if res.letters else 3
    unsure = np.zeros(m, bool)
    for j, row in enumerate(uniq.tolist()):
        children = []
        for i, (k, w) in enumerate(zip(node.kids, node.declared, strict=True)):
            code, has, p = row[i * step : i * step + 3]
            g = ids[row[i * step + 3]] if step == 4 and row[i * step + 3] >= 0 else None
            points = Decimal(p).scaleb(-res.places) if has else None
            children.append(NodeScore(k.rule_id, w, points, g, OUTCOMES[code], ZERO))
        ns = node.aggregate(node.spec, children)
        code_u[j] = OUTCOMES.index(ns.outcome)
        if ns.points is not None:
            has_u[j] = True
            pts_u[j] = int(round_once(ns.points, res.places).scaleb(res.places))
        if ns.grade is not None:
            if ns.grade in ids:
                letter_u[j] = ids.index(ns.grade)
            else:  # a grade off the scale: the per-record path says what it is
                unsure[j] = True
    rid = node.rule_id
    pts = res.points[rid][sl]
    pts[...] = pts_u[where]
    codes = res.outcome[rid][sl]
    codes[...] = code_u[where]
    res.has_points[rid][sl] = has_u[where]
    if res.letters:
        res.letters[rid][sl] = letter_u[where]
    if unsure.any():
        ctx.flag(unsure[where])
    cov = np.where(codes >= 2, 0, coverage(node, kids, ctx.n, node.weights_zero))
    return pts, codes, cov, False


def _shares_in_ints(
    node: AggPlan, kids: list[tuple[Any, Any, Any, bool]], ctx: Chunk, res: ColumnarResult, sl: Any
) -> bool:
    """``mean``/``weakest_link`` on points, vectorised: each child's share of its weight as
    ``points·coef / D`` (``coef / D`` = the parent's weight over the child's), their mean
    (over the shares counted: children scored with a weight, and a zero for each
    not-applicable child unless its weight is handed on) or their least, rounded half-up in
    integers — the aggregator's exact arithmetic.  False (nothing written) where a bound
    would pass int64: the aggregator itself decides then."""
    assert node.ints is not None
    den, coefs, redistribute = node.ints
    n = ctx.n
    seen = np.zeros(n, np.int8)
    count = np.zeros(n, np.int64)
    top = 0
    values = []
    for (pts, codes, _, _), coef in zip(kids, coefs, strict=True):
        seen |= np.left_shift(np.int8(1), codes)
        if not redistribute:
            count += codes == 2
        if coef is None:
            continue
        scored = codes <= 1
        count += scored
        top += abs(coef) * (int(np.abs(pts).max()) if n else 0)
        values.append((scored, pts, coef))
    if 2 * top * max(1, len(kids)) + 2 * den * len(kids) >= 1 << 62:
        return False
    codes_out = GROUP_CODE[seen]
    if node.aggregate is mean:
        num = np.zeros(n, np.int64)
        for scored, pts, coef in values:
            num += pts * coef * scored
        d = den * np.maximum(count, 1)
    else:  # weakest_link: the least share (a not-applicable child counted: a share of 0)
        big = np.int64(1) << 62
        num = np.full(n, big, np.int64)
        for scored, pts, coef in values:
            np.minimum(num, np.where(scored, pts * coef, big), out=num)
        if not redistribute:
            na = np.zeros(n, bool)
            for _, codes, _, _ in kids:
                na |= codes == 2
            num = np.where(na, np.minimum(num, 0), num)
        num = np.where(num == big, 0, num)
        d = np.full(n, den, np.int64)
    r = (2 * np.abs(num) + d) // (2 * d)  # half-up, away from zero on a half
    pts = where_int(num < 0, -r, r)
    pts *= (count > 0) & (codes_out <= 1)
    rid = node.rule_id
    res.points[rid][sl] = pts
    res.outcome[rid][sl] = codes_out
    res.has_points[rid][sl] = codes_out <= 1
    return True


def kids_done(
    node: AggPlan, kids: list[tuple[Any, Any, Any, bool]], ctx: Chunk, res: ColumnarResult, sl: Any
) -> tuple[Any, Any, Any, bool]:
    """A group's result once its points and outcome are written: with its coverage."""
    codes = res.outcome[node.rule_id][sl]
    cov = np.where(codes >= 2, 0, coverage(node, kids, ctx.n, node.weights_zero))
    return res.points[node.rule_id][sl], codes, cov, False


def aggregate(
    node: GroupPlan, kids: list[tuple[Any, Any, Any, bool]], ctx: Chunk, cov4: Any
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
    out_codes = GROUP_CODE[seen]
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
    blocked = out_codes >= 2  # (only where a child is not scored)
    if total_w != wn:
        pts[blocked] = 0
    elif len(rows):
        pts[rows[blocked[rows]]] = 0
    cov = None
    if cov4 is not None:  # coverage is needed (a minimum coverage for the grade)
        cov = np.multiply(coverage(node, kids, n, total_w == 0), np.logical_not(blocked))
    return pts, out_codes, cov, False


def coverage(
    node: GroupPlan | AggPlan, kids: list[tuple[Any, Any, Any, bool]], n: int, count: bool
) -> Any:
    """A group's coverage numerators over its ``cov_den`` (where it is scored): its
    children's, weighted — or, ``count``, the number of children scored."""
    num = np.zeros(n, np.int64)
    if count:
        for _, codes_k, _, _ in kids:
            num += codes_k <= 1
        return num
    for (_, codes_k, cov_k, _), coef, k in zip(kids, node.cov_coef, node.kids, strict=True):
        if not isinstance(k, LeafPlan):
            num += coef * (k.cov_den if cov_k is None else cov_k)
        elif k.form.cov_den != 1:  # numerators of its own (a checklist with blank items)
            num += coef * (k.form.cov_den if cov_k is None else cov_k)
        elif cov_k is None:  # a leaf with no failure: full coverage
            num += coef
        else:  # scored, and read from data (no failure)
            num += coef * ((codes_k <= 1) & (cov_k == 0))
    return num
