"""Nothing lost under concurrency or faults, on SQLite and PostgreSQL: two processes adding at
once, a process killed (SIGKILL) in the middle of an add, a store made by an older schema."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

import perfscore
from perfscore.errors import PerfscoreError
from perfscore.store import SCHEMA_VERSION, Store
from perfscore.store._schema import migrate
from perfscore.store._store import engine_url
from store_db import new_database

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules" / "cn-dept-overall.yaml"
sys.path.insert(0, str(ROOT / "examples" / "bureau"))
import generate  # noqa: E402 - the walk-through's data generator

pytestmark = pytest.mark.skipif(os.name != "posix", reason="uses SIGKILL")


def departments(year: int, n: int) -> list[dict[str, Any]]:
    """``n`` departments for ``year`` (the walk-through's 20, repeated under new keys)."""
    base = generate.year_file(year)
    out = []
    for i in range(n):
        r = dict(base[i % len(base)])
        r["key"] = f"d{i:04d}"
        r["id"] = f"d{i:04d}-{year}"
        out.append(r)
    return out


_DOCS: dict[tuple[int, int], str] = {}


def write_doc(path: Path, year: int, n: int) -> Path:
    """A findings document of ``n`` departments (scored once per test session)."""
    if (year, n) not in _DOCS:
        rs = perfscore.load_ruleset(RULES)
        _DOCS[(year, n)] = rs.evaluate(departments(year, n)).to_json()
    path.write_text(_DOCS[(year, n)], encoding="utf-8")
    return path


def counts(url: str) -> tuple[int, int, int]:
    engine = sa.create_engine(engine_url(url))
    try:
        with engine.connect() as conn:
            return tuple(  # type: ignore[return-value]
                conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar()
                for t in ("runs", "subjects", "findings")
            )
    finally:
        engine.dispose()


ADD = """
import sys, time
from perfscore.store import Store
url, docs = sys.argv[1], sys.argv[2:]
with Store(url) as store:
    for d in docs:
        res = store.add(d)
        print(d, res.added, res.run.number, flush=True)
"""


def test_two_processes_adding_at_once_lose_and_duplicate_nothing(
    store_url: str, tmp_path: Path
) -> None:
    docs = [str(write_doc(tmp_path / f"f{y}.json", y, 150)) for y in (2021, 2022, 2023)]
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", ADD, store_url, *order],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for order in (docs, docs[::-1])
    ]
    outs = [p.communicate(timeout=300) for p in procs]
    for p, (_, err) in zip(procs, outs, strict=True):
        assert p.returncode == 0, err
    added = [line.split() for out, _ in outs for line in out.splitlines()]
    assert sum(a[1] == "True" for a in added) == 3  # each document stored once ...
    assert len({(a[0], a[2]) for a in added}) == 3  # ... and both processes name the same run
    with Store(store_url) as store:
        runs = store.runs()
        assert sorted(r.periods for r in runs) == [(2021,), (2022,), (2023,)]
        assert all(r.subjects == 150 and r.findings == 150 * 18 for r in runs)
    assert counts(store_url) == (3, 450, 450 * 18)


KILL = """
import sys, time
from perfscore.store import Store
url, doc = sys.argv[1], sys.argv[2]

def progress(n):
    print("written", n, flush=True)
    time.sleep(60)          # killed here, in the middle of the add's transaction

with Store(url) as store:
    store.add(doc, progress=progress)
"""


def test_a_process_killed_mid_add_leaves_no_half_run(store_url: str, tmp_path: Path) -> None:
    doc = write_doc(tmp_path / "f.json", 2023, 600)  # 10,800 findings: batches of 5,000
    with Store(store_url) as store:
        store.add(write_doc(tmp_path / "g.json", 2022, 5))
    before = counts(store_url)
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    p = subprocess.Popen(
        [sys.executable, "-c", KILL, store_url, str(doc)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert p.stdout is not None
    line = p.stdout.readline()
    assert line.startswith("written"), p.stderr.read() if p.stderr else ""
    written = int(line.split()[1])
    assert 0 < written < 600
    os.kill(p.pid, signal.SIGKILL)
    p.wait(timeout=30)
    assert p.returncode == -signal.SIGKILL
    assert counts(store_url) == before  # nothing of the killed add is visible
    with Store(store_url) as store:  # and the store still works: the same add succeeds
        res = store.add(doc)
        assert res.added and res.run.subjects == 600 and res.run.findings == 600 * 18
    assert counts(store_url) == (before[0] + 1, before[1] + 600, before[2] + 600 * 18)


V1_RUN = {
    "content_sha256": "sha256:" + "a" * 64,
    "run_id": "b" * 32,
    "format_version": "1.0",
    "tool_version": "0.1.0",
    "ruleset_id": "cn_dept_overall",
    "ruleset_version": "2023.1",
    "ruleset_sha256": "c" * 64,
    "ruleset_json": "{}",
    "rules_json": '[{"id":"exec","kind":"indicator","title":"预算执行率","weight":50}]',
    "inputs_json": "[]",
    "complete": True,
    "subject_count": 1,
    "finding_count": 1,
    "source": "old.json",
    "ingested_at": "2024-01-01T00:00:00+00:00",
}


def test_a_store_made_by_schema_version_1_is_migrated(store_url: str, tmp_path: Path) -> None:
    engine = sa.create_engine(engine_url(store_url))
    with engine.begin() as conn:
        assert migrate(conn, target=1) == 0
        pk = conn.execute(
            sa.text(
                "INSERT INTO runs ("
                + ", ".join(V1_RUN)
                + ") VALUES ("
                + ", ".join(f":{k}" for k in V1_RUN)
                + ") RETURNING pk"
            ),
            V1_RUN,
        ).scalar()
        conn.execute(
            sa.text(
                "INSERT INTO subjects (run_pk, idx, subject_id, key, type, name, period, total,"
                " max, grade, complete, scores_json) VALUES (:pk, 0, 'old-2022', 'old',"
                " 'department', '老部门', 2022, '50', '100', 'poor', true, '{\"exec\":\"0\"}')"
            ),
            {"pk": pk},
        )
        conn.execute(
            sa.text(
                "INSERT INTO findings (run_pk, subject_idx, rule_id, kind, outcome, severity,"
                " fingerprint, points, message) VALUES (:pk, 0, 'exec', 'indicator', 'fail',"
                " 'warning', 'sha256:0123', '0', '预算执行率未达标')"
            ),
            {"pk": pk},
        )
        cols_v1 = {c["name"] for c in sa.inspect(conn).get_columns("subjects")}
    engine.dispose()
    assert "parent" not in cols_v1 and "record" not in cols_v1

    with Store(store_url) as store:
        assert store.migrated_from == 1
        [s] = store.subjects(key="old")
        assert (s.subject.period, s.total, s.subject.parent, s.has_record) == (
            2022,
            50,
            None,
            False,
        )
        [withf] = store.findings([s])
        assert withf.findings[0].message == "预算执行率未达标"
        h = store.history("old")
        assert h.periods == (2022,) and h.rules[0]["title"] == "预算执行率"
        # the migrated store takes new runs, with the new columns
        new = store.add(write_doc(tmp_path / "n.json", 2023, 2))
        assert new.added and store.subjects(run=new.run.number)[0].subject.parent == "教育系统"

    # migrated and new stores have the same tables, columns and indexes
    (tmp_path / "fresh").mkdir()
    fresh = new_database(tmp_path / "fresh", "postgresql" if "://" in store_url else "sqlite")
    fresh_url = next(fresh)
    Store(fresh_url).close()

    def shape(url: str) -> dict[str, Any]:
        e = sa.create_engine(engine_url(url))
        try:
            with e.connect() as conn:
                insp = sa.inspect(conn)
                return {
                    t: (
                        sorted(c["name"] for c in insp.get_columns(t)),
                        sorted(str(i["name"]) for i in insp.get_indexes(t)),
                    )
                    for t in ("runs", "subjects", "findings", "perfscore_schema")
                }
        finally:
            e.dispose()

    assert shape(store_url) == shape(fresh_url)
    fresh.close()
    e = sa.create_engine(engine_url(store_url))
    with e.connect() as conn:
        assert (
            conn.execute(sa.text("SELECT version FROM perfscore_schema")).scalar() == SCHEMA_VERSION
        )
    e.dispose()


def test_a_store_from_a_newer_perfscore_is_refused(store_url: str) -> None:
    Store(store_url).close()
    e = sa.create_engine(engine_url(store_url))
    with e.begin() as conn:
        conn.execute(sa.text("UPDATE perfscore_schema SET version = 99"))
    e.dispose()
    with pytest.raises(PerfscoreError, match="schema version 99; this perfscore reads up to 3"):
        Store(store_url)


def _open_at(path: str, start: Any, errors: Any) -> None:
    import sqlite3

    from perfscore.store._db import _sqlite_connect

    start.wait()
    try:
        conn = sqlite3.connect(path, timeout=30)
        _sqlite_connect(conn, None)  # what the store's engine runs on each new connection
        conn.execute("BEGIN")  # then, as a new store does, its version read ...
        conn.execute("SELECT name FROM sqlite_master").fetchall()
        conn.execute("COMMIT")
        conn.execute("BEGIN IMMEDIATE")  # ... and its tables made
        conn.execute("CREATE TABLE IF NOT EXISTS t (x)")
        conn.execute("COMMIT")
        conn.close()
    except Exception as e:  # the parent reports what a child met
        errors.put(f"{type(e).__name__}: {e}")


def test_processes_opening_a_new_sqlite_store_at_the_same_instant_all_get_it(
    tmp_path: Path,
) -> None:
    """SQLite refuses one of two simultaneous switches of a new file to WAL at once, without its
    busy timeout ("database is locked": each of 3 runs of this test saw it before the store waited
    for it); every process must get the store."""
    import multiprocessing

    ctx = multiprocessing.get_context("fork")
    errors = ctx.Queue()
    for i in range(60):
        path = str(tmp_path / f"s{i}.db")
        start = ctx.Barrier(3)
        procs = [ctx.Process(target=_open_at, args=(path, start, errors)) for _ in range(3)]
        for p in procs:
            p.start()
        for p in procs:
            p.join(120)
            assert p.exitcode == 0
    seen = []
    while not errors.empty():
        seen.append(errors.get())
    assert seen == []
