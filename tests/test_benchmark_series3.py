"""The multi-year benchmark set (benchmarks/series3.yaml, benchmarks/series3.py): the rule set
is a bureau's three-year trend set that runs columnar only since session 10 (series functions
inside arithmetic, an input as a bound, ``year()`` read by other metrics); its data has the
edges three years of returns have; the hand-written numpy baseline imports nothing of perfscore
and agrees with the columnar path row by row, and the columnar path with the per-record one;
the benchmark script's part runs (a smoke test — no timing assertions)."""

from __future__ import annotations

import ast
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

import perfscore

np = pytest.importorskip("numpy")

from perfscore.columnar import ColumnarScorer  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
import series3  # noqa: E402


def _rules() -> perfscore.RuleSet:
    return perfscore.load_ruleset_text(series3.RULES, source="series3.yaml")


def test_the_baseline_is_written_without_perfscore() -> None:
    tree = ast.parse((ROOT / "benchmarks" / "series3.py").read_text("utf-8"))
    imported = {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)} | {
        a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names
    }
    assert not any(m.startswith("perfscore") for m in imported), imported


def test_the_rule_set_runs_columnar_and_uses_what_was_per_record_before() -> None:
    rs = _rules()
    cs = ColumnarScorer(rs)
    assert cs.supported, cs.reason
    exprs = {mt.name: mt.expr.text for mt in rs.compiled.metrics}
    assert "* 100" in exprs["rate3"] and "target_rate" in exprs["ok_years"]
    assert "rev23" in exprs["growth"] and "rev23" in exprs["rising"]
    assert [n.id for n in rs.compiled.indicators] == list(series3.LEAF_IDS)


def test_the_data_has_three_years_of_edges() -> None:
    recs = series3.records(2000)
    years = Counter(len(r["budget"]) for r in recs)
    assert set(years) == {2, 3, 4}
    spent_all = exactly_95 = blank = zero = 0
    for r in recs:
        for y, b in r["budget"].items():
            s = r["spent"].get(y)
            if b is None or s is None:
                blank += 1
            elif b == 0:
                zero += 1
            elif s == b:
                spent_all += 1
            elif round(s * 100) * 100 == round(b * 100) * 95:
                exactly_95 += 1
    assert spent_all > 1000 and exactly_95 > 100 and blank > 50 and zero > 10
    growth = Counter(
        (r["revenue"][2024] > r["revenue"][2023]) - (r["revenue"][2024] < r["revenue"][2023])
        for r in recs
        if r["revenue"] and r["revenue"].get(2023) and r["revenue"].get(2024)
    )
    assert growth[1] > 0 and growth[-1] > 0 and growth[0] > 0  # up, down and flat
    assert any(r["target_rate"] is None for r in recs) and any(r["staff"] is None for r in recs)


def test_the_baseline_agrees_with_the_columns_and_the_columns_with_per_record() -> None:
    rs = _rules()
    cs = ColumnarScorer(rs)
    n = 3000
    cols = series3.columns(n, seed=11)
    res = cs.score(cols)
    base = series3.numpy_exact(cols)
    assert not res.fallback.any()
    for rid in series3.LEAF_IDS:
        assert (res.outcome[rid] == base["outcome"][rid]).all(), rid
        has = res.has_points[rid]
        assert (res.points[rid][has] == base["points"][rid][has]).all(), rid
        assert set(np.unique(res.outcome[rid]).tolist()) >= {0, 1}, rid  # pass and fail
    assert (np.where(res.has_total, res.total, -1) == base["total"]).all()
    assert (res.grade == base["grade"]).all()
    recs = series3.records(300, seed=11)
    for i, rec in enumerate(recs):
        want = rs.evaluate_subject(rec, index=i)
        for sc in want.scores:
            got = (res.points_decimal(sc.rule_id)[i], res.outcomes(sc.rule_id)[i])
            assert got == (sc.points, sc.outcome), (i, sc.rule_id, rec)
        assert res.totals_decimal()[i] == want.total and res.grades()[i] == want.grade


def test_the_benchmark_part_runs() -> None:
    got = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--only", "columnar-series",
         "--series-rows", "3000", "--rounds", "1", "--cpu"],
        capture_output=True, text=True, timeout=600, check=True,
    )  # fmt: skip
    line = next(x for x in got.stdout.splitlines() if "multi-year" in x)
    assert "differs on 0 rows" in line and "0 rows (0.0%) on the per-record path" in line, line
