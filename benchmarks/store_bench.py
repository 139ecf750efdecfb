"""The results store at scale: ingest N subjects × 30 findings (JSON Lines, as ``perfscore
score --format jsonl`` writes it) and history/rank over ~1,000,000 stored findings, on SQLite
and PostgreSQL, as ratios against hand-written baselines in the same run:

* ingest baseline: read the same file line by line with ``json.loads``, build the same row
  tuples, insert them with the driver's ``executemany`` (sqlite3) or ``COPY`` (psycopg), in one
  transaction, into the same tables — no SQLAlchemy, no hashing, no checks;
* query baselines: one plain SQL query through the driver and the same answer built in a few
  lines of Python (latest run per period, totals as Decimals, competition ranks).

PostgreSQL comes from ``PERFSCORE_BENCH_PG_URL`` or ``PERFSCORE_TEST_PG_URL`` (each run gets
fresh databases); without it those rows say so.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import gen

import perfscore
from perfscore.export import JsonlWriter

ROW = Callable[[str, str, str], None]


def _fp(ruleset_id: str, rule_id: str, key: str) -> str:
    raw = "\x1f".join((ruleset_id, rule_id, "department", key)).encode()
    return "sha256:" + hashlib.sha256(raw).hexdigest()[:32]


def write_jsonl(path: Path, n_subjects: int, period: int, seed: int = 1) -> int:
    """A findings file of ``n_subjects`` × 30 findings.  200 subjects are really scored (the
    30-indicator benchmark rule set); the rest are copies under new ids, keys and fingerprints.
    Returns the number of findings."""
    rs = perfscore.load_ruleset_text(gen.ruleset_text(30, checks=0))
    records = gen.records(30, 200, seed=seed + period)
    for i, r in enumerate(records):
        r["key"], r["year"], r["parent"] = f"k{i}", period, f"p{i % 12}"
    report = rs.evaluate(records)
    head = path.with_suffix(".head")
    with head.open("wb") as fh:
        w = JsonlWriter(fh, rs.provenance(), rs.rules, ())
        for s in report.subjects:
            w.subject(s)
        w.finish()
    lines = head.read_text(encoding="utf-8").splitlines()
    head.unlink()
    run_line, body, summary = lines[0], lines[1:-1], json.loads(lines[-1])
    blocks: list[list[dict[str, Any]]] = []
    for line in body:
        d = json.loads(line)
        if d["record"] == "subject":
            blocks.append([d])
        elif d["record"] == "finding":
            blocks[-1].append(d)
    n_findings = 0
    with path.open("w", encoding="utf-8") as out:
        out.write(run_line + "\n")
        for i in range(n_subjects):
            block = blocks[i % len(blocks)]
            key = f"dept-{i:06d}"
            ident = {"id": f"{key}-{period}", "key": key, "period": period, "parent": f"p{i % 12}"}
            for d in block:
                d["subject"].update(ident)
                if d["record"] == "finding":
                    d["fingerprint"] = _fp(rs.id, d["rule_id"], key)
                    n_findings += 1
                out.write(json.dumps(d, ensure_ascii=False, separators=(",", ":")) + "\n")
        summary["subjects"] = n_subjects
        out.write(json.dumps(summary) + "\n")
    return n_findings


# --- baselines ---------------------------------------------------------------------------------


def _num(x: Any) -> str | None:
    return None if x is None else str(x)


def baseline_rows(path: Path, run_pk: int) -> Iterator[tuple[str, tuple[Any, ...]]]:
    """The same rows as the store writes, built directly from the JSON Lines."""
    idx = -1
    with path.open(encoding="utf-8") as fh:
        fh.readline()
        for line in fh:
            d = json.loads(line, parse_float=Decimal)
            kind = d["record"]
            if kind == "subject":
                idx += 1
                s = d["subject"]
                scores = json.dumps({x["rule_id"]: _num(x.get("points")) for x in d["scores"]})
                yield "s", (
                    run_pk, idx, s["id"], s.get("key", s["id"]), s["type"], s.get("name"),
                    s.get("period"), _num(d["total"]), _num(d["max"]), d["grade"],
                    d["grade_label"], d["grade_reason"], _num(d["coverage"]), d["complete"],
                    scores, s.get("parent"), None,
                )  # fmt: skip
            elif kind == "finding":
                m = d["measurement"]
                v = m.get("value")
                yield "f", (
                    run_pk, idx, d["rule_id"], d["kind"], d["outcome"], d["severity"],
                    d["fingerprint"], _num(m.get("points")), _num(m.get("weight")), m.get("grade"),
                    None if v is None else json.dumps(v, default=str), m.get("display"),
                    d["message"], d.get("reason"),
                )  # fmt: skip


_RUN = (
    "INSERT INTO runs (content_sha256, run_id, format_version, tool_version, ruleset_id,"
    " ruleset_version, ruleset_sha256, ruleset_json, rules_json, inputs_json, complete,"
    " subject_count, finding_count, source, ingested_at) VALUES"
    " ({p}, 'x', '1.1', 'x', 'bench', '1', 'x', '{{}}', '[]', '[]', true, 0, 0, NULL, 'now')"
)
_S_COLS = (
    "run_pk, idx, subject_id, key, type, name, period, total, max, grade, grade_label,"
    " grade_reason, coverage, complete, scores_json, parent, record"
)
_F_COLS = (
    "run_pk, subject_idx, rule_id, kind, outcome, severity, fingerprint, points, weight, grade,"
    " value, display, message, reason"
)


def baseline_sqlite(db: Path, path: Path) -> None:
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA synchronous=NORMAL")  # as the store sets them
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("BEGIN IMMEDIATE")
    pk = conn.execute(_RUN.format(p="?"), (uuid.uuid4().hex,)).lastrowid
    subjects: list[tuple[Any, ...]] = []
    findings: list[tuple[Any, ...]] = []
    s_sql = f"INSERT INTO subjects ({_S_COLS}) VALUES ({', '.join('?' * 17)})"
    f_sql = f"INSERT INTO findings ({_F_COLS}) VALUES ({', '.join('?' * 14)})"
    for kind, row in baseline_rows(path, pk or 0):
        (subjects if kind == "s" else findings).append(row)
        if len(findings) >= 5000:
            conn.executemany(s_sql, subjects)
            conn.executemany(f_sql, findings)
            subjects, findings = [], []
    conn.executemany(s_sql, subjects)
    conn.executemany(f_sql, findings)
    conn.execute("COMMIT")
    conn.close()


def baseline_pg(url: str, path: Path) -> None:
    import psycopg

    with psycopg.connect(url) as conn, conn.cursor() as cur:
        pk = cur.execute(_RUN.format(p="%s") + " RETURNING pk", (uuid.uuid4().hex,)).fetchone()
        assert pk is not None
        subjects: list[tuple[Any, ...]] = []
        findings: list[tuple[Any, ...]] = []

        def put() -> None:  # subjects first: findings refer to them
            for table, cols, rows in (
                ("subjects", _S_COLS, subjects),
                ("findings", _F_COLS, findings),
            ):
                with cur.copy(f"COPY {table} ({cols}) FROM STDIN") as cp:
                    for r in rows:
                        cp.write_row(r)
                rows.clear()

        for kind, row in baseline_rows(path, pk[0]):
            (subjects if kind == "s" else findings).append(row)
            if len(findings) >= 5000:
                put()
        put()


# --- databases ---------------------------------------------------------------------------------


def pg_url() -> str | None:
    return os.environ.get("PERFSCORE_BENCH_PG_URL") or os.environ.get("PERFSCORE_TEST_PG_URL")


class PgDatabase:
    def __init__(self, admin: str) -> None:
        import psycopg

        self.admin = admin
        self.name = "bench_" + uuid.uuid4().hex[:12]
        with psycopg.connect(admin, autocommit=True) as c:
            c.execute(f'CREATE DATABASE "{self.name}"')
        self.url = admin.rpartition("/")[0] + "/" + self.name

    def drop(self) -> None:
        import psycopg

        with psycopg.connect(self.admin, autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def _timed(fn: Callable[[], Any]) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


# --- the benchmark -----------------------------------------------------------------------------


def run(row: ROW, n_ingest: int, n_query: int) -> None:

    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        f_ingest = d / "ingest.jsonl"
        n_findings = write_jsonl(f_ingest, n_ingest, 2023) if n_ingest else 0
        backends: list[tuple[str, Callable[[], tuple[str, Callable[[], None]]]]] = []

        def sqlite_db() -> tuple[str, Callable[[], None]]:
            p = d / f"{uuid.uuid4().hex}.db"
            return str(p), lambda: None

        backends.append(("sqlite", sqlite_db))
        admin = pg_url()
        if admin:

            def pg_db() -> tuple[str, Callable[[], None]]:
                db = PgDatabase(admin)
                return db.url, db.drop

            backends.append(("postgresql", pg_db))
        else:
            row("store postgresql", "skipped", "no PERFSCORE_BENCH_PG_URL / PERFSCORE_TEST_PG_URL")

        for name, make in backends:
            if n_ingest:  # --store-subjects 0: the queries only
                _ingest(row, name, make, f_ingest, n_ingest, n_findings)

        # history and rank over ~1,000,000 stored findings: three periods of n_query subjects
        files = []
        for period in (2021, 2022, 2023):
            f = d / f"q{period}.jsonl"
            write_jsonl(f, n_query, period)
            files.append(f)
        for name, make in backends:
            _queries(row, name, make, files, n_query)


def _ingest(row: ROW, name: str, make: Any, f_ingest: Path, n_ingest: int, n_findings: int) -> None:
    from perfscore.store import Store

    ours_url, drop_ours = make()
    base_url, drop_base = make()
    try:
        with Store(ours_url) as st:
            t_ours = _timed(lambda: st.add(f_ingest))
        Store(base_url).close()  # the same tables, created untimed
        if name == "sqlite":
            t_base = _timed(lambda: baseline_sqlite(Path(base_url), f_ingest))
        else:
            t_base = _timed(lambda: baseline_pg(base_url, f_ingest))
        base_kind = "executemany" if name == "sqlite" else "COPY"
        row(
            f"store ingest {name}, {n_ingest:,}×30 findings",
            f"{t_ours / t_base:.2f}×",
            f"{n_findings / t_ours:,.0f} findings/s; plain {base_kind} "
            f"{n_findings / t_base:,.0f}/s (same JSONL, same tables)",
        )
    finally:
        drop_ours()
        drop_base()


def _queries(row: ROW, name: str, make: Any, files: list[Path], n_query: int) -> None:
    from perfscore.store import Store

    url, drop = make()
    raw = None
    try:
        with Store(url) as st:
            for f in files:
                st.add(f)
            raw = _connect(name, url)
            stored = sum(r.findings for r in st.runs())
            keys = [f"dept-{i:06d}" for i in range(0, n_query, max(1, n_query // 50))]
            t_h = min(_timed(lambda: [st.history(k) for k in keys]) for _ in range(3))
            t_hb = min(_timed(lambda: _baseline_history(raw, keys)) for _ in range(3))
            row(
                f"store history {name}, {len(keys)} keys",
                f"{t_h / t_hb:.2f}×",
                f"{t_h / len(keys) * 1000:.1f} ms a department over {stored:,} findings",
            )
            t_r = min(_timed(lambda: st.rank(2023, by="parent")) for _ in range(3))
            t_rb = min(_timed(lambda: _baseline_rank(raw, 2023)) for _ in range(3))
            row(
                f"store rank {name}, {n_query:,} subjects",
                f"{t_r / t_rb:.2f}×",
                f"{t_r * 1000:.0f} ms over {stored:,} findings",
            )
    finally:
        if raw is not None:
            raw.close()
        drop()


_HISTORY_SQL = (
    "SELECT s.run_pk, s.period, s.total, s.grade, s.scores_json FROM subjects s"
    " WHERE s.key = {p} ORDER BY s.run_pk"
)
_RANK_SQL = (
    "SELECT s.run_pk, s.key, s.parent, s.total, s.grade FROM subjects s"
    " WHERE s.period = {p} ORDER BY s.run_pk"
)


def _connect(name: str, url: str) -> Any:
    """One open driver connection, reused by the baseline (as the store reuses its pool)."""
    if name == "sqlite":
        return sqlite3.connect(url)
    import psycopg

    return psycopg.connect(url, autocommit=True)


def _query(conn: Any, sql: str, params: list[tuple[Any, ...]]) -> list[list[Any]]:
    p = "?" if isinstance(conn, sqlite3.Connection) else "%s"
    return [conn.execute(sql.format(p=p), x).fetchall() for x in params]


def _baseline_history(conn: Any, keys: list[str]) -> list[Any]:
    out = []
    for rows in _query(conn, _HISTORY_SQL, [(k,) for k in keys]):
        latest = {r[1]: r for r in rows}  # later runs replace earlier ones
        out.append(
            [
                (p, Decimal(r[2]), r[3], {k: v and Decimal(v) for k, v in json.loads(r[4]).items()})
                for p, r in sorted(latest.items())
            ]
        )
    return out


def _baseline_rank(conn: Any, period: int) -> list[Any]:
    [rows] = _query(conn, _RANK_SQL, [(period,)])
    latest = {r[1]: r for r in rows}
    groups: dict[str, list[tuple[Decimal, str]]] = {}
    for r in latest.values():
        if r[3] is not None and r[4] is not None:
            groups.setdefault(r[2], []).append((Decimal(r[3]), r[1]))
    out = []
    for g in sorted(groups):
        members = sorted(groups[g], key=lambda t: (-t[0], t[1]))
        rank = 0
        for i, (total, key) in enumerate(members):
            if i == 0 or total != members[i - 1][0]:
                rank = i + 1
            out.append((g, rank, key, total))
    return out
