"""Edge-heavy columns and a hand-written *exact* numpy baseline for the benchmark rule set of
:mod:`gen` (issue #18) — written from the rule set's meaning, not from the engine's code.

Data the way departments produce it (:func:`edge_columns`): 37% of departments spend exactly
their budget (rate 100%), others land exactly on 95%, 90% or 70% (a threshold, the proportional
target and the band edges), a few spend nothing, the rest spread between 60% and 110%; money has
two decimals.

The baseline (:func:`exact_points`) reads each cell as whole cents (``rint(x·100)``: the data has
two decimals) and decides everything in int64: ``a/b ≥ 0.9`` is ``10·a ≥ 9·b``, points are
scaled by 100 and rounded half-up by integer floor division.  Points per indicator, per group,
and the total, as int64 in hundredths.
"""

from __future__ import annotations

from typing import Any

from baselines import layout


def edge_columns(n_indicators: int, n_rows: int, seed: int = 1) -> dict[str, Any]:
    import numpy as np

    rng = np.random.default_rng(seed)
    cols: dict[str, Any] = {}
    for i in range(n_indicators):
        b = np.round(rng.uniform(100, 10000, n_rows), 2)
        share = rng.uniform(0.6, 1.1, n_rows)
        pick = rng.random(n_rows)
        share = np.where(pick < 0.37, 1.0, share)  # spent exactly the budget
        share = np.where((pick >= 0.37) & (pick < 0.45), 0.95, share)  # on the 95% target
        share = np.where((pick >= 0.45) & (pick < 0.50), 0.9, share)  # on the 90% threshold
        share = np.where((pick >= 0.50) & (pick < 0.53), 0.7, share)  # on a band edge
        share = np.where((pick >= 0.53) & (pick < 0.54), 0.0, share)  # spent nothing
        cols[f"a{i}"], cols[f"b{i}"] = np.round(b * share, 2), b
    return cols


def _half_up(num: Any, den: Any) -> Any:
    """round-half-up(num / den) for num >= 0, den > 0 (int64)."""
    return (2 * num + den) // (2 * den)


def exact_points(n: int, cols: dict[str, Any], group_size: int = 5) -> dict[str, Any]:
    import numpy as np

    out: dict[str, Any] = {}
    total = None
    for gid, _gw, members in layout(n, group_size):
        got = None
        for iid, an, bn, kind in members:
            a = np.rint(cols[an] * 100).astype(np.int64)  # cents
            b = np.rint(cols[bn] * 100).astype(np.int64)
            if kind == 0:  # threshold a/b >= 0.9 → 4
                p = np.where(10 * a >= 9 * b, 400, 0)
            elif kind == 1:  # proportional 0.95: 4 × min(1, (a/b)/0.95)
                part = _half_up(40000 * a, 95 * b)
                p = np.where(100 * a >= 95 * b, 400, np.where(a <= 0, 0, part))
            elif kind == 2:  # deduct below 0.95, 0.5 per 0.01: 4 − 50·(0.95 − a/b), ≥ 0
                num = 5000 * a - 4350 * b  # 100 × (50a/b − 43.5) × b
                p = np.where(num <= 0, 0, _half_up(np.maximum(num, 0), b))
                p = np.where(100 * a >= 95 * b, 400, np.minimum(p, 400))
            elif kind == 3:  # bands: ≥ 0.9 → 4, [0.7, 0.9) → 2.5, else 0
                p = np.where(10 * a >= 9 * b, 400, np.where(10 * a >= 7 * b, 250, 0))
            else:  # formula min(4, 4a/b), clamped to [0, 4]
                p = np.minimum(400, _half_up(400 * a, b))
            out[iid] = p
            got = p if got is None else got + p
        out[gid] = got
        total = got if total is None else total + got
    out["total"] = total
    return out
