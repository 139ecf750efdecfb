"""History, compare and rank over the stored results — and the methodology guard.

A trend or a comparison only means something under one method (PEFA's rule for tracking
change): when the results to be put side by side were scored with different rule sets (id,
version or file hash), these refuse with :class:`MethodologyError` unless asked to re-score
the stored inputs with one rule set (``rescore=``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

from .._version import __version__
from ..errors import did_you_mean
from ..findings import SubjectResult, dumps
from ..ruleset import RuleSet, load_ruleset
from ._model import Method, MethodologyError, StoredFinding, StoredSubject, StoreError, _json, _load

if TYPE_CHECKING:
    from ._store import Store

__all__ = [
    "Comparison",
    "FindingChange",
    "History",
    "RankedSubject",
    "Ranking",
    "ScoreDelta",
    "Unranked",
    "compare",
    "history",
    "rank",
]

Rescore = RuleSet | str | os.PathLike[str] | None
State = Literal["new", "resolved", "persisting", "changed", "unchanged"]
_HUNDRED = Decimal(100)


def _ruleset(rescore: Rescore) -> RuleSet | None:
    if rescore is None or isinstance(rescore, RuleSet):
        return rescore
    return load_ruleset(rescore)


def _method(rs: RuleSet) -> Method:
    return Method(rs.id, rs.version, rs.sha256)


def _rescored(store: Store, rows: Sequence[StoredSubject], rs: RuleSet) -> list[StoredSubject]:
    """Score the stored input records again with ``rs`` (one method for every row)."""
    records = store.records(rows)
    missing = [r for r, rec in zip(rows, records, strict=True) if rec is None]
    if missing:
        listed = ", ".join(
            f"{r.subject.key} {r.subject.period if r.subject.period is not None else '—'} "
            f"(run {r.run})"
            for r in missing[:5]
        )
        more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        raise StoreError(
            f"cannot re-score: no stored inputs for {listed}{more}. Runs recorded with "
            "`perfscore score --store`, or added with their data files, keep their inputs"
        )
    method = _method(rs)
    out = []
    for row, rec in zip(rows, records, strict=True):
        assert rec is not None
        result = rs.evaluate_subject(rec, index=row.index)
        out.append(_from_result(row, result, method))
    return out


def _from_result(row: StoredSubject, r: SubjectResult, method: Method) -> StoredSubject:
    findings = tuple(
        StoredFinding(
            rule_id=f.rule_id,
            kind=f.kind,
            outcome=f.outcome,
            severity=f.severity,
            fingerprint=f.fingerprint,
            points=f.points,
            weight=f.weight,
            grade=f.grade,
            value=None if f.value is None else _load(_json(f.value)),
            display=f.display,
            message=f.message,
            reason=f.reason,
        )
        for f in r.findings
    )
    return replace(
        row,
        method=method,
        total=r.total,
        max=r.max,
        grade=r.grade,
        grade_label=r.grade_label,
        grade_reason=r.grade_reason,
        coverage=r.coverage,
        complete=r.complete,
        points={s.rule_id: s.points for s in r.scores},
        rescored=True,
        findings=findings,
    )


def _one_method(rows: Sequence[StoredSubject], what: str) -> Method | None:
    methods = sorted({r.method for r in rows})
    if len(methods) > 1:
        raise MethodologyError(methods, what)
    return methods[0] if methods else None


def _rules(store: Store, rows: Sequence[StoredSubject], rs: RuleSet | None) -> list[dict[str, Any]]:
    if rs is not None:
        return [
            {"id": r.id, "kind": r.kind, "title": r.title, "weight": r.weight, "level": r.level}
            for r in rs.rules
        ]
    if not rows:
        return []
    latest = max(r.run for r in rows)
    return [
        {k: x.get(k) for k in ("id", "kind", "title", "weight", "level")}
        for x in store.rules(latest)
    ]


def _tree_order(rules: Sequence[Mapping[str, Any]], points: Sequence[str]) -> list[str]:
    """Indicator ids in the order scores list them (parents first), then any others."""
    known = {str(r["id"]) for r in rules if r.get("kind") != "check"}
    seen = [p for p in points if p in known]
    return seen + sorted(known - set(seen))


# --- history --------------------------------------------------------------------------------


@dataclass(frozen=True)
class History:
    """One department's results across periods, all scored with one method."""

    key: str
    name: str | None
    method: Method | None
    rescored: bool
    entries: tuple[StoredSubject, ...]
    rules: tuple[Mapping[str, Any], ...]

    @property
    def periods(self) -> tuple[int | None, ...]:
        return tuple(e.subject.period for e in self.entries)

    def indicator(self, rule_id: str) -> tuple[Decimal | None, ...]:
        """The points of one indicator (or group), period by period."""
        return tuple(e.points.get(rule_id) for e in self.entries)

    def indicators(self) -> list[str]:
        order: list[str] = []
        for e in self.entries:
            order += [k for k in e.points if k not in order]
        return _tree_order(self.rules, order)

    def to_dict(self) -> dict[str, Any]:
        titles = {str(r["id"]): r for r in self.rules}
        return {
            "key": self.key,
            "name": self.name,
            "ruleset": self.method.to_dict() if self.method else None,
            "rescored": self.rescored,
            "perfscore": __version__,
            "periods": [
                {
                    "period": e.subject.period,
                    "run": e.run,
                    "id": e.subject.id,
                    "parent": e.subject.parent,
                    "total": e.total,
                    "max": e.max,
                    "grade": e.grade,
                    "grade_label": e.grade_label,
                    "grade_reason": e.grade_reason,
                    "coverage": e.coverage,
                    "complete": e.complete,
                }
                for e in self.entries
            ],
            "indicators": [
                {
                    "id": rid,
                    "title": titles.get(rid, {}).get("title"),
                    "weight": titles.get(rid, {}).get("weight"),
                    "points": list(self.indicator(rid)),
                }
                for rid in self.indicators()
            ],
        }

    def to_json(self) -> str:
        return dumps(self.to_dict())


def history(
    store: Store, key: str, *, ruleset: str | None = None, rescore: Rescore = None
) -> History:
    rows = store.subjects(key=key, ruleset=ruleset)
    if not rows:
        keys = [x.subject.key for x in store.subjects()]
        hint = did_you_mean(key, keys)
        extra = f" (did you mean {hint!r}?)" if hint else ""
        raise StoreError(f"no stored results for {key!r}{extra}")
    rs = _ruleset(rescore)
    if rs is not None:
        rows = _rescored(store, rows, rs)
    method = _one_method(rows, f"the history of {key!r}")
    rows.sort(key=lambda r: (r.subject.period is None, r.subject.period or 0, r.run))
    name = next((r.subject.name for r in reversed(rows) if r.subject.name), None)
    return History(key, name, method, rs is not None, tuple(rows), tuple(_rules(store, rows, rs)))


# --- compare --------------------------------------------------------------------------------


@dataclass(frozen=True)
class FindingChange:
    state: State
    key: str
    rule_id: str
    fingerprint: str
    before: StoredFinding | None
    after: StoredFinding | None
    subject: StoredSubject

    @property
    def updated(self) -> bool:
        """For a persisting finding: did its measurement or points change?"""
        b, a = self.before, self.after
        return b is not None and a is not None and (b.points, b.value) != (a.points, a.value)

    def to_dict(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "key": self.key,
            "period": self.subject.subject.period,
            "rule_id": self.rule_id,
            "fingerprint": self.fingerprint,
            "before": self.before.to_dict() if self.before else None,
            "after": self.after.to_dict() if self.after else None,
        }


@dataclass(frozen=True)
class ScoreDelta:
    key: str
    name: str | None
    before: StoredSubject | None
    after: StoredSubject | None

    @property
    def delta(self) -> Decimal | None:
        if self.before is None or self.after is None:
            return None
        if self.before.total is None or self.after.total is None:
            return None
        return self.after.total - self.before.total

    def to_dict(self) -> dict[str, Any]:
        b, a = self.before, self.after
        return {
            "key": self.key,
            "name": self.name,
            "before": {"period": b.subject.period, "total": b.total, "grade": b.grade}
            if b
            else None,
            "after": {"period": a.subject.period, "total": a.total, "grade": a.grade}
            if a
            else None,
            "delta": self.delta,
        }


@dataclass(frozen=True)
class Comparison:
    before: str
    after: str
    method: Method | None
    rescored: bool
    changes: tuple[FindingChange, ...]
    scores: tuple[ScoreDelta, ...]
    unchanged: int
    rules: tuple[Mapping[str, Any], ...] = ()

    def counts(self) -> dict[str, int]:
        c = {k: 0 for k in ("new", "resolved", "persisting", "changed")}
        for ch in self.changes:
            c[ch.state] += 1
        return {**c, "unchanged": self.unchanged}

    def of(self, state: State) -> tuple[FindingChange, ...]:
        return tuple(c for c in self.changes if c.state == state)

    def to_dict(self) -> dict[str, Any]:
        return {
            "before": self.before,
            "after": self.after,
            "ruleset": self.method.to_dict() if self.method else None,
            "rescored": self.rescored,
            "perfscore": __version__,
            "counts": self.counts(),
            "scores": [s.to_dict() for s in self.scores],
            "findings": [c.to_dict() for c in self.changes],
        }

    def to_json(self) -> str:
        return dumps(self.to_dict())

    def to_sarif(self) -> str:
        """SARIF 2.1.0: the failures of the later side, each with its ``baselineState``
        (``new``, ``unchanged``, ``updated``); resolved ones as ``absent``."""
        rules = [r for r in self.rules if r.get("kind") != "group"]
        index = {str(r["id"]): i for i, r in enumerate(rules)}
        results = []
        for ch in self.changes:
            if ch.state not in ("new", "persisting", "resolved"):
                continue
            f = ch.after if ch.state != "resolved" else ch.before
            assert f is not None
            state = {"new": "new", "resolved": "absent"}.get(
                ch.state, "updated" if ch.updated else "unchanged"
            )
            sev = (ch.after or ch.before or f).severity
            if sev == "none":
                sev = (ch.before or f).severity
            res: dict[str, Any] = {
                "ruleId": ch.rule_id,
                "level": sev if sev in ("error", "warning", "note") else "warning",
                "message": {"text": f.message.strip() or "—"},
                "baselineState": state,
                "partialFingerprints": {"perfscore/v1": ch.fingerprint},
                "properties": {
                    "perfscore/subject": {
                        "key": ch.key,
                        "id": ch.subject.subject.id,
                        **(
                            {"period": ch.subject.subject.period}
                            if ch.subject.subject.period is not None
                            else {}
                        ),
                    },
                    "perfscore/outcome": f.outcome,
                },
            }
            if ch.rule_id in index:
                res["ruleIndex"] = index[ch.rule_id]
            if ch.state == "resolved":
                res["kind"] = "pass"
                res["level"] = "none"
            results.append(res)
        doc = {
            "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
            "version": "2.1.0",
            "runs": [
                {
                    "tool": {
                        "driver": {
                            "name": "perfscore",
                            "version": __version__,
                            "rules": [
                                {
                                    "id": str(r["id"]),
                                    "shortDescription": {
                                        "text": str(r.get("title") or r["id"]).strip() or "—"
                                    },
                                }
                                for r in rules
                            ],
                        }
                    },
                    "results": results,
                    "properties": {
                        "perfscore/before": self.before,
                        "perfscore/after": self.after,
                        **({"perfscore/ruleset": self.method.to_dict()} if self.method else {}),
                    },
                }
            ],
        }
        return dumps(doc)


def _is_period(ref: str | int) -> bool:
    text = str(ref)
    return text.isdigit() and len(text) == 4


def _side(store: Store, ref: str | int, ruleset: str | None) -> tuple[str, list[StoredSubject]]:
    if _is_period(ref):
        rows = store.subjects(period=int(ref), ruleset=ruleset)
        if not rows:
            raise StoreError(f"no stored results for period {ref}")
        return str(ref), rows
    info = store.run(ref)
    rows = store.subjects(run=info.number, ruleset=ruleset, latest=False)
    return f"run {info.number}", rows


def compare(
    store: Store,
    a: str | int,
    b: str | int,
    *,
    ruleset: str | None = None,
    rescore: Rescore = None,
) -> Comparison:
    """Compare two periods (``2022``, ``2023``) or two runs (``run:3``, a hash prefix)."""
    label_a, rows_a = _side(store, a, ruleset)
    label_b, rows_b = _side(store, b, ruleset)
    rs = _ruleset(rescore)
    if rs is not None:
        rows_a, rows_b = _rescored(store, rows_a, rs), _rescored(store, rows_b, rs)
    method = _one_method(rows_a + rows_b, f"comparing {label_a} with {label_b}")
    rows_a, rows_b = store.findings(rows_a), store.findings(rows_b)

    def ident(rows: Sequence[StoredSubject]) -> bool:
        keys = [(r.subject.type, r.subject.key) for r in rows]
        return len(keys) == len(set(keys))

    by_key = ident(rows_a) and ident(rows_b)

    def k(r: StoredSubject) -> tuple[Any, ...]:
        s = r.subject
        return (s.type, s.key) if by_key else (s.type, s.key, s.period)

    left = {k(r): r for r in rows_a}
    right = {k(r): r for r in rows_b}
    changes: list[FindingChange] = []
    deltas: list[ScoreDelta] = []
    unchanged = 0
    for ident_ in sorted(set(left) | set(right), key=lambda t: tuple(str(x) for x in t)):
        before, after = left.get(ident_), right.get(ident_)
        some = after or before
        assert some is not None
        deltas.append(ScoreDelta(some.subject.key, some.subject.name, before, after))
        if before is None or after is None:
            continue
        fb = {f.fingerprint: f for f in before.findings}
        fa = {f.fingerprint: f for f in after.findings}
        for fp in list(fa) + [x for x in fb if x not in fa]:
            x, y = fb.get(fp), fa.get(fp)
            was, now = x is not None and x.open, y is not None and y.open
            state: State
            if was and now:
                state = "persisting"
            elif now:
                state = "new"
            elif was:
                state = "resolved"
            elif (
                x is None
                or y is None
                or (x.outcome, x.points, x.value)
                != (
                    y.outcome,
                    y.points,
                    y.value,
                )
            ):
                state = "changed"
            else:
                unchanged += 1
                continue
            rule_id = (y or x).rule_id  # type: ignore[union-attr]
            changes.append(FindingChange(state, after.subject.key, rule_id, fp, x, y, after))
    rules = _rules(store, rows_b or rows_a, rs)
    return Comparison(
        label_a,
        label_b,
        method,
        rs is not None,
        tuple(changes),
        tuple(deltas),
        unchanged,
        tuple(rules),
    )


# --- rank -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RankedSubject:
    rank: int
    #: share of the group scoring below, ties counted half (0–100, one decimal)
    percentile: Decimal
    of: int
    group: str | None
    entry: StoredSubject

    def to_dict(self) -> dict[str, Any]:
        s = self.entry.subject
        return {
            "rank": self.rank,
            "of": self.of,
            "percentile": self.percentile,
            "group": self.group,
            "key": s.key,
            "id": s.id,
            "name": s.name,
            "parent": s.parent,
            "total": self.entry.total,
            "grade": self.entry.grade,
            "grade_label": self.entry.grade_label,
            "run": self.entry.run,
        }


@dataclass(frozen=True)
class Unranked:
    entry: StoredSubject
    why: str

    def to_dict(self) -> dict[str, Any]:
        s = self.entry.subject
        return {"key": s.key, "id": s.id, "name": s.name, "parent": s.parent, "why": self.why}


@dataclass(frozen=True)
class Ranking:
    period: int
    by: str | None
    method: Method | None
    rescored: bool
    ranked: tuple[RankedSubject, ...]
    unranked: tuple[Unranked, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "period": self.period,
            "by": self.by,
            "ruleset": self.method.to_dict() if self.method else None,
            "rescored": self.rescored,
            "perfscore": __version__,
            "ranked": [r.to_dict() for r in self.ranked],
            "unranked": [u.to_dict() for u in self.unranked],
        }

    def to_json(self) -> str:
        return dumps(self.to_dict())


def _why_unranked(e: StoredSubject) -> str | None:
    if e.total is None:
        return "no total: " + (e.grade_reason or "an indicator could not be evaluated")
    if e.grade is None:
        return "no grade: " + (e.grade_reason or "the rule set gives none")
    return None


def competition_ranks(totals: Sequence[Decimal]) -> list[tuple[int, Decimal]]:
    """Standard competition ranking (1, 2, 2, 4) of totals sorted high to low, with each
    one's percentile: 100 × (number below + half the number equal) / count."""
    n = len(totals)
    out: list[tuple[int, Decimal]] = []
    i = 0
    while i < n:
        j = i
        while j < n and totals[j] == totals[i]:
            j += 1
        below = n - j
        pct = (_HUNDRED * (Decimal(below) + Decimal(j - i) / 2) / n).quantize(Decimal("0.1"))
        out += [(i + 1, pct)] * (j - i)
        i = j
    return out


def rank(
    store: Store,
    period: int,
    *,
    by: Literal["parent"] | None = None,
    ruleset: str | None = None,
    rescore: Rescore = None,
) -> Ranking:
    """Rank the graded subjects of one period (within each ``parent`` with ``by="parent"``)."""
    rs = _ruleset(rescore)
    rows = store.subjects(period=period, ruleset=ruleset, points=False)
    if not rows:
        raise StoreError(f"no stored results for period {period}")
    if rs is not None:
        rows = _rescored(store, rows, rs)
    method = _one_method(rows, f"ranking period {period}")
    graded: dict[str | None, list[StoredSubject]] = {}
    unranked = []
    for e in rows:
        why = _why_unranked(e)
        if why is not None:
            unranked.append(Unranked(e, why))
        else:
            graded.setdefault(e.subject.parent if by == "parent" else None, []).append(e)
    ranked: list[RankedSubject] = []
    for group in sorted(graded, key=lambda g: (g is None, g or "")):
        members = sorted(graded[group], key=lambda e: (-(e.total or 0), e.subject.key))
        places = competition_ranks([e.total or Decimal(0) for e in members])
        for e, (r, pct) in zip(members, places, strict=True):
            ranked.append(RankedSubject(r, pct, len(members), group, e))
    unranked.sort(key=lambda u: u.entry.subject.key)
    return Ranking(period, by, method, rs is not None, tuple(ranked), tuple(unranked))
