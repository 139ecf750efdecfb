"""The realistic benchmark families (benchmarks/families.py) and their hand-written baselines
(benchmarks/family_baselines.py): the baselines never import perfscore, agree with the engine
on every subject and row of a small sample, and the benchmark script's families part runs
(a smoke test — no timing assertions)."""

from __future__ import annotations

import ast
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest

import perfscore
from perfscore.subjects import read_subject

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
import families  # noqa: E402
import family_baselines  # noqa: E402
from run import family_findings  # noqa: E402


@pytest.mark.parametrize(
    "module",
    [
        "family_baselines.py",
        "family_proj.py",
        "baselines.py",
        "mixed_baselines.py",
        "mixed_words.py",
        "mixed_numpy.py",
        "record_baselines.py",
        "family_exact.py",
    ],
)
def test_the_baselines_are_written_without_perfscore(module: str) -> None:
    """Not even the engine's number formatting or fingerprint (issue #18)."""
    tree = ast.parse((ROOT / "benchmarks" / module).read_text("utf-8"))
    imported = {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)} | {
        a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names
    }
    assert not any(m.startswith("perfscore") for m in imported), imported


@pytest.mark.parametrize(
    "name", [f for f in families.FAMILIES if f not in ("mixed", "proj", "exact")]
)
def test_the_data_has_edges_blanks_and_zeros(name: str) -> None:
    fam = families.family(name)
    assert isinstance(fam, families.Family)
    recs = families.records(fam, 300)
    money = [leaf for leaf in fam.leaves if leaf.kind.startswith("exec")]
    pairs = [
        (r["values"].get(a.inputs[0]), r["values"].get(a.inputs[1])) for r in recs for a in money
    ]
    exactly_spent = sum(1 for s, b in pairs if s is not None and s == b)
    blanks = sum(1 for s, b in pairs if s is None or b is None)
    zeros = sum(1 for s, _ in pairs if s == "0.00")
    if fam.clean:
        assert exactly_spent == blanks == zeros == 0
    else:
        assert exactly_spent > len(pairs) // 5 and blanks > 0 and zeros > 0


@pytest.mark.parametrize("name", ["dept30", "deep", "mixed"])
def test_the_hand_written_record_reader_reads_what_the_engine_reads(name: str) -> None:
    """The baseline of "points from the record" (record_baselines.Reader) reads each family's
    records to the engine's values, Decimal text included."""
    import record_baselines

    fam = families.family(name)
    text = families.ruleset_text(fam)
    rs = perfscore.load_ruleset_text(text, source=f"{name}.yaml")
    reader = record_baselines.Reader(text)
    for i, rec in enumerate(families.records(fam, 150, seed=11)):
        d = read_subject(rec, rs.compiled.inputs, index=i, subject_type="department")
        assert repr(reader.read(rec["values"])) == repr(d.values), rec["id"]


@pytest.mark.parametrize("name", ["dept30", "deep", "mixed"])
def test_the_decimal_baseline_agrees_with_the_engine(name: str) -> None:
    fam = families.family(name)
    rs = perfscore.load_ruleset_text(families.ruleset_text(fam), source=f"{name}.yaml")
    base = family_baselines.decimal_baseline(fam, rs.id)
    reasons: set[str] = set()
    for i, rec in enumerate(families.records(fam, 150, seed=11)):
        d = read_subject(rec, rs.compiled.inputs, index=i, subject_type="department")
        assert rs.evaluator.points(d) == base.points(d.values), rec["id"]
        got = rs.evaluator.subject(d)
        mine = base.findings(d.values, d.subject)
        # the same findings, word for word: messages in both languages, displays, standards,
        # why not applicable, fingerprints (the baseline does the engine's whole text work)
        assert family_findings(got.findings) == family_findings(mine["findings"]), rec["id"]
        assert (got.total, got.grade) == (mine["total"], mine["grade"])
        reasons.update(f.reason for f in got.findings if f.reason)
    # blanks (one or both inputs) and zero denominators were among them
    assert any("divides by zero" in r for r in reasons) and any("; " in r for r in reasons)


@pytest.mark.parametrize("name", ["dept30", "mixed"])
def test_the_numpy_baseline_agrees_with_the_columnar_path(name: str) -> None:
    np = pytest.importorskip("numpy")
    from perfscore.columnar import ColumnarScorer

    fam = families.family(name)
    rs = perfscore.load_ruleset_text(families.ruleset_text(fam), source=f"{name}.yaml")
    cols = families.columns(fam, 300, seed=5)
    res = ColumnarScorer(rs).score(cols)
    nb = family_baselines.numpy_exact(fam, cols)
    for rid in res.rule_ids:
        assert (res.outcome[rid] == nb["outcome"][rid]).all(), rid
        has = res.has_points[rid]
        assert (res.points[rid][has] == nb["points"][rid][has]).all(), rid
    assert (np.where(res.has_total, res.total, -1) == nb["total"]).all()
    if name == "mixed":  # its baseline also grades (min_coverage) and runs the checks
        assert (res.grade == nb["grade"]).all()
        for cid, codes in nb["checks"].items():
            assert (res.checks[cid] == codes).all(), cid


def test_the_families_and_parquet_parts_of_the_benchmark_run() -> None:
    pytest.importorskip("numpy")
    out = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "run.py"),
            "--only",
            "families",
            "--only",
            "parquet",
            "--parquet-rows",
            "300",
            "--family",
            "dept30",
            "--family",
            "mixed",
            "--family-subjects",
            "10",
            "--family-rows",
            "200",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    ).stdout
    for name in ("dept30", "mixed"):
        for label in (
            "points per subject",
            "points per subject from the record",
            "full findings per subject",
            "JSON findings bytes",
            "columnar 200 rows",
        ):
            assert f"[{name}] {label}" in out, out
        assert f"[{name}] 300 subjects → Parquet findings vs numpy" in out
    assert out.count("disagrees on 0 of 10") == 4 and out.count("differs on 0 rows") == 2


def test_the_decimal_baseline_redistributes_a_top_group_with_nothing_applicable() -> None:
    """A department that left a whole 一级指标 blank: its weight goes to the others in the
    total (the rule set's default not_applicable_weight), in the baseline as in the engine."""
    fam = families.family("dept30")
    assert isinstance(fam, families.Family)
    rs = perfscore.load_ruleset_text(families.ruleset_text(fam), source="dept30.yaml")
    base = family_baselines.DecimalBaseline(fam, rs.id)
    first = fam.root[0]

    def leaves(node: families.Leaf | families.Group) -> list[families.Leaf]:
        if isinstance(node, families.Leaf):
            return [node]
        return [x for c in node.children for x in leaves(c)]

    blank = {n for leaf in leaves(first) for n in leaf.inputs}
    checked = 0
    for i, rec in enumerate(families.records(fam, 40, seed=3)):
        rec["values"] = {k: v for k, v in rec["values"].items() if k not in blank}
        d = read_subject(rec, rs.compiled.inputs, index=i, subject_type="department")
        points, total = base.points(d.values)
        assert points[first.id] is None
        assert (points, total) == rs.evaluator.points(d), rec["id"]
        assert total == rs.evaluator.subject(d).total
        checked += total is not None
    assert checked > 30


def test_the_adversarial_family_agrees_point_for_point_and_outcome_for_outcome() -> None:
    """``dept30-adv``: refused cells (an error, and every group above it), blanks under each
    leaf's own missing policy (not applicable, zero, full marks), zero denominators under each
    rate's zero-division policy, amounts at the 10^15 edge — its hand-written baseline gives
    the engine's points, total and every node's outcome, reading the record itself too."""
    import record_baselines

    fam = families.family("dept30-adv")
    assert isinstance(fam, families.Family) and fam.adv
    text = families.ruleset_text(fam)
    rs = perfscore.load_ruleset_text(text, source="dept30-adv.yaml")
    base = family_baselines.DecimalBaseline(fam, rs.id)
    reader = record_baselines.Reader(text, record_baselines.REFUSED)
    seen: set[tuple[str, str | None]] = set()
    zeros: set[tuple[str, str | None]] = set()
    by_id = {x.id: x for x in fam.leaves}
    huge = refused = 0
    for i, rec in enumerate(families.records(fam, 400, seed=11)):
        d = read_subject(rec, rs.compiled.inputs, index=i, subject_type="department")
        vals = {**d.values, **dict.fromkeys(d.field_errors, record_baselines.REFUSED)}
        assert repr(reader.read(rec["values"])) == repr(vals), rec["id"]
        assert rs.evaluator.points(d) == base.points(vals), rec["id"]
        scores = rs.evaluator.subject(d).scores
        assert {s.rule_id: s.outcome for s in scores} == base.outcomes(vals), rec["id"]
        refused += bool(d.field_errors)
        huge += "1000000000000000" in rec["values"].values()
        policies = {x.id: families.missing_policy(x) for x in fam.leaves}
        blank = {x.id for x in fam.leaves if any(d.values[n] is None for n in x.inputs)} - {
            x.id for x in fam.leaves if any(n in d.field_errors for n in x.inputs)
        }
        seen.update((s.outcome, policies[s.rule_id]) for s in scores if s.rule_id in blank)
        zero = {  # a zero denominator, the numerator given
            x.id
            for x in fam.leaves
            if len(x.inputs) == 2 and d.values[x.inputs[1]] == 0 and d.values[x.inputs[0]]
        }
        zeros.update(
            (s.outcome, families.zero_policy(by_id[s.rule_id])) for s in scores if s.rule_id in zero
        )
    assert 20 < refused < 150 and huge > 0
    # a blank was met under each policy: not applicable, zero points, full marks; a zero
    # denominator under each: not applicable, zero points
    assert {("not_applicable", None), ("fail", "zero"), ("pass", "full")} <= seen
    assert {("not_applicable", None), ("fail", "zero")} <= zeros


def test_the_project_family_agrees_word_for_word() -> None:
    """``proj`` (benchmarks/family_proj.py): 52 indicators in 20 groups with every scorer kind,
    six checks, refused cells, blanks written four ways, blank checklist items and zero
    denominators — its hand-written baseline gives the engine's points, total and grade and
    every finding's words (both languages, display, standard, reason, fields, fingerprint)."""
    import family_proj
    import record_baselines

    fam = families.family("proj")
    assert isinstance(fam, family_proj.ProjFamily)
    rs = perfscore.load_ruleset_text(families.ruleset_text(fam), source="proj.yaml")
    base = family_baselines.decimal_baseline(fam, rs.id)
    reader = record_baselines.Reader(families.ruleset_text(fam), record_baselines.REFUSED)
    seen: set[tuple[str, str]] = set()
    reasons: set[str] = set()
    for i, rec in enumerate(families.records(fam, 120, seed=11)):
        d = read_subject(rec, rs.compiled.inputs, index=i, subject_type="department")
        vals = {**d.values, **dict.fromkeys(d.field_errors, record_baselines.REFUSED)}
        assert rs.evaluator.points(d) == base.points(vals), rec["id"]
        assert base.points(reader.read(rec["values"])) == base.points(vals), rec["id"]
        got = rs.evaluator.subject(d)
        mine = base.findings(vals, d.subject)
        assert family_findings(got.findings) == family_findings(mine["findings"]), rec["id"]
        assert (got.total, got.grade) == (mine["total"], mine["grade"]), rec["id"]
        assert [(s.rule_id, s.outcome) for s in got.scores] == [
            (k, o) for k, _p, o in mine["scores"]
        ], rec["id"]
        seen.update((f.rule_id[:1], f.outcome) for f in got.findings)
        seen.update((s.rule_id[:1], s.outcome) for s in got.scores)
        reasons.update(f.reason for f in got.findings if f.reason)
    # errors, blanks and zeros reached leaves, groups (二级 s, 一级 t) and checks
    for kind in ("i", "s"):
        assert {(kind, o) for o in ("pass", "fail", "error")} <= seen, kind
    assert {("t", "fail"), ("t", "error")} <= seen
    assert ("i", "not_applicable") in seen and ("s", "not_applicable") in seen
    assert {(c, "error") for c in "nlwes"} & seen and ("l", "not_applicable") in seen
    assert any("divides by zero" in r for r in reasons) and any("; " in r for r in reasons)


def test_the_exact_family_lands_on_halves_behind_rates_that_never_end() -> None:
    """``exact`` (benchmarks/family_exact.py): in about one subject in three, leaves whose
    points are exactly x.xx5 while their rate never ends (and this year's rate equal to last
    year's, both never ending); in about one in ten, a leaf a hair beside such a half — by
    Fractions from the records themselves.  Its hand-written baseline agrees with the engine
    on every subject: points, total, every node's outcome and every finding's words (the
    threshold read from a metric too, decided exactly or not)."""
    import family_exact

    fam = families.family("exact")
    assert isinstance(fam, family_exact.ExactFamily)
    text = families.ruleset_text(fam)
    rs = perfscore.load_ruleset_text(text, source="exact.yaml")
    base = family_baselines.decimal_baseline(fam, rs.id)
    halves = ties = near = with_half = 0
    for i, rec in enumerate(families.records(fam, 240, seed=11)):
        vals = {k: Fraction(v) for k, v in rec["values"].items()}
        found = False
        for leaf in fam.leaves:
            x = [vals.get(n) for n in leaf.inputs]
            if None in x or 0 in x:
                continue
            rate = x[0] / x[1]
            w = Fraction(leaf.weight)
            exact = {
                "prop": w * rate,
                "formula": w * rate,
                "direct": w * rate,
                "lower": w / rate,
                "deduct": w - 30 * (Fraction(95, 100) - rate),
            }.get(leaf.kind)
            if leaf.kind == "vs_last" and rate == x[2] / x[3] and _never_ends(rate):
                ties += 1
            if exact is None or (rate >= 1 and leaf.kind != "lower") or not _never_ends(rate):
                continue
            if (exact * 1000).denominator == 1 and exact * 1000 % 10 == 5:
                halves += 1
                found = True
            elif abs(exact * 1000 - round(exact * 1000)) < Fraction(1, 10**9):
                near += 1
        with_half += found
        d = read_subject(rec, rs.compiled.inputs, index=i, subject_type="department")
        assert rs.evaluator.points(d) == base.points(d.values), rec["id"]
        got = rs.evaluator.subject(d)
        mine = base.findings(d.values, d.subject)
        assert family_findings(got.findings) == family_findings(mine["findings"]), rec["id"]
        assert (got.total, got.grade) == (mine["total"], mine["grade"])
        assert {s.rule_id: s.outcome for s in got.scores} == base.outcomes(d.values)
    assert 50 < with_half < 110 and halves > with_half and ties > 5 and near > 10


def _never_ends(x: Fraction) -> bool:
    d = x.denominator
    for p in (2, 5):
        while d % p == 0:
            d //= p
    return d != 1
