"""evaluate_parallel: several processes, output identical to one."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest

import perfscore
from perfscore.errors import EvaluationError
from perfscore.parallel import evaluate_parallel, imap_subjects

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
import gen  # noqa: E402


@pytest.fixture(scope="module")
def bench() -> perfscore.RuleSet:
    return perfscore.load_ruleset_text(gen.ruleset_text(10), source="bench.yaml")


def _records(n: int) -> list[dict]:
    recs = gen.records(10, n, seed=7)
    recs[3]["values"]["a1"] = "not a number"  # a bad record stays a finding, in place
    recs[5]["values"].pop("b2")  # missing data
    recs[8] = ["not", "a", "mapping"]  # type: ignore[call-overload]
    return recs


def test_jobs_2_is_byte_identical_to_jobs_1(bench: perfscore.RuleSet) -> None:
    recs = _records(230)
    one = evaluate_parallel(bench, recs, jobs=1).to_json()
    two = evaluate_parallel(bench, recs, jobs=2, chunk_size=17).to_json()
    assert two == one == bench.evaluate(recs).to_json()


def test_spawned_workers_unpickle_the_rule_set(bench: perfscore.RuleSet) -> None:
    recs = _records(120)
    two = evaluate_parallel(bench, recs, jobs=2, chunk_size=25, mp_context="spawn")
    assert two.to_json() == bench.evaluate(recs).to_json()


def test_waivers_and_subject_batch() -> None:
    rs = perfscore.load_ruleset(ROOT / "rules/cn-dept-overall.yaml")
    batch = perfscore.load_subjects(ROOT / "examples/liwan-npc-office-2023.yaml")
    many = perfscore.ruleset.SubjectBatch(batch.records * 120, batch.uri, batch.sha256)
    from perfscore.waivers import load_waivers

    waivers = load_waivers(ROOT / "examples/waivers-2023.yaml")
    day = dt.date(2024, 1, 1)
    a = rs.evaluate(many, waivers=waivers, as_of=day).to_json()
    b = evaluate_parallel(rs, many, jobs=2, waivers=waivers, as_of=day).to_json()
    assert a == b


def test_strict_raises_the_first_error_in_input_order(bench: perfscore.RuleSet) -> None:
    recs = _records(200)
    with pytest.raises(EvaluationError) as serial:
        bench.evaluate(recs, strict=True)
    with pytest.raises(EvaluationError) as parallel:
        evaluate_parallel(bench, recs, jobs=2, strict=True, chunk_size=10)
    assert str(parallel.value) == str(serial.value)


def test_imap_streams_in_order(bench: perfscore.RuleSet) -> None:
    recs = _records(150)
    got = [r.subject.id for r in imap_subjects(bench, iter(recs), jobs=2, chunk_size=7)]
    assert got == [r.subject.id for r in bench.evaluate(recs).subjects]


def test_small_batches_stay_in_process(bench: perfscore.RuleSet) -> None:
    recs = _records(20)
    assert evaluate_parallel(bench, recs, jobs=8).to_json() == bench.evaluate(recs).to_json()
