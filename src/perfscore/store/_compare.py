"""Two periods or two runs side by side (:func:`compare`): score deltas and each finding's state
(new, resolved, persisting, changed, unchanged); SARIF with ``baselineState``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

from .._version import __version__
from ..findings import dumps
from ._method import Rescore, _made_with, _one_method, _rescored, _rules, _ruleset
from ._model import Method, StoredFinding, StoredSubject, StoreError

if TYPE_CHECKING:
    from ._store import Store


State = Literal["new", "resolved", "persisting", "changed", "unchanged"]


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
            **_made_with(self.method, self.rescored),
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
