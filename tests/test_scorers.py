"""Every scorer module: its docstring example loads and scores as it says; every executor
(full findings, points only, the property-testing kit) goes through the scorer's own module."""

from __future__ import annotations

import importlib
from decimal import Decimal
from typing import Any

import pytest

import perfscore
from perfscore.scorers import builtin_scorers
from perfscore.subjects import read_subject
from scorer_examples import scorer_example


def _modules() -> list[Any]:
    return [importlib.import_module(k.build.__module__) for k in builtin_scorers().values()]


def test_every_builtin_scorer_has_its_own_module() -> None:
    mods = _modules()
    assert len({m.__name__ for m in mods}) == len(builtin_scorers())
    for name, kind in builtin_scorers().items():
        mod = importlib.import_module(kind.build.__module__)
        assert mod.KIND is kind and kind.name == name
        assert kind.doc == mod.__doc__


@pytest.mark.parametrize("module", _modules(), ids=lambda m: m.__name__.rsplit(".", 1)[1])
def test_docstring_example_loads_and_scores(module: Any) -> None:
    text, cases = scorer_example(module)
    rs = perfscore.load_ruleset_text(text, source=f"{module.__name__}.yaml")
    (leaf,) = [r.id for r in rs.rules if r.kind == "indicator"]
    for i, case in enumerate(cases):
        record = {"id": f"s{i}", "values": case["values"]}
        result = rs.evaluate_subject(record, strict=True)
        score = next(s for s in result.scores if s.rule_id == leaf)
        if "points" in case:
            assert score.points == Decimal(str(case["points"])), (case, score)
            # the points-only executor takes the scorer's fast form: the same points
            d = read_subject(record, rs.compiled.inputs, index=i, subject_type="department")
            assert rs.evaluator.points(d)[0][leaf] == score.points
        if "grade" in case:
            assert score.grade == case["grade"], (case, score)


COLUMN_FORMS = ("threshold", "proportional", "deduct", "bands", "formula")


@pytest.mark.parametrize("name", COLUMN_FORMS)
def test_column_form_scores_the_docstring_example_like_the_record_path(name: str) -> None:
    """The columnar executor asks the scorer's module for its column form: same points."""
    np = pytest.importorskip("numpy")
    from perfscore.columnar import ColumnarScorer

    module = importlib.import_module(builtin_scorers()[name].build.__module__)
    text, cases = scorer_example(module)
    rs = perfscore.load_ruleset_text(text, source=f"{name}.yaml")
    cs = ColumnarScorer(rs)
    assert cs.supported, cs.reason

    def number(x: Any) -> float:  # percent inputs are columns of percentage points
        return float(str(x).rstrip("%"))

    names = sorted(rs.compiled.inputs)
    cols = {n: np.array([number(c["values"][n]) for c in cases]) for n in names}
    res = cs.score(cols)
    (leaf,) = [r.id for r in rs.rules if r.kind == "indicator"]
    assert res.points_decimal(leaf) == [Decimal(str(c["points"])) for c in cases]
    # rows the column form could not decide (exact ties at 0) took the per-record path; the
    # others were scored by the column form itself
    assert not res.fallback.all()
