"""Plugins: the example plugin package is installed for real and its function and scorer used;
bad plugins are refused when they register, naming the plugin and the problem."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pydantic
import pytest

import perfscore
from perfscore.aggregate import NodeScore
from perfscore.plugins import (
    PluginError,
    ScorerType,
    aggregators,
    load_entry_points,
    register_scorer_type,
)

ROOT = Path(__file__).resolve().parent.parent
PLUGIN = ROOT / "examples" / "plugin"

RULES = """perfscore: 1
id: plugin_demo
title: 插件示例
version: "1"
inputs: {spend: {type: series, of: percent}, rate: {type: percent}}
metrics: {spend_growth: {expr: growth(spend), unit: "%"}}
indicators:
  - {id: growth_ok, title: 支出增长, weight: 10, value: spend_growth, scorer: {type: threshold, op: "<=", target: 0.1}}
  - {id: in_band, title: 执行率区间, weight: 10, value: rate, scorer: {type: target_band, low: 0.95, high: 1.05, tolerance: 0.1}}
"""


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("site")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--target",
            str(target),
            str(PLUGIN),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    sys.path.insert(0, str(target))
    loaded = load_entry_points(force=True)
    assert "perfscore.functions:growth" in loaded and "perfscore.scorers:target_band" in loaded
    assert "perfscore.exporters:tsv" in loaded
    yield target
    sys.path.remove(str(target))


def test_rule_set_uses_the_plugin_function_and_scorer(installed: Path) -> None:
    rs = perfscore.load_ruleset_text(RULES)
    result = rs.evaluate(
        {"id": "d", "values": {"spend": {2022: 100, 2023: 105}, "rate": 90}}
    ).subjects[0]
    assert result.finding("growth_ok").value == Decimal("0.05")
    assert result.finding("growth_ok").outcome == "pass"
    band = result.finding("in_band")  # 0.90 is 0.05 below the band, half the tolerance → half marks
    assert band.points == Decimal(5) and band.outcome == "fail"


def test_plugin_config_is_validated_with_located_errors(installed: Path) -> None:
    bad = RULES.replace(
        "low: 0.95, high: 1.05, tolerance: 0.1", "low: 1.05, high: 0.95, tolerance: 0, colour: red"
    )
    with pytest.raises(perfscore.RuleSetError) as info:
        perfscore.load_ruleset_text(bad, source="r.yaml")
    msgs = [str(p) for p in info.value.problems]
    assert any(
        m.startswith("r.yaml:9:120:") and "target_band" in m and "tolerance" in m for m in msgs
    ), msgs
    assert any("colour" in m for m in msgs), msgs


def test_bad_plugins_are_refused_at_registration() -> None:
    class Config(pydantic.BaseModel):
        type: str

    with pytest.raises(PluginError, match="plugin 'threshold': that is a built-in scorer type"):
        register_scorer_type(ScorerType("threshold", Config, lambda c, x: None))  # type: ignore[arg-type,return-value]
    with pytest.raises(PluginError, match="'config' must be a pydantic model class"):
        register_scorer_type(ScorerType("odd", dict, lambda c, x: None))  # type: ignore[arg-type,return-value]
    with pytest.raises(PluginError, match=r"must be callable as build\(config, context\)"):
        register_scorer_type(ScorerType("odd2", Config, lambda c: None))  # type: ignore[arg-type,return-value]
    with pytest.raises(PluginError, match="ASCII identifier"):
        aggregators.add(lambda spec, children: children[0], name="调和")  # type: ignore[arg-type,return-value]
    with pytest.raises(PluginError, match="already registered"):
        aggregators.add(lambda spec, children: children[0], name="weighted_sum")  # type: ignore[arg-type,return-value]


def test_a_python_registered_aggregator_is_usable() -> None:
    @aggregators.register("best_child")
    def best_child(spec, children):  # type: ignore[no-untyped-def]
        scored = [c for c in children if c.points is not None and c.weight]
        share = max(c.points / c.weight for c in scored)
        return NodeScore(spec.rule_id, spec.weight, spec.weight * share, None, "pass", Decimal(1))

    rs = perfscore.load_ruleset_text(
        'perfscore: 1\nid: a\ntitle: t\nversion: "1"\ninputs: {a: {type: number}, b: {type: number}}\n'
        "indicators:\n  - id: p\n    title: P\n    weight: 10\n    aggregate: best_child\n    children:\n"
        "      - {id: x, title: X, weight: 5, value: a, scorer: {type: proportional, target: 1}}\n"
        "      - {id: y, title: Y, weight: 5, value: b, scorer: {type: proportional, target: 1}}\n"
    )
    assert rs.evaluate({"a": 0.2, "b": 0.8}).total == Decimal(8)


def test_plugin_output_format_is_offered_by_the_cli(installed: Path, tmp_path: Path) -> None:
    import io

    from perfscore.cli import main

    out = tmp_path / "findings.tsv"
    code = main(
        [
            "score",
            str(ROOT / "rules" / "cn-dept-overall.yaml"),
            str(ROOT / "examples" / "liwan-npc-office-2023.yaml"),
            "-o",
            str(out),
        ],
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    lines = out.read_text(encoding="utf-8").splitlines()
    assert code == 0 and lines[0] == "subject\trule\toutcome\tpoints"
    assert "liwan-npc-office-2023\texecution_rate_score\tpass\t10.00" in lines


def test_a_plugin_scorer_lives_in_the_one_registry_first_come_first_served() -> None:
    from perfscore.scorers import SCORERS, is_builtin

    class Config(pydantic.BaseModel):
        type: str
        share: Decimal

    def build(config: Config, ctx: object) -> object:
        return SCORERS["proportional"].build(
            SCORERS["proportional"].config.model_validate({"type": "proportional", "target": 1}),
            ctx,  # type: ignore[arg-type]
        )

    half = ScorerType("half_share", Config, build)  # type: ignore[arg-type]
    other = ScorerType("half_share", Config, build)  # type: ignore[arg-type]
    register_scorer_type(half)
    try:
        assert SCORERS["half_share"] is half and not is_builtin("half_share")
        with pytest.raises(PluginError) as info:
            register_scorer_type(other)
        message = str(info.value)
        assert "a scorer named 'half_share' is already registered (at " in message
        assert message.count(f"{__file__}:") == 2  # where each of the two was registered
        register_scorer_type(other, replace=True)
        assert SCORERS["half_share"] is other
        rs = perfscore.load_ruleset_text(
            'perfscore: 1\nid: p\ntitle: t\nversion: "1"\ninputs: {a: {type: number}}\n'
            "indicators:\n  - {id: x, title: X, weight: 10, value: a, "
            "scorer: {type: half_share, share: 0.5}}\n"
        )
        assert rs.evaluate({"a": Decimal("0.25")}).total == Decimal("2.5")
    finally:
        SCORERS.unregister("half_share")
    assert "half_share" not in SCORERS
