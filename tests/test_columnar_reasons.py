"""Why a rule set stays off the columnar path, said in the run's language (#18,
columnar/reasons.py): an outside reviewer's Chinese run printed ``逐条评分（未走列式快速路径）：
规则集用到列式路径不支持的写法：t: 'score / 100' is not a numeric input`` — every reason is
now said in both languages, the Chinese with no English sentence in it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest.importorskip("numpy")

import perfscore
from perfscore.columnar import ColumnarScorer
from perfscore.columnar.reasons import REASONS
from perfscore.words import Bilingual

SRC = Path(perfscore.__file__).parent

_HEAD = """\
perfscore: 1
id: off
title: 不走列式的写法
version: "1"
inputs:
  a: {type: money, min: 0}
  b: {type: money, min: 0}
  score: {type: number}
  tier: {type: text, choices: [achieved, partial]}
  note: {type: text}
  s: {type: series, of: money}
"""
_TIERS = """\
      tiers:
        - {id: achieved, range: "[0.8, 1]"}
        - {id: partial, range: "[0, 0.8)", default: 0.7}
"""
#: one rule set per construct still off the path (the indicators after the head)
OFF = {
    "a metric with coalesce": 'metrics:\n  m: {expr: "coalesce(a, 0) / b"}\n'
    "indicators:\n  - {id: i, title: i, weight: 10, value: m, scorer: {type: threshold, "
    'op: ">=", target: 1}}\n',
    "a ratio with coalesce": "indicators:\n  - id: t\n    title: t\n    weight: 10\n"
    "    scorer:\n      type: tier\n      tier: tier\n      ratio: coalesce(score, 0) / 100\n"
    + _TIERS,
    "a tier named from a metric": 'metrics:\n  m: {expr: "score / 2"}\n'
    "indicators:\n  - id: t\n    title: t\n    weight: 10\n"
    "    scorer:\n      type: tier\n      tier: \"'achieved' if m > 40 else 'partial'\"\n" + _TIERS,
    "a series chosen by if-else": 'metrics:\n  m: {expr: "mean(s if a > 0 else s)"}\n'
    "indicators:\n  - {id: i, title: i, weight: 10, value: m, scorer: {type: threshold, "
    'op: ">=", target: 1}}\n',
    "a series in a target beside a value": "indicators:\n  - {id: i, title: i, weight: 10, "
    'value: a, scorer: {type: threshold, op: ">=", target: "mean(s)"}}\n',
    "floor division": "indicators:\n  - {id: i, title: i, weight: 10, "
    'scorer: {type: formula, expr: "a // 2"}}\n',
    "explained by a number": "indicators:\n  - {id: i, title: i, weight: 10, value: a, "
    'scorer: {type: threshold, op: ">=", target: 1}}\n'
    "checks:\n  - {id: k, title: k, type: explain_if, when: a > b, require: score}\n",
}
#: English words of the reasons that must not appear in their Chinese
_ENGLISH = re.compile(
    r"\b(is|not|of|the|beside|read by|metric|indicator|input|check|scorer|function|"
    r"expression|construct|weights?|series|number|default|written|columns?)\b"
)


@pytest.mark.parametrize("what", sorted(OFF))
def test_every_reason_is_said_in_both_languages(what: str) -> None:
    rs = perfscore.load_ruleset_text(_HEAD + OFF[what], source="off.yaml")
    reason = ColumnarScorer(rs).reason
    assert isinstance(reason, Bilingual), (what, reason)
    assert re.search(r"[\u4e00-\u9fff]", reason.zh), reason.zh
    # the Chinese keeps the rule set's own words (ids, expressions) and no English sentence
    rest = re.sub(r"'[^']*'|\"[^\"]*\"", "", _quoted_out(rs, reason.zh))
    assert not _ENGLISH.search(rest), (what, reason.zh)


def _quoted_out(rs: perfscore.RuleSet, zh: str) -> str:
    """The Chinese without the rule set's own texts (expressions as written, ids)."""
    c = rs.compiled
    texts = {
        e.text.strip()
        for n in _nodes(c)
        if n.scorer is not None
        for e in (*n.scorer.expressions, *getattr(n.scorer, "optional_expressions", ()))
    }
    texts |= {m.expr.text.strip() for m in c.metrics}
    for t in sorted(texts, key=len, reverse=True):
        zh = zh.replace(t, "")
    return zh


def _nodes(c: object) -> list[object]:
    out: list[object] = []
    stack = list(c.indicators)  # type: ignore[attr-defined]
    while stack:
        n = stack.pop()
        out.append(n)
        stack.extend(n.children)
    return out


def test_every_reason_template_has_its_chinese() -> None:
    for key, (en, zh) in REASONS.items():
        assert re.search(r"[\u4e00-\u9fff]", zh), key
        assert set(re.findall(r"{(\w+)}", en)) == set(re.findall(r"{(\w+)}", zh)), key


def test_no_reason_is_made_in_english_only() -> None:
    """Every place that says why the columns do not mirror something says it in both
    languages (a bare ``Unsupported("...")`` would reach a Chinese run in English)."""
    found = []
    for path in [*(SRC / "columnar").glob("*.py"), *(SRC / "scorers").glob("*.py")]:
        text = path.read_text(encoding="utf-8")
        for m in re.finditer(r"Unsupported\(\s*f?[\"']", text):
            found.append(f"{path.name}:{text[: m.start()].count(chr(10)) + 1}")
    assert not found, found


def test_the_command_says_it_all_in_the_runs_language(tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    from cli_runner import run

    rules = tmp_path / "r.yaml"
    rules.write_text(_HEAD + OFF["a ratio with coalesce"], encoding="utf-8")
    data = tmp_path / "d.csv"
    data.write_text("id,tier,score\nd1,achieved,85\nd2,partial,\n", encoding="utf-8")
    for lang in ("zh", "en"):
        _, _, err = run("score", str(rules), str(data), "-o", str(tmp_path / "f.parquet"),
                        "--lang", lang)  # fmt: skip
        line = next(x for x in err.splitlines() if "coalesce(score, 0) / 100" in x)
        if lang == "zh":
            assert "逐条评分" in line and "评分指标 t" in line, line
            assert not _ENGLISH.search(line.replace("coalesce(score, 0) / 100", "")), line
        else:
            assert "indicator t" in line and not re.search(r"[\u4e00-\u9fff]", line), line
