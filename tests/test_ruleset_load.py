"""Loading refuses a malformed rule set with file, line, column, path and a plain message."""

from __future__ import annotations

from typing import Any

import pytest

import perfscore
from perfscore.errors import RuleSetError

HEADER = 'perfscore: 1\nid: t\ntitle: 测试\nversion: "1"\n'


def problems(text: str) -> list[str]:
    with pytest.raises(RuleSetError) as info:
        perfscore.load_ruleset_text(HEADER + text, source="rules.yaml")
    return [str(p) for p in info.value.problems]


def test_unknown_name_in_expression_is_located_with_a_suggestion() -> None:
    text = (
        "inputs:\n"
        "  executed: {type: money}\n"
        "  budget: {type: money}\n"
        "metrics:\n"
        "  rate:\n"
        "    expr: excuted / budget\n"
    )
    [msg] = problems(text)
    assert (
        msg
        == "rules.yaml:10:11: metrics › rate › expr: unknown name 'excuted' (did you mean 'executed'?)"
    )


def test_mistyped_equals_is_an_error_not_a_warning() -> None:
    [msg] = problems(
        "inputs: {a: {type: number}}\nchecks:\n  - {id: c, title: C, type: assert, expr: a = 1}\n"
    )
    assert "rules.yaml:7:" in msg and "'=='" in msg


def test_structure_and_meaning_problems_are_reported_together() -> None:
    msgs = problems(
        "inputs: {a: {type: number, unit: 1}, b: {type: number}}\n"
        "metrics: {m: {expr: a + b}, n: {expr: bb * 2}}\n"
        "indicators:\n"
        "  - id: p\n"
        "    title: P\n"
        "    weight: 10\n"
        "    children:\n"
        "      - {id: x, title: X, weight: 4, value: a, scorer: {type: threshold, op: '>=', target: 1}}\n"
        "      - {id: y, title: Y, wieght: 6, value: b}\n"
        "  - {id: z, title: Z, weight: 5, value: c, scorer: {type: treshold, op: '>=', target: 1}}\n"
    )
    assert msgs == [
        "rules.yaml:5:34: inputs › a › unit: input should be a valid string",
        "rules.yaml:6:39: metrics › n › expr: unknown name 'bb' (did you mean 'b'?)",
        "rules.yaml:13:27: indicators › [0] › children › [1] › wieght: unknown key 'wieght' (did you mean 'weight'?)",
        "rules.yaml:14:41: indicators › [1] › value: unknown name 'c'",
        msgs[-1],
    ]
    assert msgs[-1].startswith(
        "rules.yaml:14:59: indicators › [1] › scorer › type: unknown scorer type 'treshold'"
    )
    assert msgs[-1].endswith("(did you mean 'threshold'?)")
    text = (
        "inputs: {a: {type: number}}\n"
        "indicators:\n"
        "  - id: p\n"
        "    title: P\n"
        "    weight: 10\n"
        "    children:\n"
        "      - {id: x, title: X, weight: 4, value: aa, scorer: {type: threshold, op: '>=', target: 1}}\n"
        "      - {id: y, title: Y, weight: 5, value: a, scorer: {type: threshold, op: '>=', target: 1}}\n"
        "      - {id: y, title: Y2, weight: 1, value: b, scorer: {type: threshold, op: '>=', target: 1}}\n"
    )
    msgs = problems(text)
    joined = "\n".join(msgs)
    assert "unknown name 'aa' (did you mean 'a'?)" in joined
    assert "unknown name 'b'" in joined
    assert "indicator id 'y' is used twice" in joined
    assert len(msgs) == 3
    assert all(m.startswith("rules.yaml:") for m in msgs)


def test_weights_must_add_up() -> None:
    text = (
        "inputs: {a: {type: number}}\n"
        "indicators:\n"
        "  - id: p\n"
        "    title: P\n"
        "    weight: 10\n"
        "    children:\n"
        "      - {id: x, title: X, weight: 4, value: a, scorer: {type: threshold, op: '>=', target: 1}}\n"
        "      - {id: y, title: Y, weight: 5, value: a, scorer: {type: threshold, op: '>=', target: 1}}\n"
    )
    [msg] = problems(text)
    assert msg.startswith(
        "rules.yaml:9:13: indicators › [0] › weight: the children's weights add up to 9, not 10"
    )


def test_band_gaps_and_overlaps_are_refused() -> None:
    text = (
        "inputs: {a: {type: number}}\n"
        "indicators:\n"
        "  - id: x\n"
        "    title: X\n"
        "    weight: 5\n"
        "    value: a\n"
        "    scorer:\n"
        "      type: bands\n"
        "      bands:\n"
        "        - {range: '[0, 0.1)', points: 5}\n"
        "        - {range: '(0.1, 0.2]', points: 3}\n"
        "        - {range: '[0.2, 0.3]', points: 1}\n"
    )
    msgs = problems(text)
    assert any("gap between band '[0, 0.1)' and band '(0.1, 0.2]'" in m for m in msgs)
    assert any("band '[0.2, 0.3]' overlaps band '(0.1, 0.2]'" in m for m in msgs)


def test_metric_cycles_are_refused() -> None:
    text = "inputs: {a: {type: number}}\nmetrics:\n  x: {expr: y + a}\n  y: {expr: x * 2}\n"
    msgs = problems(text)
    assert any("cycle: x → y → x" in m or "cycle: y → x → y" in m for m in msgs)


def test_unknown_key_with_suggestion_and_duplicate_key() -> None:
    msgs = problems("inputs:\n  a: {type: number, titel: A}\n")
    assert msgs == [
        "rules.yaml:6:21: inputs › a › titel: unknown key 'titel' (did you mean 'title'?)"
    ]
    msgs = problems("inputs:\n  a: {type: number}\n  a: {type: text}\n")
    assert "duplicate key 'a'" in msgs[0] and msgs[0].startswith("rules.yaml:7:")


def test_non_ascii_ids_are_refused_titles_are_free() -> None:
    msgs = problems(
        "indicators:\n  - {id: 预算执行率, title: 预算执行率, weight: 1, scorer: {type: formula, expr: '1'}}\n"
    )
    assert "ASCII identifier" in msgs[0]


def test_library_exceptions_never_escape() -> None:
    for text in (
        "indicators: 5\n",
        "inputs: [1, 2]\n",
        "grades: {bands: []}\n",
        "{{{",
        "settings: {places: x}\n",
    ):
        with pytest.raises(RuleSetError):
            perfscore.load_ruleset_text(HEADER + text)


def test_loading_pauses_the_garbage_collector_and_restores_it() -> None:
    import gc

    text = (
        "perfscore: 1\nid: t\ntitle: t\nversion: '1'\ninputs: {x: {type: number}}\n"
        "indicators:\n  - {id: i, title: i, weight: 1, value: x,"
        " scorer: {type: threshold, op: '>=', target: 1}}\n"
    )
    assert gc.isenabled()
    perfscore.load_ruleset_text(text)
    assert gc.isenabled()
    with pytest.raises(RuleSetError):
        perfscore.load_ruleset_text(text.replace("value: x", "value: y"))
    assert gc.isenabled()
    gc.disable()
    try:
        perfscore.load_ruleset_text(text)
        assert not gc.isenabled()  # a caller's choice is left alone
    finally:
        gc.enable()


def test_scoring_a_subject_pauses_the_collector_only_while_it_runs() -> None:
    import gc

    from perfscore.functions import DEFAULT_FUNCTIONS

    seen: list[bool] = []
    functions = DEFAULT_FUNCTIONS.copy()

    @functions.register("probe", min_args=1, max_args=1)
    def probe(x: Any) -> Any:
        seen.append(gc.isenabled())
        return x

    text = (
        "perfscore: 1\nid: t\ntitle: t\nversion: '1'\ninputs: {x: {type: number}}\n"
        "indicators:\n  - {id: i, title: i, weight: 1, value: probe(x),"
        " scorer: {type: threshold, op: '>=', target: 1}}\n"
    )
    rs = perfscore.load_ruleset_text(text, functions=functions)
    assert rs.evaluate_subject({"x": 2}).total == 1
    assert seen == [False] and gc.isenabled()
    gc.disable()
    try:
        rs.evaluate_subject({"x": 2})
        assert not gc.isenabled()
    finally:
        gc.enable()


_SHAPES = """\
perfscore: 1
id: shapes
title: 序列与单值
version: "1"
inputs:
  rate: {type: percent, title: 执行率}
  hist: {type: series, of: percent, title: 近三年执行率}
metrics:
  r2: {title: 比率, expr: "rate * 1", unit: "%"}
indicators:
  - {id: a, title: A, weight: 50, value: VALUE_A, scorer: SCORER_A}
  - {id: b, title: B, weight: 50, value: rate, scorer: {type: threshold, op: ">=", target: 0.9}}
"""
_BANDS = '{type: series_bands, last: 3, at_least: 2, bands: [{range: "[95%, 105%]", points: 50}], otherwise: 0}'


@pytest.mark.parametrize(
    ("value", "scorer", "says"),
    [
        (
            "rate",
            _BANDS,
            "series_bands scorer scores a year-by-year series, but 'rate' is one number",
        ),
        ("r2", _BANDS, "'r2' is one number"),
        (
            "hist",
            '{type: threshold, op: ">=", target: 0.9}',
            "a threshold scorer scores one figure, but 'hist'",
        ),
        (
            "hist",
            "{type: proportional, target: 1}",
            "year(hist, 2024) or average them with mean(hist)",
        ),
    ],
)
def test_a_value_of_the_wrong_shape_for_its_scorer_is_refused_at_load(
    value: str, scorer: str, says: str
) -> None:
    """Found by rev17: a series_bands on one figure (or a threshold on a series) loaded, then
    every subject's finding was an error ("值应为逐年序列，实为Decimal")."""
    text = _SHAPES.replace("VALUE_A", value).replace("SCORER_A", scorer)
    with pytest.raises(RuleSetError) as info:
        perfscore.load_ruleset_text(text, source="shapes.yaml")
    assert "shapes.yaml:11:42: indicators › [0] › value: " in str(info.value)
    assert says in str(info.value)


@pytest.mark.parametrize(
    ("value", "scorer"),
    [
        ("hist", _BANDS),
        ("rate", '{type: threshold, op: ">=", target: 0.9}'),
        ("mean(hist)", "{type: proportional, target: 1}"),
    ],
)
def test_a_value_of_the_right_shape_loads_and_scores(value: str, scorer: str) -> None:
    text = _SHAPES.replace("VALUE_A", f'"{value}"').replace("SCORER_A", scorer)
    rs = perfscore.load_ruleset_text(text)
    got = rs.evaluate_subject(
        {"values": {"rate": "96%", "hist": {2022: "96%", 2023: "99%", 2024: "100%"}}}
    )
    assert [f.outcome for f in got.findings][1] == "pass"
    assert got.findings[0].outcome in ("pass", "fail"), got.findings[0].message  # scored
