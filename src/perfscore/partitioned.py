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

Each partition is read exactly as ``perfscore score PARTITION -o findings.parquet`` reads that
file, and its findings file holds the same rows: headers matched to the rule set's inputs by id,
title or alias (units such as 万元 in a header or a cell), title rows and 合计 rows left out,
blanks, refused cells (an error finding for what depends on them), a GBK or UTF-8 CSV.  The id
is the ``id`` column (or another named by ``id_column``, or a header such as 项目编码); a row
without one is ``row-<n>``.  Parquet and CSV files are read by columns (no record per row).
Needs ``perfscore[dask]`` (Dask, pyarrow, numpy).
"""

from __future__ import annotations

import glob
import os
from collections.abc import Sequence
from typing import Any

from .errors import PerfscoreError
from .findings import Notification
from .ruleset import RuleSet

__all__ = ["partition_paths", "score_partition", "score_partitioned"]

#: the notifications' texts a partition sends back (the counts are always whole)
NOTES = 20


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


def score_partition(
    rs: RuleSet,
    path: str,
    out: str,
    *,
    index: int = 0,
    id_column: str = "id",
    scorer: Any = None,
) -> dict[str, Any]:
    """Read ``path`` as ``perfscore score`` reads that file, score it from columns and write
    its Parquet findings to ``out``; return ``{"partition", "subjects", "per_record",
    "bytes", "problems", "notes"}`` (the only thing sent back: ``problems`` counts the file's
    error notifications — an unreadable file, a duplicate id —, ``notes`` holds the first
    :data:`NOTES` of every notification's text)."""
    from .columnar import ColumnarScorer
    from .fastpath import parquet_findings
    from .ingest import open_data

    cs = scorer if scorer is not None else ColumnarScorer(rs)
    columns = None if id_column == "id" else {id_column: "id"}
    sources = open_data(path, columns=columns)
    notes: list[Notification] = []
    inputs = ({"uri": os.path.basename(path)},)
    routed = parquet_findings(rs, cs, sources, notes, out, inputs)
    if routed is None:  # a record declares its own scores: record by record
        notes.clear()
        subjects, said = _per_record(rs, open_data(path, columns=columns), out, inputs)
        per_record = subjects
    else:
        subjects, said, per_record = routed.count, routed.notes, routed.per_record
    return {
        "partition": index,
        "subjects": subjects,
        "per_record": per_record,
        "bytes": os.path.getsize(out),
        "problems": sum(1 for n in said if n.level == "error"),
        "notes": [n.message for n in said[:NOTES]],
    }


def _per_record(
    rs: RuleSet, sources: Sequence[Any], out: str, inputs: Sequence[dict[str, str]]
) -> tuple[int, list[Notification]]:
    """The partition scored record by record into ``out`` (the bytes ``perfscore score
    --no-columnar`` writes): a file whose records declare their own scores."""
    from .fastpath import results_files
    from .ingest import read_sources

    notes: list[Notification] = []
    count = 0

    def each() -> Any:
        nonlocal count
        for r in rs.iter_evaluate(read_sources(rs, sources, notes)):
            count += 1
            yield r

    said = results_files(rs, each(), [out], inputs=inputs, notes=notes)
    return count, said


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
    subjects, the rows the per-record path scored, the bytes written, the partitions, the
    files' error notifications (``problems``) and the first notifications' texts."""
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
        "problems": sum(p["problems"] for p in parts),
        "notes": [n for p in parts for n in p["notes"]][:NOTES],
        "files": outs,
    }


def _call(work: _Worker, path: str, out: str, index: int) -> dict[str, Any]:
    return work(path, out, index)
