"""The fast path chosen for the user: ``perfscore score RULES DATA -o f.parquet`` scores
tabular data through :mod:`perfscore.columnar` and writes
:func:`~perfscore.export.parquet.columnar_table` — the same bytes the per-record path writes
with :func:`~perfscore.export.parquet.report_table` — whenever the rule set and the options
allow it; otherwise :func:`why_not` says, in one line, why the run goes record by record.

The records are read exactly as the per-record path reads them (:mod:`perfscore.ingest`:
column mapping, 万元, "95%", blanks); a cell the columns cannot hold as a float without loss
(or a cell the reader refused) sends its row to the per-record evaluator inside
:class:`~perfscore.columnar.ColumnarScorer`, so every row has the per-record result.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from . import textsafe
from .export import write_atomic
from .findings import Notification
from .ingest import DataSource
from .outputs import Target, say_cli
from .ruleset import RuleSet, duplicate_ids
from .subjects import read_subject

__all__ = ["ENV", "Routed", "forced", "route", "run", "why_not"]

#: ``PERFSCORE_COLUMNAR=0`` forces the per-record path, as ``--no-columnar`` does
ENV = "PERFSCORE_COLUMNAR"
_META = frozenset({"id", "name", "values", "cells"})


def forced(args: argparse.Namespace) -> bool:
    return bool(getattr(args, "no_columnar", False)) or os.environ.get(ENV, "") == "0"


def why_not(
    args: argparse.Namespace,
    rs: RuleSet,
    plan: Sequence[Target],
    sources: Sequence[DataSource],
    *,
    summary: bool,
) -> str | None:
    """None when a run may take the columnar path; else why not, in the command's language
    (only runs that write Parquet and nothing else are candidates: others get None too, and
    :func:`run` is not asked)."""
    if not (len(plan) == 1 and plan[0].format.name == "parquet"):
        return None
    if importlib.util.find_spec("pyarrow") is None:  # the per-record path says what is missing
        return None
    from .columnar import ColumnarScorer

    def why(key: str, **fields: object) -> str:
        return say_cli(key, **fields)

    if forced(args):
        return why("why_forced")
    for option, key in (("store", "why_store"), ("waivers", "why_waivers")):
        if getattr(args, option, None) is not None:
            return why(key)
    if args.jobs > 1:
        return why("why_jobs")
    if args.template:
        return why("why_template")
    if plan[0].path is None:
        return why("why_stdout")
    if summary:
        return why("why_summary")
    for src in sources:
        if src.kind != "table" and not src.uri.lower().endswith((".jsonl", ".ndjson")):
            return why("why_not_tabular", uri=src.uri)
    scorer = ColumnarScorer(rs)
    if not scorer.supported:
        return why("why_rules", reason=scorer.reason)
    return None


@dataclass
class Routed:
    """What the exit status needs from a columnar run (as the per-record run counts it)."""

    subject_ids: list[str] = field(default_factory=list)
    without_total: list[str] = field(default_factory=list)
    problems: list[Notification] = field(default_factory=list)
    notes: list[Notification] = field(default_factory=list)
    failed: dict[str, int] = field(default_factory=dict)
    complete: bool = True
    per_record: int = 0  # rows the columnar scorer handed to the per-record evaluator


def _cell(v: Any) -> Any:
    """A value as the columns hold it: a Decimal a float holds exactly becomes that float;
    anything else stays as it is (and its row is scored per record)."""
    if isinstance(v, Decimal) and v.is_finite():
        f = float(v)
        if Decimal(repr(f)) == v:
            return f
    return v


def run(
    rs: RuleSet,
    sources: Sequence[DataSource],
    notes: list[Notification],
    inputs: Sequence[Mapping[str, str]],
    path: str,
    severities: Iterable[str],
) -> Routed | None:
    """Score ``sources`` by columns and write the Parquet findings to ``path``; None
    (``notes`` as they were) when a record needs the per-record path after all — it
    declares its own scores."""
    from .columnar import ColumnarScorer
    from .export.parquet import columnar_table, parquet_bytes
    from .ingest import read_sources

    before = len(notes)
    records = list(read_sources(rs, sources, notes))
    if any(not isinstance(r, Mapping) or not set(r) <= _META for r in records):
        del notes[before:]
        return None
    scorer = ColumnarScorer(rs)
    names = list(scorer.inputs)
    columns: dict[str, list[Any]] = {n: [] for n in names}
    subject_type = rs.compiled.model.subject_type
    subjects = []
    for i, rec in enumerate(records):
        values = rec.get("values") if "values" in rec else rec
        if not isinstance(values, Mapping):
            values = {}
        for n in names:
            columns[n].append(_cell(values.get(n)))
        subjects.append(read_subject(rec, {}, index=i, subject_type=subject_type).subject)
    result = scorer.score(columns)
    ids = [s.id for s in subjects]
    table = columnar_table(
        result, rules=rs.rules, ruleset=rs.provenance(), subjects=ids, inputs=inputs
    )
    write_atomic(path, parquet_bytes(table))
    out = Routed(subject_ids=ids, per_record=int(result.fallback.sum()))
    out.failed = dict.fromkeys(severities, 0)
    errors = 0
    for rule in rs.rules:
        codes = result.checks[rule.id] if rule.kind == "check" else result.outcome[rule.id]
        errors += int((codes == 3).sum())  # perfscore.columnar.OUTCOMES: pass fail n/a error
        if rule.default_severity in out.failed:
            out.failed[rule.default_severity] += int((codes == 1).sum())
    out.failed["error"] = out.failed.get("error", 0) + errors
    if rs.max_total > 0:
        has_total = result.has_total.tolist()
        out.without_total = [s for s, has in zip(ids, has_total, strict=True) if not has]
    out.notes = [*notes, *duplicate_ids(subjects)]
    out.problems = [n for n in out.notes if n.level == "error"]
    out.complete = not errors and not out.problems
    return out


def route(
    args: argparse.Namespace,
    rs: RuleSet,
    plan: Sequence[Target],
    sources: Sequence[DataSource],
    notes: list[Notification],
    inputs: Sequence[Mapping[str, str]],
    severities: Iterable[str],
    summary: bool,
    stderr: Any,
) -> Routed | None:
    """The columnar run when :func:`why_not` finds nothing against it, else None — with one
    line on ``stderr`` saying why, when the output is Parquet."""
    why = why_not(args, rs, plan, sources, summary=summary)
    parquet = len(plan) == 1 and plan[0].format.name == "parquet" and plan[0].path
    if why is None and parquet and importlib.util.find_spec("pyarrow") is not None:
        done = run(rs, sources, notes, inputs, str(plan[0].path), severities)
        if done is not None:
            return done
        why = say_cli("why_declared")
    if why is not None:
        stderr.write(textsafe.terminal(f"perfscore: {say_cli('per_record', why=why)}\n"))
    return None
