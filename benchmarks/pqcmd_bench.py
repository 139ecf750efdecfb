"""``perfscore score RULES data.parquet -o findings.parquet`` — the command as a bureau runs it,
a process of its own — against a hand-written exact numpy baseline on the same columns (#18).

Data and baseline: the benchmark rule set of :mod:`gen` (30 indicators, 6 groups) on
:func:`exact_numpy.edge_columns` (37% spend exactly their budget, others exactly on 95%, 90%
or 70%, a few spend nothing; two decimals), written as one Parquet file with an ``id`` column;
:func:`exact_numpy.exact_points` decides everything in int64.

Figures, each best of ``rounds`` (alternating), with the load average at the time:

* **command**: ``/usr/bin/time -v perfscore score …`` — the child's user + system CPU and its
  peak RSS (what ``/usr/bin/time`` reads of the command itself, not of a parent holding data).
  Its Python modules come from bytecode (``PYTHONPYCACHEPREFIX`` in the run's folder, filled by
  an untimed first run), as an installed package's do.
* **baseline in this process**: CPU time of reading the file with pyarrow, the columns to
  numpy, and :func:`exact_numpy.exact_points` (numpy and pyarrow already imported).
* **baseline as a script**: the same as a process of its own under ``/usr/bin/time`` (its
  interpreter, imports and reading included) — the fair partner of the command's fixed costs.
* **warm, in this process**: ``perfscore.cli.main([...])`` after a first run (imports and
  first-use caches excluded): the per-row work alone.

Checked: every subject's total in the findings file equals the baseline's (hundredths), and,
at the smallest size (up to :data:`NO_COLUMNAR_ROWS`), the file is byte-identical to
``--no-columnar``'s.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import exact_numpy
import gen

HERE = Path(__file__).resolve().parent
TIME = "/usr/bin/time"
#: the file checked against ``--no-columnar`` (record by record: ~100 s of CPU a million rows)
NO_COLUMNAR_ROWS = 20_000
BASELINE = """\
import sys
sys.path.insert(0, {here!r})
import pyarrow.parquet as pq
import exact_numpy
t = pq.read_table({data!r})
cols = {{k: t.column(k).to_numpy() for k in t.column_names if k != "id"}}
exact_numpy.exact_points(30, cols)
"""


def _load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def _timed(argv: list[str], env: dict[str, str]) -> tuple[float, int]:
    """(user + system CPU seconds, peak RSS in MB) of ``argv`` by ``/usr/bin/time -v``."""
    done = subprocess.run([TIME, "-v", *argv], env=env, capture_output=True, text=True, check=False)
    if done.returncode not in (0, 1):
        raise RuntimeError(f"{argv[:3]} exited {done.returncode}: {done.stderr[-2000:]}")
    got: dict[str, str] = {}
    for line in done.stderr.splitlines():
        key, _, value = line.strip().rpartition(": ")
        got[key] = value
    cpu = float(got["User time (seconds)"]) + float(got["System time (seconds)"])
    return cpu, int(got["Maximum resident set size (kbytes)"]) // 1024


def _write(path: str, n: int) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    cols = exact_numpy.edge_columns(30, n)
    ids = pa.array([f"dept-{i:07d}" for i in range(n)], pa.string())
    pq.write_table(pa.table({"id": ids, **cols}), path)


def _totals_agree(findings: str, data: str) -> int:
    """Subjects whose total in the findings file differs from the baseline's."""
    import numpy as np
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    t = pq.read_table(data)
    cols = {k: t.column(k).to_numpy() for k in t.column_names if k != "id"}
    want = exact_numpy.exact_points(30, cols)["total"]
    f = pq.read_table(findings, columns=["rule_id", "points"])
    rule = f.column("rule_id").combine_chunks().cast("string")
    pts = pc.filter(f.column("points"), pc.equal(rule, "@total")).cast("float64").to_numpy()
    got = np.rint(np.asarray(pts) * 100).astype(np.int64)
    return int((got != want).sum()) if len(got) == len(want) else len(want)


def run(row: Callable[..., None], sizes: list[int], rounds: int = 3) -> None:
    import numpy as np  # noqa: F401  (imported before any clock starts)
    import pyarrow.parquet as pq  # noqa: F401

    from perfscore.cli import main

    exe = shutil.which("perfscore", path=os.path.dirname(sys.executable))
    if exe is None or not os.path.exists(TIME):
        row("Parquet command", "skipped", "needs the perfscore script and /usr/bin/time")
        return
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, PYTHONPYCACHEPREFIX=os.path.join(tmp, "pyc"))
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        rules = os.path.join(tmp, "bench30.yaml")
        Path(rules).write_text(gen.ruleset_text(30, checks=0), encoding="utf-8")
        for n in sizes:
            data = os.path.join(tmp, f"d{n}.parquet")
            out = os.path.join(tmp, f"f{n}.parquet")
            script = os.path.join(tmp, "baseline.py")
            Path(script).write_text(BASELINE.format(here=str(HERE), data=data), encoding="utf-8")
            _write(data, n)
            command = [exe, "score", rules, data, "-o", out]
            _timed(command, env)  # bytecode written, file cache warm: not timed
            _timed([sys.executable, script], env)
            load = _load()
            cmd, base_script, base_here = [], [], []
            peak = 0
            for _ in range(rounds):
                cpu, mb = _timed(command, env)
                cmd.append(cpu)
                peak = max(peak, mb)
                base_script.append(_timed([sys.executable, script], env)[0])
                t = time.process_time()
                exec(compile(BASELINE.format(here=str(HERE), data=data), script, "exec"), {})
                base_here.append(time.process_time() - t)
            argv = ["score", rules, data, "-o", out]
            main(argv)
            warm = []
            for _ in range(max(1, rounds - 1)):
                t = time.process_time()
                main(argv)
                warm.append(time.process_time() - t)
            c, bs, bh, w = min(cmd), min(base_script), min(base_here), min(warm)
            wrong = _totals_agree(out, data)
            same = ""
            if n == min(sizes) and n <= NO_COLUMNAR_ROWS:
                slow = os.path.join(tmp, "slow.parquet")
                subprocess.run(
                    [*command[:-1], slow, "--no-columnar"],
                    env=env,
                    capture_output=True,
                    check=False,
                )
                same = f"; = --no-columnar: {Path(out).read_bytes() == Path(slow).read_bytes()}"
            row(
                f"Parquet command {n:,} × 30 vs exact numpy",
                f"{c / bh:.1f}×",
                f"command {c:.2f} s CPU, {peak} MB peak; numpy {bh:.3f} s here, as a script"
                f" {bs:.2f} s ({c / bs:.1f}×); warm in-process {w:.2f} s ({w / bh:.1f}×);"
                f" totals differ on {wrong}{same}; load {load} → {_load()}",
            )
