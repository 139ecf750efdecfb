"""``checklist``: points per satisfied item (三公经费管理: 3 items × 1 point); the items' points
add up to the weight.

Example::

    inputs:
      has_rules: {type: boolean}
      published: {type: boolean}
    indicators:
      - id: management
        title: 管理制度
        weight: 2
        scorer:
          type: checklist
          items:
            - {id: rules, points: 1, when: has_rules}
            - {id: open, points: 1, when: published}
    cases:
      - {values: {has_rules: true, published: true}, points: 2}
      - {values: {has_rules: true, published: false}, points: 1}
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from pydantic import Field

from ..modelbase import Expr, Identifier, StrictModel
from ..numbers import round_places
from .base import (
    ZERO,
    BaseScorer,
    BuildContext,
    Explaining,
    OutcomeForm,
    PointsForm,
    Scored,
    ScorerConfig,
    ScorerType,
    Working,
    need_weight,
    weight_of,
)

__all__ = ["KIND", "ChecklistConfig", "ChecklistItem", "ChecklistScorer"]

#: Up to this many items the fast points form looks the points up (2**n of them, made at load).
_TABLE_ITEMS = 10


class ChecklistItem(StrictModel):
    id: Identifier
    title: str | None = None
    points: Decimal = Field(gt=0)
    when: Expr


class ChecklistConfig(ScorerConfig):
    type: Literal["checklist"]
    items: tuple[ChecklistItem, ...] = Field(min_length=1)


@dataclass
class ChecklistScorer(BaseScorer):
    """Points per satisfied item (三公经费管理: 3 items × 1 point)."""

    items: list[tuple[str, Decimal, Any]]
    yields: str = "points"
    titles: dict[str, str] = field(default_factory=dict)

    @property
    def expressions(self) -> tuple[Any, ...]:
        return tuple(e for _, _, e in self.items)

    def score(self, value: Any, scope: Mapping[str, Any], weight: Decimal | None) -> Scored:
        w = weight_of(weight)
        got = [(i, p) for i, p, e in self.items if e(scope)]
        pts = sum((p for _, p in got), ZERO)
        met_ids = ", ".join(i for i, _ in got) or "none"
        return Scored(
            points=min(w, pts),
            met=pts >= w,
            detail=f"{len(got)} of {len(self.items)} items met: {met_ids}",
        )

    def points_form(
        self, get: Callable[[Mapping[str, Any]], Any] | None, weight: Decimal, places: int
    ) -> PointsForm | None:
        """Which items hold, as the bits of a number, looks up the points of that combination:
        each one's sum (in ``score``'s order, capped at the weight) rounded once, at load."""
        if len(self.items) > _TABLE_ITEMS:
            return None  # (2**n combinations: ``score`` itself)
        tests = tuple(e.__call__ for _, _, e in self.items)  # the compiled functions themselves
        table = []
        for held in range(2 ** len(tests)):
            got = [p for k, (_, p, _) in enumerate(self.items) if held >> k & 1]
            table.append(round_places(min(weight, sum(got, ZERO)), places))
        if len(tests) == 2:
            (a, b), (pa, pb, pab, p0) = tests, (table[1], table[2], table[3], table[0])

            def two(scope: Mapping[str, Any]) -> Decimal:
                if a(scope):
                    return pab if b(scope) else pa
                return pb if b(scope) else p0

            return two

        def checklist(scope: Mapping[str, Any]) -> Decimal:
            held, bit = 0, 1
            for test in tests:
                if test(scope):
                    held |= bit
                bit <<= 1
            return table[held]

        return checklist

    def outcome_form(
        self, get: Callable[[Mapping[str, Any]], Any] | None, weight: Decimal, places: int
    ) -> OutcomeForm | None:
        """What :meth:`points_form` looks up, with ``score``'s ``met`` and detail of each
        combination of items held (made at load): no threshold; the value read, if any."""
        if len(self.items) > _TABLE_ITEMS:
            return None  # (2**n combinations: ``score`` itself)
        tests = tuple(e.__call__ for _, _, e in self.items)  # the compiled functions themselves
        table = []
        for held in range(2 ** len(tests)):
            got = [(i, p) for k, (i, p, _) in enumerate(self.items) if held >> k & 1]
            pts = sum((p for _, p in got), ZERO)
            met_ids = ", ".join(i for i, _ in got) or "none"
            detail = f"{len(got)} of {len(tests)} items met: {met_ids}"
            table.append((round_places(min(weight, pts), places), pts >= weight, detail))

        def checklist(scope: Mapping[str, Any]) -> tuple[Any, Decimal, bool, None, str]:
            held, bit = 0, 1
            for test in tests:  # (every item's condition asked, as score asks them)
                if test(scope):
                    held |= bit
                bit <<= 1
            points, met, detail = table[held]
            return (None if get is None else get(scope)), points, met, None, detail

        return checklist

    def column_form(self, weight: Decimal, places: int, build: Any) -> Any:
        """Each item's ``when`` over columns: a yes/no or text input by a lookup of its
        values, any other condition (``rate >= 0.95``) by the column condition, ties decided
        exactly (a division by zero in one is the indicator's zero_division)."""
        np = build.np
        items: list[tuple[Any, float]] = []
        for _, p, e in self.items:
            if p != p.quantize(Decimal(1).scaleb(-places)):
                raise build.no("item_points")
            text = e.text.strip()
            test = text if build.kinds.get(text) in ("text", "boolean") else build.condition(text)
            items.append((test, float(p.scaleb(places))))
        w = float(weight.scaleb(places))

        def checklist(ctx: Any, v: Any, failed: Any, use_met: bool) -> tuple[Any, Any, bool]:
            pts = np.zeros(ctx.n)
            for test, p in items:
                if isinstance(test, str):
                    cats, vocab = ctx.category(test)
                    truthy = np.array([bool(x) for x in vocab] + [False, False])
                    pts += truthy[cats] * p
                else:
                    pts += test(ctx) * p
            met = pts >= w
            return np.minimum(pts, w), met, False

        return build.form(checklist, needs_value=False)

    def explain(
        self, value: Any, scope: Mapping[str, Any], weight: Decimal | None, how: Explaining
    ) -> Working | None:
        w = weight_of(weight)
        met = [(i, p, bool(e(scope))) for i, p, e in self.items]  # as ``score`` reads them
        got = [(i, p) for i, p, ok in met if ok]
        total = sum((p for _, p in got), ZERO)

        def listed(pairs: list[tuple[str, Decimal]]) -> tuple[str, str]:
            """Items by title (zh) or id (en) with their points."""
            zh_sep, en_sep = how.say("list_sep")
            words = [
                how.say("checklist_item", title=(self.titles.get(i, i), i), points=how.n(p))
                for i, p in pairs
            ]
            return zh_sep.join(w[0] for w in words), en_sep.join(w[1] for w in words)

        items = how.say("checklist_items", items=listed(got)) if got else ("", "")
        not_met = [(i, p) for i, p, ok in met if not ok]
        missed = how.say("checklist_missed", items=listed(not_met)) if not_met else ("", "")
        if got:
            plus = " + ".join(how.n(p) for _, p in got)
            text = f"{plus} = {how.n(total)}" if len(got) > 1 else how.n(total)
            added = (text, text)
        else:
            added = how.say("checklist_none")
        if total > w:  # the items add up to the weight (build step): never, but as ``score``
            cap = how.say("capped", weight=how.n(w))
            added = (added[0] + cap[0], added[1] + cap[1])
        return how.working(
            "checklist",
            {"items": [{"id": i, "points": p, "met": ok} for i, p, ok in met]},
            [{"step": "items", "value": total, "met": [i for i, _ in got]}],
            met=str(len(got)), total=str(len(met)), items=items, sum=added, missed=missed,
        )  # fmt: skip


def build(config: ChecklistConfig, ctx: BuildContext) -> ChecklistScorer:
    need_weight(ctx)
    total = sum((i.points for i in config.items), ZERO)
    if ctx.weight is not None and total != ctx.weight:
        ctx.problem(
            (*ctx.path, "items"),
            f"the items' points add up to {total}, not the weight {ctx.weight}",
        )
    seen: set[str] = set()
    items = []
    for k, item in enumerate(config.items):
        if item.id in seen:
            ctx.problem((*ctx.path, "items", k, "id"), f"item id {item.id!r} is used twice")
        seen.add(item.id)
        items.append(
            (item.id, item.points, ctx.compile(item.when, (*ctx.path, "items", k, "when")))
        )
    titles = {item.id: item.title for item in config.items if item.title}
    return ChecklistScorer(items, titles=titles)


KIND = ScorerType("checklist", ChecklistConfig, build, __doc__ or "")
