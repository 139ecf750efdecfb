"""The database under the store: URLs (SQLite by path, PostgreSQL by URL), one transaction per
connection, SQLite's pragmas and write lock, the batched row writer (executemany on SQLite, COPY
on PostgreSQL) and the subjects query."""

from __future__ import annotations

import os
import sqlite3
import time
from typing import Any

import sqlalchemy as sa

from . import _schema as S
from ._model import (
    StoreError,
)

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
    _wal(cur)  # readers are not blocked by a long ingest
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def _wal(cur: Any, wait: float = 60.0) -> None:
    """Switch the file to WAL.  Two processes opening a new store at the same instant both ask for
    the switch, and SQLite refuses one of them at once ("database is locked"), without the busy
    timeout that every other statement waits for — so wait here, briefly and repeatedly."""
    deadline = time.monotonic() + wait
    pause = 0.005
    while True:
        try:
            cur.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as e:
            if "locked" not in str(e) or time.monotonic() > deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.1)


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


def _periods(conn: sa.Connection, run_pk: int | None) -> dict[int, tuple[int, ...]]:
    s = S.subjects
    q = sa.select(s.c.run_pk, s.c.period).distinct().where(s.c.period.is_not(None))
    if run_pk is not None:
        q = q.where(s.c.run_pk == run_pk)
    out: dict[int, list[int]] = {}
    for pk, period in conn.execute(q):
        out.setdefault(pk, []).append(period)
    return {k: tuple(sorted(v)) for k, v in out.items()}
