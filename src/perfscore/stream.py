"""Stream subjects from CSV or Parquet to JSON Lines findings in bounded memory.

Rows are read one at a time (CSV) or one record batch at a time (Parquet, with pyarrow), scored
(optionally on several processes, results kept in input order) and written at once through the
one JSON Lines loop, :func:`~perfscore.export.jsonl.write_jsonl`, which keeps only counters.
Peak memory is therefore independent of the number of subjects.

A CSV row is a flat subject record: ``id``, ``name`` and ``type`` columns are the subject, every
other column a value; an empty cell is a missing value.
"""

from __future__ import annotations

import csv
import hashlib
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import IO, Any

from .export.jsonl import write_jsonl
from .parallel import imap_subjects
from .ruleset import RuleSet
from .waivers import Waiving
from .words import DEFAULT_LANG, LANGS, Lang

__all__ = ["iter_csv", "iter_parquet", "iter_records", "stream_jsonl", "stream_to_jsonl"]


def _sha256(path: str | os.PathLike[str]) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def iter_csv(path: str | os.PathLike[str]) -> Iterator[dict[str, Any]]:
    """One record per row; empty cells are missing values."""
    with open(path, newline="", encoding="utf-8-sig") as fh:
        for row in csv.DictReader(fh):
            yield {k: (None if v == "" else v) for k, v in row.items() if k is not None}


def iter_parquet(path: str | os.PathLike[str], batch_size: int = 8192) -> Iterator[dict[str, Any]]:
    """One record per row, a record batch at a time (needs pyarrow: ``perfscore[columnar]``)."""
    import pyarrow.parquet as pq

    pf = pq.ParquetFile(path)
    for batch in pf.iter_batches(batch_size=batch_size):
        yield from batch.to_pylist()


def iter_records(path: str | os.PathLike[str]) -> Iterator[dict[str, Any]]:
    if str(path).lower().endswith((".parquet", ".pq")):
        return iter_parquet(path)
    return iter_csv(path)


def _lang(lang: str) -> Lang:
    """``lang`` checked: a language perfscore does not speak is refused, not taken for zh."""
    for known in LANGS:
        if lang == known:
            return known
    raise ValueError(f"unknown language {lang!r} (perfscore speaks {', '.join(LANGS)})")


def stream_jsonl(
    rs: RuleSet,
    records: Iterable[Mapping[str, Any]],
    out: IO[bytes],
    *,
    inputs: Sequence[Mapping[str, str]] = (),
    waiving: Waiving | None = None,
    lang: str = DEFAULT_LANG,
    lean: bool = False,
) -> dict[str, Any]:
    """Score ``records`` one at a time and write each subject's lines as soon as it is scored.

    ``inputs`` (``[{uri, sha256}]``) names the data files for provenance and the run id.
    ``lang`` (``"zh"``, the default, or ``"en"``) is the language of what the lines say in
    words, as ``perfscore score --lang`` (each subject's ``grade_reason``; in a Chinese run its
    English beside it); ``lean`` as ``--lean``.  Returns the summary record.
    """
    waiving = waiving or Waiving()
    results = (
        rs.evaluate_subject(r, index=i, waivers=waiving.waivers, as_of=waiving.as_of)
        for i, r in enumerate(records)
    )
    return write_jsonl(
        out,
        rs.provenance(),
        rs.rules,
        results,
        inputs,
        waivers=waiving.info(),
        lean=lean,
        lang=_lang(lang),
    )


def stream_to_jsonl(
    rs: RuleSet,
    path: str | os.PathLike[str],
    out: IO[bytes],
    *,
    jobs: int = 1,
    chunk_size: int = 200,
    lang: str = DEFAULT_LANG,
    lean: bool = False,
) -> dict[str, Any]:
    """Score every row of a CSV/Parquet file and write JSON Lines to ``out`` (binary) as it goes.
    Returns the summary record.  Output is identical for every ``jobs``; ``lang`` and ``lean``
    as :func:`stream_jsonl`'s."""
    inputs = [{"uri": os.fspath(path), "sha256": _sha256(path)}]
    results = imap_subjects(rs, iter_records(path), jobs=jobs, chunk_size=chunk_size)
    return write_jsonl(out, rs.provenance(), rs.rules, results, inputs, lean=lean, lang=_lang(lang))
