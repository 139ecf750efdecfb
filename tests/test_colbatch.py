"""``RuleSet.evaluate`` on a DataFrame or an Arrow table scores by columns
(:mod:`perfscore.colbatch`) and returns what the per-record path returns: equal reports, the
same document, the same exception under ``strict`` — subjects' findings built only when read."""

from __future__ import annotations

import pickle
import random
from pathlib import Path
from typing import Any

import pytest

from perfscore import load_ruleset
from perfscore.colbatch import ENV, LazyResult
from perfscore.columnar import ColumnarScorer
from perfscore.errors import EvaluationError
from perfscore.findings import SubjectResult

pd = pytest.importorskip("pandas")
pytest.importorskip("pyarrow")

RULES = Path(__file__).resolve().parent.parent / "rules"
ELIGIBLE = [
    p
    for p in sorted(RULES.glob("*.yaml"))
    if not p.name.endswith(".tests.yaml") and ColumnarScorer(load_ruleset(p)).supported
]


def _frame(rs: Any, n: int, seed: int) -> Any:
    """Rows as departments fill them in: blanks, zeros, the same amount twice (spent exactly
    the budget), values on the declared bounds, now and then text in a number cell."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        base = rng.choice([100, 123.45, 95, 1000, 0.1, 2500])
        row: dict[str, Any] = {"id": f"部门-{i + 1:03d}", "name": f"第{i}局"}
        for s in rs.inputs.values():
            pick = rng.random()
            if s.kind == "number":
                if pick < 0.06:
                    v: Any = None
                elif pick < 0.2:
                    v = 0
                elif pick < 0.23:
                    v = rng.choice(["待补", "1,200", "95%"])
                elif s.max is not None and pick < 0.4:
                    v = float(s.max)
                elif s.type == "integer":
                    v = rng.randint(0, 300)
                elif s.type == "percent":
                    v = rng.choice([95, 100, 60, round(rng.uniform(1, 120), 2)])
                elif s.max is not None:
                    v = round(rng.uniform(float(s.min or 0), float(s.max)), 2)
                else:
                    v = base if pick < 0.7 else round(rng.uniform(0, 2 * base), 2)
            elif s.choices:  # now and then a word that is not one of them
                v = "待定" if pick < 0.04 else rng.choice([None, *s.choices])
            elif s.kind == "boolean":
                v = rng.choice([None, "是", "否"])
            else:
                v = rng.choice([None, "说明"])
            row[s.name] = v
        rows.append(row)
    return pd.DataFrame(rows)


def _per_record(rs: Any, data: Any, monkeypatch: pytest.MonkeyPatch, **kw: Any) -> Any:
    with monkeypatch.context() as m:
        m.setenv(ENV, "0")
        return rs.evaluate(data, **kw)


@pytest.mark.parametrize("rules", ELIGIBLE, ids=[p.stem for p in ELIGIBLE])
def test_a_frame_by_columns_equals_the_per_record_report(
    rules: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rs = load_ruleset(rules)
    df = _frame(rs, 80, seed=len(rules.stem))
    routed = rs.evaluate(df, as_of=None)
    assert all(isinstance(s, LazyResult) for s in routed.subjects)
    plain = _per_record(rs, df, monkeypatch)
    assert not any(isinstance(s, LazyResult) for s in plain.subjects)
    # scores first: read from the columns, nothing built per record
    assert [(s.subject, s.total, s.grade) for s in routed.subjects] == [
        (s.subject, s.total, s.grade) for s in plain.subjects
    ]
    assert [str(s.total) for s in routed.subjects] == [str(s.total) for s in plain.subjects]
    assert routed.complete == plain.complete
    assert [s.complete for s in routed.subjects] == [s.complete for s in plain.subjects]
    assert all("_row" in s.__dict__ for s in routed.subjects)  # still not built
    # then everything
    assert routed == plain and plain == routed
    assert routed.to_json() == plain.to_json()
    assert not any("_row" in s.__dict__ for s in routed.subjects)
    assert routed.notifications == plain.notifications
    assert any(f.outcome == "error" for f in plain.findings)  # the dirty cells said so


def test_polars_and_arrow_frames_are_routed_too(monkeypatch: pytest.MonkeyPatch) -> None:
    import pyarrow as pa

    rs = load_ruleset(RULES / "cn-dept-overall.yaml")
    df = _frame(rs, 30, seed=2)
    df = df.astype({c: object for c in df.columns})  # text and numbers mixed, as typed
    plain = _per_record(rs, df, monkeypatch).to_json()
    clean = _frame(rs, 30, seed=3).map(lambda v: None if isinstance(v, str) and "%" in v else v)
    frames: list[Any] = [pa.Table.from_pandas(clean.astype(str).replace("None", None))]
    try:
        import polars as pl

        frames.append(pl.from_pandas(clean.astype(str).replace("None", None)))
    except ImportError:
        pass
    routed = rs.evaluate(df)
    assert isinstance(routed.subjects[0], LazyResult)
    assert routed.to_json() == plain
    for frame in frames:
        got = rs.evaluate(frame)
        assert isinstance(got.subjects[0], LazyResult)
        assert got.to_json() == _per_record(rs, frame, monkeypatch).to_json()


def test_a_lazy_result_pickles_hashes_and_replaces_as_a_plain_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import dataclasses

    rs = load_ruleset(RULES / "omb-part.yaml")
    df = _frame(rs, 12, seed=4)
    routed = rs.evaluate(df).subjects
    plain = _per_record(rs, df, monkeypatch).subjects
    back = pickle.loads(pickle.dumps(routed[0]))
    assert type(back) is SubjectResult and back == plain[0]
    assert hash(routed[1]) == hash(plain[1])
    assert {routed[2], plain[2]} == {plain[2]}
    renamed = dataclasses.replace(routed[3], grade="X")
    assert renamed.grade == "X" and renamed.findings == plain[3].findings


def test_strict_raises_what_the_per_record_path_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    rs = load_ruleset(RULES / "cn-dept-overall.yaml")
    df = _frame(rs, 40, seed=5)
    with pytest.raises(EvaluationError) as routed:
        rs.evaluate(df, strict=True)
    with pytest.raises(EvaluationError) as plain:
        _per_record(rs, df, monkeypatch, strict=True)
    assert str(routed.value) == str(plain.value)


def test_waivers_and_unsupported_rule_sets_go_record_by_record() -> None:
    from perfscore import load_ruleset_text

    # every bundled rule set is columnar (session 8): one that is not (coalesce in a metric)
    rs = load_ruleset_text(
        "perfscore: 1\nid: off\ntitle: off\nversion: '1'\n"
        "inputs: {a: {type: money}, b: {type: money}}\n"
        "metrics: {r: {expr: 'coalesce(a, 0) / b'}}\n"
        "indicators:\n  - {id: t1, title: T1, weight: 100, value: r,"
        " scorer: {type: threshold, op: '>=', target: 0.95}}\n",
        source="off.yaml",
    )
    assert not ColumnarScorer(rs).supported
    report = rs.evaluate(_frame(rs, 3, seed=6))
    assert not any(isinstance(s, LazyResult) for s in report.subjects)
