"""A bureau's plug-in that converts through pyarrow → pandas, used by the ``perfscore`` console
command on a Parquet file (#18's pandas guard, :mod:`perfscore.cli.lean`): registered by entry
points as docs/customising.md says — an output format rendering the findings through
``Table.to_pandas()`` and a function computing through ``Array.to_pandas()``, neither writing
``import pandas`` — it works while the guard is on and has refused pyarrow's own import in
the same process, and writes what the same command writes with pandas loaded from the start
(the guard then idle)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("numpy")
pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")
pytest.importorskip("pandas")

PLUGIN = '''\
"""A bureau's plug-in going through pandas by way of pyarrow (no import of pandas written)."""
from decimal import Decimal

import pyarrow as pa

from perfscore.export import Format
from perfscore.functions import Function


def _render(report, options):
    rows = [
        {"subject": f.subject.id, "rule": f.rule_id, "outcome": f.outcome,
         "points": None if f.points is None else str(f.points)}
        for s in report.subjects for f in s.findings
    ]
    frame = pa.Table.from_pylist(rows).to_pandas()
    return frame.to_csv(index=False).encode("utf-8")


pdcsv = Format("pdcsv", (".pdcsv",), _render, "findings through a pandas DataFrame")


def _halved(x):
    s = pa.array([float(x)]).to_pandas()
    return Decimal(repr(float(s.iloc[0]))) / 2


halved = Function("halved", _halved, 1, 1, "number", "half of x, through pandas")
'''

ENTRY_POINTS = """\
[perfscore.exporters]
pdcsv = bureau_pq:pdcsv

[perfscore.functions]
halved = bureau_pq:halved
"""

RULES = """\
perfscore: 1
id: pq_plugin
title: 插件经 pandas 换算
version: "1"
inputs:
  budget: {type: money, unit: 万元, title: 预算数}
  spent: {type: money, unit: 万元, title: 执行数}
metrics:
  rate: {title: 执行率, expr: spent / budget, unit: "%"}
  half: {title: 执行数之半, expr: halved(spent)}
indicators:
  - {id: exec, title: 执行率, weight: 60, value: rate, scorer: {type: threshold, op: ">=", target: 0.9}}
  - {id: h, title: 执行数之半, weight: 40, value: half, scorer: {type: threshold, op: ">=", target: 45}}
"""

#: the console command (``main()`` with no argv: the guard on), each refusal counted (where
#: the guard decides, leaving the frames it reads as they are)
CHILD = """\
import sys
from perfscore.cli import lean
refused = []
decide = lean._by_pyarrow
def counting(frame):
    said = decide(frame)
    if said:
        refused.append(frame)
    return said
lean._by_pyarrow = counting
if PRELOAD:
    import pandas
sys.argv = ["perfscore", "score", RULES, "d.parquet", "-o", OUT + ".parquet", "-o", OUT + ".pdcsv"]
from perfscore.cli import main
code = main()
print(code, len(refused), "pandas" in sys.modules)
"""


def _plugin(tmp_path: Path) -> Path:
    """The plug-in package, installed as a distribution with entry points would be (its
    ``.dist-info`` beside it on the path)."""
    site = tmp_path / "site"
    info = site / "bureau_pq-0.1.dist-info"
    info.mkdir(parents=True)
    (site / "bureau_pq.py").write_text(PLUGIN, encoding="utf-8")
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: bureau-pq\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(ENTRY_POINTS, encoding="utf-8")
    return site


def _command(tmp_path: Path, site: Path, rules: str, out: str, preload: bool) -> list[str]:
    code = CHILD.replace("PRELOAD", str(preload)).replace("OUT", repr(out))
    code = code.replace("RULES", repr(rules))
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=tmp_path,
        env={**_env(), "PYTHONPATH": str(site)},
    )
    assert done.returncode == 0, done.stderr
    assert "disabled" not in done.stderr, done.stderr  # (the plug-in loaded)
    return done.stdout.split()


def _env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}


def _data(tmp_path: Path, n: int) -> None:
    table = pa.table(
        {
            "id": [f"d{i:03d}" for i in range(n)],
            "budget": [100.0] * n,
            "spent": [float(80 + i % 21) for i in range(n)],
        }
    )
    pq.write_table(table, tmp_path / "d.parquet")


def _same(tmp_path: Path, guarded: str, plain: str) -> list[str]:
    for ext in (".pdcsv", ".parquet"):
        assert (tmp_path / f"{guarded}{ext}").read_bytes() == (
            tmp_path / f"{plain}{ext}"
        ).read_bytes()
    return (tmp_path / f"{guarded}.pdcsv").read_text("utf-8").splitlines()


def test_a_plugin_output_format_converting_through_pandas_after_the_guard_refused(
    tmp_path: Path,
) -> None:
    """The rule set without the function: the command's own Parquet writer has pyarrow ask
    for pandas (refused) before the plug-in format renders through ``to_pandas()``."""
    site = _plugin(tmp_path)
    body = "\n".join(x for x in RULES.splitlines() if "half" not in x and "id: h," not in x)
    (tmp_path / "exec.yaml").write_text(body.replace("weight: 60", "weight: 100") + "\n")
    _data(tmp_path, 300)
    guarded = _command(tmp_path, site, "exec.yaml", "guarded", preload=False)
    assert guarded[0] == "0" and int(guarded[1]) > 0 and guarded[2] == "True", guarded
    assert _command(tmp_path, site, "exec.yaml", "plain", preload=True) == ["0", "0", "True"]
    lines = _same(tmp_path, "guarded", "plain")
    assert lines[0] == "subject,rule,outcome,points" and len(lines) == 1 + 300
    assert lines[1] == "d000,exec,fail,0.00" and lines[11] == "d010,exec,pass,100.00"


def test_a_plugin_function_converting_through_pandas_in_the_console_command(
    tmp_path: Path,
) -> None:
    site = _plugin(tmp_path)
    (tmp_path / "rules.yaml").write_text(RULES, encoding="utf-8")
    n = 400
    _data(tmp_path, n)
    guarded = _command(tmp_path, site, "rules.yaml", "guarded", preload=False)
    assert guarded[0] == "0" and guarded[2] == "True", guarded
    assert _command(tmp_path, site, "rules.yaml", "plain", preload=True) == ["0", "0", "True"]
    lines = _same(tmp_path, "guarded", "plain")
    assert len(lines) == 1 + 2 * n
    by = {tuple(x.split(",")[:2]): x.split(",")[2:] for x in lines[1:]}
    for i in range(n):  # the plug-in function's numbers: half of 80..100 against 45
        spent = 80 + i % 21
        want = "pass" if spent / 2 >= 45 else "fail"
        assert by[(f"d{i:03d}", "h")] == [want, "40.00" if want == "pass" else "0.00"], i
    written = pq.read_table(tmp_path / "guarded.parquet").column("rule_id").to_pylist()
    assert written.count("h") == n and written.count("exec") == n
