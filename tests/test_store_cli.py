"""``perfscore score --store``, ``store add|runs``, ``history``, ``compare``, ``rank``: the
walk-through's three years of 20 departments, end to end through the CLI."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from cli_runner import run

ROOT = Path(__file__).resolve().parent.parent
RULES = str(ROOT / "rules" / "cn-dept-overall.yaml")
sys.path.insert(0, str(ROOT / "examples" / "bureau"))
import generate  # noqa: E402


@pytest.fixture
def bureau(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, store_url: str) -> str:
    """Three years scored with --store into a fresh store (SQLite or PostgreSQL)."""
    monkeypatch.chdir(tmp_path)
    generate.write(tmp_path)
    for year in generate.YEARS:
        code, _, err = run(
            "score", RULES, f"depts-{year}.yaml", "-o", f"f-{year}.json", "--store", store_url
        )
        assert code == 0, err
        assert "perfscore: 已记录为第" in err
    return store_url


def test_score_store_history_compare_rank(bureau: str) -> None:
    code, out, _ = run("store", "runs", "--db", bureau, "--format", "json")
    runs = json.loads(out)
    assert [r["periods"] for r in runs] == [[2021], [2022], [2023]]
    assert all(r["subjects"] == 20 and r["ruleset"]["id"] == "cn_dept_overall" for r in runs)

    code, out, _ = run("store", "add", "f-2022.json", "--db", bureau)
    assert code == 0 and out == "f-2022.json：已记录过，为第 2 次运行\n"
    code, out, _ = run("store", "add", "f-2022.json", "--db", bureau, "--lang", "en")
    assert code == 0 and out == "f-2022.json: already stored as run 2\n"

    code, out, _ = run("history", "dept-01", "--db", bureau, "--format", "json")
    h = json.loads(out)
    assert [p["period"] for p in h["periods"]] == [2021, 2022, 2023]
    assert [p["grade_label"] for p in h["periods"]] == ["优", "良", "良"]
    assert {i["id"] for i in h["indicators"]} >= {"execution_rate_score", "process", "inputs"}

    code, out, _ = run("history", "dept-01", "--db", bureau, "--lang", "en")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "区第一中学 (dept-01)" and "2021" in lines[2] and "2023" in lines[2]
    assert any(line.split()[:1] == ["total"] for line in lines)

    code, out, _ = run("history", "dept-01", "--db", bureau, "--format", "html")
    assert out.startswith("<!DOCTYPE html>") and "<svg" in out and "区第一中学" in out
    assert out.count("<circle") == 3  # one point per period

    code, out, _ = run("compare", "2022", "2023", "--db", bureau, "--format", "json")
    c = json.loads(out)
    assert c["before"] == "2022" and c["after"] == "2023"
    assert sum(c["counts"].values()) == 20 * 18
    states = {f["state"] for f in c["findings"]}
    assert states <= {"new", "resolved", "persisting", "changed"}
    d1 = next(s for s in c["scores"] if s["key"] == "dept-01")
    assert d1["delta"] == pytest.approx(float(d1["after"]["total"]) - float(d1["before"]["total"]))

    code, out, _ = run("compare", "2022", "2023", "--db", bureau, "--format", "sarif")
    sarif = json.loads(out)
    base = {r["baselineState"] for r in sarif["runs"][0]["results"]}
    assert base <= {"new", "unchanged", "updated", "absent"} and "new" in base

    code, out, _ = run("compare", "2022", "2023", "--db", bureau, "--lang", "en")
    assert code == 0 and "new " in out and "区第一中学 (dept-01)" in out
    code, out, _ = run("compare", "2022", "2023", "--db", bureau)
    assert code == 0 and "新增 " in out and "已整改 " in out

    code, out, _ = run("rank", "--period", "2023", "--db", bureau, "--format", "json")
    r = json.loads(out)
    assert len(r["ranked"]) == 18 and [u["key"] for u in r["unranked"]] == ["dept-19", "dept-20"]
    assert r["ranked"][0]["rank"] == 1 and r["ranked"][-1]["rank"] <= 18
    totals = [x["total"] for x in r["ranked"]]
    assert totals == sorted(totals, reverse=True)

    code, out, _ = run("rank", "--period", "2023", "--by", "parent", "--db", bureau)
    assert code == 0 and "未排名（2）" in out and "教育系统" in out and "百分位" in out
    assert "无等级：有数据可评分的权重仅占 10%" in out and "no grade" not in out
    code, out, _ = run("rank", "--period", "2023", "--db", bureau, "--lang", "en")
    assert code == 0 and "not ranked (2)" in out and "no grade: only 10% of the weight" in out
    assert "无等级" not in out


def test_methodology_refusal_and_rescore_through_the_cli(bureau: str, tmp_path: Path) -> None:
    # the bureau revises its rule set for 2023: a new version, scored into the same store
    text = Path(RULES).read_text(encoding="utf-8").replace('version: "2023.1"', 'version: "2024.1"')
    assert 'version: "2024.1"' in text
    Path("revised.yaml").write_text(text, encoding="utf-8")
    code, _, err = run(
        "score", "revised.yaml", "depts-2023.yaml", "-o", "r.json", "--store", bureau
    )
    assert code == 0
    code, out, err = run("history", "dept-01", "--db", bureau)
    assert code == 2 and out == ""
    assert "mixes 2 rule-set versions" in err and "--rescore" in err
    code, out, err = run("compare", "2022", "2023", "--db", bureau)
    assert code == 2 and "mixes 2 rule-set versions" in err
    code, out, err = run(
        "history", "dept-01", "--db", bureau, "--rescore", "revised.yaml", "--format", "json"
    )
    assert code == 0, err
    h = json.loads(out)
    assert h["rescored"] and h["ruleset"]["version"] == "2024.1" and len(h["periods"]) == 3
    code, out, _ = run("history", "dept-01", "--db", bureau, "--ruleset", "cn_dept_overall@2023.1")
    assert code == 0 and "2023.1" in out


def test_store_add_reports_unreadable_documents_and_goes_on(tmp_path: Path) -> None:
    db = str(tmp_path / "s.db")
    (tmp_path / "bad.json").write_text("{", encoding="utf-8")
    code, _, err = run("store", "add", str(tmp_path / "bad.json"), "--db", db)
    assert code == 3 and "not JSON" in err
    code, _, err = run("history", "nobody", "--db", db)
    assert code == 2 and "no stored results for 'nobody'" in err


def test_terminal_output_escapes_control_characters(tmp_path: Path) -> None:
    db = str(tmp_path / "s.db")
    data = tmp_path / "d.yaml"
    data.write_text(
        'id: x\nkey: "evil\\e[31m"\nname: "名\\e]0;title\\a"\nyear: 2023\nvalues: {budget: 1, executed: 1}\n',
        encoding="utf-8",
    )
    code, _, err = run("score", RULES, str(data), "--format", "json", "--store", db)
    assert code == 0, err
    code, out, _ = run("history", "evil\x1b[31m", "--db", db)
    assert code == 0 and "\x1b" not in out and "\x07" not in out
    assert "\\u001b" in out or "\\x1b" in out  # shown as an escape (perfscore.textsafe)


def test_score_store_with_jsonl_output_and_jobs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    generate.write(tmp_path)
    db = str(tmp_path / "s.db")
    code, out, err = run("score", RULES, "depts-2022.yaml", "--format", "jsonl", "--store", db)
    assert code == 0 and out.count('"record":"finding"') == 20 * 18
    code, _, err = run(
        "score", RULES, "depts-2023.yaml", "--jobs", "2", "-o", "x.json", "--store", db
    )
    assert code == 0, err
    code, out, _ = run("store", "add", "x.json", "--db", db, "--lang", "en")
    assert out == "x.json: already stored as run 2\n"  # the same run, scored in 2 processes
    monkeypatch.setenv("PERFSCORE_DB", db)
    code, out, _ = run("history", "dept-07", "--format", "json")
    h = json.loads(out)
    assert [p["period"] for p in h["periods"]] == [2022, 2023]
    code, out, _ = run("history", "dept-07", "--rescore", RULES, "--format", "json")
    rescored = json.loads(out)
    assert rescored["rescored"] and rescored["periods"] == h["periods"]  # inputs were kept


def test_store_add_with_data_keeps_the_inputs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    generate.write(tmp_path)
    code, _, _ = run("score", RULES, "depts-2021.yaml", "-o", "f.json")
    Path("moved.yaml").write_bytes(Path("depts-2021.yaml").read_bytes())
    Path("depts-2021.yaml").unlink()  # the document's own data file is gone
    code, out, _ = run("store", "add", "f.json", "--db", "a.db", "--lang", "en")
    assert code == 0 and out.endswith("no inputs (cannot be re-scored))\n")
    code, out, _ = run("store", "add", "f.json", "--db", "b.db", "--data", "moved.yaml")
    assert code == 0 and "保存了 20 个评价对象的输入数据" in out
    code, _, err = run("store", "add", "f.json", "f.json", "--db", "b.db", "--data", "moved.yaml")
    assert code == 2 and "逐个添加" in err
