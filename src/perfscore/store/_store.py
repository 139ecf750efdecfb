"""The results store: an SQLite file by default, PostgreSQL by URL, through SQLAlchemy Core.

Writing: :meth:`Store.add` takes a findings document (a ``.json`` or ``.jsonl`` file, the
parsed document, or a :class:`~perfscore.findings.Report`) and stores it as one immutable run,
in ONE transaction: a process killed half-way leaves nothing behind.  The run's content hash
(everything stored, in order) is unique, so adding the same document twice — even from two
processes at once — stores it once.

Reading: the *current* result of a department for a period is the one from the latest run
that scored it (optionally restricted to one rule set); history, compare and rank read those.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import sqlalchemy as sa

from ..findings import Report
from . import _schema as S
from ._db import (
    _display,
    _periods,
    _sqlite_begin,
    _sqlite_connect,
    _subjects_query,
    _Tx,
    _Writer,
    engine_url,
)
from ._documents import _from_document, _from_jsonl, _Header, _input_records, _SubjectIn
from ._model import (
    AddResult,
    Method,
    RunInfo,
    StoredFinding,
    StoredSubject,
    StoreError,
    _json,
    _load,
)
from ._rows import (
    HASHED,
    _finding_row,
    _hash_row,
    _run_info,
    _stored_finding,
    _stored_subject,
    _subject_row,
)

if TYPE_CHECKING:
    from ._analysis import Comparison, History, Ranking, Rescore

__all__ = ["DEFAULT_URL", "Store", "engine_url"]

DEFAULT_URL = "perfscore.db"


# --- the store -----------------------------------------------------------------------------


class Store:
    """A results store.  ``Store("perfscore.db")`` or ``Store("postgresql://user@host/db")``;
    use as a context manager (or call :meth:`close`)."""

    def __init__(self, url: str | os.PathLike[str] = DEFAULT_URL, *, timeout: float = 300) -> None:
        self.url = os.fspath(url)
        #: the URL for messages: a password in it is shown as ***
        self.display_url = _display(self.url)
        full = engine_url(url)
        try:
            if full.startswith("sqlite"):
                self.engine = sa.create_engine(full, connect_args={"timeout": timeout})
                sa.event.listen(self.engine, "connect", _sqlite_connect)
                sa.event.listen(self.engine, "begin", _sqlite_begin)
            else:
                self.engine = sa.create_engine(full)
        except (sa.exc.ArgumentError, ImportError) as e:
            raise StoreError(f"cannot open store {self.display_url!r}: {e}") from e
        self.dialect = self.engine.dialect.name
        self._rules: dict[int, list[Mapping[str, Any]]] = {}  # runs are immutable
        try:
            with self._read() as conn:  # an up-to-date store is opened without the write lock
                self.migrated_from = S.current_version(conn)
            if self.migrated_from != S.SCHEMA_VERSION:
                with self._write() as conn:
                    self.migrated_from = S.migrate(conn)
        except sa.exc.OperationalError as e:
            msg = str(e.orig).replace(self.url, self.display_url)
            raise StoreError(f"cannot open store {self.display_url!r}: {msg}") from e

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _write(self) -> _Tx:
        return _Tx(self.engine.connect().execution_options(perfscore_write=True))

    def _read(self) -> _Tx:
        return _Tx(self.engine.connect())

    # --- writing -------------------------------------------------------------------------

    def add(
        self,
        doc: str | os.PathLike[str] | Mapping[str, Any] | Report,
        *,
        records: Sequence[Any] | None = None,
        source: str | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> AddResult:
        """Store one findings document as a run (a no-op when its content is already stored).

        ``records`` are the subjects' input records, in the document's subject order (stored
        so the run can be re-scored).  For a file, when they are not given, the data files the
        document names in ``run.inputs`` are read if they are still there unchanged.
        ``progress`` is called with the number of subjects written so far, per batch."""
        tail: dict[str, Any] = {}
        if isinstance(doc, Report):
            header, pairs = _from_document(doc.to_dict())
            source = source or "report"
        elif isinstance(doc, Mapping):
            header, pairs = _from_document(doc)
        else:
            path = Path(doc)
            source = source or str(doc)
            try:
                if path.suffix == ".jsonl":
                    header, pairs, tail = _from_jsonl(path)
                else:
                    with path.open("r", encoding="utf-8") as fh:
                        parsed = json.load(fh, parse_float=Decimal)
                    if not isinstance(parsed, Mapping):
                        raise StoreError(f"{path}: not a findings document")
                    header, pairs = _from_document(parsed)
            except OSError as e:
                raise StoreError(f"cannot read {path}: {e.strerror or e}") from e
            except ValueError as e:
                raise StoreError(f"{path}: not JSON: {e}") from e
            if records is None:
                records = _input_records(header.inputs, path.parent)
        try:
            return self._ingest(header, pairs, tail, records, source, progress)
        except sa.exc.OperationalError as e:  # locked past the timeout, server gone, disk full
            raise StoreError(f"cannot write to the store {self.display_url!r}: {e.orig}") from e

    def _ingest(
        self,
        header: _Header,
        pairs: Iterator[_SubjectIn],
        tail: dict[str, Any],
        records: Sequence[Any] | None,
        source: str | None,
        progress: Callable[[int], None] | None,
    ) -> AddResult:
        rs = header.ruleset
        method = Method(str(rs["id"]), str(rs.get("version", "")), str(rs["sha256"]))
        fixed = {
            "run_id": header.run_id,
            "format_version": header.format_version,
            "tool_version": header.tool_version,
            "ruleset_id": method.id,
            "ruleset_version": method.version,
            "ruleset_sha256": method.sha256,
            "ruleset_json": _json(rs),
            "rules_json": _json(header.rules),
            "inputs_json": _json(header.inputs),
        }
        h = hashlib.sha256()
        for k in sorted(fixed):  # not the run id: JSON and JSON Lines derive it differently
            if k != "run_id":
                h.update(f"{k}\x1f{fixed[k]}\x1e".encode())
        tx = self._write()
        content = ""
        try:
            with tx as conn:
                inserted = conn.execute(
                    S.runs.insert().values(
                        **fixed,
                        content_sha256="pending-" + uuid.uuid4().hex,
                        complete=False,
                        subject_count=0,
                        finding_count=0,
                        source=source,
                        ingested_at=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                    )
                ).inserted_primary_key
                assert inserted is not None
                pk = int(inserted[0])
                writer = _Writer(conn, pk)
                n_subjects = n_findings = stored_inputs = 0
                complete = True
                for idx, (sres, flist) in enumerate(pairs):
                    record = records[idx] if records is not None and idx < len(records) else None
                    srow = _subject_row(pk, idx, sres, record)
                    stored_inputs += record is not None
                    _hash_row(h, srow[HASHED])
                    complete = complete and bool(srow[13])
                    writer.subject(srow)
                    for f in flist:
                        frow = _finding_row(pk, idx, f)
                        _hash_row(h, frow[1:])
                        writer.finding(frow)
                        n_findings += 1
                    n_subjects += 1
                    if progress is not None and writer.take_flushed():
                        progress(n_subjects)
                writer.flush()
                if records is not None and len(records) != n_subjects:
                    raise StoreError(
                        f"{len(records)} input records for {n_subjects} subjects: they must match "
                        "one to one, in the document's order"
                    )
                if header.complete is not None:
                    complete = header.complete
                elif "complete" in tail:
                    complete = bool(tail["complete"])
                content = "sha256:" + h.hexdigest()
                existing = conn.execute(
                    sa.select(S.runs.c.pk).where(S.runs.c.content_sha256 == content)
                ).scalar()
                if existing is None:
                    conn.execute(
                        S.runs.update()
                        .where(S.runs.c.pk == pk)
                        .values(
                            content_sha256=content,
                            complete=complete,
                            subject_count=n_subjects,
                            finding_count=n_findings,
                        )
                    )
                else:
                    tx.rollback()  # the same content is stored already: this add is a no-op
        except sa.exc.IntegrityError as e:
            # another process stored the same content while this one was writing (PostgreSQL
            # waits on the unique index until that commits): this add is a no-op after all
            with self._read() as conn:
                existing = conn.execute(
                    sa.select(S.runs.c.pk).where(S.runs.c.content_sha256 == content)
                ).scalar()
            if existing is None:  # e.g. two findings for one rule of one subject
                raise StoreError(f"cannot store the document: {e.orig}") from e
        if existing is not None:
            return AddResult(self.run(existing), added=False)
        return AddResult(self.run(pk), added=True, inputs_stored=stored_inputs)

    # --- reading -------------------------------------------------------------------------

    def runs(self) -> list[RunInfo]:
        """Every stored run, oldest first."""
        with self._read() as conn:
            rows = conn.execute(sa.select(S.runs).order_by(S.runs.c.pk)).mappings().all()
            periods = _periods(conn, None)
        return [_run_info(r, periods.get(r["pk"], ())) for r in rows]

    def run(self, ref: int | str) -> RunInfo:
        """A run by number (``3``), content hash or run id prefix (at least 6 hex digits)."""
        with self._read() as conn:
            q = sa.select(S.runs)
            text = str(ref).removeprefix("run:").removeprefix("#")
            if isinstance(ref, int) or (text.isdigit() and len(text) < 6):
                rows = conn.execute(q.where(S.runs.c.pk == int(text))).mappings().all()
            else:
                if len(text) < 6:
                    raise StoreError(f"run {ref!r}: give its number or at least 6 hex digits")
                like = text.lower().removeprefix("sha256:") + "%"
                rows = (
                    conn.execute(
                        q.where(
                            sa.or_(
                                S.runs.c.content_sha256.like("sha256:" + like),
                                S.runs.c.run_id.like(like),
                            )
                        )
                    )
                    .mappings()
                    .all()
                )
            if not rows:
                raise StoreError(f"no stored run {ref!r} (see: perfscore store runs)")
            if len(rows) > 1:
                raise StoreError(
                    f"run {ref!r} is ambiguous: runs {', '.join(str(r['pk']) for r in rows)}"
                )
            row = rows[0]
            periods = _periods(conn, row["pk"])
        return _run_info(row, periods.get(row["pk"], ()))

    def subjects(
        self,
        *,
        key: str | None = None,
        period: int | None = None,
        run: int | None = None,
        ruleset: str | None = None,
        latest: bool = True,
        points: bool = True,
    ) -> list[StoredSubject]:
        """Stored subjects matching the filters.  With ``latest`` (the default), one per
        (key, period): the one from the latest run that scored it.  ``points=False`` leaves
        the indicator points out (faster, for ranking)."""
        params = {"key": key, "period": period, "run": run}
        q = _subjects_query(points, *(v is not None for v in params.values()))
        with self._read() as conn:
            result = conn.execute(q, {k: v for k, v in params.items() if v is not None})
            rows = result.mappings().all()
        out = [_stored_subject(row) for row in rows]
        if ruleset is not None:
            out = [x for x in out if x.method.matches(ruleset)]
        if latest:
            current: dict[tuple[str, str, int | None], StoredSubject] = {}
            for x in out:  # ordered by run: later runs replace earlier ones
                current[(x.subject.type, x.subject.key, x.subject.period)] = x
            out = list(current.values())
        return out

    def findings(self, subjects: Sequence[StoredSubject]) -> list[StoredSubject]:
        """The same subjects with their findings loaded."""
        wanted: dict[int, set[int]] = {}
        for x in subjects:
            if not x.rescored:
                wanted.setdefault(x.run, set()).add(x.index)
        got: dict[tuple[int, int], list[StoredFinding]] = {}
        f = S.findings
        with self._read() as conn:
            for run_pk, idxs in wanted.items():
                q = sa.select(f).where(f.c.run_pk == run_pk)
                chunks: list[list[int] | None] = [None]
                total = conn.execute(
                    sa.select(S.runs.c.subject_count).where(S.runs.c.pk == run_pk)
                ).scalar()
                if len(idxs) * 2 < (total or 0):
                    ordered = sorted(idxs)
                    chunks = [ordered[i : i + 500] for i in range(0, len(ordered), 500)]
                for chunk in chunks:
                    qq = q if chunk is None else q.where(f.c.subject_idx.in_(chunk))
                    for row in conn.execute(qq.order_by(f.c.subject_idx)).mappings():
                        if row["subject_idx"] in idxs:
                            got.setdefault((run_pk, row["subject_idx"]), []).append(
                                _stored_finding(row)
                            )
        out = []
        for x in subjects:
            if x.rescored:
                out.append(x)
            else:
                out.append(replace(x, findings=tuple(got.get((x.run, x.index), ()))))
        return out

    def records(self, subjects: Sequence[StoredSubject]) -> list[Any | None]:
        """The stored input record of each subject (``None`` where none was stored)."""
        s = S.subjects
        keys = {(x.run, x.index) for x in subjects}
        got: dict[tuple[int, int], Any] = {}
        with self._read() as conn:
            for run_pk in {k[0] for k in keys}:
                idxs = sorted(i for r, i in keys if r == run_pk)
                for i in range(0, len(idxs), 500):
                    q = sa.select(s.c.idx, s.c.record).where(
                        s.c.run_pk == run_pk, s.c.idx.in_(idxs[i : i + 500])
                    )
                    for idx, rec in conn.execute(q):
                        if rec is not None:
                            got[(run_pk, idx)] = _load(rec)
        return [got.get((x.run, x.index)) for x in subjects]

    def rules(self, run: int) -> list[Mapping[str, Any]]:
        """The rule metadata a run was scored with (ids, titles, weights, kinds)."""
        if run not in self._rules:
            with self._read() as conn:
                q = sa.select(S.runs.c.rules_json).where(S.runs.c.pk == run)
                text = conn.execute(q).scalar()
            if text is None:
                raise StoreError(f"no stored run {run}")
            self._rules[run] = _load(text)
        return self._rules[run]

    # --- analyses (see _analysis) ---------------------------------------------------------

    def history(self, key: str, *, ruleset: str | None = None, rescore: Rescore = None) -> History:
        """One department's total, grade and indicator points across periods."""
        from ._analysis import history

        return history(self, key, ruleset=ruleset, rescore=rescore)

    def compare(
        self, a: str | int, b: str | int, *, ruleset: str | None = None, rescore: Rescore = None
    ) -> Comparison:
        """Two periods (``2022``, ``2023``) or two runs (``"run:3"``, a hash prefix)."""
        from ._analysis import compare

        return compare(self, a, b, ruleset=ruleset, rescore=rescore)

    def rank(
        self,
        period: int,
        *,
        by: Literal["parent"] | None = None,
        ruleset: str | None = None,
        rescore: Rescore = None,
    ) -> Ranking:
        """The graded subjects of a period, ranked (within each parent with ``by="parent"``)."""
        from ._analysis import rank

        return rank(self, period, by=by, ruleset=ruleset, rescore=rescore)
