"""Shared pieces of the hostile-input suite: load the attack data files, run one case end to end.

A case passes when either loading refuses it with a *located* error (file:line:col on every
problem) or scoring finishes within the time budget, every exporter renders it, and nothing
but a :class:`~perfscore.errors.PerfscoreError` ever escapes.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from perfscore import PerfscoreError, RuleSetError, load_ruleset_text
from perfscore.export import EXPORTERS, ExportOptions, export
from perfscore.findings import Report

HERE = Path(__file__).parent
#: Seconds one case may take (load + score + every exporter), generous for a shared CI machine.
BUDGET = 5.0
#: Bytes any one rendered output may have for the two small records we score.
MAX_OUTPUT = 2_000_000


def data_file(name: str) -> Any:
    return yaml.safe_load((HERE / name).read_text(encoding="utf-8"))


@dataclass
class Outcome:
    refused: RuleSetError | None = None
    report: Report | None = None
    outputs: dict[str, bytes] = field(default_factory=dict)
    seconds: float = 0.0


def run_case(
    rules: str,
    records: Sequence[Mapping[str, Any]],
    *,
    formats: Sequence[str] | None = None,
    source: str = "hostile.yaml",
) -> Outcome:
    """Load ``rules``, score ``records``, render every format; check the promises above."""
    start = time.perf_counter()
    outcome = Outcome()
    try:
        rs = load_ruleset_text(rules, source=source)
    except RuleSetError as exc:
        outcome.refused = exc
        for problem in exc.problems:
            assert problem.source == source, str(problem)
            assert problem.line is not None and problem.column is not None, str(problem)
        outcome.seconds = time.perf_counter() - start
        assert outcome.seconds < BUDGET, f"refusing took {outcome.seconds:.1f}s"
        return outcome
    report = rs.evaluate(list(records), as_of=dt.date(2024, 1, 1))
    outcome.report = report
    options = ExportOptions(lang="zh")
    for name in formats if formats is not None else EXPORTERS.names():
        data = export(report, name, options)
        assert len(data) < MAX_OUTPUT, f"{name}: {len(data)} bytes"
        outcome.outputs[name] = data
    outcome.seconds = time.perf_counter() - start
    assert outcome.seconds < BUDGET, f"scoring took {outcome.seconds:.1f}s"
    return outcome


def never_a_traceback(fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Call ``fn``; a PerfscoreError is an answer, anything else fails the test loudly."""
    try:
        return fn(*args, **kwargs)
    except PerfscoreError as exc:
        return exc
