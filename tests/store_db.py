"""The store's tests run against SQLite AND a real PostgreSQL server (no mocks).

PostgreSQL comes from ``PERFSCORE_TEST_PG_URL`` (``.ci/run`` starts a throw-away server and sets
it).  Each test gets a database of its own.  Under CI (``CI=true``) an unreachable server fails
the test; elsewhere it is skipped.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

BACKENDS = ["sqlite", "postgresql"]


def pg_admin_url() -> str | None:
    return os.environ.get("PERFSCORE_TEST_PG_URL") or None


def _no_pg(why: str) -> None:
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"PostgreSQL is required under CI: {why}")
    pytest.skip(f"no PostgreSQL for the store tests: {why}")


def new_database(tmp_path: Path, backend: str) -> Iterator[str]:
    """A fresh, empty store URL for one test."""
    if backend == "sqlite":
        yield str(tmp_path / "perfscore.db")
        return
    url = pg_admin_url()
    if url is None:
        _no_pg("PERFSCORE_TEST_PG_URL is not set (bash .ci/run sets it)")
        return
    import psycopg

    name = "t_" + uuid.uuid4().hex[:16]
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as e:
        _no_pg(str(e).strip())
        return
    base, _, _db = url.rpartition("/")
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=BACKENDS)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield from new_database(tmp_path, request.param)
