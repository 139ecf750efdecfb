"""Exporters: golden files (byte for byte), format validity, streaming, atomic writes.

Regenerate the golden files after a deliberate change with ``UPDATE_GOLDEN=1 pytest
tests/test_export.py`` and review the diff.
"""

from __future__ import annotations

import csv
import io
import json
import os
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest

import perfscore
from perfscore.export import EXPORTERS, ExportOptions, export, stream_run_id
from perfscore.findings import Report
from perfscore.stream import stream_jsonl

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden"
RULES = "rules/cn-dept-overall.yaml"
LIWAN = "examples/liwan-npc-office-2023.yaml"
BATCH = "tests/golden/batch3.yaml"
SARIF_SCHEMA = Path(__file__).resolve().parents[2] / "shared/schemas/sarif-schema-2.1.0.json"
GOLDEN_FORMATS = {
    "jsonl": "jsonl",
    "csv": "csv",
    "sarif": "sarif",
    "junit": "junit.xml",
    "md": "md",
}


@pytest.fixture(autouse=True)
def _at_repo_root(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Paths in outputs are relative as given, so score from the repository root."""
    monkeypatch.chdir(ROOT)
    yield


def score(data: str) -> Report:
    return perfscore.load_ruleset(RULES).evaluate(perfscore.load_subjects(data))


@pytest.fixture(scope="module")
def liwan() -> Report:
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        return score(LIWAN)
    finally:
        os.chdir(cwd)


@pytest.fixture(scope="module")
def batch() -> Report:
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        return score(BATCH)
    finally:
        os.chdir(cwd)


def check_golden(name: str, data: bytes) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_bytes(data)
    assert path.exists(), f"{path} is missing: run UPDATE_GOLDEN=1 pytest {__file__}"
    assert data == path.read_bytes(), f"{name} differs from its golden file (UPDATE_GOLDEN=1)"


@pytest.mark.parametrize("fmt", sorted(GOLDEN_FORMATS))
@pytest.mark.parametrize("which", ["liwan", "batch3"])
def test_golden_files(fmt: str, which: str, liwan: Report, batch: Report) -> None:
    report = liwan if which == "liwan" else batch
    check_golden(f"{which}.{GOLDEN_FORMATS[fmt]}", export(report, fmt))


@pytest.mark.parametrize("fmt", [f.name for f in EXPORTERS if f.name != "xlsx"])
def test_every_format_is_deterministic(fmt: str, batch: Report) -> None:
    assert export(batch, fmt) == export(score(BATCH), fmt)


def test_the_batch_covers_pass_fail_and_error(batch: Report) -> None:
    outcomes = {s.subject.id: {f.outcome for f in s.findings} for s in batch.subjects}
    assert "error" not in outcomes["district-finance-2023"]
    assert batch["district-finance-2023"].grade == "excellent"
    assert "fail" in outcomes["district-parks-2023"]
    assert "error" in outcomes["district-water-2023"] and not batch.complete


# --- JSON Lines ------------------------------------------------------------------------------


def test_jsonl_records_run_first_summary_last(batch: Report) -> None:
    lines = [json.loads(x) for x in export(batch, "jsonl").decode().splitlines()]
    assert [x["record"] for x in lines[:2]] == ["run", "subject"]
    assert lines[-1]["record"] == "summary" and lines[-1]["complete"] is False
    assert {x["run_id"] for x in lines} == {lines[0]["run_id"]}
    assert all(x["format_version"] == "1.1" for x in lines)
    assert len(lines[0]["rules"]) == len(batch.rules)
    findings = [x for x in lines if x["record"] == "finding"]
    assert len(findings) == len(batch.findings)
    doc = json.loads(batch.to_json())
    # a finding line is the document's finding plus the three record keys
    for line, f in zip(findings, doc["findings"], strict=True):
        assert {
            k: v for k, v in line.items() if k not in ("record", "format_version", "run_id")
        } == f
    summary = {
        k: v
        for k, v in lines[-1].items()
        if k not in ("record", "format_version", "run_id", "complete")
    }
    assert summary == doc["summary"]


def test_streaming_gives_the_same_bytes_as_the_report(batch: Report) -> None:
    rs = perfscore.load_ruleset(RULES)
    data = perfscore.load_subjects(BATCH)
    buf = io.BytesIO()
    summary = stream_jsonl(rs, data.records, buf, inputs=[{"uri": data.uri, "sha256": data.sha256}])
    assert buf.getvalue() == export(batch, "jsonl")
    assert summary["subjects"] == 3 and summary["error"] == 5
    # the run id is known before any subject is read: rule set and input hashes only
    assert json.loads(buf.getvalue().splitlines()[0])["run_id"] == stream_run_id(
        rs.sha256, [{"sha256": data.sha256}]
    )


@pytest.mark.parametrize("fmt", ["jsonl", "json"])
def test_grade_reason_follows_the_run_language(fmt: str, batch: Report) -> None:
    """A Chinese run says why there is no grade in Chinese, the English beside it (rev12: a
    ``--lang zh`` run's JSON Lines said it in English only); an English run is as before."""

    def subjects(lang: str) -> dict[str, dict[str, object]]:
        data = export(batch, fmt, ExportOptions(lang=lang)).decode("utf-8")
        if fmt == "json":
            return {s["subject"]["id"]: s for s in json.loads(data)["subjects"]}
        lines = [json.loads(x) for x in data.splitlines()]
        return {x["subject"]["id"]: x for x in lines if x["record"] == "subject"}

    zh, en = subjects("zh"), subjects("en")
    water = "district-water-2023"
    assert zh[water]["grade_reason"] == "无法计算总分：依赖的 process 无法评分"
    assert zh[water]["grade_reason_en"] == en[water]["grade_reason"]
    assert en[water]["grade_reason"] == (
        "total cannot be computed: depends on process, which could not be scored"
    )
    assert "grade_reason_en" not in en[water]
    parks = zh["district-parks-2023"]
    assert parks["grade_reason"] == "有数据可评分的权重仅占 40%，评级至少需要 60%"
    assert (
        parks["grade_reason_en"] == "only 40% of the weight was scored from data; a grade needs 60%"
    )
    graded = zh["district-finance-2023"]  # no reason: null, and no English twin
    assert graded["grade_reason"] is None and "grade_reason_en" not in graded
    assert batch.to_dict(lang="en")["subjects"][2]["grade_reason"] == en[water]["grade_reason"]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_streaming_speaks_the_language_asked(lang: str, batch: Report) -> None:
    """``stream_jsonl(lang=)`` writes what ``--lang`` writes: the same bytes as the report
    exported in that language (its ``grade_reason`` in Chinese with the English beside it, or
    in English alone); lean likewise; a language perfscore does not speak is refused."""
    rs = perfscore.load_ruleset(RULES)
    data = perfscore.load_subjects(BATCH)
    inputs = [{"uri": data.uri, "sha256": data.sha256}]
    for lean in (False, True):
        buf = io.BytesIO()
        stream_jsonl(rs, data.records, buf, inputs=inputs, lang=lang, lean=lean)
        assert buf.getvalue() == export(batch, "jsonl", ExportOptions(lang=lang, lean=lean))
    lines = [json.loads(x) for x in buf.getvalue().splitlines()]
    subjects = {x["subject"]["id"]: x for x in lines if x["record"] == "subject"}
    water = subjects["district-water-2023"]
    assert water["grade_reason"].startswith("无法计算总分" if lang == "zh" else "total cannot")
    assert ("grade_reason_en" in water) == (lang == "zh")
    with pytest.raises(ValueError, match="unknown language 'fr'"):
        stream_jsonl(rs, data.records, io.BytesIO(), lang="fr")


def test_streaming_writes_before_the_batch_ends() -> None:
    """Lines for subject n are out before subject n + 1 is read: nothing is held back."""
    rs = perfscore.load_ruleset(RULES)
    out = io.BytesIO()
    seen: list[int] = []

    def records() -> Iterator[dict[str, object]]:
        for i in range(3):
            seen.append(out.getvalue().count(b'"record":"subject"'))
            yield {"id": f"d{i}", "values": {"budget": 100, "executed": 99}}

    stream_jsonl(rs, records(), out)
    assert seen == [0, 1, 2]


# --- CSV -------------------------------------------------------------------------------------


def test_csv_rows_and_bom(batch: Report) -> None:
    plain = export(batch, "csv")
    rows = list(csv.reader(io.StringIO(plain.decode("utf-8"))))
    assert rows[0] == [
        "subject_id",
        "subject_name",
        "rule_id",
        "title",
        "kind",
        "outcome",
        "severity",
        "value",
        "display",
        "points",
        "weight",
        "message",
        "subject_total",
        "subject_earned",
        "subject_scorable",
        "subject_max",
        "subject_coverage",
        "subject_grade",
        "subject_ranked",
        "evidence",
        "explanation",
    ]
    assert len(rows) == 1 + len(batch.findings)
    row = next(r for r in rows if r[0] == "district-parks-2023" and r[2] == "execution_rate_score")
    assert row[1] == "某区园林局" and row[5:11] == ["fail", "warning", "0.8", "80%", "2.5", "10"]
    bom = export(batch, "csv", ExportOptions(bom=True))
    assert bom == b"\xef\xbb\xbf" + plain


# --- SARIF -----------------------------------------------------------------------------------


def sarif_validator() -> object:
    if not SARIF_SCHEMA.exists():
        pytest.skip(f"the official SARIF schema is not at {SARIF_SCHEMA} (../shared is absent)")
    import jsonschema

    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    return jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())


@pytest.mark.parametrize("sarif_all", [False, True])
@pytest.mark.parametrize("which", ["liwan", "batch3"])
def test_sarif_is_valid_against_the_official_schema(
    which: str, sarif_all: bool, liwan: Report, batch: Report
) -> None:
    validator = sarif_validator()
    report = liwan if which == "liwan" else batch
    doc = json.loads(export(report, "sarif", ExportOptions(sarif_all=sarif_all)))
    errors = sorted(validator.iter_errors(doc), key=str)  # type: ignore[attr-defined]
    assert not errors, errors[0]


def test_sarif_content(batch: Report) -> None:
    doc = json.loads(export(batch, "sarif"))
    run = doc["runs"][0]
    results = run["results"]
    assert {r["kind"] for r in results} == {"fail"}
    assert len(results) == sum(1 for f in batch.findings if f.outcome == "fail")
    r = next(x for x in results if x["ruleId"] == "execution_rate_score")
    assert r["level"] == "warning"
    region = r["locations"][0]["physicalLocation"]["region"]
    assert r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == RULES
    rules_text = (ROOT / RULES).read_text(encoding="utf-8").splitlines()
    assert rules_text[region["startLine"] - 1][region["startColumn"] - 1 :].startswith(
        "id: execution_rate_score"
    )
    f = next(
        x
        for x in batch.findings
        if x.rule_id == "execution_rate_score" and x.subject.id == "district-parks-2023"
    )
    assert r["partialFingerprints"]["perfscore/v1"] == f.fingerprint
    assert r["properties"]["perfscore/subject"]["id"] == "district-parks-2023"
    driver_rules = run["tool"]["driver"]["rules"]
    assert driver_rules[r["ruleIndex"]]["id"] == "execution_rate_score"
    assert all(
        x["shortDescription"]["text"] and x["fullDescription"]["text"] and x["help"]["text"]
        for x in driver_rules
    )
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert len([n for n in notes if n["level"] == "error"]) == 5
    assert run["invocations"][0]["executionSuccessful"] is False
    every = json.loads(export(batch, "sarif", ExportOptions(sarif_all=True)))["runs"][0]
    assert {x["kind"] for x in every["results"]} == {"pass", "fail", "notApplicable"}
    assert all(x["level"] == "none" for x in every["results"] if x["kind"] != "fail")


# --- JUnit -----------------------------------------------------------------------------------


def test_junit_structure_and_counts(batch: Report) -> None:
    root = ET.fromstring(export(batch, "junit"))
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == [s.subject.id for s in batch.subjects]
    for suite in suites:
        cases = suite.findall("testcase")
        assert int(suite.get("tests", -1)) == len(cases)
        for tag, attr in (("failure", "failures"), ("error", "errors"), ("skipped", "skipped")):
            assert int(suite.get(attr, -1)) == sum(1 for c in cases if c.find(tag) is not None)
        assert {c.get("classname") for c in cases} == {suite.get("name")}
        names = [c.get("name") for c in cases]
        assert len(set(names)) == len(names)  # GitLab drops duplicate classname + name
    assert int(root.get("tests", -1)) == len(batch.findings)
    assert int(root.get("errors", -1)) == 5
    failure = root.find(".//testcase[@classname='district-parks-2023']/failure")
    assert failure is not None and failure.get("type") in ("warning", "error")
    assert failure.text and failure.get("message", "") in failure.text


# --- Markdown, HTML --------------------------------------------------------------------------


def test_markdown_lists_only_what_needs_attention(batch: Report) -> None:
    md = export(batch, "md").decode()
    assert "| 1 | 某区财政局 | `district-finance-2023` | 95.6 / 100（数据覆盖 100%） | 优 |" in md
    # parks scored 40% of the weight: listed apart, not ranked, with the weight behind 47.58
    apart = md.split("不评级，不参与排名", 1)[1].split("###", 1)[0]
    assert "district-parks-2023" in apart and "district-finance-2023" not in apart
    assert "47.58 / 100（实得 22.78 / 可评 40 / 满分 100，数据覆盖 40%）" in apart
    assert "**错误** `execution_rate_score`" in md
    assert "**达标**" not in md and "**不适用**" not in md


def test_html_is_self_contained_and_parses(batch: Report, liwan: Report) -> None:
    from html.parser import HTMLParser

    class Collect(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.tags: list[str] = []
            self.attrs: list[tuple[str, str | None]] = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            self.tags.append(tag)
            self.attrs.extend(attrs)

    for report, n_svg in ((batch, 3 + 3), (liwan, 1)):
        text = export(report, "html").decode("utf-8")
        p = Collect()
        p.feed(text)
        p.close()
        assert p.tags.count("svg") == n_svg  # profiles (+ histogram, grades, top failing)
        assert "script" not in p.tags and "link" not in p.tags
        assert not any(
            v and v.startswith(("http:", "https:", "//"))
            for k, v in p.attrs
            if k in ("src", "href")
        )
        assert '<meta charset="utf-8">' in text and "Noto Sans CJK SC" in text
    text = export(batch, "html").decode("utf-8")
    assert "某区园林局" in text and "预算执行率" in text and "未达标 / 错误最多的指标" in text


# --- Excel -----------------------------------------------------------------------------------


def test_xlsx_same_report_same_bytes_across_the_clock(batch: Report) -> None:
    """openpyxl stamps the time of saving into the zip entries and docProps/core.xml; two
    saves more than a second apart (the zip clock's resolution is two seconds) must still
    give identical bytes."""
    pytest.importorskip("openpyxl", reason="the excel extra is not installed")
    first = export(batch, "xlsx")
    time.sleep(2.1)
    assert export(batch, "xlsx") == first


def test_xlsx_reads_back(batch: Report) -> None:
    openpyxl = pytest.importorskip("openpyxl", reason="the excel extra is not installed")
    wb = openpyxl.load_workbook(io.BytesIO(export(batch, "xlsx")))
    assert wb.sheetnames == [
        "汇总",
        "district-finance-2023",
        "district-parks-2023",
        "district-water-2023",
    ]
    rows = list(wb["汇总"].iter_rows(values_only=True))
    assert rows[0] == (
        "排名",
        "评价对象",
        "名称",
        "总分",
        "实得",
        "可评",
        "满分",
        "有数据的权重占比",
        "等级",
        "不评级原因（不参与排名）",
    )
    assert rows[1][:4] == (1, "district-finance-2023", "某区财政局", 95.6)
    assert rows[1][8:] == ("优", None)
    # parks has a total (47.58, from 40% of the weight) but no grade: not ranked, and says why
    assert rows[2][:7] == (None, "district-parks-2023", "某区园林局", 47.58, 22.78, 40, 100)
    assert "40%" in rows[2][9] and "60%" in rows[2][9]
    assert rows[3][0] is None and rows[3][3] is None and "无法计算总分" in rows[3][9]
    detail = list(wb["district-parks-2023"].iter_rows(values_only=True))
    row = next(r for r in detail if r[1] == "execution_rate_score")
    assert row[3:6] == (2.5, 10, "未达标")


def test_rank_is_competition_ranking() -> None:
    from dataclasses import replace
    from decimal import Decimal

    from perfscore.standing import rank

    base = score(LIWAN)
    one = replace(base.subjects[0], grade="A", grade_reason=None, grade_reason_zh=None)
    subjects = tuple(
        replace(one, subject=replace(one.subject, id=f"s{i}"), total=t)
        for i, t in enumerate((Decimal(80), Decimal(90), Decimal(80), None))
    )
    ranking = rank(replace(base, subjects=subjects))
    assert [(n, st.result.subject.id) for n, st in ranking.ranked] == [
        (1, "s1"),
        (2, "s0"),
        (2, "s2"),
    ]
    assert [st.result.subject.id for st in ranking.unranked] == ["s3"]


# --- the registry ----------------------------------------------------------------------------


def test_formats_by_extension() -> None:
    expected = {
        "a.json": "json",
        "a.jsonl": "jsonl",
        "a.csv": "csv",
        "a.sarif": "sarif",
        "a.xml": "junit",
        "a.junit.xml": "junit",
        "a.xlsx": "xlsx",
        "a.md": "md",
        "a.html": "html",
        "a.txt": "table",
        "A.HTML": "html",
    }
    assert {k: (f.name if (f := EXPORTERS.for_path(k)) else None) for k in expected} == expected
    assert EXPORTERS.for_path("a.pdf") is None


def test_sarif_marks_waived_findings_as_suppressed() -> None:
    import datetime as dt
    import json as _json

    import jsonschema as _jsonschema

    from perfscore.waivers import load_waivers

    root = Path(__file__).resolve().parent.parent
    rs = perfscore.load_ruleset(root / "rules" / "cn-dept-overall.yaml")
    report = rs.evaluate(
        perfscore.load_subjects(root / "examples" / "liwan-npc-office-2023.yaml"),
        waivers=load_waivers(root / "examples" / "waivers-2023.yaml"),
        as_of=dt.date(2024, 1, 1),
    )
    from perfscore.export import EXPORTERS, ExportOptions

    sarif = _json.loads(EXPORTERS["sarif"].render(report, ExportOptions()))
    suppressed = [r for r in sarif["runs"][0]["results"] if "suppressions" in r]
    assert [r["ruleId"] for r in suppressed] == ["adjustment_explained"]
    s = suppressed[0]["suppressions"][0]
    assert (
        s["kind"] == "external"
        and s["status"] == "accepted"
        and "上级政策性追加" in s["justification"]
    )
    schema_path = root.parent / "shared" / "schemas" / "sarif-schema-2.1.0.json"
    if schema_path.exists():
        _jsonschema.Draft4Validator(_json.loads(schema_path.read_text(encoding="utf-8"))).validate(
            sarif
        )
