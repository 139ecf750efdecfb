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
* Supported: inputs of type number/money/percent/integer; metrics; leaf scorers with a column
  form — ``threshold``, ``proportional``, ``deduct`` (constant target/start), ``bands``
  (points) and ``formula``, each in its own module under :mod:`perfscore.scorers`;
  groups with ``weighted_sum``; ``equal`` checks; grade bands.  A rule set using anything else
  (``when``, text/boolean/series inputs in expressions, checklist/tier/grade/series scorers,
  other aggregators, assert/explain_if checks, grade overrides, non-numeric functions) is scored
  entirely by the per-record path — same results, per-record speed; ``ColumnarScorer.reason``
  says why.

The per-record equivalent of row ``i`` is the record ``{name: float(column[name][i])}`` with NaN
as a missing value (numbers go through ``Decimal(repr(x))``, exactly what the per-record reader
does with a float).

The package: :mod:`~perfscore.columnar.bounds` (bounded floats, guarded comparisons and
rounding — the toolkit of the scorers' column forms), :mod:`~perfscore.columnar.expression`
(rule expressions as column operations), :mod:`~perfscore.columnar.plan` (a rule set prepared
once: dataclasses), :mod:`~perfscore.columnar.run` (chunks, the per-record fallback) and
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
