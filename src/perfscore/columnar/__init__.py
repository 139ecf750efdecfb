"""Columnar batch scoring: many subjects from columns (numpy arrays or a pandas DataFrame), with
exactly the results of the per-record (Decimal) path.

Two exact arithmetics, chosen per indicator (``ColumnarScorer(rs, arithmetic="auto")``):

* **Exact integers from the start** (:mod:`~perfscore.columnar.intcols`): where every cell
  of an input column is a short decimal (money with 2 decimals, counts, 1-decimal scores) the
  column is int64 at its scale, a metric ``a / b`` is the rational ``A / B``, ``a/b >= 0.95``
  is ``20·A >= 19·B``, points are one integer floor division — every decision exact with no
  guard, int64 bounds proven before each operation (else that step takes float64).  The first
  chunk of a run is a small probe in float64; an indicator whose float run had to decide more
  than 1/32 of its rows exactly (spent = budget, values on 95 % or a band edge) runs in
  integers from the next chunk on.  ``"int"``/``"float"`` force one or the other.
* **float64 with a certified guard** (below): cheapest where values rarely sit on an edge.

Design of the float64 path — a certified guard, exact integers for points, exact tie-breaks:

* Expressions (``+ - * /``, unary ``-``, ``min``/``max``/``abs``, names, number literals) run in
  float64 over whole columns, and alongside each value an *error bound* is carried: an operation
  count ``k`` and either a relative bound (``|float − exact| ≤ k·u·|float|``, ``u`` = 2⁻⁵³, kept
  through ``× ÷`` of inputs and constants) or a magnitude array ``m`` (``≤ k·u·m``, after
  ``+ −``).  The Decimal path's own 28-digit rounding is far below that.
* A comparison with a constant (threshold, target, deduct start, band edge) is two float
  comparisons against the constant ± 4× the bound; when the two popcounts differ, the rows in
  between are too close to call in float64 — typically exact ties such as 95/100 against 0.95,
  or a department that spent exactly its budget — and are decided *exactly and vectorised*
  (:mod:`~perfscore.columnar.rational`): the value is recomputed for those rows as integer
  rationals (cells as the per-record reader reads them), and ``a / b >= 0.95`` becomes
  ``20·a >= 19·b``.  Magnitudes are checked before multiplying; past int64 the operation runs
  on Python integers (object arrays) — still exact, never a fallback.
* Points are rounded half-up to the rule set's places from the float value unless it lies
  within 4× its bound of a half (or on a deduction step); those rows take the scorer's exact
  points as a rational, rounded by integer floor division (``(2·n·10**p + d) // 2d``).
* Rows with a missing/non-finite/out-of-range input, a zero denominator, or a value outside
  every band are scored by the per-record evaluator (they become error or not-applicable
  findings there) and merged in.  So every row equals the per-record result
  (property-tested, and against :class:`fractions.Fraction`).  One known difference, where the
  columnar side is the exact one: the per-record path computes at 28 significant digits, so a
  quotient that does not terminate, multiplied back onto an edge (``x / 3 * 3 >= 1`` with
  ``x = 1``), is 0.999…9 there and 1 here.
* Points are scaled integers (``× 10**places``) held in float64 while scoring — exact below
  2⁵³ — so group sums and the total are exact; a re-weighted group (``got × weight / base``) is
  rounded half-up in integer arithmetic.  Results are int64.
* Supported: inputs of type number/money/percent/integer, text and yes/no; metrics; leaf
  scorers with a column form — ``threshold``, ``proportional``, ``deduct`` (constant
  target/start), ``bands`` (points), ``formula``, ``tier``, ``checklist`` and ``grade``
  (letters) —, each in its own module under :mod:`perfscore.scorers`; an indicator's or a
  group's ``when``; groups with ``weighted_sum``, and ``mean``/``weakest_link``/``lookup``
  (run once per distinct combination of the children's results, by the aggregator itself);
  letter grades; every check kind; ``coalesce``/``is_missing`` in checks and grade overrides;
  ``round(x, places)`` with places read per row; grade bands and overrides; a checklist item's
  ``when`` of any condition; a ``deduct`` start read per row; series inputs with
  ``ratio_series``, ``composition_variance``, ``last``, ``mean``/``sum``/``count``,
  ``count_within``/``count_below``/``count_above``, ``min``/``max`` of a series, ``year`` (read
  only as a leaf's value) and ``series_bands`` (exact integers on a year axis,
  :mod:`~perfscore.columnar.series`).  An expression calling a plug-in function (a
  metric, a leaf's value or scorer expression; in a condition — a checklist item's too — the
  call alone) runs per row, the rest by columns (:mod:`~perfscore.columnar.rowexpr`,
  :mod:`~perfscore.columnar.rowcalls`; ``ColumnarScorer.per_row`` says what).  A rule set
  using anything else (plugin scorers/aggregators, a plug-in function beside
  ``is_missing``/``coalesce``, ``is_missing`` in metrics, a series function inside
  arithmetic, …) is scored entirely by the per-record path — same results, per-record
  speed; ``ColumnarScorer.reason`` says why.

The per-record equivalent of row ``i`` is the record ``{name: float(column[name][i])}`` with NaN
as a missing value (numbers go through ``Decimal(repr(x))``, exactly what the per-record reader
does with a float).

The package: :mod:`~perfscore.columnar.bounds` (bounded floats, guarded comparisons and
rounding — the toolkit of the scorers' column forms), :mod:`~perfscore.columnar.intcols`
(exact integer columns), :mod:`~perfscore.columnar.rational` (exact rationals for the rows
the guard leaves open), :mod:`~perfscore.columnar.expression` (rule expressions as column
operations) with :mod:`~perfscore.columnar.calls` (its helpers: per-row ``round`` places,
``coalesce``, text tests), :mod:`~perfscore.columnar.plan` (a rule set prepared once:
dataclasses) built by :mod:`~perfscore.columnar.planner`,
:mod:`~perfscore.columnar.stages` (a chunk's inputs and metrics),
:mod:`~perfscore.columnar.series` and :mod:`~perfscore.columnar.seriesfns` (series inputs and
the functions over them),
:mod:`~perfscore.columnar.tree` (the indicator tree), :mod:`~perfscore.columnar.checks`
(checks and grade overrides), :mod:`~perfscore.columnar.failures` (failure codes per row),
:mod:`~perfscore.columnar.run` (chunks, the per-record fallback) and
:mod:`~perfscore.columnar.frames` (columns in, the result table out).
"""

from __future__ import annotations

from .bounds import Unsupported
from .frames import OUTCOMES, ColumnarResult
from .run import ColumnarScorer, FrameScorer, score_columns, score_frame

__all__ = [
    "OUTCOMES",
    "ColumnarResult",
    "ColumnarScorer",
    "FrameScorer",
    "Unsupported",
    "score_columns",
    "score_frame",
]
