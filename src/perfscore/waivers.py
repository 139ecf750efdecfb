"""Waivers (豁免): an approved exemption of one subject from one rule, until a date.

A waiver names the subject and the rule (indicator or check), the reason, who approved it, when
it expires, and its effect: ``exclude`` (scored as not applicable, its weight redistributed as
the rule set declares) or ``met`` (counted as met: full marks / pass).  Waived findings stay in
the output, marked with the waiver; an expired waiver is ignored with a notification.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import pydantic
from pydantic import BaseModel, ConfigDict, Field

from ._yaml import load_yaml_file, load_yaml_text
from .errors import DataError, Problem, did_you_mean
from .findings import Notification
from .words import DATA, NOTICE, said

__all__ = ["Waiver", "WaiverSet", "Waiving", "load_waivers"]


class Waiver(BaseModel):
    """One approved exemption."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    subject: str = Field(min_length=1)
    rule: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$")
    reason: str = Field(min_length=1)
    approved_by: str = Field(min_length=1)
    expires: dt.date
    effect: Literal["exclude", "met"]
    reference: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "reason": self.reason,
            "approved_by": self.approved_by,
            "expires": self.expires.isoformat(),
            "effect": self.effect,
        }
        if self.reference:
            d["reference"] = self.reference
        return d


@dataclass(frozen=True)
class WaiverSet:
    """Waivers read from one file, checked against a rule set's ids when applied."""

    waivers: tuple[Waiver, ...]
    uri: str = "<waivers>"
    sha256: str = ""

    def active(self, subject_id: str, as_of: dt.date) -> tuple[dict[str, Waiver], list[str]]:
        """The waivers in force for a subject by rule id, and messages about expired ones."""
        found: dict[str, Waiver] = {}
        expired: list[str] = []
        for w in self.waivers:
            if w.subject != subject_id:
                continue
            if w.expires < as_of:
                expired.append(
                    said(
                        NOTICE,
                        "waiver_expired",
                        rule=repr(w.rule),
                        subject=repr(subject_id),
                        expires=w.expires.isoformat(),
                        as_of=as_of.isoformat(),
                    )
                )
            else:
                found[w.rule] = w
        return found, expired

    def unmatched(self, subject_ids: Iterable[str]) -> list[Notification]:
        """Waivers naming a subject no record had (a mistyped id would otherwise do nothing):
        ``error`` notifications, so the run is marked incomplete."""
        known = set(subject_ids)
        out = []
        for i, w in enumerate(self.waivers):
            if w.subject in known:
                continue
            hint = did_you_mean(w.subject, known)
            out.append(
                Notification(
                    "error",
                    "waiver-unmatched",
                    said(
                        NOTICE,
                        "waiver_unmatched",
                        uri=self.uri,
                        n=i + 1,
                        rule=repr(w.rule),
                        subject=repr(w.subject),
                        hint=said(DATA, "did_you_mean", hint=repr(hint)) if hint else "",
                    ),
                    w.subject,
                )
            )
        return out

    def unknown_rules(self, rule_ids: Iterable[str]) -> list[Problem]:
        known = set(rule_ids)
        return [
            Problem(
                f"waiver names unknown rule {w.rule!r}",
                source=self.uri,
                path=("waivers", i, "rule"),
                suggestion=did_you_mean(w.rule, known),
            )
            for i, w in enumerate(self.waivers)
            if w.rule not in known
        ]


def _parse(data: Any, source: str, sha: str, mark: Any) -> WaiverSet:
    items = data.get("waivers") if isinstance(data, Mapping) else data
    if not isinstance(items, list):
        raise DataError(
            [
                Problem(
                    "a waiver file is a list, or a mapping with 'waivers: [...]'",
                    source=source,
                    line=1,
                    column=1,
                )
            ]
        )
    waivers: list[Waiver] = []
    problems: list[Problem] = []
    prefix: tuple[str | int, ...] = ("waivers",) if isinstance(data, Mapping) else ()
    for i, item in enumerate(items):
        try:
            waivers.append(Waiver.model_validate(item))
        except pydantic.ValidationError as e:
            for err in e.errors():
                path = (*prefix, i, *err["loc"])
                m = mark(path)
                problems.append(
                    Problem(
                        err["msg"],
                        source=source,
                        line=m.line if m else None,
                        column=m.column if m else None,
                        path=path,
                    )
                )
    problems += _conflicts(waivers, prefix, source, mark)
    if problems:
        raise DataError(problems)
    return WaiverSet(tuple(waivers), source, sha)


def _conflicts(
    waivers: Sequence[Waiver], prefix: tuple[str | int, ...], source: str, mark: Any
) -> list[Problem]:
    """Two waivers for one subject × rule would resolve by file order, silently: refused."""
    first: dict[tuple[str, str], int] = {}
    problems: list[Problem] = []
    for i, w in enumerate(waivers):
        j = first.setdefault((w.subject, w.rule), i)
        if j == i:
            continue
        other = mark((*prefix, j))
        where = f" (line {other.line})" if other else ""
        m = mark((*prefix, i))
        same = waivers[j] == w
        problems.append(
            Problem(
                f"a second waiver for subject {w.subject!r} × rule {w.rule!r}; the first is "
                f"waiver {j + 1}{where}. "
                + ("It is the same: delete one." if same else "They differ: keep the one approved.")
                + " (Which applies would otherwise depend on the order in the file.)",
                source=source,
                line=m.line if m else None,
                column=m.column if m else None,
                path=(*prefix, i),
                code="conflict",
            )
        )
    return problems


def load_waivers(
    path: str | os.PathLike[str] | None = None, *, text: str | None = None
) -> WaiverSet:
    """Read waivers from a YAML file (or text)."""
    if text is not None:
        doc = load_yaml_text(text, source="<waivers>", error=DataError)
    elif path is not None:
        doc = load_yaml_file(path, error=DataError)
    else:  # pragma: no cover - programming error
        raise TypeError("load_waivers needs a path or text")
    return _parse(doc.data, doc.source, doc.sha256, doc.mark)


def waivers_from(items: Sequence[Mapping[str, Any]]) -> WaiverSet:
    """Waivers given in Python (e.g. from a database)."""
    digest = hashlib.sha256(repr(sorted(map(repr, items))).encode()).hexdigest()
    return _parse(list(items), "<waivers>", digest, lambda p: None)


@dataclass(frozen=True)
class Waiving:
    """The waivers a run applies and the date their expiry is judged at.

    :meth:`checked` is the one place a run's waivers are accepted: every rule they name must
    exist in the rule set, and ``as_of`` defaults to today.  :meth:`info` is what the run
    record says about them (``run.waivers`` in the findings document, JSON Lines ``run``)."""

    waivers: WaiverSet | None = None
    as_of: dt.date | None = None

    @classmethod
    def checked(
        cls, waivers: WaiverSet | None, as_of: dt.date | None, rule_ids: Iterable[str]
    ) -> Waiving:
        if waivers is None:
            return cls(None, as_of)
        unknown = waivers.unknown_rules(rule_ids)
        if unknown:
            raise DataError(unknown)
        return cls(waivers, as_of or dt.date.today())

    def info(self) -> dict[str, str] | None:
        if self.waivers is None or self.as_of is None:
            return None
        return {
            "uri": self.waivers.uri,
            "sha256": self.waivers.sha256,
            "as_of": self.as_of.isoformat(),
        }
