"""Partitioned scoring for a cluster: each partition of a partitioned input (a folder or glob of
Parquet or CSV files) is read, scored from columns and written as its own Parquet findings file
*by the worker that scored it* — only a few counters travel back, never the results.

    from distributed import Client
    from perfscore.partitioned import score_partitioned

    with Client(n_workers=2, threads_per_worker=1) as client:
        summary = score_partitioned(rs, "subjects/*.parquet", "findings/", client=client)

``findings/part-00000.parquet``, ``part-00001.parquet``, … are the findings tables of
:mod:`perfscore.export.parquet` (one row per subject × rule), one per input partition in input
order; ``duckdb``/``polars``/``pandas`` read the folder as one table.  Without ``client`` the
partitions are scored one after another in this process (same files, byte for byte).

Each partition holds one subject per row: numeric columns named as the rule set's inputs
(blank / null = missing) and an ``id`` column (``id_column``; without one, a row's id is
``<partition>-<row>``, 1-based).  Files a department filled in by hand — 万元 suffixes, title
rows, Chinese headers — go through ``perfscore score`` (the ingest step), not this path.
Needs ``perfscore[dask]`` (Dask, pyarrow, numpy).
"""

from __future__ import annotations

import csv
import glob
import os
from collections.abc import Sequence
from typing import Any

from .errors import PerfscoreError
from .ruleset import RuleSet

__all__ = ["partition_paths", "score_partition", "score_partitioned"]


def partition_paths(source: str | os.PathLike[str] | Sequence[str]) -> list[str]:
    """The input files in order: a folder's ``*.parquet``/``*.csv`` files, a glob, or a list."""
    if isinstance(source, (list, tuple)):
        return [str(p) for p in source]
    path = str(source)
    if os.path.isdir(path):
        found = [
            os.path.join(path, name)
            for name in os.listdir(path)
            if name.lower().endswith((".parquet", ".pq", ".csv"))
        ]
    else:
        found = glob.glob(path)
    if not found:
        raise PerfscoreError(f"{path}: no Parquet or CSV partitions found")
    return sorted(found)


def _read(path: str, inputs: Sequence[str], id_column: str) -> Any:
    """One partition as a pyarrow Table of the rule set's inputs (and the id column)."""
    import pyarrow as pa

    if path.lower().endswith(".csv"):
        import pyarrow.csv as pacsv

        with open(path, encoding="utf-8-sig", newline="") as fh:
            header = next(csv.reader(fh), [])
        wanted = [c for c in header if c in inputs or c == id_column]
        types = {c: pa.float64() for c in wanted if c != id_column}
        if id_column in wanted:
            types[id_column] = pa.string()
        return pacsv.read_csv(
            path,
            convert_options=pacsv.ConvertOptions(include_columns=wanted, column_types=types),
        )
    import pyarrow.parquet as pq

    schema = pq.read_schema(path)
    wanted = [c for c in schema.names if c in inputs or c == id_column]
    return pq.read_table(path, columns=wanted)


def score_partition(
    rs: RuleSet,
    path: str,
    out: str,
    *,
    index: int = 0,
    id_column: str = "id",
    scorer: Any = None,
) -> dict[str, Any]:
    """Read ``path``, score it from columns and write its Parquet findings to ``out``; return
    ``{"partition", "subjects", "per_record", "bytes"}`` (the only thing sent back)."""
    from .columnar import ColumnarScorer
    from .export.parquet import columnar_table, write_table

    cs = scorer if scorer is not None else ColumnarScorer(rs)
    table = _read(path, list(cs.inputs), id_column)
    res = cs.score(table)
    if id_column in table.column_names:
        ids = [str(x) for x in table.column(id_column).to_pylist()]
    else:
        ids = [f"{index}-{i + 1}" for i in range(table.num_rows)]
    findings = columnar_table(
        res,
        rules=rs.rules,
        ruleset=rs.provenance(),
        subjects=ids,
        inputs=({"uri": os.path.basename(path)},),
    )
    write_table(findings, out)
    return {
        "partition": index,
        "subjects": table.num_rows,
        "per_record": int(res.fallback.sum()),
        "bytes": os.path.getsize(out),
    }


class _Worker:
    """The rule set prepared once per worker process (pickled as the rule set only)."""

    def __init__(self, rs: RuleSet, id_column: str) -> None:
        self.rs, self.id_column = rs, id_column
        self._scorer: Any = None

    def __getstate__(self) -> dict[str, Any]:
        return {"rs": self.rs, "id_column": self.id_column}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.rs, self.id_column, self._scorer = state["rs"], state["id_column"], None

    def __call__(self, path: str, out: str, index: int) -> dict[str, Any]:
        if self._scorer is None:
            from .columnar import ColumnarScorer

            self._scorer = ColumnarScorer(self.rs)
        return score_partition(
            self.rs, path, out, index=index, id_column=self.id_column, scorer=self._scorer
        )


def score_partitioned(
    rs: RuleSet,
    source: str | os.PathLike[str] | Sequence[str],
    out_dir: str | os.PathLike[str],
    *,
    client: Any = None,
    id_column: str = "id",
) -> dict[str, Any]:
    """Score every partition of ``source`` into ``out_dir/part-NNNNN.parquet``; with a Dask
    ``client`` the workers read, score and write (one task per partition).  Returns the total
    subjects, the rows the per-record path scored, the bytes written and the partitions."""
    paths = partition_paths(source)
    os.makedirs(out_dir, exist_ok=True)
    outs = [os.path.join(str(out_dir), f"part-{i:05d}.parquet") for i in range(len(paths))]
    work = _Worker(rs, id_column)
    if client is None:
        parts = [work(p, o, i) for i, (p, o) in enumerate(zip(paths, outs, strict=True))]
    else:
        [shared] = client.scatter([work], broadcast=True)
        futures = [
            client.submit(_call, shared, p, o, i, key=f"perfscore-part-{i}", pure=False)
            for i, (p, o) in enumerate(zip(paths, outs, strict=True))
        ]
        parts = client.gather(futures)
    return {
        "partitions": len(parts),
        "subjects": sum(p["subjects"] for p in parts),
        "per_record": sum(p["per_record"] for p in parts),
        "bytes": sum(p["bytes"] for p in parts),
        "files": outs,
    }


def _call(work: _Worker, path: str, out: str, index: int) -> dict[str, Any]:
    return work(path, out, index)
