"""The Parquet command's benchmark (benchmarks/pqcmd_bench.py) runs: the command as a process
of its own under ``/usr/bin/time``, its findings' totals checked against the hand-written
exact numpy baseline and its file against ``--no-columnar`` (a smoke test — no timing
assertions)."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

pytest.importorskip("numpy")
pytest.importorskip("pyarrow")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
import pqcmd_bench  # noqa: E402


@pytest.mark.skipif(
    not os.path.exists(pqcmd_bench.TIME)
    or shutil.which("perfscore", path=os.path.dirname(sys.executable)) is None,
    reason="needs /usr/bin/time and the perfscore script",
)
def test_the_command_agrees_with_the_baseline_and_with_no_columnar() -> None:
    rows: list[tuple[str, str, str]] = []
    pqcmd_bench.run(lambda *r: rows.append(r), [300], rounds=1)
    [(name, figure, note)] = rows
    assert name.startswith("Parquet command 300 ") and figure.endswith("×")
    assert "totals differ on 0;" in note and "= --no-columnar: True" in note, note


def test_the_baseline_is_written_without_perfscore() -> None:
    assert "perfscore" not in pqcmd_bench.BASELINE
    assert "perfscore" not in (ROOT / "benchmarks" / "exact_numpy.py").read_text("utf-8")
