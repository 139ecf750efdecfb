"""The results store, on SQLite and on a real PostgreSQL server: runs, no-op re-adds, history,
compare, rank, re-scoring from stored inputs and the methodology guard."""

from __future__ import annotations

import json
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import perfscore
from perfscore.store import MethodologyError, Store, StoreError, competition_ranks

ROOT = Path(__file__).resolve().parent.parent
SARIF_SCHEMA = ROOT.parent / "shared/schemas/sarif-schema-2.1.0.json"


def ruleset(version: str = "1", target: str = "0.9") -> str:
    """Two indicators worth 50 each: execution rate ≥ target, tasks done; grades at 90/60."""
    return f"""perfscore: 1
id: mini
title: 部门整体支出（测试）
version: "{version}"
inputs:
  budget: {{type: money, unit: 万元, min: 0}}
  executed: {{type: money, unit: 万元, min: 0}}
  done: {{type: integer, min: 0}}
metrics:
  rate: {{expr: executed / budget}}
indicators:
  - {{id: exec, title: 预算执行率, weight: 50, value: rate, scorer: {{type: threshold, op: '>=', target: {target}}}}}
  - {{id: tasks, title: 重点工作, weight: 50, value: done, scorer: {{type: threshold, op: '>=', target: 1}}}}
grades:
  min_coverage: 0.6
  bands:
    - {{id: excellent, label: 优, min: 90}}
    - {{id: fair, label: 中, min: 60}}
    - {{id: poor, label: 差, min: 0}}
"""


def dept(key: str, year: int, executed: Any, done: Any, parent: str = "教育系统") -> dict[str, Any]:
    values = {"budget": 100, "executed": executed, "done": int(done)}
    return {"id": f"{key}-{year}", "key": key, "year": year, "parent": parent, "values": values}


def report(records: list[dict[str, Any]], **kw: Any) -> perfscore.Report:
    return perfscore.load_ruleset_text(ruleset(**kw)).evaluate(records)


YEARS = {
    2022: [dept("a", 2022, 80, True), dept("b", 2022, 95, False), dept("c", 2022, 99, True)],
    2023: [dept("a", 2023, 95, True), dept("b", 2023, 85, False), dept("d", 2023, 99, True)],
}


def fill(url: str) -> Store:
    store = Store(url)
    for records in YEARS.values():
        res = store.add(report(records), records=records)
        assert res.added and res.inputs_stored == 3
    return store


def test_adding_a_document_twice_is_a_no_op(store_url: str, tmp_path: Path) -> None:
    r = report(YEARS[2022])
    path = tmp_path / "f.json"
    path.write_text(r.to_json(), encoding="utf-8")
    with Store(store_url) as store:
        first = store.add(path)
        assert first.added and first.run.subjects == 3 and first.run.findings == 6
        assert first.run.periods == (2022,) and first.run.method.id == "mini"
        again = store.add(path)
        from_report = store.add(r)  # the same content, not read from a file
        compact = tmp_path / "compact.json"
        compact.write_text(r.to_json(indent=None), encoding="utf-8")
        assert not again.added and not from_report.added and not store.add(compact).added
        assert again.run.number == first.run.number == from_report.run.number
        assert [x.number for x in store.runs()] == [first.run.number]
        # the same run as JSON Lines is the same content too
        jsonl = tmp_path / "f.jsonl"
        from perfscore.export import ExportOptions, export

        jsonl.write_bytes(export(r, "jsonl", ExportOptions()))
        assert not store.add(jsonl).added
        # a different run is stored
        assert store.add(report(YEARS[2023])).added
        assert len(store.runs()) == 2


def test_a_chinese_and_an_english_document_store_the_same_grade_reasons(
    store_url: str, tmp_path: Path
) -> None:
    """A Chinese run's ``grade_reason`` is Chinese with ``grade_reason_en`` beside it: stored as
    the English reason and its Chinese, the same content as the English run's document."""
    records = [dept("a", 2022, 80, True), {"id": "e-2022", "key": "e", "year": 2022, "values": {}}]
    r = report(records)
    zh, en = tmp_path / "zh.json", tmp_path / "en.json"
    zh.write_text(r.to_json(lang="zh"), encoding="utf-8")
    en.write_text(r.to_json(lang="en"), encoding="utf-8")
    doc = json.loads(zh.read_text("utf-8"))["subjects"][1]
    assert (doc["grade_reason"], doc["grade_reason_en"]) == (
        "没有适用的指标",
        "no indicator applies",
    )
    assert (
        json.loads(en.read_text("utf-8"))["subjects"][1]["grade_reason"] == "no indicator applies"
    )
    with Store(store_url) as store:
        assert store.add(zh).added and not store.add(en).added
        [e] = store.subjects(key="e")
        assert e.grade_reason == doc["grade_reason_en"] and e.grade_reason_zh == doc["grade_reason"]


def test_runs_record_the_rule_set_and_perfscore_version(store_url: str) -> None:
    with fill(store_url) as store:
        run = store.runs()[0]
        rs = perfscore.load_ruleset_text(ruleset())
        assert (run.method.id, run.method.version, run.method.sha256) == ("mini", "1", rs.sha256)
        assert run.tool_version == perfscore.__version__ and run.format_version == "1.1"
        assert store.run(run.number) == run
        assert store.run(run.content_sha256.removeprefix("sha256:")[:10]) == run
        with pytest.raises(StoreError, match="no stored run"):
            store.run(99)


def test_history_lists_total_grade_and_indicators_by_period(store_url: str) -> None:
    with fill(store_url) as store:
        h = store.history("a")
        assert h.periods == (2022, 2023)
        assert [e.total for e in h.entries] == [Decimal(50), Decimal(100)]
        assert [e.grade for e in h.entries] == ["poor", "excellent"]
        assert h.indicator("exec") == (Decimal(0), Decimal(50))
        assert h.indicator("tasks") == (Decimal(50), Decimal(50))
        assert h.entries[0].subject.parent == "教育系统"
        doc = json.loads(h.to_json())
        assert doc["ruleset"]["id"] == "mini" and not doc["rescored"]
        assert [p["total"] for p in doc["periods"]] == [50, 100]
        assert doc["indicators"][0] == {
            "id": "exec",
            "title": "预算执行率",
            "weight": 50,
            "points": [0, 50],
        }
        with pytest.raises(StoreError, match=r"no stored results for 'aa' \(did you mean 'a'\?\)"):
            store.history("aa")


def test_the_latest_run_of_a_period_is_the_current_result(store_url: str) -> None:
    with fill(store_url) as store:
        fixed = [dept("a", 2023, 50, True)]  # a corrected 2023 submission for 'a'
        store.add(report(fixed), records=fixed)
        assert [e.total for e in store.history("a").entries] == [Decimal(50), Decimal(50)]
        assert len(store.subjects(key="a", latest=False)) == 3


def test_compare_two_periods(store_url: str) -> None:
    with fill(store_url) as store:
        c = store.compare(2022, 2023)
    states = {(ch.key, ch.rule_id): ch.state for ch in c.changes}
    assert states == {
        ("a", "exec"): "resolved",  # 80% → 95%
        ("b", "exec"): "new",  # 95% → 85%
        ("b", "tasks"): "persisting",  # not done either year
    }
    assert c.counts() == {"new": 1, "resolved": 1, "persisting": 1, "changed": 0, "unchanged": 1}
    deltas = {d.key: d.delta for d in c.scores}
    assert deltas == {"a": Decimal(50), "b": Decimal(-50), "c": None, "d": None}
    only = {d.key: (d.before is not None, d.after is not None) for d in c.scores}
    assert only["c"] == (True, False) and only["d"] == (False, True)
    persisting = c.of("persisting")[0]
    assert persisting.before is not None and persisting.after is not None
    assert persisting.before.fingerprint == persisting.after.fingerprint  # across years


def test_compare_two_runs_and_changed_findings(store_url: str) -> None:
    with Store(store_url) as store:
        one = store.add(report([dept("a", 2023, 95, True)])).run
        two = store.add(report([dept("a", 2023, 96, True)])).run
        c = store.compare(f"run:{one.number}", two.content_sha256[7:15])
    assert c.before == f"run {one.number}" and c.after == f"run {two.number}"
    [ch] = c.changes
    assert ch.state == "changed" and ch.rule_id == "exec"  # passes both times; value changed
    assert c.counts()["unchanged"] == 1


def test_compare_as_sarif_with_baseline_state(store_url: str) -> None:
    with fill(store_url) as store:
        sarif = json.loads(store.compare(2022, 2023).to_sarif())
    results = sarif["runs"][0]["results"]
    states = sorted(
        (r["properties"]["perfscore/subject"]["key"], r["ruleId"], r["baselineState"])
        for r in results
    )
    assert states == [("a", "exec", "absent"), ("b", "exec", "new"), ("b", "tasks", "unchanged")]
    if SARIF_SCHEMA.exists():
        import jsonschema

        schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
        errors = list(jsonschema.Draft4Validator(schema).iter_errors(sarif))
        assert not errors, errors[0]


def test_rank_with_ties_percentiles_groups_and_ungraded(store_url: str) -> None:
    records = [
        dept("p", 2024, 95, True, "甲"),
        dept("q", 2024, 96, True, "甲"),
        dept("r", 2024, 95, False, "乙"),
        dept("s", 2024, 50, False, "乙"),
        {"id": "u-2024", "key": "u", "year": 2024, "values": {"budget": 100, "executed": 100}},
        {"id": "v-2024", "key": "v", "year": 2024, "values": {}},
    ]
    with Store(store_url) as store:
        store.add(report(records), records=records)
        r = store.rank(2024)
        g = store.rank(2024, by="parent")
    assert [(x.rank, x.entry.subject.key, x.entry.total) for x in r.ranked] == [
        (1, "p", Decimal(100)),
        (1, "q", Decimal(100)),
        (3, "r", Decimal(50)),
        (4, "s", Decimal(0)),
    ]
    assert [x.percentile for x in r.ranked] == [Decimal("75.0")] * 2 + [
        Decimal("37.5"),
        Decimal("12.5"),
    ]
    assert [(u.entry.subject.key, u.why) for u in r.unranked] == [
        ("u", "no grade: only 50% of the weight was scored from data; a grade needs 60%"),
        ("v", "no total: no indicator applies"),
    ]
    assert [(x.group, x.rank, x.of, x.entry.subject.key) for x in g.ranked] == [
        ("乙", 1, 2, "r"),  # groups in code-point order
        ("乙", 2, 2, "s"),
        ("甲", 1, 2, "p"),
        ("甲", 1, 2, "q"),
    ]
    # the same reasons in Chinese: the words from words.STORE, the subject's own reason as the
    # findings document gave it in Chinese (stored since schema 3)
    zh = [u.why_in("zh") for u in r.unranked]
    assert zh == ["无等级：有数据可评分的权重仅占 50%，评级至少需要 60%", "无总分：没有适用的指标"]
    assert [u.why_in("en") for u in r.unranked] == [u.why for u in r.unranked]
    assert [u.to_dict()["why_zh"] for u in r.unranked] == zh
    assert all(type(u.to_dict()["why"]) is str for u in r.unranked)  # plain text in JSON


def test_why_not_ranked_in_both_languages_whatever_the_path(store_url: str, tmp_path: Path) -> None:
    """The reason a subject is not ranked reads in the run's language whether the run was added
    as a Report, as JSON Lines, or re-scored from its stored inputs; a rule set without grades
    says so in words of the catalogue."""
    from perfscore import words

    records = [
        {"id": "u-2024", "key": "u", "year": 2024, "values": {"budget": 100, "executed": 100}}
    ]
    jsonl = tmp_path / "u.jsonl"
    jsonl.write_bytes(perfscore.export.export(report(records), "jsonl"))
    zh = "无等级：有数据可评分的权重仅占 50%，评级至少需要 60%"
    with Store(store_url) as store:
        assert store.add(jsonl, records=records).added
        [u] = store.rank(2024).unranked
        assert (u.why_in("zh"), u.why_in("en")) == (
            zh,
            "no grade: only 50% of the weight was scored from data; a grade needs 60%",
        )
        [again] = store.rank(2024, rescore=perfscore.load_ruleset_text(ruleset())).unranked
        assert again.why_in("zh") == zh
    ungraded = ruleset().split("grades:")[0]
    rs = perfscore.load_ruleset_text(ungraded)
    with Store(tmp_path / "ungraded.db") as store:
        store.add(rs.evaluate([dept("a", 2024, 95, True)]))
        [u] = store.rank(2024).unranked
    assert u.why_in("en") == "no grade: the rule set gives none"
    assert u.why_in("zh") == "无等级：规则集不评等级"
    for lang in words.LANGS:  # the phrases are the catalogue's
        assert u.why_in(lang) == words.say(
            words.STORE, lang, "unranked_no_grade", reason=words.STORE[lang]["no_grades"]
        )


@given(st.lists(st.integers(0, 5).map(Decimal), min_size=1, max_size=30))
def test_competition_ranks(totals: list[Decimal]) -> None:
    totals.sort(reverse=True)
    places = competition_ranks(totals)
    for t, (rank, pct) in zip(totals, places, strict=True):
        assert rank == 1 + sum(1 for x in totals if x > t)
        below = sum(1 for x in totals if x < t)
        equal = sum(1 for x in totals if x == t)
        exact = Decimal(100) * (below + Decimal(equal) / 2) / len(totals)
        assert abs(pct - exact) <= Decimal("0.05")
        assert 0 < pct <= 100


def test_methodology_guard_and_rescore(store_url: str) -> None:
    old = [dept("a", 2022, 85, True), dept("b", 2022, 92, True)]
    new = [dept("a", 2023, 85, True), dept("b", 2023, 88, True)]
    with Store(store_url) as store:
        store.add(report(old, version="1", target="0.8"), records=old)
        store.add(report(new, version="2", target="0.9"), records=new)
        with pytest.raises(MethodologyError, match="mixes 2 rule-set versions") as e:
            store.history("a")
        assert {m.version for m in e.value.methods} == {"1", "2"}
        with pytest.raises(MethodologyError):
            store.compare(2022, 2023)
        # re-scored with one rule set, the trend is on one method — and equals scoring anew
        rs = perfscore.load_ruleset_text(ruleset(version="2", target="0.9"))
        h = store.history("a", rescore=rs)
        assert h.rescored and h.method is not None and h.method.version == "2"
        assert [e.total for e in h.entries] == [
            rs.evaluate(old).subjects[0].total,
            rs.evaluate(new).subjects[0].total,
        ]
        c = store.compare(2022, 2023, rescore=rs)
        assert c.rescored and c.counts()["persisting"] == 1  # a: 85% < 90% both years
        assert store.history("a", ruleset="mini@1").periods == (2022,)
        assert store.rank(2023).method.version == "2"  # type: ignore[union-attr]


def test_rescore_needs_stored_inputs(store_url: str) -> None:
    with Store(store_url) as store:
        store.add(report([dept("a", 2022, 85, True)]))  # no records given
        store.add(report([dept("a", 2023, 85, True)], version="2"))
        with pytest.raises(StoreError, match=r"no stored inputs for a 2022 \(run 1\)"):
            store.history("a", rescore=perfscore.load_ruleset_text(ruleset()))


def test_inputs_are_found_from_the_documents_data_files(
    store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    import yaml

    Path("d.yaml").write_text(yaml.safe_dump({"subjects": YEARS[2022]}), encoding="utf-8")
    Path("r.yaml").write_text(ruleset(), encoding="utf-8")
    rs = perfscore.load_ruleset("r.yaml")
    Path("f.json").write_text(rs.evaluate(perfscore.load_subjects("d.yaml")).to_json())
    with Store(store_url) as store:
        res = store.add("f.json")
        assert res.inputs_stored == 3
        assert store.records(store.subjects(key="b")) == [
            {**YEARS[2022][1], "values": {"budget": 100, "executed": 95, "done": 0}}
        ]


def test_format_1_0_documents_are_read_with_key_id_and_no_period(store_url: str) -> None:
    doc = json.loads(report([{"id": "old", "values": {"budget": 1, "executed": 1}}]).to_json())
    doc["format_version"] = "1.0"
    with Store(store_url) as store:
        run = store.add(doc).run
        [s] = store.subjects(run=run.number)
    assert (s.subject.key, s.subject.period, s.subject.parent) == ("old", None, None)
    assert run.format_version == "1.0" and run.periods == ()


def test_bad_documents_are_refused_and_store_nothing(store_url: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "something else"}', encoding="utf-8")
    trunc = tmp_path / "t.json"
    trunc.write_text(report(YEARS[2022]).to_json()[:500], encoding="utf-8")
    with Store(store_url) as store:
        with pytest.raises(StoreError, match="not a perfscore findings document"):
            store.add(bad)
        with pytest.raises(StoreError, match="not JSON"):
            store.add(trunc)
        with pytest.raises(StoreError, match="2 input records for 3 subjects"):
            store.add(report(YEARS[2022]), records=YEARS[2022][:2])
        assert store.runs() == []


def test_unsupported_urls_are_refused() -> None:
    with pytest.raises(StoreError, match="unsupported store URL"):
        Store("mysql://x/y")


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.one_of(st.none(), st.integers(0, 120), st.decimals("0", "120", places=2)),
            st.one_of(st.none(), st.integers(0, 3)),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_a_stored_run_reads_back_as_it_was_scored(rows: list[tuple[Any, Any]]) -> None:
    records = [
        {
            "id": f"s{i}",
            "key": f"k{i}",
            "year": 2023,
            "values": {"budget": 100, "executed": e, "done": d},
        }
        for i, (e, d) in enumerate(rows)
    ]
    r = report(records)
    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "p.db") as store:
        run = store.add(r, records=records).run
        got = store.findings(store.subjects(run=run.number))
        back = store.records(got)
    # the stored inputs score exactly as the originals did
    again = report(back)  # type: ignore[arg-type]
    assert [(s.total, s.grade) for s in again.subjects] == [(s.total, s.grade) for s in r.subjects]
    assert [f.fingerprint for f in again.findings] == [f.fingerprint for f in r.findings]
    for want, have in zip(r.subjects, got, strict=True):
        assert (have.subject.id, have.subject.key, have.subject.period) == (
            want.subject.id,
            want.subject.key,
            want.subject.period,
        )
        assert (have.total, have.grade, have.coverage, have.complete) == (
            want.total,
            want.grade,
            want.coverage,
            want.complete,
        )
        assert dict(have.points) == {s.rule_id: s.points for s in want.scores}
        assert [
            (f.rule_id, f.outcome, f.severity, f.fingerprint, f.points, f.message)
            for f in have.findings
        ] == [
            (f.rule_id, f.outcome, f.severity, f.fingerprint, f.points, f.message)
            for f in want.findings
        ]


def test_text_with_nul_and_control_characters_is_stored(store_url: str) -> None:
    records = [
        {"id": "n-2023", "key": "n\x00k", "name": "名\x00\x1b[31m", "year": 2023, "values": {}}
    ]
    with Store(store_url) as store:
        run = store.add(report(records), records=records).run
        [s] = store.subjects(run=run.number)
        h = store.history(s.subject.key)
    nul = "\ufffd" if "://" in store_url else "\x00"  # PostgreSQL text cannot hold NUL
    assert s.subject.name == f"名{nul}\x1b[31m" and h.key == s.subject.key


def test_a_password_in_the_url_is_not_shown() -> None:
    with pytest.raises(StoreError) as e:
        Store("postgresql://user:s3cret@127.0.0.1:1/db")
    assert "s3cret" not in str(e.value) and "cannot open store" in str(e.value)


def test_a_store_locked_past_the_timeout_is_an_error_not_a_crash(tmp_path: Path) -> None:
    import sqlite3

    db = tmp_path / "busy.db"
    Store(db).close()
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another writer holds the lock
    try:
        with Store(db, timeout=0.2) as store:  # opening and reading need no write lock
            assert store.runs() == []
            with pytest.raises(StoreError, match=r"cannot write .* database is locked"):
                store.add(report(YEARS[2022]))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    with Store(db) as store:
        assert store.add(report(YEARS[2022])).added
