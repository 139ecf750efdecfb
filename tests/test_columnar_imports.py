"""What a routed run loads: scoring a CSV by columns does not import pandas (its ``factorize``
is used only when the data came as a DataFrame, so pandas is loaded anyway) — importing it
for 512-row chunks cost 0.3 s of CPU and 19 MB of peak memory on rev9's routed CSV → Parquet
run (191 → 211 MB) and saved about 7 µs a text column a chunk.  (Writing Parquet still loads
pandas: pyarrow's ``pa.array`` imports it to check its argument, once the scoring is done.)"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from perfscore import load_ruleset

pytest.importorskip("pyarrow")
pytest.importorskip("numpy")

RULES = Path(__file__).resolve().parent.parent / "rules" / "cn-dept-overall.yaml"

_RUN = """
import sys
from perfscore.cli import main
from perfscore.columnar import run

calls = []
categories = run.ColumnarScorer._categories
def counted(self, name, col):
    calls.append(name)
    return categories(self, name, col)
run.ColumnarScorer._categories = counted
code = main([sys.argv[1], sys.argv[2], sys.argv[3], "-o", sys.argv[4], "--no-summary"])
print(code, len(calls), "pandas" in sys.modules)
"""


def test_a_csv_scored_by_columns_does_not_import_pandas(tmp_path: Path) -> None:
    from test_fastpath import _csv

    data = tmp_path / "d.csv"
    _csv(load_ruleset(RULES), data, 600, seed=3)
    out = subprocess.run(
        [sys.executable, "-c", _RUN, "score", str(RULES), str(data), str(tmp_path / "o.jsonl")],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    code, calls, pandas = out.stdout.split()
    assert code in ("0", "1", "3"), out.stderr
    assert int(calls) > 0  # text columns were read by columns (the routed path)
    assert pandas == "False", "pandas was imported by a routed CSV run"


_LARGE = """
import sys
import numpy as np
from perfscore import load_ruleset
from perfscore.columnar import ColumnarScorer, run

rs = load_ruleset(sys.argv[1])
n = int(sys.argv[2])
levels = np.array(["city", "county"] * (n // 2), dtype=object)
ColumnarScorer(rs).score({"level": levels})
print("pandas" in sys.modules)
"""


@pytest.mark.parametrize("rows", [512, 50_000])
def test_a_large_text_column_is_hashed_by_pandas_a_small_one_is_not(
    tmp_path: Path, rows: int
) -> None:
    """pandas' factorize pays for its import on a large column (0.22 vs 0.18 s on 200,000
    rows of the mixed family), never on the CLI's chunks."""
    pytest.importorskip("pandas")
    from perfscore.columnar import categories

    rules = tmp_path / "r.yaml"
    rules.write_text(
        """
perfscore: 1
id: level_demo
title: 演示
version: "1"
inputs:
  level: {type: text, choices: [city, county]}
metrics:
  is_city: {expr: "1 if level == 'city' else 0"}
indicators:
  - {id: city, title: 市级, weight: 100, value: is_city, scorer: {type: threshold, op: "==", target: 1}}
""",
        encoding="utf-8",
    )
    out = subprocess.run(
        [sys.executable, "-c", _LARGE, str(rules), str(rows)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split()[-1] == str(rows >= categories.FACTORIZE_ROWS)
