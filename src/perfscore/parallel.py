"""Score a large batch on several processes of one machine, with output identical to one.

``evaluate_parallel(rs, records, jobs=4)`` returns exactly the :class:`~perfscore.findings.Report`
that ``rs.evaluate(records)`` returns (same order, same bytes from ``to_json()``): subjects are
cut into contiguous chunks, each worker process scores whole chunks with its own copy of the rule
set (it travels by pickle, see :meth:`RuleSet.__reduce__`), and the parent puts the results back
in input order.  Nothing depends on which worker finished first; ``as_of`` for waivers is fixed
in the parent before any worker starts.

``perfscore score --jobs N`` does not send results back at all: :func:`encode_parallel` has
each worker score *and encode* its chunk in every output format asked for (their
:class:`~perfscore.export.ShardForm`), returning bytes and counters
(:class:`~perfscore.findings.BatchTotals`, :class:`~perfscore.summary.RunSummary`); the parent
only reads the data and writes each file's head and tail around the pieces, which the
workers wrote to files of their own and the kernel copies in input order
(:mod:`perfscore.spans`) — the bytes ``--jobs 1`` writes.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import math
import multiprocessing
import os
import shutil
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import IO, Any

from ._gc import collector_paused
from .errors import EvaluationError
from .export import ExportOptions, ShardForm, atomic_writer
from .findings import BatchTotals, Report, SubjectResult
from .ingest import RawRow
from .ruleset import RuleSet, SubjectBatch
from .spans import Piece, Span
from .standing import measure
from .summary import RunSummary
from .waivers import WaiverSet

__all__ = ["EncodedRun", "default_jobs", "encode_parallel", "evaluate_parallel", "imap_subjects"]

#: Below this many subjects per worker, starting processes costs more than it saves.
MIN_PER_JOB = 50


def default_jobs() -> int:
    """The CPUs this process may use (``--jobs 0`` / ``jobs=None``)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


def _context(name: str | None) -> Any:
    """How the workers start: as ``name`` says (``"spawn"``, ``"forkserver"``, ``"fork"``);
    by default, on Linux while this process runs no other thread, by ``fork`` — each worker
    then starts with this process's imports and its compiled rule set.  Python's own default
    there is ``forkserver`` from 3.14 (``fork`` before), and ``spawn`` on macOS and Windows:
    each worker imports perfscore and re-compiles the rule set it is sent (dept30-adv, 2,000
    departments of CSV to JSON Lines, two workers, load 11–15: 11.2–11.7 s of the workers'
    CPU with ``spawn`` against 8.9–9.7 s forked).  With another thread running, a fork could
    copy a lock that thread holds: Python's default is kept."""
    if name:
        return multiprocessing.get_context(name)
    if sys.platform.startswith("linux") and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return None


# --- worker side -------------------------------------------------------------------------------

_WORKER: dict[str, Any] = {}


def _init(rs: RuleSet, strict: bool, waivers: WaiverSet | None, as_of: dt.date | None) -> None:
    _WORKER.update(rs=rs, strict=strict, waivers=waivers, as_of=as_of)


def _score(chunk: tuple[int, Sequence[Any]]) -> tuple[str, Any]:
    start, records = chunk
    rs: RuleSet = _WORKER["rs"]
    try:
        with collector_paused():  # the chunk's results are all kept (see _encode_chunk)
            results = tuple(
                rs.evaluate_subject(
                    r,
                    index=start + i,
                    strict=_WORKER["strict"],
                    waivers=_WORKER["waivers"],
                    as_of=_WORKER["as_of"],
                )
                for i, r in enumerate(records)
            )
        return "ok", results
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
    ctx = _context(mp_context)
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
    waiving = rs.waiving(waivers, as_of)  # unknown rules refused before any work
    as_of = waiving.as_of
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
    return rs.report(results, inputs=inputs, waiving=waiving)


# --- workers that encode (perfscore score --jobs N) ---------------------------------------------


@dataclass(frozen=True)
class _Encoding:
    """What every encoding worker needs, sent once when it starts."""

    rs: RuleSet
    head: Report
    forms: tuple[tuple[ShardForm, ExportOptions], ...]
    waivers: WaiverSet | None
    as_of: dt.date | None
    spool: str  # the folder where workers write their pieces


#: per output form, per section: the chunk's piece (where a worker wrote it)
Encoded = tuple[tuple[tuple[Piece, ...], ...], BatchTotals, RunSummary]


def _init_encoding(job: _Encoding) -> None:
    _close_spools()
    _WORKER.update(job=job, measure=measure(job.rs.rules), spools={})


def _close_spools() -> None:
    for fd, _, _ in _WORKER.pop("spools", {}).values():
        os.close(fd)


def _spill(form: int, section: int, data: bytes) -> Piece:
    """Append ``data`` to this worker's file for ``(form, section)``; where it went."""
    if not data:
        return b""
    spools: dict[tuple[int, int], list[Any]] = _WORKER["spools"]
    entry = spools.get((form, section))
    if entry is None:
        job: _Encoding = _WORKER["job"]
        fd, path = tempfile.mkstemp(prefix=f"{os.getpid()}-{form}-{section}-", dir=job.spool)
        entry = spools[form, section] = [fd, path, 0]
    fd, path, at = entry
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
    entry[2] = at + len(data)
    return Span(path, at, len(data))


def _encode_chunk(chunk: Sequence[tuple[int, Any]]) -> Encoded:
    """Score a chunk of ``(index, record)`` and encode it in every form, each piece written
    to this worker's spool files; only where they are and counters go back to the parent.

    The collector is paused for the chunk: its results are all kept until it is encoded, so
    each pass found nothing to free and re-scanned them (bureau35, 4,000 subjects: 2,292 passes,
    19 of them full, 1.2 s of 13 s CPU in the workers, against 0.24 s in one process)."""
    with collector_paused():
        return _encode(chunk)


def _encode(chunk: Sequence[tuple[int, Any]]) -> Encoded:
    job: _Encoding = _WORKER["job"]
    return _encode_results(
        job.rs.evaluate_subject(
            row.record(job.rs.inputs) if isinstance(row, RawRow) else row,
            index=index,
            waivers=job.waivers,
            as_of=job.as_of,
        )
        for index, row in chunk
    )


def _encode_results(results: Iterable[SubjectResult]) -> Encoded:
    """A chunk's results encoded in every form of this worker's job."""
    job: _Encoding = _WORKER["job"]
    of = _WORKER["measure"]
    totals = BatchTotals()
    summary = RunSummary(job.rs.rules)
    shard = []
    for result in results:
        st = of(result)
        totals.add(result, st)
        summary.add(result)
        shard.append(st)
    pieces = []
    for i, (form, options) in enumerate(job.forms):
        encoded = form.encode(job.head, shard, options)
        pieces.append(tuple(_spill(i, j, data) for j, data in enumerate(encoded)))
    return tuple(pieces), totals, summary


def encode_results(
    rs: RuleSet,
    results: Iterable[SubjectResult],
    head: Report,
    forms: Sequence[tuple[ShardForm, ExportOptions]],
    *,
    chunk_size: int = 100,
) -> EncodedRun:
    """Results scored elsewhere (by columns: :mod:`perfscore.fastpath`) encoded in this process
    a chunk at a time, as :func:`encode_parallel`'s workers encode theirs: each chunk's results
    are dropped once encoded, so a JSON or CSV findings file of any size is written from bytes
    on disk, not from every subject's findings held in memory.  Close the returned run when
    its outputs are written."""
    spool = tempfile.mkdtemp(prefix="perfscore-jobs-")
    job = _Encoding(rs, head, tuple(forms), None, None, spool)
    run = EncodedRun(job.forms, BatchTotals(), RunSummary(rs.rules), spool)
    run.pieces = [[[] for _ in range(form.sections)] for form, _ in job.forms]
    it = iter(results)
    try:
        _init_encoding(job)
        try:
            while True:
                chunk = list(itertools.islice(it, chunk_size))
                if not chunk:
                    return run
                with collector_paused():
                    run.add(_encode_results(chunk))
                del chunk
        finally:
            _close_spools()
    except BaseException:
        run.close()
        raise


@dataclass
class EncodedRun:
    """A scored and encoded batch: per output form, its sections' pieces in input order (in
    the workers' files under ``spool``), and the counters over every subject."""

    forms: tuple[tuple[ShardForm, ExportOptions], ...]
    totals: BatchTotals
    summary: RunSummary
    spool: str
    pieces: list[list[list[Piece]]] = field(default_factory=list)

    def add(self, encoded: Encoded) -> int:
        """Append one chunk's pieces and counters; the number of subjects it held."""
        sections, totals, summary = encoded
        for pieces, chunk in zip(self.pieces, sections, strict=True):
            for section, piece in zip(pieces, chunk, strict=True):
                section.append(piece)
        self.totals.merge(totals)
        self.summary.merge(summary)
        return totals.count

    def write(self, form: int, head: Report, out: IO[bytes]) -> None:
        """Write output ``form`` whole: ``head`` (the run without subjects, with the run's own
        notifications) around the pieces, which the kernel copies from the workers' files."""
        shard_form, options = self.forms[form]
        shard_form.assemble(head, self.totals, self.pieces[form], options, out)

    def write_to(self, paths: Sequence[str | None], head: Report, stdout: IO[str]) -> None:
        """Write every output form in turn: form ``i`` to ``paths[i]`` atomically, or (None) to
        ``stdout`` as text."""
        for i, path in enumerate(paths):
            if path is not None:
                with atomic_writer(path) as fh:
                    self.write(i, head, fh)
            else:
                buf = io.BytesIO()
                self.write(i, head, buf)
                stdout.write(buf.getvalue().decode("utf-8"))

    def close(self) -> None:
        """Delete the workers' files."""
        shutil.rmtree(self.spool, ignore_errors=True)


def encode_parallel(
    rs: RuleSet,
    records: Iterable[tuple[int, Any]],
    head: Report,
    forms: Sequence[tuple[ShardForm, ExportOptions]],
    *,
    jobs: int | None = None,
    waivers: WaiverSet | None = None,
    as_of: dt.date | None = None,
    chunk_size: int = 100,
    on_chunk: Callable[[int], None] | None = None,
    mp_context: str | None = None,
) -> EncodedRun:
    """Score ``(index, record)`` pairs (read lazily) on ``jobs`` processes, each chunk encoded
    by its worker in every form; at most ``2 × jobs`` chunks are in flight, so memory stays
    bounded.  ``on_chunk(n)`` is called as each chunk of ``n`` subjects comes back, in input
    order.  Close the returned run when its outputs are written."""
    jobs = default_jobs() if not jobs or jobs < 1 else jobs
    spool = tempfile.mkdtemp(prefix="perfscore-jobs-")
    job = _Encoding(rs, head, tuple(forms), waivers, as_of, spool)
    run = EncodedRun(job.forms, BatchTotals(), RunSummary(rs.rules), spool)
    run.pieces = [[[] for _ in range(form.sections)] for form, _ in job.forms]
    it = iter(records)

    def chunks() -> Iterator[list[tuple[int, Any]]]:
        while True:
            chunk = [r for _, r in zip(range(chunk_size), it, strict=False)]
            if not chunk:
                return
            yield chunk

    try:
        if jobs == 1:
            _init_encoding(job)
            try:
                for chunk in chunks():
                    n = run.add(_encode_chunk(chunk))
                    if on_chunk is not None:
                        on_chunk(n)
            finally:
                _close_spools()
            return run
        ctx = _context(mp_context)
        with ProcessPoolExecutor(
            max_workers=jobs, mp_context=ctx, initializer=_init_encoding, initargs=(job,)
        ) as pool:
            pending: list[Future[Encoded]] = []
            source = chunks()
            for chunk in source:
                pending.append(pool.submit(_encode_chunk, chunk))
                if len(pending) >= 2 * jobs:
                    n = run.add(pending.pop(0).result())
                    if on_chunk is not None:
                        on_chunk(n)
            for future in pending:
                n = run.add(future.result())
                if on_chunk is not None:
                    on_chunk(n)
        return run
    except BaseException:
        run.close()
        raise
