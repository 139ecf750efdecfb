"""What ``perfscore score`` counts while it scores, and the exit status it makes of it (see
:mod:`perfscore.outputs`): subjects, those without a total, error notifications, waivers that
named a subject no record had."""

from __future__ import annotations

import argparse
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TextIO

from .. import fastpath
from ..findings import Notification, SubjectResult
from ..model import SEVERITY_RANK
from ..outputs import EXIT_DATA, EXIT_FINDINGS, EXIT_OK, cli_lang, say_cli
from ..textsafe import terminal as _safe
from ..waivers import Waiving
from ..words import in_language

__all__ = ["NAMED", "SEVERITY_RANK", "Tally", "exit_status", "unmatched_waivers"]

NAMED = fastpath.NAMED  # subjects named when some have no total


@dataclass
class Tally:
    """What the exit status needs to know about the subjects as they are scored: counts, so a
    streamed run's memory does not grow with its rows (every id only when waivers need them)."""

    keep_ids: bool = False  # waivers name subjects: the ones no record had are reported
    count: int = 0
    subject_ids: list[str] = field(default_factory=list)
    missing: int = 0  # subjects without a total
    without_total: list[str] = field(default_factory=list)  # the first few of them
    problems: list[Notification] = field(default_factory=list)  # error notifications

    def add(self, result: SubjectResult, points: bool) -> None:
        self.count += 1
        if self.keep_ids:
            self.subject_ids.append(result.subject.id)
        if points and result.total is None:
            self.missing += 1
            if len(self.without_total) < NAMED:
                self.without_total.append(result.subject.id)
        self.problems += [n for n in result.notifications if n.level == "error"]

    def extend(
        self,
        ids: Sequence[str],
        without_total: Sequence[str],
        *,
        count: int | None = None,
        missing: int | None = None,
    ) -> None:
        """Subjects scored elsewhere (the columnar path, ``--jobs`` workers): their ``ids``
        (or only their ``count``) and those without a total (or the first few and how many)."""
        self.count += len(ids) if count is None else count
        if self.keep_ids:
            self.subject_ids += ids
        self.missing += len(without_total) if missing is None else missing
        self.without_total += without_total[: NAMED - len(self.without_total)]


def unmatched_waivers(waiving: Waiving, tally: Tally) -> Iterator[Notification]:
    """Waivers naming a subject not in the data (read once every subject is scored)."""
    if waiving.waivers is not None:
        for n in waiving.waivers.unmatched(tally.subject_ids):
            tally.problems.append(n)
            yield n


def exit_status(
    args: argparse.Namespace,
    complete: bool,
    failed: dict[str, int],
    tally: Tally,
    records: int,
    stderr: TextIO,
    listed: Sequence[Notification] = (),
) -> int:
    """The exit status (see :mod:`perfscore.outputs`), saying on stderr why it is not 0 (the
    error notifications, but for those the run summary has ``listed`` already)."""
    shown = set(listed)
    for n in tally.problems:
        if n in shown:
            continue
        stderr.write(
            _safe(f"perfscore: {say_cli('error', message=in_language(n.message, cli_lang()))}\n")
        )
    failed["error"] += len(tally.problems)
    if not complete:
        stderr.write(f"perfscore: {say_cli('incomplete')}\n")
    nothing = bool(records) and tally.missing == records
    if nothing:
        key = "no_total_one" if records == 1 else "no_total_any"
        stderr.write(f"perfscore: {say_cli(key, count=records)}\n")
    elif tally.missing:
        ids = ", ".join(tally.without_total) + (" …" if tally.missing > NAMED else "")
        said = say_cli("no_total_some", count=tally.missing, of=records, ids=ids)
        stderr.write(_safe(f"perfscore: {said}\n"))
    if nothing or (args.strict and not complete):
        return EXIT_DATA
    if args.fail_on:
        limit = SEVERITY_RANK[args.fail_on]
        if any(n and SEVERITY_RANK[sev] >= limit for sev, n in failed.items()):
            return EXIT_FINDINGS
    return EXIT_OK
