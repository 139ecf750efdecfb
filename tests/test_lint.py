"""Warnings for rule sets that load but leave a reviewer-visible rule to a default."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

import perfscore
from perfscore.cli import main
from perfscore.lint import ruleset_warnings

ROOT = Path(__file__).resolve().parent.parent

NO_FLOOR = """\
perfscore: 1
id: t
title: t
version: "1"
inputs:
  a: {type: number}
indicators:
  - {id: x, title: X, weight: 50, value: a, scorer: {type: proportional, target: 1}}
  - {id: y, title: Y, weight: 50, value: b, scorer: {type: proportional, target: 1}}
grades:
  bands:
    - {id: ok, min: 50}
    - {id: bad, min: 0}
"""


def test_a_rule_set_without_min_coverage_gets_the_default_and_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    path.write_text(NO_FLOOR.replace("value: b", "value: a"), encoding="utf-8")
    rs = perfscore.load_ruleset(path)
    [warning] = ruleset_warnings(rs)
    assert (warning.line, warning.column) == (10, 1)
    assert "no min_coverage" in str(warning) and "min_coverage: 0.6" in str(warning)
    out = io.StringIO()
    assert main(["validate", str(path)], stdout=out, stderr=io.StringIO()) == 0
    assert f"{path}:10:1: grades: warning: no min_coverage" in out.getvalue()
    assert out.getvalue().count("warning: no min_coverage") == 1  # said once, made safe
    # the default applies: data for half the weight earns no grade
    half = perfscore.load_ruleset_text(
        NO_FLOOR.replace("  a: {type: number}", "  a: {type: number}\n  b: {type: number}")
    )
    result = half.evaluate({"id": "s", "values": {"a": 1}}).subjects[0]
    assert (result.total, result.coverage, result.grade) == (100, 0.5, None)
    assert "a grade needs 60%" in (result.grade_reason or "")


def test_every_bundled_rule_set_declares_its_floor() -> None:
    for path in sorted((ROOT / "rules").glob("*.yaml")):
        if path.name.endswith(".tests.yaml"):
            continue
        assert ruleset_warnings(perfscore.load_ruleset(path)) == [], path.name


EFFECTIVE = """\
perfscore: 1
id: eff
title: t
version: "1"
effective: {from: 2021, to: 2023}
inputs:
  a: {type: number}
indicators:
  - {id: x, title: X, weight: 100, value: a, scorer: {type: proportional, target: 1}}
"""


def test_effective_years_warn_when_the_data_is_for_another_year() -> None:
    rs = perfscore.load_ruleset_text(EFFECTIVE)
    report = rs.evaluate(
        [
            {"id": "a", "year": 2024, "values": {"a": 1}},
            {"id": "b", "year": 2022, "values": {"a": 1}},
            {"id": "c", "values": {"a": 1}},  # no year: nothing to compare
        ]
    )
    [note] = [n for s in report.subjects for n in s.notifications]
    assert (note.level, note.code, note.subject) == ("warning", "outside-effective-years", "a")
    assert "2024" in note.message and "2021–2023" in note.message
    doc = report.to_dict()
    assert doc["run"]["ruleset"]["effective"] == {"from": 2021, "to": 2023}
    assert doc["findings"][0]["subject"]["period"] == 2024  # the year scored is in the finding
    assert report.complete  # a warning, not an error: the subject is still scored


def test_effective_from_after_to_is_refused() -> None:
    with pytest.raises(perfscore.RuleSetError, match="from 2024 is after to 2021"):
        perfscore.load_ruleset_text(
            EFFECTIVE.replace("from: 2021, to: 2023", "from: 2024, to: 2021")
        )


# -- slips a bureau makes that validate now says (rev10's list) -------------------------------

SLIPS = """\
perfscore: 1
id: slips
title: 某县项目支出
version: "1"
inputs:
  budget: {type: money, min: 0}
  executed: {type: money, min: 0}
  done: {type: number}
  project_type: {type: text, choices: [基建类, 民生类]}
metrics:
  rate: {title: 预算执行率, expr: executed / budget, unit: "%"}
indicators:
  - {id: execution, title: 预算执行率, weight: 60, value: rate,
     scorer: {type: deduct, start: 0.95, direction: below, per: 0.01, points: 1, count: exact}}
  - {id: output, title: 完成数量, weight: 40, value: done,
     scorer: {type: proportional, target: 95}}
"""


def _warnings(text: str) -> list[str]:
    return [w.render("en") for w in ruleset_warnings(perfscore.load_ruleset_text(text))]


def test_a_clean_set_has_no_warning() -> None:
    assert _warnings(SLIPS) == []  # 95 on a plain number (done) is a count, not a rate


def test_top_level_weights_other_than_100_are_a_warning_unless_the_total_is_declared() -> None:
    text = SLIPS.replace("weight: 40", "weight: 39")
    [w] = _warnings(text)
    assert w.startswith("<string>:12:1: indicators: warning: the top-level weights add up to 99,")
    assert "write `total: 99` under settings" in w
    zh = ruleset_warnings(perfscore.load_ruleset_text(text))[0].render("zh")
    assert "警告：一级指标权重合计 99，不是 100" in zh and "warning" not in zh
    declared = text.replace('version: "1"', 'version: "1"\nsettings: {total: 99}')
    assert _warnings(declared) == []
    wrong = text.replace('version: "1"', 'version: "1"\nsettings: {total: 100}')
    with pytest.raises(perfscore.RuleSetError) as e:
        perfscore.load_ruleset_text(wrong)
    [p] = e.value.problems
    assert (p.line, p.path) == (5, ("settings", "total"))
    assert "add up to 99, not the declared total 100" in p.message
    # a declared total that matches is silent; on a letter-grade set it is refused
    assert _warnings(SLIPS.replace('version: "1"', 'version: "1"\nsettings: {total: 100}')) == []


@pytest.mark.parametrize(
    ("old", "new", "setting", "ratio"),
    [
        ("start: 0.95", "start: 95", "start", "0.95"),
        ("start: 0.95", "start: 5", "start", "0.05"),
        ("start: 0.95, direction: below, per: 0.01, points: 1, count: exact",
         'op: ">=", target: 100', "target", "1"),
    ],
)  # fmt: skip
def test_percentage_points_on_a_rate_are_a_warning(
    old: str, new: str, setting: str, ratio: str
) -> None:
    text = SLIPS.replace(old, new)
    if "op:" in new:
        text = text.replace("type: deduct", "type: threshold")
    [w] = _warnings(text)
    assert f"scorer › {setting}: warning: 预算执行率 (rate) is a rate" in w
    assert f"if {new.split()[-1].rstrip(',')}% is meant, write {ratio}" in w


@pytest.mark.parametrize("start", ["1.05", "1", "0.5", "-1.5"])
def test_a_rate_standard_written_as_a_ratio_is_not_warned(start: str) -> None:
    assert _warnings(SLIPS.replace("start: 0.95", f"start: {start}")) == []


BANDS = SLIPS.replace(
    "scorer: {type: deduct, start: 0.95, direction: below, per: 0.01, points: 1, count: exact}",
    'scorer: {type: bands, bands: [{range: ">= 95", points: 60}, {range: "< 95", points: 0}]}',
)


def test_band_edges_in_points_on_a_rate_are_a_warning_unless_written_with_percent() -> None:
    warned = _warnings(BANDS)
    assert len(warned) == 2 and all("write 0.95" in w for w in warned)
    assert _warnings(BANDS.replace('">= 95"', '">= 95%"').replace('"< 95"', '"< 95%"')) == []
    assert _warnings(BANDS.replace('">= 95"', '">= 9500%"').replace('"< 95"', '"< 9500%"')) == []


SERIES = """\
perfscore: 1
id: series
title: 近三年执行率
version: "1"
inputs:
  outturn: {type: series, of: percent, title: 近三年预算执行率}
  counts: {type: series, title: 近三年培训人次}
indicators:
  - id: stable
    title: 执行稳定性
    weight: 60
    value: outturn
    scorer:
      type: series_bands
      last: 3
      at_least: 2
      bands: [{range: "[95%, 105%]", points: 60}, {range: "[85%, 115%]", points: 30}]
      otherwise: 0
  - id: trained
    title: 培训人次
    weight: 40
    value: counts
    scorer: {type: series_bands, last: 3, at_least: 2, bands: [{range: ">= 95", points: 40}],
             otherwise: 0}
"""


def test_series_band_edges_in_points_on_a_series_of_percents_are_a_warning() -> None:
    assert _warnings(SERIES) == []  # with %, and 95 on a series of counts, are meant
    warned = _warnings(SERIES.replace('"[95%, 105%]"', '"[95, 105]"'))
    assert len(warned) == 1 and "scorer › bands › [0] › range: warning: " in warned[0]
    assert "近三年预算执行率 (outturn) is a rate" in warned[0]
    assert "range 105 means 10500%; if 105% is meant, write 1.05" in warned[0]


@pytest.mark.parametrize("target", ["0", "-1"])
def test_proportional_target_at_or_below_zero_is_a_warning(target: str) -> None:
    # a warning, not a refusal: on a signed value (结余率 ≥ 0) a set could mean all or nothing
    [w] = _warnings(SLIPS.replace("target: 95", f"target: {target}"))
    assert w.startswith("<string>:16:43: indicators › [1] › scorer › target: warning: ")
    assert f"a proportional target of {target} gives full marks to every value of {target}" in w
    lower = SLIPS.replace("target: 95}", f"target: {target}, direction: lower}}")
    [w] = _warnings(lower)
    assert f"target of {target} (lower) gives full marks or nothing" in w
    assert _warnings(SLIPS.replace("target: 95}", "target: 0.5, direction: lower}")) == []


def test_when_comparing_a_choice_with_another_word_is_refused() -> None:
    text = SLIPS.replace("value: done,", "value: done, when: \"project_type == '基建'\",")
    with pytest.raises(perfscore.RuleSetError) as e:
        perfscore.load_ruleset_text(text)
    [p] = e.value.problems
    assert p.suggestion == "基建类" and p.path[-1] == "when"
    assert "'基建' is not one of project_type's choices (基建类, 民生类)" in p.message
    assert str(p).endswith("can never hold (did you mean '基建类'?)")
    assert p.column is not None and p.column > 10  # points at the word, not the key
    for bad in ("project_type != '民生'", "'基建' == project_type",
                "project_type in ('基建类', '补助')", "project_type not in ['x']"):  # fmt: skip
        with pytest.raises(perfscore.RuleSetError, match="can never hold"):
            perfscore.load_ruleset_text(
                SLIPS.replace("value: done,", f'value: done, when: "{bad}",')
            )
    for good in ("project_type == '基建类'", "project_type in ('基建类', '民生类')",
                 "'建' in project_type", "project_type != '民生类'", "project_type != ''"):  # fmt: skip
        perfscore.load_ruleset_text(SLIPS.replace("value: done,", f'value: done, when: "{good}",'))


TIER_IDS = """\
perfscore: 1
id: t
title: 定性
version: "1"
inputs:
  verdict: {type: text, choices: [达成, 部分达成]}
indicators:
  - id: basis
    title: 立项依据充分性
    weight: 100
    scorer:
      type: tier
      tier: verdict
      tiers:
        - {id: 达成, range: "[0.8, 1]"}
        - {id: 部分达成, range: "[0, 0.8)", default: 0.7}
"""


def test_a_chinese_tier_id_is_refused_with_one_plain_located_line_each() -> None:
    with pytest.raises(perfscore.RuleSetError) as e:
        perfscore.load_ruleset_text(TIER_IDS)
    problems = e.value.problems
    assert [(p.line, p.column) for p in problems] == [(15, 16), (16, 16)]  # no cascade line
    assert all("at least 1 item" not in p.message for p in problems)
    assert problems[0].message.startswith("'达成' is not an ASCII identifier: ids are read by")
    assert problems[0].message.endswith("the Chinese goes in the title (title: 达成)")
    # an empty tier list is still refused, plainly
    with pytest.raises(perfscore.RuleSetError, match="at least 1 item"):
        perfscore.load_ruleset_text(TIER_IDS.split("      tiers:")[0] + "      tiers: []\n")


def test_a_deduction_step_in_percentage_points_on_a_rate_is_a_warning() -> None:
    [w] = _warnings(SLIPS.replace("per: 0.01", "per: 1"))
    assert "scorer › per: warning: 预算执行率 (rate) is a rate" in w
    assert "per 1 is a step of 100 percentage points" in w and "write per: 0.01" in w
    [zh] = ruleset_warnings(perfscore.load_ruleset_text(SLIPS.replace("per: 0.01", "per: 5")))
    assert "per 写成 5 即每 500 个百分点扣一次" in zh.render("zh") and "per: 0.05" in zh.render(
        "zh"
    )
    for fine in ("per: 0.05", "per: 0.5"):
        assert _warnings(SLIPS.replace("per: 0.01", fine)) == []
    # on a count the same step is a count of 1: not a rate, not warned
    count = SLIPS.replace("value: rate,", "value: done,")
    assert _warnings(count.replace("per: 0.01", "per: 1")) == []


GRADED = (
    SLIPS
    + """\
grades:
  min_coverage: 0.6
  bands:
    - {id: excellent, label: 优, min: 90}
    - {id: good, label: 良, min: 80}
    - {id: poor, label: 差, min: 0}
"""
)


def test_a_grade_band_above_a_settled_best_total_is_refused() -> None:
    perfscore.load_ruleset_text(GRADED.replace("min: 90", "min: 100"))  # reachable: full marks
    with pytest.raises(perfscore.RuleSetError) as e:
        perfscore.load_ruleset_text(GRADED.replace("min: 90", "min: 900"))
    [p] = e.value.problems
    assert (p.line, p.path) == (20, ("grades", "bands", 0, "min"))
    assert "grade 优 needs a total of 900, but the most a subject can score is 100" in str(p)
    assert "等级 优 要求总分不低于 900，但评价对象最高只能得 100 分" in p.render("zh")
    # against a declared total, and only when the band is really above it
    total = GRADED.replace('version: "1"', 'version: "1"\nsettings: {total: 80}')
    total = total.replace("weight: 40", "weight: 20")
    with pytest.raises(perfscore.RuleSetError, match="most a subject can score is 80 "):
        perfscore.load_ruleset_text(total)
    perfscore.load_ruleset_text(total.replace("min: 90", "min: 79").replace("min: 80", "min: 70"))
    # weights that are themselves off (and warned): the band may be right, a weight wrong —
    # warned with them, not refused
    off = GRADED.replace("weight: 40", "weight: 20")
    warned = [w for w in _warnings(off) if "grades › bands" in w]
    assert len(warned) == 1 and "warning: grade 优 needs a total of 90" in warned[0]
    assert "most a subject can score is 80" in warned[0]


@pytest.mark.parametrize(
    "where",
    [
        "value: done, when: done,",  # an indicator
        "value: done, when: rate,",  # a metric
        "value: done, when: 'done - 1',",
    ],
)
def test_a_number_as_a_condition_is_a_warning(where: str) -> None:
    # a warning, not a refusal: `when: audit_found` (a count) can mean "any found"
    [w] = ruleset_warnings(perfscore.load_ruleset_text(SLIPS.replace("value: done,", where)))
    assert w.path[-1] == "when" and w.line == 15
    assert "warning: a condition is yes/no, but" in w.render("en") and "is a number" in str(w)
    assert "!= 0" in str(w) and "警告：条件应为是/否" in w.render("zh")
    for fine in ("done > 0", "not is_missing(done)", "project_type == '基建类'"):
        assert _warnings(SLIPS.replace("value: done,", f'value: done, when: "{fine}",')) == []


SERIES_WHEN = """\
perfscore: 1
id: series_when
title: 数列作条件
version: "1"
inputs:
  spend: {type: series, of: money, unit: 万元, title: 支出决算数（历年）}
  sat: {type: percent, title: 满意度}
metrics:
  growth: {title: 支出增长率, expr: "year(spend, 2024) / year(spend, 2023) - 1", unit: "%"}
indicators:
  - {id: grow, title: 支出增长率, weight: 50, WHEN value: growth,
     scorer: {type: bands, bands: [{range: "<= 5%", points: 50}, {range: "> 5%", points: 0}]}}
  - {id: satisfied, title: 满意度, weight: 50, value: sat, scorer: {type: threshold, op: ">=", target: 0.9}}
"""


def test_a_series_as_a_condition_is_a_warning() -> None:
    """``when: spend`` on a series holds whenever the series is given (rev16 wrote it meaning
    "all three years"): warned, naming the two conditions usually meant; the counts and
    ``is_missing`` forms are not."""
    [w] = ruleset_warnings(
        perfscore.load_ruleset_text(SERIES_WHEN.replace("WHEN ", "when: spend, "))
    )
    assert w.path[-1] == "when" and w.line == 11
    en, zh = w.render("en"), w.render("zh")
    assert "warning: a condition is yes/no, but spend is a series" in en
    assert "count(spend) == 3" in en and "not is_missing(spend)" in en
    assert "警告：条件应为是/否，而 spend 是历年数列" in zh
    for fine in ("count(spend) == 3", "not is_missing(spend)", "mean(spend) > 100"):
        assert _warnings(SERIES_WHEN.replace("WHEN ", f'when: "{fine}", ')) == []


def test_a_number_as_a_checklist_item_condition_is_a_warning() -> None:
    text = SLIPS.replace(
        "  - {id: output, title: 完成数量, weight: 40, value: done,\n"
        "     scorer: {type: proportional, target: 95}}\n",
        "  - id: list\n    title: 清单\n    weight: 40\n    scorer:\n      type: checklist\n"
        "      items: [{id: a, title: A, points: 40, when: done}]\n",
    )
    [w] = ruleset_warnings(perfscore.load_ruleset_text(text))
    assert w.path[-3:] == ("items", 0, "when") and "done is a number" in str(w)
    assert _warnings(text.replace("when: done}", "when: done >= 1}")) == []
