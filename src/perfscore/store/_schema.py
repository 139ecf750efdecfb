"""The store's tables and their migrations (a versioned ``perfscore_schema`` table).

Each migration is a function from one schema version to the next; opening a store applies the
missing ones in one transaction, under a lock (``BEGIN IMMEDIATE`` on SQLite, an advisory lock
on PostgreSQL), so two processes opening a new or old store at once do not both migrate it.

Version 1: runs, subjects (key, period, totals, scores), findings.
Version 2: ``subjects.parent`` (主管部门, for ranking by group), ``subjects.record`` (the subject's
input record, so a run can be re-scored) and an index on (period, parent).
Version 3: ``subjects.grade_reason_zh`` (why there is no grade, in Chinese: the findings
document's ``not_ranked_reason``), so a Chinese ``rank`` says it in Chinese.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa

__all__ = [
    "SCHEMA_VERSION",
    "findings",
    "metadata",
    "migrate",
    "runs",
    "schema_version",
    "subjects",
]

SCHEMA_VERSION = 3
_LOCK_ID = 0x70657266  # "perf": the advisory lock taken while migrating on PostgreSQL

# Exact decimals are kept as text (``json_number`` form): SQLite has no exact decimal type, and
# ranking compares them as Decimals in Python.
_NUM = sa.String(48)


def _tables(md: sa.MetaData, version: int) -> tuple[sa.Table, sa.Table, sa.Table, sa.Table]:
    version_table = sa.Table(
        "perfscore_schema", md, sa.Column("version", sa.Integer, nullable=False)
    )
    run_table = sa.Table(
        "runs",
        md,
        sa.Column("pk", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("content_sha256", sa.String(72), nullable=False, unique=True),
        sa.Column("run_id", sa.String(64), nullable=False),
        sa.Column("format_version", sa.String(16), nullable=False),
        sa.Column("tool_version", sa.String(64), nullable=False),
        sa.Column("ruleset_id", sa.String(200), nullable=False),
        sa.Column("ruleset_version", sa.String(200), nullable=False),
        sa.Column("ruleset_sha256", sa.String(64), nullable=False),
        sa.Column("ruleset_json", sa.Text, nullable=False),
        sa.Column("rules_json", sa.Text, nullable=False),
        sa.Column("inputs_json", sa.Text, nullable=False),
        sa.Column("complete", sa.Boolean, nullable=False),
        sa.Column("subject_count", sa.Integer, nullable=False),
        sa.Column("finding_count", sa.Integer, nullable=False),
        sa.Column("source", sa.Text, nullable=True),
        sa.Column("ingested_at", sa.String(40), nullable=False),
    )
    cols: list[sa.Column[object]] = [
        sa.Column("run_pk", sa.Integer, sa.ForeignKey("runs.pk"), primary_key=True),
        sa.Column("idx", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("subject_id", sa.Text, nullable=False),
        sa.Column("key", sa.Text, nullable=False),
        sa.Column("type", sa.String(100), nullable=False),
        sa.Column("name", sa.Text, nullable=True),
        sa.Column("period", sa.Integer, nullable=True),
        sa.Column("total", _NUM, nullable=True),
        sa.Column("max", _NUM, nullable=True),
        sa.Column("grade", sa.String(100), nullable=True),
        sa.Column("grade_label", sa.Text, nullable=True),
        sa.Column("grade_reason", sa.Text, nullable=True),
        sa.Column("coverage", _NUM, nullable=True),
        sa.Column("complete", sa.Boolean, nullable=False),
        sa.Column("scores_json", sa.Text, nullable=False),
    ]
    if version >= 2:
        cols += [sa.Column("parent", sa.Text, nullable=True), sa.Column("record", sa.Text)]
    if version >= 3:
        cols.append(sa.Column("grade_reason_zh", sa.Text, nullable=True))
    subject_table = sa.Table(
        "subjects", md, *cols, sa.Index("ix_subjects_key_period", "key", "period")
    )
    if version >= 2:
        sa.Index("ix_subjects_period_parent", subject_table.c.period, subject_table.c.parent)
    finding_table = sa.Table(
        "findings",
        md,
        sa.Column("run_pk", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("subject_idx", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("rule_id", sa.String(200), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("fingerprint", sa.String(72), nullable=False),
        sa.Column("points", _NUM, nullable=True),
        sa.Column("weight", _NUM, nullable=True),
        sa.Column("grade", sa.String(100), nullable=True),
        sa.Column("value", sa.Text, nullable=True),
        sa.Column("display", sa.Text, nullable=True),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=True),
        sa.ForeignKeyConstraint(["run_pk", "subject_idx"], ["subjects.run_pk", "subjects.idx"]),
    )
    return version_table, run_table, subject_table, finding_table


metadata = sa.MetaData()
schema_version, runs, subjects, findings = _tables(metadata, SCHEMA_VERSION)


def _v1(conn: sa.Connection) -> None:
    md = sa.MetaData()
    _tables(md, 1)
    md.create_all(conn)


def _v2(conn: sa.Connection) -> None:
    conn.execute(sa.text("ALTER TABLE subjects ADD COLUMN parent TEXT"))
    conn.execute(sa.text("ALTER TABLE subjects ADD COLUMN record TEXT"))
    conn.execute(sa.text("CREATE INDEX ix_subjects_period_parent ON subjects (period, parent)"))


def _v3(conn: sa.Connection) -> None:
    conn.execute(sa.text("ALTER TABLE subjects ADD COLUMN grade_reason_zh TEXT"))


MIGRATIONS: tuple[tuple[int, Callable[[sa.Connection], None]], ...] = (
    (1, _v1),
    (2, _v2),
    (3, _v3),
)


def current_version(conn: sa.Connection) -> int:
    if not sa.inspect(conn).has_table("perfscore_schema"):
        return 0
    v = conn.execute(sa.select(sa.func.max(schema_version.c.version))).scalar()
    return int(v or 0)


def migrate(conn: sa.Connection, target: int = SCHEMA_VERSION) -> int:
    """Bring the schema to ``target`` inside the caller's (write) transaction; returns the
    version found.  A store newer than this perfscore is refused, not downgraded."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text(f"SELECT pg_advisory_xact_lock({_LOCK_ID})"))
    found = current_version(conn)
    if found > SCHEMA_VERSION:
        from ..errors import PerfscoreError

        raise PerfscoreError(
            f"this store has schema version {found}; this perfscore reads up to "
            f"{SCHEMA_VERSION}: upgrade perfscore"
        )
    for version, step in MIGRATIONS:
        if found < version <= target:
            step(conn)
            if version == 1:
                conn.execute(schema_version.insert().values(version=1))
            else:
                conn.execute(schema_version.update().values(version=version))
    return found
