"""The deep columnar benchmark (benchmarks/coldeep.py, ``run.py --only columnar-deep``): 53
leaves in 22 groups with year columns read by ``year(s, y)``, tier text columns, a text
``when`` and a pure plug-in function; its hand-written numpy baseline (chunked) agrees with
the columnar path on every row, every row the per-record path scores otherwise is one where
the exact baseline sides with the columns, and a pandas frame of number text scores as the
same frame of floats (a smoke test of the part — no timing assertions)."""

from __future__ import annotations

import inspect
import sys
from pathlib import Path

import pytest

import perfscore

np = pytest.importorskip("numpy")
pytest.importorskip("pyarrow")
pytest.importorskip("pandas")

from perfscore.columnar import ColumnarScorer  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
import coldeep  # noqa: E402


def _scorer() -> tuple[perfscore.RuleSet, ColumnarScorer]:
    rs = coldeep.load(coldeep.family())
    return rs, ColumnarScorer(rs)


def test_the_baseline_reads_no_perfscore() -> None:
    for fn in (coldeep.numpy_chunked, coldeep._score):
        assert "perfscore" not in inspect.getsource(fn)


def test_the_plugin_is_not_registered_for_every_rule_set() -> None:
    _scorer()
    with pytest.raises(perfscore.RuleSetError):
        perfscore.load_ruleset_text(coldeep.ruleset_text(coldeep.family()), source="d.yaml")


def test_the_set_is_deep_and_columnar() -> None:
    rs, cs = _scorer()
    assert cs.supported, cs.reason
    assert len(list(rs.compiled.leaves())) == 53
    assert sum(1 for r in rs.rules if r.kind == "group") == 22


def test_baseline_columns_and_per_record_agree() -> None:
    rs, cs = _scorer()
    fam = coldeep.family()
    tbl = coldeep.table(fam, 3000, seed=5)
    res = cs.score(tbl)
    ids = [*(x.id for x in fam.leaves), *(x[0] for x in coldeep.EXTRA)]
    assert coldeep.differs(np, res, coldeep.numpy_chunked(fam, tbl), ids) == 0
    assert not res.fallback.any()
    bad, exact = coldeep.per_record_differs(rs, cs, fam, tbl, 600)
    assert bad == exact  # (a half behind a quotient that never ends: the exact side is ours)


def test_number_text_scores_as_floats() -> None:
    _, cs = _scorer()
    tbl = coldeep.table(coldeep.family(), 2000, seed=6)
    text, floats = cs.score(coldeep.object_frame(tbl)), cs.score(coldeep.float_frame(tbl))
    assert np.array_equal(text.total[text.has_total], floats.total[floats.has_total])
    for rid in cs.rule_ids:
        assert np.array_equal(text.outcome[rid], floats.outcome[rid]), rid
        has = floats.has_points[rid]
        assert np.array_equal(text.points[rid][has], floats.points[rid][has]), rid
