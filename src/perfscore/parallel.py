"""Score a large batch on several processes of one machine, with output identical to one.

``evaluate_parallel(rs, records, jobs=4)`` returns exactly the :class:`~perfscore.findings.Report`
that ``rs.evaluate(records)`` returns (same order, same bytes from ``to_json()``): subjects are
cut into contiguous chunks, each worker process scores whole chunks with its own copy of the rule
set (it travels by pickle, see :meth:`RuleSet.__reduce__`), and the parent puts the results back
in input order.  Nothing depends on which worker finished first; ``as_of`` for waivers is fixed
in the parent before any worker starts.

For the CLI: ``perfscore score --jobs N`` → ``evaluate_parallel(rs, batch, jobs=N, strict=...,
waivers=..., as_of=...)`` wherever it now calls ``rs.evaluate(...)``.
"""

from __future__ import annotations

import datetime as dt
import math
import multiprocessing
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from .errors import DataError, EvaluationError
from .findings import Report, SubjectResult
from .ruleset import RuleSet, SubjectBatch, duplicate_subjects
from .waivers import WaiverSet

__all__ = ["default_jobs", "evaluate_parallel", "imap_subjects"]

#: Below this many subjects per worker, starting processes costs more than it saves.
MIN_PER_JOB = 50


def default_jobs() -> int:
    """The CPUs this process may use (``--jobs 0`` / ``jobs=None``)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


# --- worker side -------------------------------------------------------------------------------

_WORKER: dict[str, Any] = {}


def _init(rs: RuleSet, strict: bool, waivers: WaiverSet | None, as_of: dt.date | None) -> None:
    _WORKER.update(rs=rs, strict=strict, waivers=waivers, as_of=as_of)


def _score(chunk: tuple[int, Sequence[Any]]) -> tuple[str, Any]:
    start, records = chunk
    rs: RuleSet = _WORKER["rs"]
    try:
        return "ok", tuple(
            rs.evaluate_subject(
                r,
                index=start + i,
                strict=_WORKER["strict"],
                waivers=_WORKER["waivers"],
                as_of=_WORKER["as_of"],
            )
            for i, r in enumerate(records)
        )
    except EvaluationError as e:  # strict mode: re-raised, as the same error, in the parent
        return "error", (e.message, e.rule_id, e.field)


# --- parent side -------------------------------------------------------------------------------


def _records(data: Any) -> tuple[Sequence[Any], tuple[Mapping[str, str], ...]]:
    """Exactly RuleSet.evaluate's reading of its argument."""
    if isinstance(data, SubjectBatch):
        return data.records, ({"uri": data.uri, "sha256": data.sha256},)
    if isinstance(data, Mapping):
        return (data["subjects"] if isinstance(data.get("subjects"), list) else [data]), ()
    return (data if isinstance(data, Sequence) else list(data)), ()


def imap_subjects(
    rs: RuleSet,
    records: Iterable[Any],
    *,
    jobs: int | None = None,
    strict: bool = False,
    waivers: WaiverSet | None = None,
    as_of: dt.date | None = None,
    chunk_size: int = 200,
    mp_context: str | None = None,
) -> Iterator[SubjectResult]:
    """Score ``records`` (any iterable, read lazily) on ``jobs`` processes; yields each subject's
    result in input order.  At most ``2 × jobs`` chunks are in flight, so memory stays bounded
    for streams of any length."""
    jobs = default_jobs() if not jobs or jobs < 1 else jobs
    if waivers is not None and as_of is None:
        as_of = dt.date.today()
    if jobs == 1:
        for i, r in enumerate(records):
            yield rs.evaluate_subject(r, index=i, strict=strict, waivers=waivers, as_of=as_of)
        return
    ctx = multiprocessing.get_context(mp_context) if mp_context else None
    with ProcessPoolExecutor(
        max_workers=jobs, mp_context=ctx, initializer=_init, initargs=(rs, strict, waivers, as_of)
    ) as pool:
        pending: list[Any] = []
        it = iter(records)
        start = 0
        exhausted = False
        while True:
            while not exhausted and len(pending) < 2 * jobs:
                chunk = []
                for r in it:
                    chunk.append(r)
                    if len(chunk) >= chunk_size:
                        break
                if not chunk:
                    exhausted = True
                    break
                pending.append(pool.submit(_score, (start, chunk)))
                start += len(chunk)
            if not pending:
                return
            status, payload = pending.pop(0).result()
            if status == "error":
                for f in pending:
                    f.cancel()
                message, rule_id, field = payload
                raise EvaluationError(message, rule_id=rule_id, field=field)
            yield from payload


def evaluate_parallel(
    rs: RuleSet,
    data: Any,
    *,
    jobs: int | None = None,
    strict: bool = False,
    waivers: WaiverSet | None = None,
    as_of: dt.date | None = None,
    chunk_size: int | None = None,
    mp_context: str | None = None,
) -> Report:
    """``rs.evaluate(data, strict=..., waivers=..., as_of=...)`` on ``jobs`` processes
    (``None``/0: every CPU this process may use).  The report is identical to ``jobs=1``;
    small batches (under ``MIN_PER_JOB`` subjects per worker) are scored in this process."""
    records, inputs = _records(data)
    jobs = default_jobs() if not jobs or jobs < 1 else jobs
    jobs = max(1, min(jobs, len(records) // MIN_PER_JOB))
    if jobs == 1:
        return rs.evaluate(data, strict=strict, waivers=waivers, as_of=as_of)
    waiver_info: dict[str, str] | None = None
    if waivers is not None:
        unknown = waivers.unknown_rules(r.id for r in rs.rules if r.kind != "group")
        if unknown:
            raise DataError(unknown)
        as_of = as_of or dt.date.today()
        waiver_info = {"uri": waivers.uri, "sha256": waivers.sha256, "as_of": as_of.isoformat()}
    size = chunk_size or max(1, min(500, math.ceil(len(records) / (jobs * 4))))
    results = tuple(
        imap_subjects(
            rs,
            records,
            jobs=jobs,
            strict=strict,
            waivers=waivers,
            as_of=as_of,
            chunk_size=size,
            mp_context=mp_context,
        )
    )
    return Report(
        rs.provenance(),
        rs.rules,
        results,
        inputs,
        waivers=waiver_info,
        notifications=duplicate_subjects(results),
    )
