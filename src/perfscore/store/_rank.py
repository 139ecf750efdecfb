"""The graded subjects of a period, ranked (:func:`rank`, standard competition ranking with
percentiles), and those that cannot be ranked with the reason why."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

from ..findings import dumps
from ..words import STORE, Bilingual, in_language, language, said
from ._method import Rescore, _made_with, _one_method, _rescored, _ruleset
from ._model import Method, StoredSubject, StoreError

if TYPE_CHECKING:
    from ._store import Store


_HUNDRED = Decimal(100)


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
    #: why it is not ranked: English text that also carries its Chinese (``why_in("zh")``)
    why: str

    def why_in(self, lang: str) -> str:
        """The reason in ``lang`` (zh or en)."""
        return in_language(self.why, language(lang))

    def to_dict(self) -> dict[str, Any]:
        s = self.entry.subject
        return {
            "key": s.key, "id": s.id, "name": s.name, "parent": s.parent,
            "why": str.__str__(self.why), "why_zh": self.why_in("zh"),
        }  # fmt: skip


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
            **_made_with(self.method, self.rescored),
            "ranked": [r.to_dict() for r in self.ranked],
            "unranked": [u.to_dict() for u in self.unranked],
        }

    def to_json(self) -> str:
        return dumps(self.to_dict())


def _why_unranked(e: StoredSubject) -> Bilingual | None:
    """Why ``e`` cannot be ranked, in both languages (words.STORE), or None.  The subject's own
    grade reason is the one the findings document gave (its Chinese where it had one)."""
    own: str | None = None
    if e.grade_reason is not None:
        own = Bilingual(e.grade_reason, e.grade_reason_zh or e.grade_reason)
    if e.total is None:
        return said(STORE, "unranked_no_total", reason=own or said(STORE, "not_scored"))
    if e.grade is None:
        return said(STORE, "unranked_no_grade", reason=own or said(STORE, "no_grades"))
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
