"""The bundled rule sets on the columnar path: every one the columnar path mirrors gives the
per-record results on generated data that looks like theirs (blanks, zeros, spent = budget,
values on band edges, tiers and yes/no items, letters), without sending rows to the
per-record path; the others say why they are not mirrored.  The report checks, the review
checks and the PEFA letter sets also get data written the way their users write it (figures
that agree to the cent or by half a cent, rates rounded to the report's own decimals, the
review's thresholds met exactly, every letter with NA/NU/D*), property-tested."""

from __future__ import annotations

import math
import sys
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest

np = pytest.importorskip("numpy")

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import perfscore  # noqa: E402
from perfscore.columnar import ColumnarScorer  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from bundled_data import columns as _columns  # noqa: E402

RULES = sorted(p for p in (ROOT / "rules").glob("*.yaml") if ".tests." not in p.name)

#: the bundled rule sets the columnar path does not mirror yet, and the construct that says so
#: (none since session 8: pefa-2016-pillar1's series inputs are columnar)
NOT_COLUMNAR: dict[str, str] = {}


def _record(cols: dict[str, Any], i: int) -> dict[str, Any]:
    out = {}
    for k, v in cols.items():
        x = v[i]
        if isinstance(x, float) and math.isnan(x):
            x = None
        elif isinstance(x, np.floating):
            x = None if math.isnan(float(x)) else float(x)
        out[k] = x
    return out


@pytest.mark.parametrize("path", RULES, ids=lambda p: p.stem)
def test_bundled_rule_set_columnar_equals_per_record(path: Path) -> None:
    rs = perfscore.load_ruleset(path)
    cs = ColumnarScorer(rs)
    if path.stem in NOT_COLUMNAR:
        assert not cs.supported
        assert NOT_COLUMNAR[path.stem] in (cs.reason or ""), cs.reason
        return
    assert cs.supported, cs.reason
    n = 400
    cols = _columns(rs, n, seed=len(path.stem))
    res = _same(rs, cs, cols, n)
    if rs.compiled.grade_bands:
        totals = [t for t in res.totals_decimal() if t is not None]
        assert len(totals) > n // 10 and min(totals) >= Decimal(0)  # not only blocked rows
    else:  # checks or letters only: every rule decided somewhere (not only blocked rows)
        for rid in (*res.rule_ids, *res.checks):
            assert {"pass", "fail"} & set(res.outcomes(rid)), rid


def _same(rs: perfscore.RuleSet, cs: ColumnarScorer, cols: dict[str, Any], n: int) -> Any:
    """Every score (points, outcome, letter), check, total and grade equal to the per-record
    path's, and no row sent there but those holding a bare 0 < x <= 1 in a percent input
    (ambiguous: the reader's to refuse)."""
    res = cs.score(cols)
    vague = np.zeros(n, bool)
    for name, spec in rs.compiled.inputs.items():
        if spec.type == "percent" and name in cols:
            x = np.asarray(cols[name], np.float64)
            vague |= (x > 0) & (x <= 1)
    assert res.fallback.tolist() == vague.tolist()
    for i in range(n):
        want = rs.evaluate_subject(_record(cols, i), index=i)
        for sc in want.scores:
            got = (
                res.points_decimal(sc.rule_id)[i],
                res.outcomes(sc.rule_id)[i],
                res.letter_grades(sc.rule_id)[i],
            )
            assert got == (sc.points, sc.outcome, sc.grade), (i, sc, _record(cols, i))
        for f in want.findings:
            if f.kind == "check":
                assert res.outcomes(f.rule_id)[i] == f.outcome, (i, f.rule_id, _record(cols, i))
        assert res.totals_decimal()[i] == want.total, i
        assert res.grades()[i] == want.grade, i
    return res


def _frame(rows: list[dict[str, Any]], rs: perfscore.RuleSet) -> dict[str, Any]:
    cols: dict[str, Any] = {}
    for name, spec in rs.compiled.inputs.items():
        cells = [r.get(name) for r in rows]
        if spec.type in ("text", "boolean"):
            cols[name] = np.array(cells, dtype=object)
        else:
            cols[name] = np.array([math.nan if c is None else float(c) for c in cells])
    return cols


_BLANK = 0.03


def _money(draw: st.DrawFn) -> Decimal:
    return draw(
        st.one_of(
            st.sampled_from([Decimal(0), Decimal(100), Decimal("13.51"), Decimal(200)]),
            st.decimals(min_value=0, max_value=10**7, places=2),
        )
    )


def _maybe(draw: st.DrawFn, x: Any) -> Any:
    return None if draw(st.floats(0, 1)) < _BLANK else x


@st.composite
def _report(draw: st.DrawFn) -> dict[str, Any]:
    """A report as `perfscore extract` reads it: the rate rounded to the report's decimals
    (exactly, one unit off, or another figure), the parts adding up to the cent, by half a
    cent (the tolerance) or not, counts, sections present or not, blanks."""
    budget = _money(draw)
    # (a rate of 1 % or less is written "0.5%": a bare 0.5 is ambiguous, refused per record)
    share = draw(st.sampled_from(["1", "1", "0.95", "0.5", "0.025", "0.12345", "1.2"]))
    executed = (budget * Decimal(share)).quantize(Decimal("0.01"))
    decimals = draw(st.sampled_from([0, 1, 2, 2, 6]))
    rate: Decimal | None = None
    if budget:
        unit = Decimal(1).scaleb(-decimals)
        exact = (executed / budget * 100).quantize(unit, rounding=ROUND_HALF_UP)
        rate = exact + draw(st.sampled_from([0, 0, unit, -unit]))
    g = (executed * Decimal("0.7")).quantize(Decimal("0.01"))
    f = (executed * Decimal("0.2")).quantize(Decimal("0.01"))
    off = [Decimal(0), Decimal(0), Decimal("0.005"), Decimal("-0.005"), Decimal("0.01")]
    basic = (executed * Decimal("0.6")).quantize(Decimal("0.01"))
    planned = draw(st.integers(0, 12))
    row = {
        "budget": budget,
        "executed": executed,
        "reported_execution_rate": draw(st.sampled_from([rate, rate, Decimal(100)])),
        "reported_rate_decimals": decimals,
        "general_public_budget": g,
        "government_fund_budget": f,
        "soe_capital_budget": max(executed - g - f + draw(st.sampled_from(off)), Decimal(0)),
        "basic_expenditure": basic,
        "project_expenditure": max(executed - basic + draw(st.sampled_from(off)), Decimal(0)),
        "key_tasks_planned": planned,
        "key_tasks_completed": draw(st.sampled_from([planned, max(planned - 1, 0)])),
        "problems_text_length": draw(st.sampled_from([0, 19, 20, 21, 300])),
        "doubled_char_count": draw(st.sampled_from([0, 0, 1, 3])),
        "doubled_chars": draw(st.sampled_from(["", "依法法行政", None])),
    }
    for name in ("has_section_basic", "has_section_evaluation", "has_section_problems"):
        row[name] = draw(st.sampled_from([True, True, False, None]))
    for name in ("has_section_measures", "targets_quantified", "problems_identified"):
        row[name] = draw(st.sampled_from([True, False, None]))
    return {k: _maybe(draw, v) for k, v in row.items()}


@st.composite
def _review(draw: st.DrawFn) -> dict[str, Any]:
    """The facts the review engine computes for a subject: totals that add up or miss by
    the tolerance exactly, weights of 100 or not, spent = budget, budget 0, rates on the red
    (5 %) and yellow (20 % unspent) lines, full-mark claims with or without acceptance."""
    total = draw(st.sampled_from([Decimal(100), Decimal("85.5"), Decimal("92.25"), Decimal(0)]))
    tol = draw(st.sampled_from([Decimal(0), Decimal("0.05"), Decimal("-0.05"), Decimal("0.06")]))
    budget = _money(draw)
    share = draw(st.sampled_from(["1", "0.8", "0.79", "0.5", "0.49", "0", "1.1"]))
    executed = (budget * Decimal(share)).quantize(Decimal("0.01"))
    exec_points = Decimal(10) * min(Decimal(share), Decimal(1))
    perf_rate = draw(st.sampled_from([Decimal(1), Decimal(share) / Decimal("0.95"), Decimal(0)]))
    row: dict[str, Any] = {
        "declared_total": total,
        "declared_parts": total + tol,
        "declared_weights": draw(st.sampled_from([Decimal(100), Decimal("99.95"), Decimal(90)])),
        "max_total": Decimal(100),
        "recomputed_total": total - draw(st.sampled_from([Decimal(0), Decimal(5)])),
        "execution_points": exec_points + draw(st.sampled_from([Decimal(0), tol])),
        "execution_weight": Decimal(10),
        "performance_points": (perf_rate * 90).quantize(Decimal("0.01")),
        "performance_weight": draw(st.sampled_from([Decimal(90), Decimal(0)])),
        "budget": budget,
        "executed": executed,
        "full_mark_claims": draw(st.sampled_from([0, 0, 2, None])),
        "batch_full_marks": draw(st.sampled_from([True, False])),
        "max_completion": draw(st.sampled_from([Decimal("1.3"), Decimal("1.31"), Decimal(1)])),
        "cost_targets_ge": draw(st.sampled_from([0, 1])),
        "cost_targets_ge_list": "单位成本≥50元",
        "unassessable_targets": draw(st.sampled_from([0, 2])),
        "unassessable_targets_list": "效益明显",
        "complaints_as_satisfaction": draw(st.sampled_from([0, 1])),
        "complaints_as_satisfaction_list": "无投诉",
        "accepted": draw(st.sampled_from([True, False, None])),
        "overachievement_reason": draw(st.sampled_from(["超额完成因需求增加", "", "  ", None])),
    }
    if draw(st.booleans()):  # a bureau's overlay: thresholds of its own
        row["review_tolerance"] = draw(st.sampled_from([Decimal(0), Decimal("0.1")]))
        row["review_spent_min"] = draw(st.sampled_from([Decimal("0.5"), Decimal("0.8")]))
        row["review_red_margin"] = Decimal("0.1")
    return {k: _maybe(draw, v) for k, v in row.items()}


_GRADE = st.sampled_from(["A", "B", "C", "D", "D*", "A", "B", "C", "D", "NA", "NU", None, "E"])


@st.composite
def _pefa(draw: st.DrawFn) -> dict[str, Any]:
    """An assessor's letters per dimension: A–D, D*, NA/NU, left blank, or a typo."""
    names = ("dim1", "dim2", "dim3", "dim4", "pi1", "d2_1", "d2_2", "d2_3", "d3_1", "d3_2")
    return {name: draw(_GRADE) for name in names}


_SETS = {
    "cn-report-checks": _report,
    "cn-review": _review,
    "pefa-2016-m1-m2": _pefa,
    "pefa-2016-pillar1-grades": _pefa,
}


@pytest.mark.parametrize("stem", sorted(_SETS))
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_bundled_sets_on_data_written_like_theirs(stem: str, data: Any) -> None:
    rs = _loaded(stem)
    rows = data.draw(st.lists(_SETS[stem](), min_size=1, max_size=60))
    _same(rs, ColumnarScorer(rs), _frame(rows, rs), len(rows))


_CACHE: dict[str, perfscore.RuleSet] = {}


def _loaded(stem: str) -> perfscore.RuleSet:
    if stem not in _CACHE:
        _CACHE[stem] = perfscore.load_ruleset(ROOT / "rules" / f"{stem}.yaml")
    return _CACHE[stem]


@pytest.mark.parametrize("path", RULES, ids=lambda p: p.stem)
def test_score_frame_chooses_the_path_and_gives_the_same_bytes(path: Path) -> None:
    """``score_frame`` takes the columnar path when the rule set allows it (else the per-record
    path, with ``ColumnarScorer.reason`` saying why): the table's CSV is byte-identical to the
    one the per-record path gives for the same frame."""
    pd = pytest.importorskip("pandas")
    from perfscore.columnar import score_frame

    rs = perfscore.load_ruleset(path)
    cols = _columns(rs, 150, seed=7 + len(path.stem))
    df = pd.DataFrame(cols)
    auto = score_frame(rs, df).to_csv(index=False).encode()
    forced = ColumnarScorer(rs)
    forced.plan, forced.reason = None, "forced: per record"
    per_record = forced.score(df).to_pandas().to_csv(index=False).encode()
    assert auto == per_record
    assert ColumnarScorer(rs).supported == (path.stem not in NOT_COLUMNAR)


def test_a_bare_rate_of_at_most_one_percent_goes_to_the_reader() -> None:
    """cn-report-checks' reported rate (a percent) written as a bare 1: ambiguous since
    session 9, refused per record — that row alone leaves the columns; 2.5 stays."""
    rs = perfscore.load_ruleset(ROOT / "rules" / "cn-report-checks.yaml")
    blank = dict.fromkeys(rs.compiled.inputs)
    rows = [
        blank,
        {**blank, "reported_execution_rate": Decimal(1)},
        {**blank, "reported_execution_rate": Decimal("2.5")},
    ]
    res = _same(rs, ColumnarScorer(rs), _frame(rows, rs), 3)
    assert res.fallback.tolist() == [False, True, False]
