"""Overlays: a rule set extends another; validated after the merge; errors name the right file."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

import perfscore

ROOT = Path(__file__).resolve().parent.parent
BASE = ROOT / "rules" / "cn-dept-overall.yaml"
EXAMPLE = ROOT / "examples" / "overlay-district.yaml"
DATA = ROOT / "examples" / "liwan-npc-office-2023.yaml"


def write(tmp: Path, name: str, text: str) -> Path:
    p = tmp / name
    p.write_text(text, encoding="utf-8")
    return p


def test_bundled_overlay_changes_only_what_it_says() -> None:
    rs = perfscore.load_ruleset(EXAMPLE)
    ids = [r.id for r in rs.rules]
    assert "satisfaction_score" not in ids
    assert ids.index("key_tasks") + 1 == ids.index("liaison_coverage")  # added after key_tasks
    result = rs.evaluate(perfscore.load_subjects(DATA)).subjects[0]
    f = result.finding("execution_rate_score")
    assert f.threshold == {"op": ">=", "value": Decimal("0.98")}  # the district's own line
    assert result.score("outputs").weight == Decimal(30)
    assert result.finding("liaison_coverage").outcome == "not_applicable"
    # unchanged rules keep their location in the base file; changed ones are still found there
    rules = {r.id: r for r in rs.rules}
    assert rules["nature_adds_up"].location.uri.endswith("cn-dept-overall.yaml")
    assert rules["liaison_coverage"].location.uri.endswith("overlay-district.yaml")
    prov = rs.provenance()
    assert prov["id"] == "district_dept_overall"
    assert prov["extends"][0]["uri"].endswith("cn-dept-overall.yaml")
    assert prov["extends"][0]["sha256"] == perfscore.load_ruleset(BASE).sha256


def test_error_after_merge_points_at_the_file_that_wrote_the_value(tmp_path: Path) -> None:
    base = write(
        tmp_path,
        "base.yaml",
        (
            'perfscore: 1\nid: base\ntitle: 省\nversion: "1"\n'
            "inputs: {a: {type: number}, b: {type: number}}\n"
            "indicators:\n"
            "  - id: p\n"
            "    title: P\n"
            "    weight: 10\n"
            "    children:\n"
            "      - {id: x, title: X, weight: 4, value: a, scorer: {type: threshold, op: '>=', target: 1}}\n"
            "      - {id: y, title: Y, weight: 6, value: b, scorer: {type: threshold, op: '>=', target: 1}}\n"
        ),
    )
    city = write(
        tmp_path,
        "city.yaml",
        (
            'perfscore: 1\nextends: base.yaml\nid: city\ntitle: 市\nversion: "1"\n'
            "indicators:\n"
            "  remove: [y]\n"
            "  set:\n"
            "    x: {value: aa}\n"
        ),
    )
    with pytest.raises(perfscore.RuleSetError) as info:
        perfscore.load_ruleset(city)
    msgs = sorted(str(p) for p in info.value.problems)
    # the weight that no longer adds up was written in base.yaml; the bad name in city.yaml
    assert any(m.startswith(f"{base}:9:13: ") and "add up to 4, not 10" in m for m in msgs), msgs
    assert any(
        m.startswith(f"{city}:9:16: ") and "unknown name 'aa' (did you mean 'a'?)" in m
        for m in msgs
    ), msgs


def test_overlay_mistakes_are_located(tmp_path: Path) -> None:
    write(tmp_path, "base.yaml", 'perfscore: 1\nid: base\ntitle: 省\nversion: "1"\n')
    city = write(
        tmp_path,
        "city.yaml",
        (
            'perfscore: 1\nextends: base.yaml\nid: city\ntitle: 市\nversion: "1"\n'
            "indicators:\n  remove: [nothing]\n"
        ),
    )
    with pytest.raises(perfscore.RuleSetError) as info:
        perfscore.load_ruleset(city)
    assert str(info.value.problems[0]).startswith(
        f"{city}:7:12: indicators › remove › [0]: no indicator 'nothing'"
    )
    loop = write(
        tmp_path, "loop.yaml", 'perfscore: 1\nextends: loop.yaml\nid: l\ntitle: l\nversion: "1"\n'
    )
    with pytest.raises(perfscore.RuleSetError, match="cycle"):
        perfscore.load_ruleset(loop)
    missing = write(
        tmp_path, "m.yaml", 'perfscore: 1\nextends: none.yaml\nid: l\ntitle: l\nversion: "1"\n'
    )
    with pytest.raises(perfscore.RuleSetError, match="does not exist"):
        perfscore.load_ruleset(missing)


def test_overlays_chain(tmp_path: Path) -> None:
    write(
        tmp_path,
        "p.yaml",
        (
            'perfscore: 1\nid: p\ntitle: 省\nversion: "1"\n'
            "inputs: {a: {type: number}}\n"
            "indicators:\n  - {id: x, title: X, weight: 10, value: a, scorer: {type: threshold, op: '>=', target: 1}}\n"
        ),
    )
    write(
        tmp_path,
        "c.yaml",
        'perfscore: 1\nextends: p.yaml\nid: c\ntitle: 市\nversion: "1"\n'
        "indicators: {set: {x: {scorer: {target: 2}}}}\n",
    )
    d = write(
        tmp_path,
        "d.yaml",
        'perfscore: 1\nextends: c.yaml\nid: d\ntitle: 区\nversion: "1"\n'
        "indicators: {set: {x: {title: 区级X}}}\n",
    )
    rs = perfscore.load_ruleset(d)
    f = rs.evaluate({"a": 2}).findings[0]
    assert f.outcome == "pass" and f.threshold == {"op": ">=", "value": Decimal(2)}
    assert f.message.startswith("区级X")
    assert [e["uri"] for e in rs.provenance()["extends"]] == [
        str(tmp_path / "p.yaml"),
        str(tmp_path / "c.yaml"),
    ]


RETYPE_BASE = """\
perfscore: 1
id: prov
title: 省
version: "1"
inputs:
  spent: {type: money, unit: 万元}
  budget: {type: money, unit: 万元}
  reported: {type: percent}
metrics:
  rate: {expr: spent / budget, unit: "%"}
indicators:
  - id: exec
    title: 预算执行率
    weight: 10
    value: rate
    scorer: {type: proportional, target: 0.95, direction: higher, pass_at: 0.9}
checks:
  - {id: agrees, title: 执行率一致, type: equal, left: reported, right: "round(rate, 4)", tolerance: 0.001}
"""


def test_an_overlay_giving_a_new_scorer_type_replaces_the_old_scorer(tmp_path: Path) -> None:
    """rev13: ``scorer: {type: bands, ...}`` over a ``proportional`` kept its ``target`` and
    ``direction`` and was refused as unknown keys in the province's file: a new type is a new
    scorer, the old type's own keys go; ``pass_at`` (every scorer's) stays unless said."""
    write(tmp_path, "prov.yaml", RETYPE_BASE)
    city = write(
        tmp_path,
        "city.yaml",
        'perfscore: 1\nextends: prov.yaml\nid: city\ntitle: 市\nversion: "1"\n'
        "indicators:\n"
        "  set:\n"
        "    exec:\n"
        "      scorer:\n"
        "        type: bands\n"
        "        bands:\n"
        "          - {range: '[0.9, inf)', points: 10}\n"
        "          - {range: '[0, 0.9)', points: 4}\n"
        "checks:\n"
        "  set:\n"
        "    agrees: {type: assert, expr: reported <= 1}\n",
    )
    rs = perfscore.load_ruleset(city)
    exec_ = rs.compiled.model.indicators[0].scorer
    assert exec_ is not None and exec_.type == "bands" and exec_.pass_at == Decimal("0.9")
    assert not hasattr(exec_, "target")
    check = rs.compiled.model.checks[0]
    assert (check.type, check.expr, check.left, check.right) == (
        "assert",
        "reported <= 1",
        None,
        None,
    )
    assert check.tolerance == 0 and check.title == "执行率一致"  # its own key gone, the rest kept
    values = {"spent": 92, "budget": 100, "reported": 95}
    f = rs.evaluate({"values": values}).subjects[0].finding("exec")
    assert (f.points, f.outcome) == (Decimal(10), "pass")
    # the same type: merged key by key, as ever (the old keys stay)
    same = write(
        tmp_path,
        "same.yaml",
        'perfscore: 1\nextends: prov.yaml\nid: same\ntitle: 市\nversion: "1"\n'
        "indicators: {set: {exec: {scorer: {type: proportional, target: 0.98}}}}\n",
    )
    kept = perfscore.load_ruleset(same).compiled.model.indicators[0].scorer
    assert kept is not None and (kept.target, kept.direction) == (Decimal("0.98"), "higher")
    # a key the new type does not take is refused where the overlay wrote it
    typo = write(
        tmp_path,
        "typo.yaml",
        'perfscore: 1\nextends: prov.yaml\nid: typo\ntitle: 市\nversion: "1"\n'
        "indicators: {set: {exec: {scorer: {type: threshold, op: '>=', target: 0.9, per: 1}}}}\n",
    )
    with pytest.raises(perfscore.RuleSetError) as info:
        perfscore.load_ruleset(typo)
    [problem] = info.value.problems
    assert str(problem).startswith(f"{typo}:6:") and "unknown key 'per'" in str(problem)


def test_every_scorer_key_kept_on_a_new_type_is_what_every_scorer_takes() -> None:
    from perfscore.overlay import _EVERY_SCORER
    from perfscore.scorers.base import ScorerConfig

    assert set(ScorerConfig.model_fields) == _EVERY_SCORER
