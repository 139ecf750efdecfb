"""The end-of-run summary says the same whatever order the subjects came in (a streamed, a
parallel and a columnar run count them in different orders), and its counters can be added
in bulk (a columnar run's settled rows)."""

from __future__ import annotations

import itertools
import random
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from perfscore import load_ruleset
from perfscore.summary import RunSummary

RULES = Path(__file__).resolve().parent.parent / "rules"
RS = load_ruleset(RULES / "cn-dept-overall.yaml")


def _records(n: int, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        budget = rng.choice([100, 250, 0, None, "待补"])
        values: dict[str, Any] = {
            "budget": budget,
            "executed": rng.choice([budget, 80, 99, None]),
            "satisfaction": rng.choice([95, 80, None, "很好"]),
            "targets_reasonable_tier": rng.choice(["achieved", "partial", "not_achieved", None]),
        }
        out.append({"id": f"d{i}", "values": values})
    return out


RESULTS = RS.evaluate(_records(40, seed=1)).subjects


@settings(max_examples=20, deadline=None)
@given(st.permutations(list(range(len(RESULTS)))))
def test_the_summary_does_not_depend_on_the_order_of_the_subjects(order: list[int]) -> None:
    one, two = RunSummary(RS.rules), RunSummary(RS.rules)
    for r in RESULTS:
        one.add(r)
    for i in order:
        two.add(RESULTS[i])
    assert one.as_dict() == two.as_dict()

    def cut(text: str) -> list[str]:  # "first at …" is the first cell in the data's order
        return [line.partition("   first at ")[0] for line in text.splitlines()]

    assert cut(one.render(lang="en")) == cut(two.render(lang="en"))


def test_ties_are_in_the_rule_sets_order_and_fields_by_name() -> None:
    s = RunSummary(RS.rules)
    for r in RESULTS:
        s.add(r)
    order = [r.id for r in RS.rules]
    failed = list(s.as_dict()["most_failed"].items())  # type: ignore[union-attr]
    for (a, na), (b, nb) in itertools.pairwise(failed):
        assert na > nb or (na == nb and order.index(a) < order.index(b))
    fields = list(s.as_dict()["errors_by_field"].items())  # type: ignore[union-attr]
    assert fields, "the dirty records gave errors"
    for (a, na), (b, nb) in itertools.pairwise(fields):
        assert na > nb or (na == nb and a < b)


def test_counts_added_in_bulk_equal_subjects_added_one_by_one() -> None:
    clean = [r for r in RESULTS if r.complete]
    assert clean
    one, two = RunSummary(RS.rules), RunSummary(RS.rules)
    for r in clean:
        one.add(r)
    grades = Counter(r.grade_label or r.grade for r in clean if r.grade is not None)
    failed = Counter(
        f.rule_id for r in clean for f in r.findings if f.outcome == "fail" and f.kind != "check"
    )
    coverage: Counter[Decimal] = Counter(r.coverage for r in clean)
    two.add_counts(grades=grades, failed=failed, coverage=coverage)
    assert one.render(lang="zh") == two.render(lang="zh")
    assert one.as_dict() == two.as_dict()


def _summary(tmp_path: Path, csv: str, *lang: str) -> str:
    import io

    from perfscore.cli import main

    data = tmp_path / "d.csv"
    data.write_text(csv, encoding="utf-8")
    err = io.StringIO()
    argv = [*lang, "score", str(RULES / "cn-dept-overall.yaml"), str(data), "--summary"]
    main([*argv, "-o", str(tmp_path / "o.json")], stdout=io.StringIO(), stderr=err)
    return err.getvalue()


def test_a_chinese_runs_summary_says_its_notifications_in_chinese(tmp_path: Path) -> None:
    zh = _summary(tmp_path, "部门,预算数\n甲,100\n")  # no 执行数 column at all
    assert "错误：missing-column：" in zh and "没有必填输入项 'budget'" in zh
    assert "警告：unmapped-column：" in zh
    assert "error:" not in zh and "warning:" not in zh and "no column" not in zh
    # a reason naming no cell has no "first at" (it was "首个位于 required value is missing")
    assert "首个位于" not in zh
    en = _summary(tmp_path, "部门,预算数\n甲,100\n", "--lang", "en")
    assert "error: missing-column: " in en and "错误" not in en


def test_the_first_cell_is_said_in_the_runs_language(tmp_path: Path) -> None:
    csv = "部门,全年预算数,执行数\n甲,100,abc\n乙,100,\n"
    assert "executed                          2   首个位于 第 2 行「执行数」列" in _summary(
        tmp_path, csv
    )
    assert "first at line 2, column 执行数" in _summary(tmp_path, csv, "--lang", "en")


def test_a_json_lines_records_first_cell_is_said_too(tmp_path: Path) -> None:
    """A JSON Lines record's line (and a flat line's key) is its cell: said in the run's
    language in the summary and in the finding, where it was left out (or said in English)."""
    import io

    from perfscore.cli import main

    data = tmp_path / "d.jsonl"
    data.write_text(
        '{"id": "a", "values": {"budget": 100, "executed": "abc"}}\n'
        '{"id": "b", "全年预算数": 100, "执行数": "x"}\n',
        encoding="utf-8",
    )
    err = io.StringIO()
    out = tmp_path / "o.jsonl"
    argv = ["score", str(RULES / "cn-dept-overall.yaml"), str(data), "--summary", "-o", str(out)]
    main(["--lang", "zh", *argv], stdout=io.StringIO(), stderr=err)
    assert any(line.endswith("首个位于 第 1 行") for line in err.getvalue().splitlines())
    text = out.read_text(encoding="utf-8")
    assert "第 1 行：应为数字" in text and "第 2 行「执行数」键：应为数字" in text
    en = io.StringIO()
    main(["--lang", "en", *argv], stdout=io.StringIO(), stderr=en)
    assert "first at line 1" in en.getvalue()
