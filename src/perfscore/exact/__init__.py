"""Exact decisions: every comparison, band edge, step and half-up rounding lands where the exact
(rational) value says, whatever the path.

The fast paths compute in :class:`~decimal.Decimal` at 28 significant digits.  Expressions are
compiled so that a result is either *exact* or *rounded once* (:mod:`perfscore.expr`): inner
operations trap ``Inexact``, and only the outermost operation (or one beneath selections such as
``min``/``max``, a comparison's single computed side, an ``if`` branch) rounds — with
``ROUND_05UP``, so a rounded result never ends in 0 or 5.  Such a value never equals a number
of at most 27 significant digits, and lies less than one unit of its last digit from the exact
value: no threshold, band edge, deduction step or half of a rule set (all decimals of at most
27 digits on that grid) can lie between the two, so comparing the rounded value decides as the
exact one would.  What the grid does not cover raises :class:`~perfscore.numbers.NotExact`:

* a half-up rounding of *computed* points (weight × value / target) within a generous error
  bound of a half (:func:`perfscore.numbers.round_places`);
* two possibly rounded values compared with each other (:func:`unsure_pair`).

An expression that could not keep its result once-rounded (an inner operation rounded, a
rounded metric inside further arithmetic, ``sum``/``mean``/a plugin) is evaluated exactly and
rounded once instead, so its result is once-rounded too.

The caller then re-derives the decision exactly, once: :class:`ExactScope` is the subject's
scope with every number as a :class:`Q` (an exact rational that mixes with Decimals) and every
metric re-evaluated by the *same* compiled expression over exact operations; the scorer then
runs its own ``score`` on those values, so there is one implementation of every semantic.

The package's modules: :mod:`.rational` (:class:`Q`, exact integer pairs), :mod:`.decide` (the
contexts, whether a value may be rounded, exact quotients, steps and shares), :mod:`.ops` (the
exact twins of the expressions' operations and functions), :mod:`.scope` (:class:`ExactScope`,
:func:`plain`, :func:`as_fast`).
"""

from __future__ import annotations

from ..numbers import NotExact
from .decide import (
    ONCE,
    SLACK,
    WIDE,
    exact_difference,
    exact_quotient,
    exact_steps,
    full,
    has_long_number,
    maybe_rounded,
    share_of,
    unsure_pair,
)
from .ops import EXACT_FUNCTIONS, EXACT_OPS
from .ops import MAX_EXPONENT as MAX_EXPONENT
from .ops import MAX_POWER_DIGITS as MAX_POWER_DIGITS
from .ops import decimal_args as decimal_args
from .ops import power_exponent as power_exponent
from .ops import round_half_up_q as round_half_up_q
from .rational import Q, exact_share, exact_value, ratio
from .scope import ExactScope, as_fast, plain

__all__ = [
    "EXACT_FUNCTIONS",
    "EXACT_OPS",
    "ONCE",
    "SLACK",
    "WIDE",
    "ExactScope",
    "NotExact",
    "Q",
    "as_fast",
    "exact_difference",
    "exact_quotient",
    "exact_share",
    "exact_steps",
    "exact_value",
    "full",
    "has_long_number",
    "maybe_rounded",
    "plain",
    "ratio",
    "share_of",
    "unsure_pair",
]
