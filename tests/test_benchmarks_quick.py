"""``benchmarks/run.py --quick`` runs and prints every row (no timing assertions)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_quick_benchmark_prints_every_row() -> None:
    pytest.importorskip("numpy")
    out = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--quick"],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    ).stdout
    for label in (
        "per-record points",
        "per-record findings",
        "columnar",
        "load+validate+compile 1,000 indicators",
        "CSV→JSONL peak RSS",
        "evaluate_parallel jobs=2",
        "dask",
        "store ingest sqlite",
        "store history sqlite",
        "store rank sqlite",
        "ingest CSV 2,000 rows vs pandas.read_csv",
        "ingest xlsx 2,000 rows vs openpyxl read-only",
        "ingest xlsx scored end to end peak RSS",
        "CLI routed vs --no-columnar, 200 rows → jsonl",
        "evaluate(DataFrame) totals, 200 rows",
    ):
        assert label in out, label
    assert "identical=False" not in out


def test_bundled_benchmark_plans_every_set_columnar() -> None:
    """``benchmarks/bundled_bench.py`` on two bundled sets (series inputs among them): both
    columnar, no row sent to the per-record path, its table printed."""
    pytest.importorskip("numpy")
    out = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "bundled_bench.py"),
            "--rows",
            "300",
            "--sample",
            "20",
            str(ROOT / "rules" / "omb-part.yaml"),
            str(ROOT / "rules" / "pefa-2016-pillar1.yaml"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    ).stdout
    for stem in ("omb-part", "pefa-2016-pillar1"):
        row = next(x for x in out.splitlines() if x.startswith(f"| {stem} |"))
        assert "| yes | 0 of 300 |" in row, row
