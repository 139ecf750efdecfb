"""Leaves written into the points path's generated walk (:mod:`.pointscode`): a scorer's common
case as straight-line code, its constants folded at load — one comparison for a threshold, a
table for a counted deduction, one fused multiply-add for an exact one, one product or quotient
for a proportional score (``equal`` too: an exact deviation, one quotient), a tier's look-up
(with a ratio: its range checked, one product), a formula's value clamped and rounded —
instead of a call to its fast form.

What such code gives is what the form gives.  A comparison with a constant is exact (a value
rounded once never lands on a number of at most 27 digits, so it is on the same side of it as
the exact value: :mod:`perfscore.exact`).  Points computed from a value that may be rounded
(a rate) carry at most a few units of its 28th digit of error; they are rounded half up here
only where they are further than a twentieth of a step from a half, with the error bound made
at load far below that (a value too large for the bound, and everything else, goes to the
form itself, which decides it exactly or refuses as before).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ..exact import ONCE, WIDE, exact_steps, full, unsure_pair
from ..exact.decide import PLUS27 as _PLUS27
from ..numbers import round_places
from ..scorers import Fallback
from ..scorers.deduct import DeductScorer
from ..scorers.formula import FormulaScorer
from ..scorers.proportional import ProportionalScorer
from ..scorers.threshold import ThresholdScorer
from ..scorers.tier import MISSING_AWARE, TierScorer
from .writer import read_lines

if TYPE_CHECKING:
    from .plannodes import PlanNode

__all__ = ["leaf_lines", "leaf_names"]

ZERO = Decimal(0)
#: a counted deduction's steps written out as a table up to this many (then the form)
MOST_STEPS = 64
_OPS = {">=": ">=", ">": ">", "<=": "<=", "<": "<", "==": "==", "!=": "!="}


def leaf_names(places: int) -> dict[str, Any]:
    """What the lines below name in the generated walk's namespace."""
    return {
        "_D": Decimal,
        "_str": str,
        "_Fallback": Fallback,
        "_fma": WIDE.fma,
        "_wsub": WIDE.subtract,
        "_wmul": WIDE.multiply,
        "_odiv": ONCE.divide,
        "_bl": bisect_left,
        "_unsure": unsure_pair,
        "_P27": _PLUS27,
        "_br": bisect_right,
        # how near a half the points may be to be rounded here: 0.45 of a step
        "_SV": Decimal(45).scaleb(-places - 2),
    }


class _Lines:
    """One leaf's lines: the values they name go to the walk's namespace (``value``)."""

    def __init__(self, value: Callable[[Any], str], temp: Callable[[], str]) -> None:
        self.value = value
        self.temp = temp
        self.lines: list[str] = []

    def add(self, text: str) -> None:
        self.lines.append(text)

    def read(self, target: str, expr: Any) -> None:
        """Compiled expression ``expr``'s value into ``target`` (:func:`.writer.read_lines`: a
        name read, a plain body written in place, else the expression called)."""
        self.lines.extend(read_lines(self.value, expr, target))


def leaf_lines(
    value: Callable[[Any], str],
    temp: Callable[[], str],
    pn: PlanNode,
    t: str,
    places: int,
) -> list[str] | None:
    """Lines putting leaf ``pn``'s points where it applies into ``t`` (``scope`` in hand;
    raising where its form raises), or None: the form is called as it is."""
    node = pn.node
    sc, weight, form = node.scorer, node.weight, pn.scored
    if weight is None or form is None or node.long_numbers:
        return None
    out = _Lines(value, temp)
    try:
        if type(sc) is TierScorer:
            made = _tier(out, sc, weight, places, t, value(form))
        elif type(sc) is FormulaScorer:
            made = _formula(out, sc, weight, places, node.value, t)
        elif node.value is None:
            made = False
        elif type(sc) is ThresholdScorer:
            made = _threshold(out, sc, weight, places, node.value, t, value(form))
        elif type(sc) is DeductScorer:
            made = _deduct(out, sc, weight, places, node.value, t, value(form))
        elif type(sc) is ProportionalScorer:
            made = _proportional(out, sc, weight, places, node.value, t, value(form))
        else:
            made = False
    except ArithmeticError:  # (a constant that does not fold exactly: the form)
        made = False
    return out.lines if made else None


def _tier(out: _Lines, sc: TierScorer, weight: Decimal, places: int, t: str, form: str) -> bool:
    """A tier named: its default's points looked up (as the form does); with a ratio given,
    checked against the named tier's range (as the form does) and scaled — ``W·r`` exact, so
    only a rounded ratio can leave it a hair off a half (the range bounds it, at load)."""
    c = out.temp()
    out.read(c, sc.tier)
    if sc.ratio is None:
        fixed = {
            name: round_places(weight * default, places) for name, (_, default) in sc.tiers.items()
        }
        out.add(f"{t} = {out.value(fixed)}.get({c}) if {c}.__class__ is _str else None")
        out.add(f"if {t} is None:")
        out.add("    raise _Fallback")  # (not a tier: an error, the evaluator's to say)
        return True
    tiers = {}
    for name, (iv, default) in sc.tiers.items():
        if not (iv.low.is_finite() and iv.high.is_finite()):
            return False
        largest = max(abs(iv.low), abs(iv.high))
        if weight <= ZERO or WIDE.multiply(weight, largest).adjusted() > 23 - places:
            return False
        points = round_places(weight * default, places)
        tiers[name] = (iv.low, iv.high, iv.low_inclusive, iv.high_inclusive, points)
    e, r = out.temp(), out.temp()
    out.add(f"{e} = {out.value(tiers)}.get({c}) if {c}.__class__ is _str else None")
    out.add(f"if {e} is None:")
    out.add("    raise _Fallback")  # (not a tier: an error, the evaluator's to say)
    ratio = sc.ratio
    call = read_lines(out.value, ratio, r)
    if ratio.functions & MISSING_AWARE or not ratio.names:
        out.lines.extend(call)
    else:  # a blank in what the ratio reads: none given (TierScorer.given_ratio)
        blank = " or ".join(f"scope.get({out.value(n)}) is None" for n in sorted(ratio.names))
        out.add(f"if {blank}:")
        out.add(f"    {r} = None")
        out.add("else:")
        out.lines.extend(f"    {line}" for line in call)
    out.add(f"if {r} is None:")
    out.add(f"    {t} = {e}[4]")
    out.add("else:")
    out.add(f"    if {r}.__class__ is not _D or not {r}.is_finite():")
    out.add("        raise _Fallback")
    below = f"{r} < {e}[0] or ({r} == {e}[0] and not {e}[2])"
    above = f"{r} > {e}[1] or ({r} == {e}[1] and not {e}[3])"
    out.add(f"    if {below} or {above}:")
    out.add("        raise _Fallback")  # (outside the tier named: an error, the evaluator's)
    x = out.temp()
    out.add(f"    {x} = _wmul({out.value(weight)}, {r})")
    close = _Lines(out.value, out.temp)
    _close(close, t, x, _full(r), form)
    out.lines.extend(f"    {line}" for line in close.lines)
    return True


def _formula(
    out: _Lines, sc: FormulaScorer, weight: Decimal, places: int, read: Any, t: str
) -> bool:
    """The formula's value clamped to ``[0, W]`` and rounded half up.  The value is exact or
    rounded once (ROUND_05UP, :mod:`perfscore.exact`), so it lies on the same side as the
    exact value of ``0``, ``W`` and every half of a step below ``W`` (numbers of at most 27
    digits for ``W`` below ``10^(24 − places)``): each decision here is the exact one."""
    if weight <= ZERO or weight.adjusted() > 23 - places or full(weight):
        return False
    if read is not None:  # evaluated as the form evaluates it (an error there: raised)
        out.read(out.temp(), read)
    raw = out.temp()
    out.read(raw, sc.expr)
    out.add(f"if {raw}.__class__ is not _D or not {raw}.is_finite():")
    out.add("    raise _Fallback")
    out.add(f"if {raw} <= 0:")
    out.add(f"    {t} = {out.value(round_places(ZERO, places))}")
    out.add(f"elif {raw} >= {out.value(weight)}:")
    out.add(f"    {t} = {out.value(round_places(weight, places))}")
    out.add("else:")
    out.add(f"    {t} = {raw}.quantize(_Q, _HALF_UP, _C28)")
    return True


def _full(v: str) -> str:
    """:func:`~perfscore.exact.full` of a finite Decimal ``v`` written out (no call): whether
    it may be a rounded result."""
    return f"({v}.adjusted() < -99 or not {v}.same_quantum(_P27({v})))"


def _unsure(v: str, u: str) -> str:
    """:func:`~perfscore.exact.unsure_pair` of two finite Decimals, called only where both
    may be rounded (:func:`_full` written out first)."""
    return f"{_full(v)} and {_full(u)} and _unsure({v}, {u})"


def _number(out: _Lines, read: Any) -> str:
    """Expression ``read``'s value into a temporary, refused (as the form refuses it) unless a
    finite Decimal."""
    v = out.temp()
    out.read(v, read)
    out.add(f"if {v}.__class__ is not _D or not {v}.is_finite():")
    out.add("    raise _Fallback")
    return v


def _threshold(
    out: _Lines, sc: ThresholdScorer, weight: Decimal, places: int, read: Any, t: str, form: str
) -> bool:
    """One comparison with the target: a constant, or read per subject — then two values that
    may both be rounded and are too close to be ordered are the form's (it refuses them)."""
    limit = sc.target.const
    full = round_places(sc.points_met if sc.points_met is not None else weight, places)
    other = round_places(sc.points_otherwise, places)
    op = _OPS.get(sc.op)
    if op is None:
        return False
    v = _number(out, read)
    if limit is None:
        assert sc.target.expr is not None
        u = _number(out, sc.target.expr)
        out.add(f"if {_unsure(v, u)}:")
        out.add(f"    {t} = {form}(scope)")
        out.add("else:")
        out.add(f"    {t} = {out.value(full)} if {v} {op} {u} else {out.value(other)}")
        return True
    out.add(f"{t} = {out.value(full)} if {v} {op} {out.value(limit)} else {out.value(other)}")
    return True


def _close(out: _Lines, t: str, x: str, rounded: str, form: str, guard: str = "") -> None:
    """``x`` rounded half up into ``t`` where it is further than a twentieth of a step from a
    half (and ``guard`` holds) — or on a step, computed exactly from values none of which
    may be a rounded one (``rounded``: the test that says so) — else the form's points."""
    r = out.temp()
    out.add(f"{t} = {x}.quantize(_Q, _HALF_UP, _C28)")
    out.add(f"{r} = _wsub({x}, {t})")
    out.add(f"if {r}:")
    out.add(f"    if not (-_SV < {r} < _SV{guard}):")
    out.add(f"        {t} = {form}(scope)")
    out.add(f"elif {rounded}:")
    out.add(f"    {t} = {form}(scope)")


def _deduct(
    out: _Lines, sc: DeductScorer, weight: Decimal, places: int, read: Any, t: str, form: str
) -> bool:
    s, step, per, floor = sc.start.const, sc.points, sc.per, sc.floor
    if s is None or step <= ZERO or per <= ZERO or floor > weight:
        return False
    low = round_places(floor, places)
    if low != floor:  # (a floor between two steps of the points: the form)
        return False
    above = sc.direction == "above"
    full = round_places(weight, places)
    v = _number(out, read)
    out.add(f"if {v} {'<=' if above else '>='} {out.value(s)}:")  # nothing beyond the start
    out.add(f"    {t} = {out.value(full)}")
    out.add("else:")
    inner = _Lines(out.value, out.temp)
    if sc.count == "exact":
        # W − k·(v − s) above, W − k·(s − v) below (k = points per unit): one exact fma; its
        # error from a rounded v is k·|v|·1e-27 at most, far below a twentieth of a step
        # where |v| is below ``most``
        k = WIDE.divide(step, per)
        kv, a = (
            (WIDE.minus(k), WIDE.add(weight, WIDE.multiply(k, s)))
            if above
            else (
                k,
                WIDE.subtract(weight, WIDE.multiply(k, s)),
            )
        )
        most = Decimal(1).scaleb(23 - places - k.adjusted())
        x = inner.temp()
        inner.add(f"{x} = _fma({out.value(kv)}, {v}, {out.value(a)})")
        inner.add(f"if {x} <= {out.value(floor)}:")
        inner.add(f"    {t} = {out.value(low)}")
        inner.add("else:")
        close = _Lines(out.value, out.temp)
        lo, hi = out.value(WIDE.minus(most)), out.value(most)
        _close(close, t, x, _full(v), form, f" and {lo} < {v} < {hi}")
        inner.lines.extend(f"    {line}" for line in close.lines)
    else:
        # the steps counted exactly (a boundary s ± n·per is on the same side of a rounded
        # value as of the exact one), their points looked up
        n = int(exact_steps(WIDE.subtract(weight, floor), step, True))
        if not 0 <= n <= MOST_STEPS:
            return False
        bounds = [WIDE.multiply(Decimal(i), per) for i in range(n + 1)]
        points = [
            round_places(max(floor, WIDE.subtract(weight, WIDE.multiply(Decimal(i), step))), places)
            for i in range(n + 2)
        ]
        b = inner.temp()
        inner.add(
            f"{b} = _wsub({v}, {out.value(s)})" if above else f"{b} = _wsub({out.value(s)}, {v})"
        )
        if sc.count == "started":  # ceil(b / per): the bounds below b
            inner.add(f"{t} = {out.value(tuple(points))}[_bl({out.value(tuple(bounds))}, {b})]")
        else:  # floor(b / per): the bounds at or below b, less the 0
            inner.add(f"{t} = {out.value(tuple(points))}[_br({out.value(tuple(bounds))}, {b}) - 1]")
    out.lines.extend(f"    {line}" for line in inner.lines)
    return True


def _proportional(
    out: _Lines, sc: ProportionalScorer, weight: Decimal, places: int, read: Any, t: str, form: str
) -> bool:
    """Above or below a target (a constant, or read per subject): full marks where met,
    else ``W·v/t`` (higher) or ``W·t/v`` (lower) rounded once — within ``3·W·1e-27`` of the
    exact points when ``v`` and ``t`` may be rounded."""
    target, direction = sc.target.const, sc.direction
    if weight <= ZERO or weight.adjusted() > 23 - places:
        return False
    if direction == "equal":
        return _equal(out, sc, weight, places, read, t, form)
    if target is not None and target <= ZERO:
        return False
    full, none = round_places(weight, places), round_places(ZERO, places)
    v = _number(out, read)
    if target is None:  # read per subject: two values that may both be rounded, side by
        # side, are the form's to decide (it refuses them: exactly then)
        assert sc.target.expr is not None
        u = _number(out, sc.target.expr)
        rounded = f"{_full(v)} or {_full(u)}"
        out.add(f"if {_unsure(v, u)}:")  # (two rounded values too close to order)
        out.add(f"    {t} = {form}(scope)")
        out.add(f"elif {v} {'>=' if direction == 'higher' else '<='} {u}:")
        positive = f"{u} <= 0 or {v} <= 0"
    else:
        u, rounded = out.value(target), _full(v)
        out.add(f"if {v} {'>=' if direction == 'higher' else '<='} {u}:")
        positive = f"{v} <= 0"
    out.add(f"    {t} = {out.value(full)}")
    out.add(f"elif {positive}:")
    out.add(f"    {t} = {out.value(none)}")
    out.add("else:")
    x = out.temp()
    w = out.value(weight)
    if direction == "higher" and target is not None and _exactly(weight, target) is not None:
        out.add(f"    {x} = _wmul({out.value(_exactly(weight, target))}, {v})")  # (W/t ends)
    elif direction == "higher":
        out.add(f"    {x} = _odiv(_wmul({w}, {v}), {u})")
    else:
        wt = f"_wmul({w}, {u})" if target is None else out.value(WIDE.multiply(weight, target))
        out.add(f"    {x} = _odiv({wt}, {v})")
    close = _Lines(out.value, out.temp)
    _close(close, t, x, rounded, form)
    out.lines.extend(f"    {line}" for line in close.lines)
    return True


def _equal(
    out: _Lines, sc: ProportionalScorer, weight: Decimal, places: int, read: Any, t: str, form: str
) -> bool:
    """Full marks on the target ``t`` (a constant ``≠ 0``, or read per subject), else
    ``W·(|t| − |v − t|) / |t|`` (nothing from ``|v − t| ≥ |t|`` on) — the deviation exact, one
    rounded quotient, as the form computes it; from a rounded ``v`` and ``t`` (then ``|v| <
    2|t|``) within ``5·W·1e-27`` of the exact points.  Two values read per subject that may
    both be rounded and are too close to be ordered are the form's (it refuses them)."""
    target = sc.target.const
    if target == 0:
        return False
    full, none = round_places(weight, places), round_places(ZERO, places)
    v = _number(out, read)
    d, x = out.temp(), out.temp()
    if target is None:  # read per subject
        assert sc.target.expr is not None
        u, a = _number(out, sc.target.expr), out.temp()
        out.add(f"if {_unsure(v, u)}:")
        out.add(f"    {t} = {form}(scope)")
        out.add(f"elif {v} == {u}:")
        rounded = f"{_full(v)} or {_full(u)}"
    else:
        u, a, rounded = out.value(target), out.value(abs(target)), _full(v)
        out.add(f"if {v} == {u}:")
    out.add(f"    {t} = {out.value(full)}")
    out.add("else:")
    if target is None:
        out.add(f"    {a} = {u}.copy_abs()")  # (0 too: every deviation is at least that)
    out.add(f"    {d} = _wsub({v}, {u}).copy_abs()")
    out.add(f"    if {d} >= {a}:")
    out.add(f"        {t} = {out.value(none)}")
    out.add("    else:")
    out.add(f"        {x} = _odiv(_wmul({out.value(weight)}, _wsub({a}, {d})), {a})")
    close = _Lines(out.value, out.temp)
    _close(close, t, x, rounded, form)
    out.lines.extend(f"        {line}" for line in close.lines)
    return True


def _exactly(a: Decimal, b: Decimal) -> Decimal | None:
    """``a / b`` where it ends (then ``W·v/t`` is one exact product), else None."""
    try:
        return WIDE.divide(a, b)
    except ArithmeticError:
        return None
