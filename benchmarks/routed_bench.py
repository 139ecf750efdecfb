"""The fast path chosen for the user (#13): ``perfscore score cn-dept-overall DATA.csv -o OUT``
routed (columns) against the same command with ``--no-columnar`` (per record), in this process,
on a department file as bureaus hold it (:mod:`departments`: GBK CSV, title row, 合计 row,
blanks, 万元 suffixes, spent exactly the budget) — and ``RuleSet.evaluate`` on a DataFrame,
totals and grades read, against the per-record path on the same frame.  Each pair alternates,
best of ``rounds``; the outputs are checked byte-identical."""

from __future__ import annotations

import io
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import departments

ROOT = Path(__file__).resolve().parent.parent
FORMATS = ("parquet", "jsonl", "csv")


def _cli(argv: list[str]) -> float:
    from perfscore.cli import main

    t = time.perf_counter()
    main(argv, stdout=io.StringIO(), stderr=io.StringIO())
    return time.perf_counter() - t


def _pair(fast: Callable[[], float], slow: Callable[[], float], rounds: int) -> tuple[float, float]:
    a, b = [], []
    for _ in range(rounds):
        a.append(fast())
        b.append(slow())
    return min(a), min(b)


def run(
    row: Callable[..., None], n: int, rounds: int = 1, formats: tuple[str, ...] = FORMATS
) -> dict[str, tuple[float, float]]:
    """``{format: (routed s, per-record s)}``; one ``row`` per format (ratio < 1: faster)."""
    got: dict[str, tuple[float, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "部门.csv")
        departments.write_csv(data, n)
        warm = os.path.join(tmp, "warm.csv")  # imports and first-use caches: not timed
        departments.write_csv(warm, 20)
        for fmt in formats:
            out = os.path.join(tmp, "warm." + fmt.removesuffix("+summary"))
            _cli(["score", "cn-dept-overall", warm, "-o", out])
            _cli(["score", "cn-dept-overall", warm, "-o", out, "--no-columnar"])
        for fmt in formats:
            summary = fmt.endswith("+summary")
            ext = fmt.removesuffix("+summary")
            fast_out, slow_out = (os.path.join(tmp, f"{k}.{ext}") for k in ("fast", "slow"))
            argv = ["score", "cn-dept-overall", data, "--summary" if summary else "--no-summary"]
            fast, slow = _pair(
                lambda a=argv, o=fast_out: _cli([*a, "-o", o]),
                lambda a=argv, o=slow_out: _cli([*a, "-o", o, "--no-columnar"]),
                rounds,
            )
            same = Path(fast_out).read_bytes() == Path(slow_out).read_bytes()
            got[fmt] = (fast, slow)
            row(
                f"CLI routed vs --no-columnar, {n:,} rows → {fmt}",
                f"{fast / slow:.2f}×",
                f"{fast:.1f} s vs {slow:.1f} s, identical={same} (< 1 is faster)",
            )
    return got


def frame(row: Callable[..., None], n: int, rounds: int = 1) -> tuple[float, float]:
    """``rs.evaluate(df)`` and every subject's total and grade read: by columns (routed)
    against ``PERFSCORE_COLUMNAR=0``."""
    import pandas as pd

    import perfscore

    rs = perfscore.load_ruleset(ROOT / "rules" / "cn-dept-overall.yaml")
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "部门.csv")
        departments.write_csv(path, n)
        records = list(perfscore.load_subjects(path, rules=rs).records)
    df = pd.DataFrame([{"id": r["id"], "name": r["name"], **r["values"]} for r in records])

    def scores() -> Any:
        return [(s.subject.id, s.total, s.grade) for s in rs.evaluate(df).subjects]

    seen: list[Any] = []

    def routed() -> float:
        t = time.perf_counter()
        seen.append(scores())
        return time.perf_counter() - t

    def per_record() -> float:
        os.environ["PERFSCORE_COLUMNAR"] = "0"
        try:
            return routed()
        finally:
            del os.environ["PERFSCORE_COLUMNAR"]

    fast, slow = _pair(routed, per_record, rounds)
    row(
        f"evaluate(DataFrame) totals, {n:,} rows: columns vs per record",
        f"{fast / slow:.2f}×",
        f"{fast:.1f} s vs {slow:.1f} s, identical={seen[0] == seen[1]} (< 1 is faster)",
    )
    return fast, slow
