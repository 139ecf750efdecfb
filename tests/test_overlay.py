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
