"""Checks and grade overrides over a chunk: ``equal`` (within its tolerance, decided exactly
on ties), ``assert`` and ``explain_if`` checks with their ``when``, and the grade overrides in
order — each blocked by a failure of what it reads, as the per-record path blocks it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from ..placeholders import explains
from .bounds import F_ERROR, Bounded, Chunk, compare, const
from .calls import branch
from .expression import ColumnCond, ColumnExpr
from .failures import code_where, failure_codes
from .plan import CheckPlan, Plan
from .rational import Q
from .reasons import no

if TYPE_CHECKING:
    from ..compile import CheckNode

__all__ = ["apply_overrides", "check_plan", "run_check"]


def apply_overrides(
    plan: Plan, ctx: Chunk, total: Any, has: Any, cov_ok: Any, grade: Any, scale: int
) -> None:
    """Grade overrides, in order, on rows with a total (and enough coverage): the first
    whose condition holds sets the grade; a condition its data blocks, or that cannot be
    evaluated (a division by zero), is passed over — as the per-record path does."""
    fscale = float(scale)
    ctx.cache["total"] = Bounded(total / fscale, None, 1.0, name="total")
    ctx.total = total
    open_rows = has.copy() if cov_ok is None else has & cov_ok
    for cond, index, names, aware in plan.overrides:
        if aware:
            code = failure_codes(ctx, (), None, "error", names)
        else:
            code = failure_codes(ctx, names, None, "error")
        ctx.skip = None if code is None else code != 0
        ctx.zero = ctx.missing = None
        ctx.aware = aware
        hit = cond(ctx) & open_rows
        for passed_over in (ctx.skip, ctx.zero, ctx.missing):  # blocked, or an error
            if passed_over is not None:
                hit &= ~passed_over
        ctx.skip = ctx.zero = ctx.missing = None
        ctx.aware = False
        grade[hit] = index
        open_rows &= ~hit


def run_check(ctx: Chunk, ch: CheckPlan) -> Any:
    """A check's outcome codes, as the per-record path decides them: a failing name
    blocks it (error, else not applicable; an unreadable ``require`` is an error), a
    ``when`` that does not hold makes it not applicable (not for explain_if, whose
    ``when`` triggers it), a division by zero makes it not applicable; with
    ``is_missing``/``coalesce``, computing with a blank outside them makes it not applicable
    too (a check reading missing data: docs/rule-language.md §10)."""
    if ch.missing_aware:  # a blank is a value here (is_missing), other failures block
        code = failure_codes(ctx, (), None, "error", ch.reads)
    else:
        code = failure_codes(ctx, ch.reads, None, "error")
    if ch.require is not None:
        req = ctx.codes.get(ch.require)
        if req is not None:
            code = np.where(req == F_ERROR, F_ERROR, 0 if code is None else code)
    ctx.skip = None if code is None else code != 0
    ctx.zero = ctx.missing = None
    ctx.aware = ch.missing_aware
    applies = None
    if ch.when is not None:
        applies = ch.when(ctx)
    if ch.kind == "equal":
        assert ch.left is not None and ch.right is not None and ch.tolerance is not None
        rows = np.ones(ctx.n, bool) if applies is None else applies
        ok = branch(ctx, lambda c: _within(c, ch.left, ch.right, ch.tolerance), rows)
    elif ch.kind == "assert":
        assert ch.cond is not None
        rows = np.ones(ctx.n, bool) if applies is None else applies
        ok = branch(ctx, ch.cond, rows)
    else:  # explain_if: triggered, and the required field says something
        assert applies is not None and ch.require is not None
        cats, vocab = ctx.category(ch.require)
        said = [explains(x) for x in vocab]
        ok = ~applies | np.array([*said, False, False])[cats]
        applies = None
    out = np.logical_not(ok).view(np.int8)  # fail: 1
    if applies is not None:
        out[~applies] = 2
    zero, blank = ctx.zero, ctx.missing
    ctx.zero = ctx.missing = None
    ctx.aware = False
    if zero is not None:  # a division by zero: not applicable
        out[zero] = 2
    if blank is not None:  # a blank computed with: not applicable (MissingValueError)
        out[blank] = 2
        if zero is not None:  # which of the two comes first: the per-record path decides
            both = blank & zero
            if ctx.skip is not None:
                both &= ~ctx.skip
            np.logical_or(ctx.unsure, both, out=ctx.unsure)
    if code is not None:
        failed = np.multiply(out, code == 0, dtype=np.int8)  # pass/fail/n/a where none
        failed += code_where(code != 0, 2)  # a failure: not applicable,
        failed += code_where(code == F_ERROR, 1)  # an error: error
        out = failed
    ctx.skip = None
    return out


def _within(ctx: Chunk, left: ColumnExpr, right: ColumnExpr, tol: Bounded) -> Any:
    """|left − right| ≤ tolerance, decided exactly on ties."""
    a, b = left(ctx), right(ctx)

    def exact(ctx: Chunk, rows: Any) -> Q:
        return abs(left.exact(ctx, rows) - right.exact(ctx, rows))

    diff = Bounded(np.abs(a.v - b.v), a.m() + b.m(), max(a.k, b.k) + 1, ex=exact)
    return compare(ctx, diff, "<=", tol)


def check_plan(ch: CheckNode, kinds: Mapping[str, str], text: Callable[[str], str]) -> CheckPlan:
    """A check's plan: ``equal`` (without ``require``), ``assert`` (without ``require``) or
    ``explain_if`` explained by a text or yes/no input (``text``: what an expression runs
    as by columns, its plug-in calls split out)."""
    when = None if ch.when is None else ColumnCond(text(ch.when.text), kinds)
    reads = tuple(sorted(n for n in ch.reads if n != ch.require))
    aware = ch.missing_aware
    if ch.type == "equal" and ch.left is not None and ch.right is not None:
        if ch.require is not None:
            raise no("check_require", id=ch.id)
        left = ColumnExpr(text(ch.left.text), kinds)
        right = ColumnExpr(text(ch.right.text), kinds)
        tolerance = const(ch.tolerance)
        return CheckPlan(ch.id, left, right, tolerance, reads, when=when, missing_aware=aware)
    if ch.type == "assert" and ch.expr is not None and ch.require is None:
        cond = ColumnCond(text(ch.expr.text), kinds)
        return CheckPlan(ch.id, None, None, None, reads, "assert", cond, when, missing_aware=aware)
    if ch.type == "explain_if" and when is not None and ch.require is not None:
        if kinds.get(ch.require) not in ("text", "boolean"):
            raise no("check_explained", id=ch.id, by=repr(ch.require))
        return CheckPlan(
            ch.id, None, None, None, reads, "explain_if", None, when, ch.require, aware
        )
    raise no("check_kind", id=ch.id, kind=ch.type)
