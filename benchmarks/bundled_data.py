"""Generated data that looks like each bundled rule set's (and any rule set's): values a
department writes for each input — round figures, repeats (spent = budget), zeros, band
edges, blanks, every choice and yes/no — and series per year as an assessor's document holds
them.  Used by ``tests/test_columnar_bundled.py`` and :mod:`bundled_bench`."""

from __future__ import annotations

import math
import random
from decimal import Decimal
from typing import Any

import numpy as np

import perfscore

__all__ = ["SHARES", "columns"]


def _pool(spec: Any, rnd: random.Random) -> list[Any]:
    """Values a department writes for one input: round figures, repeats (so two columns are
    often equal: spent = budget), zeros, band edges, blanks."""
    t = spec.type
    if t == "text":
        choices = list(spec.choices or ("达成", "achieved", "partial"))
        return [*choices, *choices]
    if t == "boolean":
        return [True, False, True]
    low = float(spec.min) if spec.min is not None else 0.0
    high = float(spec.max) if spec.max is not None else 1000.0
    if t == "percent":
        values = [0.0, 60.0, 80.0, 85.0, 90.0, 95.0, 100.0, 99.5, 100.0]
    elif t == "integer":
        values = [0.0, 1.0, 3.0, 10.0, 12.0, 100.0]
    elif high <= 1:
        values = [0.0, 0.3, 0.6, 0.7, 0.8, 0.95, 1.0, 1.0]
    else:
        values = [0.0, 100.0, 100.0, 95.0, 13.51, 14.0, 250.5, 1000.0, 1200.0]
    values = [v for v in values if low <= v <= high and (v or rnd.random() < 0.3)] or [low]
    values.append(round(rnd.uniform(low, min(high, 2000.0)), 0 if t == "integer" else 2))
    return values


#: outturn / budget as assessors' data have it: on the budget, on each band's edges, far off
SHARES = (
    1,
    1,
    1,
    0.95,
    1.05,
    0.9,
    1.1,
    0.85,
    1.15,
    0.97,
    1.06,
    0.94,
    1.12,
    0.92,
    1.16,
    0.5,
    0,
    1.2,
)


def _series(rs: perfscore.RuleSet, n: int, rnd: random.Random) -> dict[str, Any]:
    """Series cells per year as an assessor's document holds them: budget and outturn of one
    head sharing the year's budget (so on a band edge exactly, or on the budget), years as
    numbers or text, 3 years mostly but also 0–5; in some rows one thing written oddly — a
    blank series, an empty one, a blank year inside, another year, a figure past float64's
    digits, "1,234.50", a word."""
    names = [k for k, sp in rs.compiled.inputs.items() if sp.type == "series"]
    cols: dict[str, list[Any]] = {name: [] for name in names}
    for _ in range(n):
        end = rnd.choice([2023, 2023, 2022, 2024])
        years = list(range(end - rnd.choice([3, 3, 3, 4, 5, 2, 0]) + 1, end + 1))
        budgets: dict[tuple[str, int], float] = {}
        for name in names:
            stem = "budget" if name == "outturn_total" else name.rsplit("_", 1)[0]
            cell: dict[Any, Any] = {}
            for y in years:
                b = budgets.setdefault(
                    (stem, y), rnd.choice([100.0, 250.5, 13.51, 1000.0, 0.0, 2000.0, 1234567.89])
                )
                if name == "contingency_actual":
                    share = rnd.choice([0, 0.03, 0.06, 0.1, 0.02, 0.05])
                    v = round(budgets.get(("budget", y), 100.0) * share, 2)
                elif name.endswith("_actual") or name == "outturn_total":
                    v = round(b * rnd.choice(SHARES), 2)
                else:
                    v = b
                cell[y if rnd.random() < 0.7 else str(y)] = v
            cols[name].append(cell)
        if names and rnd.random() < 0.15:
            name = rnd.choice(names)
            cell = cols[name][-1]
            ys = list(cell)
            kind = rnd.randrange(7)
            if kind == 0:
                cols[name][-1] = None
            elif kind == 1 and ys:
                cell[rnd.choice(ys)] = None
            elif kind == 2 and ys:
                cell[rnd.choice(ys)] = Decimal("123456789012345.67")
            elif kind == 3 and ys:
                cell[rnd.choice(ys)] = "1,234.50"
            elif kind == 4 and ys:
                cell[rnd.choice(ys)] = "大约"
            elif kind == 5:
                cell[min(years or [2023]) - 2] = 5.0
            else:
                cols[name][-1] = {}
    out = {}
    for name, cells in cols.items():
        out[name] = np.empty(n, object)
        out[name][:] = cells
    return out


def columns(rs: perfscore.RuleSet, n: int, seed: int) -> dict[str, Any]:
    """``n`` rows of cells for every input of ``rs`` (numbers as float64 with NaN for a
    blank; text, yes/no and series cells as objects)."""
    rnd = random.Random(seed)
    cols: dict[str, Any] = _series(rs, n, rnd)
    for name, spec in rs.compiled.inputs.items():
        if spec.type == "series":
            continue
        pool = _pool(spec, rnd)
        # a reviewer seldom gives the share within a tier (the tier's default applies)
        blank = 0.98 if name.endswith("_ratio") else 0.005
        cells = [None if rnd.random() < blank else rnd.choice(pool) for _ in range(n)]
        if spec.type in ("text", "boolean"):
            cols[name] = np.array(cells, dtype=object)
        else:
            cols[name] = np.array([math.nan if c is None else c for c in cells])
    return cols
