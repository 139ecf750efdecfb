"""One department's total, grade and indicator points across periods (:func:`history`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ..errors import did_you_mean
from ..findings import dumps
from ._method import Rescore, _made_with, _one_method, _rescored, _rules, _ruleset, _tree_order
from ._model import Method, StoredSubject, StoreError

if TYPE_CHECKING:
    from ._store import Store


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
            **_made_with(self.method, self.rescored),
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
