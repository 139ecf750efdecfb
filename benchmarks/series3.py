"""The multi-year benchmark set (issue #18): ``series3.yaml`` — 部门近三年预算执行与收入趋势, six
indicators whose metrics are series functions inside arithmetic (``round(mean(last(rate, 3)) *
100, 2)``, a growth rate from ``year()``), a bound that is an input (``count_within(…,
target_rate, 1.05)``), ``year()`` read by other metrics and ``max(s) - min(s)``.

The data (:func:`columns`, :func:`records`) is what departments send for three years: 万元 with
two decimals, round budgets, a third spent exactly their budget, some exactly 95 % or 105 %
(on the band edges), zero budgets, blank years, new departments with two years only, revenue
that falls as often as it grows (exactly 0 % and 5 % growth too), head counts, a blank target.
Cells are mappings of year → figure, as JSON documents give them.

:func:`numpy_exact` is the hand-written baseline: written from the YAML text, never from
perfscore (it imports nothing of it) — the cells read into integer (cent) matrices, every
decision in integers, the one division that is not (the three-year mean, rounded half up to
0.01 %) in float64 with the rows near a half redone in fractions.
"""

from __future__ import annotations

import random
from fractions import Fraction
from pathlib import Path
from typing import Any

RULES = Path(__file__).with_name("series3.yaml").read_text("utf-8")
LEAF_IDS = ("exec3", "exec_now", "steady", "growth", "rising", "staff")
WEIGHTS = (30, 20, 15, 15, 10, 10)
YEARS = (2021, 2022, 2023, 2024)
#: ColumnarResult's outcome codes
PASS, FAIL, NA, ERROR = 0, 1, 2, 3

# --- data ------------------------------------------------------------------------------------


def _money(r: random.Random) -> int:
    """A budget in cents: round 万元 half the time, rarely zero."""
    u = r.random()
    if u < 0.01:
        return 0
    if u < 0.5:
        return r.randint(5, 500) * 10_00
    return r.randint(50_00, 5000_00)


def _spent(r: random.Random, b: int) -> int | None:
    u = r.random()
    if u < 0.03:
        return None  # a blank year
    if u < 0.38:
        return b  # spent exactly the budget
    if u < 0.48 and b % 20 == 0:
        return b * 95 // 100  # exactly 95 %
    if u < 0.53 and b % 20 == 0:
        return b * 105 // 100  # exactly 105 %
    return round(b * r.uniform(0.75, 1.08))


def _cell(cents: dict[int, int | None]) -> dict[int, float | None]:
    return {y: None if c is None else c / 100 for y, c in cents.items()}


def _department(r: random.Random) -> dict[str, Any]:
    u = r.random()
    years = YEARS[1:] if u < 0.7 else YEARS if u < 0.9 else YEARS[2:]
    budget = {y: _money(r) for y in years}
    spent = {y: _spent(r, b) for y, b in budget.items()}
    if r.random() < 0.03:
        budget[years[-2]] = None  # a blank budget year
    rev: dict[int, int | None] = {}
    x = r.randint(100_00, 20000_00)
    for y in years:
        rev[y] = x
        g = r.random()
        if g < 0.1:
            pass  # no growth
        elif g < 0.15 and x % 20 == 0:
            x = x * 105 // 100  # exactly 5 %
        else:
            x = round(x * r.uniform(0.88, 1.15))
    if r.random() < 0.01:
        rev[2023] = 0
    if r.random() < 0.03:
        rev[r.choice(years)] = None
    staff: dict[int, int | None] | None = {}
    n = r.randint(5, 80)
    for y in years:
        staff[y] = n  # type: ignore[index]
        n = max(0, n + r.randint(-3, 3))
    if r.random() < 0.03:
        staff[r.choice(years)] = None  # type: ignore[index]
    target = r.choices([95.0, 90.0, 92.5, None], [70, 20, 5, 5])[0]
    return {
        "budget": _cell(budget),  # type: ignore[arg-type]
        "spent": _cell(spent),
        "revenue": None if r.random() < 0.03 else _cell(rev),
        "staff": None if r.random() < 0.03 else staff,
        "target_rate": target,
    }


def records(n: int, seed: int = 7) -> list[dict[str, Any]]:
    r = random.Random(seed)
    return [_department(r) for _ in range(n)]


def columns(n: int, seed: int = 7) -> dict[str, Any]:
    """The same departments as columns: the series as object arrays of year → figure cells,
    the target as float64 (NaN: blank)."""
    import numpy as np

    recs = records(n, seed)
    out: dict[str, Any] = {}
    for name in ("budget", "spent", "revenue", "staff"):
        out[name] = np.empty(n, object)
        out[name][:] = [rec[name] for rec in recs]
    out["target_rate"] = np.array([np.nan if rec["target_rate"] is None else rec["target_rate"]
                                   for rec in recs])  # fmt: skip
    return out


# --- the hand-written exact baseline -----------------------------------------------------------


def _matrix(np: Any, cells: Any, scale: int) -> tuple[Any, Any, Any, Any]:
    """(cell given, listed, present, value × scale as int64), years on :data:`YEARS`; a cell
    with no figure at all is no series (session 16), as a table row of blanks."""
    n = len(cells)
    given = np.zeros(n, bool)
    listed = np.zeros((n, len(YEARS)), bool)
    present = np.zeros((n, len(YEARS)), bool)
    val = np.zeros((n, len(YEARS)), np.int64)
    for i, cell in enumerate(cells):
        if cell is None:
            continue
        given[i] = True
        for y, v in cell.items():
            j = y - YEARS[0]
            listed[i, j] = True
            if v is not None:
                present[i, j] = True
                val[i, j] = round(v * scale)
    given &= present.any(axis=1)  # no figure at all: no series (session 16)
    listed &= given[:, None]
    return given, listed, present, val


def _window(np: Any, listed: Any) -> Any:
    """The three calendar years ending with each row's latest listed year (a mask)."""
    width = listed.shape[1]
    latest = width - 1 - np.argmax(listed[:, ::-1], axis=1)
    col = np.arange(width)[None, :]
    return (col <= latest[:, None]) & (col > latest[:, None] - 3) & listed.any(axis=1)[:, None]


def year_columns(n: int, seed: int = 7) -> dict[str, Any]:
    """The same departments as a table lays them out: each series one float64 column a year
    (``budget_2021`` … ``budget_2024``, NaN: blank) — so every year is listed, a department of
    two years has two blank ones —, the target as float64."""
    import numpy as np

    cols = columns(n, seed)
    out: dict[str, Any] = {}
    for name in ("budget", "spent", "revenue", "staff"):
        for y in YEARS:
            out[f"{name}_{y}"] = np.array(
                [np.nan if c is None or c.get(y) is None else float(c[y]) for c in cols[name]]
            )
    out["target_rate"] = cols["target_rate"]
    return out


def _year_matrix(np: Any, cols: dict[str, Any], name: str, scale: int) -> tuple[Any, ...]:
    """:func:`_matrix` of a series given one column a year: a row with no figure has no series;
    a row with one lists every year."""
    x = np.stack([cols[f"{name}_{y}"] for y in YEARS], axis=1)
    present = ~np.isnan(x)
    given = present.any(axis=1)
    listed = np.repeat(given[:, None], len(YEARS), axis=1)
    val = np.where(present, np.rint(np.nan_to_num(x) * scale), 0).astype(np.int64)
    return given, listed, present, val


def numpy_exact_years(cols: dict[str, Any]) -> dict[str, Any]:
    """:func:`numpy_exact` of :func:`year_columns`: the year columns read as columns."""
    import numpy as np

    return numpy_exact(cols, lambda name, scale: _year_matrix(np, cols, name, scale))


def numpy_exact(cols: dict[str, Any], read: Any = None) -> dict[str, Any]:
    """Points ×100, outcome codes, total ×100 (−1: none) and grade (0 优 … 3 差, −1: none —
    also below 60 % of the weight scored).  ``read(name, scale)``: a series' matrices
    (default: from its mapping cells, :func:`_matrix`)."""
    import numpy as np

    if read is None:
        read = lambda name, scale: _matrix(np, cols[name], scale)  # noqa: E731
    gb, lb, pb, b = read("budget", 100)
    gs, ls, ps, s = read("spent", 100)
    gr, _, pr, rv = read("revenue", 100)
    gf, lf, pf, f = read("staff", 1)
    t = cols["target_rate"]
    n = len(t)
    P: dict[str, Any] = {}
    C: dict[str, Any] = {}

    def put(rid: str, na: Any, err: Any, ok: Any, points: Any) -> None:
        C[rid] = np.where(na, NA, np.where(err, ERROR, np.where(ok, PASS, FAIL))).astype(np.int8)
        P[rid] = np.where(na | err, 0, points)

    # rate = spent / budget per year; a zero budget in any year: not applicable
    both = pb & ps
    rate_na = ~(gb & gs) | (both & (b == 0)).any(axis=1)
    win = _window(np, lb | ls)
    inwin = both & win
    cnt = inwin.sum(axis=1)
    gap = (win & ~inwin).any(axis=1)
    # exec3: round(mean × 100, 2) in bands; mean of nothing: n/a, a year without a value: error
    bs = np.where(both & (b != 0), b, 1)
    x = (np.where(inwin, s / bs, 0.0).sum(axis=1)) * (10000 / 3)
    k = np.floor(x + 0.5).astype(np.int64)
    near = np.abs(x - np.floor(x) - 0.5) < 1e-6
    for i in np.flatnonzero(near & (cnt == 3) & ~rate_na).tolist():
        exact = sum(Fraction(int(s[i, j]), int(b[i, j])) for j in np.flatnonzero(inwin[i]).tolist())
        q = exact * 10000 / 3
        k[i] = (q + Fraction(1, 2)).__floor__()
    p3 = np.where(
        (k >= 9500) & (k <= 10500),
        3000,
        np.where((k >= 9000) & (k < 9500), 2000, np.where((k >= 8000) & (k < 9000), 1000, 0)),
    )
    put("exec3", rate_na | (cnt == 0), gap, p3 == 3000, p3)
    # exec_now: 2024's rate >= 0.95; no rate for 2024: missing data, n/a (session 16)
    j24 = 2024 - YEARS[0]
    ok = 100 * s[:, j24] >= 95 * b[:, j24]
    put("exec_now", rate_na | ~both[:, j24], np.zeros(n, bool), ok, np.where(ok, 2000, 0))
    # steady: years in the window within target_rate .. 1.05
    t10 = np.rint(np.nan_to_num(t) * 10).astype(np.int64)
    within = inwin & (1000 * s >= t10[:, None] * b) & (100 * s <= 105 * b)
    ok = within.sum(axis=1) >= 2
    put("steady", rate_na | np.isnan(t), np.zeros(n, bool), ok, np.where(ok, 1500, 0))
    # growth: (r24 − r23) / r23 in bands; a year without a value: missing data, n/a (session
    # 16: was an error); r23 = 0: n/a
    r22, r23, r24 = (rv[:, y - YEARS[0]] for y in (2022, 2023, 2024))
    h22, h23, h24 = (pr[:, y - YEARS[0]] for y in (2022, 2023, 2024))
    gap = ~(h23 & h24)
    up = r24 - r23
    pg = np.where(20 * up >= r23, 1500, np.where(up >= 0, 800, 0))
    put("growth", ~gr | gap | (r23 == 0), np.zeros(n, bool), pg == 1500, pg)
    # rising: min(r24 − r23, r23 − r22) > 0; a year without a value: n/a
    ok = np.minimum(up, r23 - r22) > 0
    put("rising", ~gr | ~(h22 & h23 & h24), np.zeros(n, bool), ok, np.where(ok, 1000, 0))
    # staff: max − min over its last three years <= 2; no value there: error
    fw = _window(np, lf) & pf
    big, small = np.iinfo(np.int64).max, np.iinfo(np.int64).min
    swing = np.where(fw, f, small).max(axis=1) - np.where(fw, f, big).min(axis=1)
    ok = swing <= 2
    put("staff", ~gf, ~fw.any(axis=1), ok, np.where(ok, 1000, 0))
    # total: applicable weights rescaled to 100 (half up); an error: none
    got = sum(P[r] for r in LEAF_IDS)
    base = sum(np.where(C[r] != NA, w, 0) for r, w in zip(LEAF_IDS, WEIGHTS, strict=True))
    safe = np.maximum(base, 1)
    total = np.where(base == 100, got, (2 * got * 100 + safe) // (2 * safe))
    error = np.logical_or.reduce([C[r] == ERROR for r in LEAF_IDS])
    total = np.where((base == 0) | error, -1, total)
    grade = np.where(total >= 9000, 0, np.where(total >= 8000, 1, np.where(total >= 6000, 2, 3)))
    grade = np.where((total < 0) | (base < 60), -1, grade)  # min_coverage: 0.6
    return {"points": P, "outcome": C, "total": total, "grade": grade}
