"""perfscore._gc: what a run that holds every result does to the cyclic collector, and that it
hands everything back."""

from __future__ import annotations

import gc
import io
from pathlib import Path

import pytest

from perfscore import _gc
from perfscore.cli import main

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _collector_as_found() -> object:
    enabled = gc.isenabled()
    yield None
    gc.unfreeze()
    if enabled:
        gc.enable()


def test_results_pass_through_and_what_is_held_is_out_of_sight_until_the_block_ends() -> None:
    gc.enable()
    assert gc.get_freeze_count() == 0
    seen: list[tuple[int, bool]] = []
    with _gc.results_held() as kept:
        for i, r in enumerate(kept(range(_gc.EVERY * 2 + 3))):
            assert r == i
            if i in (_gc.EVERY - 1, _gc.EVERY):
                seen.append((gc.get_freeze_count(), gc.isenabled()))
        # every result through: what the process holds is frozen, the collector off for writing
        assert gc.get_freeze_count() > 0
        assert not gc.isenabled()
    assert seen[0][1] and seen[1][1]  # on while scoring
    assert seen[1][0] > 0  # frozen after EVERY results
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0


def test_an_error_while_writing_still_hands_everything_back() -> None:
    gc.enable()
    with pytest.raises(RuntimeError), _gc.results_held() as kept:
        list(kept(range(3)))
        raise RuntimeError("disk full")
    assert gc.isenabled() and gc.get_freeze_count() == 0


@pytest.mark.parametrize("state", ["disabled", "frozen"])
def test_a_collector_the_caller_set_is_left_as_it_was(state: str) -> None:
    if state == "disabled":
        gc.disable()
    else:
        gc.enable()
        gc.freeze()
    before = (gc.isenabled(), gc.get_freeze_count())
    with _gc.results_held() as kept:
        assert list(kept(range(_gc.EVERY + 1))) == list(range(_gc.EVERY + 1))
        assert (gc.isenabled(), gc.get_freeze_count()) == before
    assert (gc.isenabled(), gc.get_freeze_count()) == before


@pytest.mark.parametrize("columnar", [True, False])
def test_perfscore_score_writes_the_same_and_leaves_the_collector_as_it_found_it(
    tmp_path: Path, columnar: bool
) -> None:
    """A whole-report run (CSV out) by columns and record by record."""
    gc.enable()
    data = tmp_path / "d.csv"
    rows = ["部门编码,预算数,执行数"] + [f"d{i},{100 + i},{95 + i % 7}" for i in range(40)]
    data.write_text("\n".join(rows) + "\n", encoding="utf-8")
    rules = tmp_path / "r.yaml"
    rules.write_text(
        """
perfscore: 1
id: gc_demo
title: 演示
version: "1"
inputs:
  budget: {type: money, title: 预算数, required: true}
  executed: {type: money, title: 执行数, required: true}
metrics:
  rate: {expr: executed / budget}
indicators:
  - {id: execution, title: 预算执行率, weight: 100, value: rate, scorer: {type: threshold, op: ">=", target: 0.95}}
""",
        encoding="utf-8",
    )
    outs = []
    for hold in (True, False):
        if not hold:  # the same run with the collector left alone throughout
            gc.freeze()  # results_held then does nothing
        out = tmp_path / f"o{hold}.csv"
        args = ["score", str(rules), str(data), "-o", str(out), "--no-summary"]
        if not columnar:
            args.append("--no-columnar")
        assert main(args, stdout=io.StringIO(), stderr=io.StringIO()) in (0, 1)
        outs.append(out.read_bytes())
        assert gc.isenabled()
        if hold:
            assert gc.get_freeze_count() == 0
        gc.unfreeze()
    assert outs[0] == outs[1] and outs[0].count(b"\n") > 40
