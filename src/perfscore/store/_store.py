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
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import sqlalchemy as sa

from ..errors import PerfscoreError
from ..findings import Report
from ..numbers import json_number
from ..subjects import Subject
from . import _schema as S
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

if TYPE_CHECKING:
    from ._analysis import Comparison, History, Ranking, Rescore

__all__ = ["DEFAULT_URL", "Store", "engine_url"]

DEFAULT_URL = "perfscore.db"
_BATCH = 5000
_SUBJECT_COLS = [c.name for c in S.subjects.columns]
_FINDING_COLS = [c.name for c in S.findings.columns]


def engine_url(url: str | os.PathLike[str]) -> str:
    """``perfscore.db`` / ``sqlite:///x.db`` / ``postgresql://…`` → an SQLAlchemy URL."""
    text = os.fspath(url)
    if text.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + text.split("://", 1)[1]
    if "://" in text:
        if not text.startswith(("sqlite:", "postgresql+psycopg:")):
            raise StoreError(
                f"unsupported store URL {text!r}: use a file path (SQLite) or postgresql://…"
            )
        return text
    return "sqlite:///" + text


def _display(url: str) -> str:
    if "://" not in url:
        return url
    try:
        shown: str = sa.engine.make_url(url).render_as_string(hide_password=True)
        return shown
    except sa.exc.ArgumentError:
        return url.split("://", 1)[0] + "://…"


def _num(x: Any) -> str | None:
    """A number as the findings document writes it (``json_number``), with a fast path for
    the plain decimals a parsed document holds."""
    if x is None:
        return None
    t = type(x)
    if t is Decimal:
        text = str(x)
        if "E" not in text:
            _, dot, tail = text.partition(".")
            if not dot:
                return "0" if text == "-0" else text
            if len(tail) <= 10:
                text = text.rstrip("0").rstrip(".")
                return "0" if text in ("-0", "") else text
        return json_number(x)
    if t is int:
        return str(x)
    if isinstance(x, bool):
        raise StoreError(f"expected a number, got {x!r}")
    if isinstance(x, int):
        return str(int(x))
    if isinstance(x, float):
        return json_number(Decimal(repr(x)))
    if isinstance(x, Decimal):
        return json_number(x)
    raise StoreError(f"expected a number, got {x!r}")


def _dec(x: str | None) -> Decimal | None:
    return None if x is None else Decimal(x)


def _plain(x: Any) -> Any:
    """Input records as JSON-ready data (dates as ISO text); Decimals stay exact."""
    if isinstance(x, Mapping):
        return {str(k): _plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_plain(v) for v in x]
    if x is None or isinstance(x, (str, bool, int, Decimal)):
        return x
    if isinstance(x, float):
        return Decimal(repr(x)) if x == x and x not in (float("inf"), float("-inf")) else str(x)
    if isinstance(x, (dt.date, dt.datetime)):
        return x.isoformat()
    return str(x)


# --- reading findings documents ------------------------------------------------------------


@dataclass
class _Header:
    run_id: str
    format_version: str
    tool_version: str
    ruleset: Mapping[str, Any]
    rules: list[Any]
    inputs: list[Any]
    complete: bool | None


_SubjectIn = tuple[Mapping[str, Any], list[Mapping[str, Any]]]


def _header(run: Mapping[str, Any], tool: Any, fmt: Any, rules: Any) -> _Header:
    rs = run.get("ruleset")
    if not isinstance(rs, Mapping) or not all(isinstance(rs.get(k), str) for k in ("id", "sha256")):
        raise StoreError("the document's run has no rule set (id, version, sha256)")
    return _Header(
        run_id=str(run.get("id") or run.get("run_id") or ""),
        format_version=str(fmt or "1.0"),
        tool_version=str(tool.get("version") if isinstance(tool, Mapping) else "") or "unknown",
        ruleset=rs,
        rules=list(rules or []),
        inputs=list(run.get("inputs") or []),
        complete=run.get("complete") if isinstance(run.get("complete"), bool) else None,
    )


def _from_document(doc: Mapping[str, Any]) -> tuple[_Header, Iterator[_SubjectIn]]:
    if doc.get("format") != "perfscore.findings":
        raise StoreError("not a perfscore findings document (format is not perfscore.findings)")
    run = doc.get("run") or {}
    header = _header(run, doc.get("tool"), doc.get("format_version"), doc.get("rules"))
    subjects = list(doc.get("subjects") or [])

    def pairs() -> Iterator[_SubjectIn]:
        # findings are written subject by subject; a subject's block ends when its id changes
        # or a rule repeats (two subjects with one id stay apart)
        by_pos: list[list[Mapping[str, Any]]] = [[] for _ in subjects]
        positions: dict[str, list[int]] = {}
        for i, s in enumerate(subjects):
            positions.setdefault(str(s["subject"]["id"]), []).append(i)
        cursor: dict[str, int] = {}
        seen: dict[int, set[str]] = {}
        for f in doc.get("findings") or []:
            sid = str(f["subject"]["id"])
            slots = positions.get(sid)
            if not slots:
                raise StoreError(f"finding {f.get('rule_id')!r} names unknown subject {sid!r}")
            c = cursor.get(sid, 0)
            if f["rule_id"] in seen.setdefault(slots[c], set()) and c + 1 < len(slots):
                c += 1
                cursor[sid] = c
            seen.setdefault(slots[c], set()).add(f["rule_id"])
            by_pos[slots[c]].append(f)
        for s, fs in zip(subjects, by_pos, strict=True):
            yield s, fs

    return header, pairs()


def _from_jsonl(path: Path) -> tuple[_Header, Iterator[_SubjectIn], dict[str, Any]]:
    fh = path.open("r", encoding="utf-8")
    first = fh.readline()
    head = _load(first) if first.strip() else {}
    if not isinstance(head, Mapping) or head.get("record") != "run":
        fh.close()
        raise StoreError(f"{path}: the first line is not a perfscore JSON Lines 'run' record")
    run = {**head, "id": head.get("run_id")}
    header = _header(run, head.get("tool"), head.get("format_version"), head.get("rules"))
    tail: dict[str, Any] = {}

    def pairs() -> Iterator[_SubjectIn]:
        current: tuple[Mapping[str, Any], list[Mapping[str, Any]]] | None = None
        with fh:
            for n, line in enumerate(fh, start=2):
                if not line.strip():
                    continue
                try:
                    rec = _load(line)
                except ValueError as e:
                    raise StoreError(f"{path}:{n}: not JSON: {e}") from None
                kind = rec.get("record")
                if kind == "subject":
                    if current is not None:
                        yield current
                    current = (rec, [])
                elif kind == "finding":
                    if current is None:
                        raise StoreError(f"{path}:{n}: a finding before any subject")
                    current[1].append(rec)
                elif kind == "summary":
                    tail.update(rec)
            if current is not None:
                yield current
        if not tail:
            raise StoreError(f"{path}: no summary line: the file is truncated")

    return header, pairs(), tail


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
                    _hash_row(h, srow[1:-1])
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


_QUERIES: dict[tuple[bool, ...], sa.TextClause] = {}


def _subjects_query(points: bool, key: bool, period: bool, run: bool) -> sa.TextClause:
    """The subjects query for these filters, built once as plain SQL text (a select this wide
    costs more to build and cache-key than to run)."""
    cached = _QUERIES.get((points, key, period, run))
    if cached is not None:
        return cached
    s, r = S.subjects, S.runs
    skip = {"record"} if points else {"record", "scores_json"}
    q = sa.select(
        *[s.c[c] for c in _SUBJECT_COLS if c not in skip],
        (s.c.record.is_not(None)).label("has_record"),
        r.c.ruleset_id,
        r.c.ruleset_version,
        r.c.ruleset_sha256,
    ).join(r, r.c.pk == s.c.run_pk)
    if key:
        q = q.where(s.c.key == sa.bindparam("key"))
    if period:
        q = q.where(s.c.period == sa.bindparam("period"))
    if run:
        q = q.where(s.c.run_pk == sa.bindparam("run"))
    text = sa.text(str(q.order_by(s.c.run_pk, s.c.idx)))
    _QUERIES[(points, key, period, run)] = text
    return text


class _Tx:
    """One transaction on one connection; commits on success, rolls back on any exception
    (or after :meth:`rollback`), and always closes the connection."""

    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn

    def __enter__(self) -> sa.Connection:
        self.tx = self.conn.begin()
        self.keep = True
        return self.conn

    def rollback(self) -> None:
        self.keep = False

    def __exit__(self, exc_type: object, *rest: object) -> None:
        try:
            if exc_type is None and self.keep:
                self.tx.commit()
            else:
                self.tx.rollback()
        finally:
            self.conn.close()


def _sqlite_connect(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.isolation_level = None  # transactions are begun explicitly below
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")  # readers are not blocked by a long ingest
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def _sqlite_begin(conn: sa.Connection) -> None:
    # a writer takes the write lock up front: two writers queue instead of deadlocking
    write = conn.get_execution_options().get("perfscore_write", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


class _Writer:
    """Buffers rows and writes them in batches: executemany on SQLite, COPY on PostgreSQL."""

    def __init__(self, conn: sa.Connection, run_pk: int) -> None:
        self.conn = conn
        self.copy = conn.dialect.name == "postgresql"
        self.subjects: list[tuple[Any, ...]] = []
        self.rows: list[tuple[Any, ...]] = []
        self._flushed = False
        d = conn.dialect
        self.sql_subject = str(S.subjects.insert().compile(dialect=d))
        self.sql_finding = str(S.findings.insert().compile(dialect=d))

    def subject(self, row: tuple[Any, ...]) -> None:
        self.subjects.append(row)

    def finding(self, row: tuple[Any, ...]) -> None:
        self.rows.append(row)
        if len(self.rows) >= _BATCH:
            self.flush()

    def take_flushed(self) -> bool:
        """True once after each batch written (for progress reports)."""
        flushed, self._flushed = self._flushed, False
        return flushed

    def flush(self) -> None:
        if self.subjects:
            self._put("subjects", _SUBJECT_COLS, self.sql_subject, self.subjects)
            self.subjects = []
        if self.rows:
            self._put("findings", _FINDING_COLS, self.sql_finding, self.rows)
            self.rows = []
        self._flushed = True

    def _put(self, table: str, cols: list[str], sql: str, rows: list[tuple[Any, ...]]) -> None:
        if not self.copy:
            self.conn.exec_driver_sql(sql, rows)
            return
        import psycopg

        try:
            with self.conn.begin_nested():  # a savepoint: a refused batch can be retried
                self._copy(table, cols, rows)
        except psycopg.DataError:
            # PostgreSQL text cannot hold NUL (U+0000): it is stored as U+FFFD instead
            self._copy(table, cols, [_no_nul(r) for r in rows])

    def _copy(self, table: str, cols: list[str], rows: list[tuple[Any, ...]]) -> None:
        raw = self.conn.connection.driver_connection
        assert raw is not None
        with (
            raw.cursor() as cur,
            cur.copy(f"COPY {table} ({', '.join(_quote(c) for c in cols)}) FROM STDIN") as cp,
        ):
            for row in rows:
                cp.write_row(row)


def _no_nul(row: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(v.replace("\x00", "\ufffd") if isinstance(v, str) else v for v in row)


def _quote(col: str) -> str:
    return f'"{col}"'


def _hash_row(h: Any, row: Iterable[Any]) -> None:
    h.update(("\x1f".join("\x00" if v is None else str(v) for v in row) + "\x1e").encode())


def _subject_row(pk: int, idx: int, s: Mapping[str, Any], record: Any | None) -> tuple[Any, ...]:
    subj = s.get("subject")
    if not isinstance(subj, Mapping) or "id" not in subj:
        raise StoreError(f"subject #{idx + 1} has no subject id")
    sid = str(subj["id"])
    period = subj.get("period")
    if period is not None and (isinstance(period, bool) or not isinstance(period, int)):
        raise StoreError(f"subject {sid!r}: period {period!r} is not a year")
    scores = {
        str(x["rule_id"]): _num(x.get("points")) for x in s.get("scores") or () if "rule_id" in x
    }
    row = (
        pk,
        idx,
        sid,
        str(subj.get("key") or sid),
        str(subj.get("type") or "department"),
        subj.get("name"),
        period,
        _num(s.get("total")),
        _num(s.get("max")),
        s.get("grade"),
        s.get("grade_label"),
        s.get("grade_reason"),
        _num(s.get("coverage")),
        bool(s.get("complete", True)),
        json.dumps(scores, ensure_ascii=False, separators=(",", ":")),
        subj.get("parent"),
        None if record is None else _json(_plain(record)),
    )
    return row


def _finding_row(pk: int, idx: int, f: Mapping[str, Any]) -> tuple[Any, ...]:
    m = f.get("measurement") or {}
    value = m.get("value")
    if value is not None:
        value = _num(value) if type(value) in (Decimal, int) else _json(value)
    return (
        pk,
        idx,
        str(f["rule_id"]),
        str(f.get("kind") or "indicator"),
        str(f["outcome"]),
        str(f.get("severity") or "none"),
        str(f["fingerprint"]),
        _num(m.get("points")),
        _num(m.get("weight")),
        m.get("grade"),
        value,
        m.get("display"),
        str(f.get("message") or ""),
        f.get("reason"),
    )


def _input_records(inputs: Sequence[Any], base: Path) -> list[Any] | None:
    """The records of the data files a document names, when they are still there unchanged."""
    from ..ruleset import load_subjects

    records: list[Any] = []
    if not inputs:
        return None
    for i in inputs:
        if not isinstance(i, Mapping) or not isinstance(i.get("uri"), str):
            return None
        for cand in (Path(i["uri"]), base / i["uri"]):
            if cand.is_file() and hashlib.sha256(cand.read_bytes()).hexdigest() == i.get("sha256"):
                try:
                    records.extend(load_subjects(cand).records)
                except PerfscoreError:
                    return None
                break
        else:
            return None
    return records


def _periods(conn: sa.Connection, run_pk: int | None) -> dict[int, tuple[int, ...]]:
    s = S.subjects
    q = sa.select(s.c.run_pk, s.c.period).distinct().where(s.c.period.is_not(None))
    if run_pk is not None:
        q = q.where(s.c.run_pk == run_pk)
    out: dict[int, list[int]] = {}
    for pk, period in conn.execute(q):
        out.setdefault(pk, []).append(period)
    return {k: tuple(sorted(v)) for k, v in out.items()}


def _run_info(r: Mapping[Any, Any], periods: tuple[int, ...]) -> RunInfo:
    return RunInfo(
        number=r["pk"],
        content_sha256=r["content_sha256"],
        run_id=r["run_id"],
        method=Method(r["ruleset_id"], r["ruleset_version"], r["ruleset_sha256"]),
        tool_version=r["tool_version"],
        format_version=r["format_version"],
        complete=bool(r["complete"]),
        subjects=r["subject_count"],
        findings=r["finding_count"],
        source=r["source"],
        ingested_at=r["ingested_at"],
        periods=periods,
    )


def _stored_subject(r: Mapping[Any, Any]) -> StoredSubject:
    scores = r.get("scores_json")
    points = {} if scores is None else {k: _dec(v) for k, v in json.loads(scores).items()}
    return StoredSubject(
        run=r["run_pk"],
        index=r["idx"],
        subject=Subject(
            r["subject_id"],
            r["name"],
            r["type"],
            key=r["key"],
            period=r["period"],
            parent=r["parent"],
        ),
        method=Method(r["ruleset_id"], r["ruleset_version"], r["ruleset_sha256"]),
        total=_dec(r["total"]),
        max=_dec(r["max"]),
        grade=r["grade"],
        grade_label=r["grade_label"],
        grade_reason=r["grade_reason"],
        coverage=_dec(r["coverage"]),
        complete=bool(r["complete"]),
        points=points,
        has_record=bool(r["has_record"]),
    )


def _stored_finding(r: Mapping[Any, Any]) -> StoredFinding:
    return StoredFinding(
        rule_id=r["rule_id"],
        kind=r["kind"],
        outcome=r["outcome"],
        severity=r["severity"],
        fingerprint=r["fingerprint"],
        points=_dec(r["points"]),
        weight=_dec(r["weight"]),
        grade=r["grade"],
        value=None if r["value"] is None else _load(r["value"]),
        display=r["display"],
        message=r["message"],
        reason=r["reason"],
    )
