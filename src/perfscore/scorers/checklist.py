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

An item whose condition reads a blank (an input the data does not give) is decided on its own,
by the indicator's ``missing`` policy: ``zero`` it earns nothing, ``full`` its points,
``not_applicable`` it is left out — the answered items are scored out of their own points and
scaled to the weight (or, with ``not_applicable_weight: zero``, its points are not given);
``error`` makes the checklist an error.  Every item blank: the checklist follows the policy as
a whole, as any indicator reading only blanks does (docs/rule-language.md §7.6).

A checklist scored with blank items stands on the answered items only: its coverage (how much
of its weight was scored from data, :meth:`ChecklistScorer.covered`) is the answered items'
points over the items' points, whatever the policy did with the blank ones.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Context, Decimal
from fractions import Fraction
from typing import Any, ClassVar, Literal, cast

from pydantic import Field

from ..exact import exact_quotient
from ..modelbase import Expr, Identifier, StrictModel
from ..numbers import round_places
from .base import (
    ZERO,
    BaseScorer,
    Blank,
    BuildContext,
    Explaining,
    Fallback,
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
#: answers with blank items remembered per checklist (their points), at most
_MEMO = 4096
#: 28 digits whatever the thread's context: a quotient that fills them did not end.
_CTX = Context(prec=28)
#: Functions that read a blank themselves: an item using one is never blank.
_AWARE = frozenset({"is_missing", "coalesce"})


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
    #: the indicator's ``missing`` policy, and whether its not applicable weight is
    #: redistributed: how a blank item is decided (see the module)
    missing: str = "not_applicable"
    redistribute: bool = True
    #: its optional expressions are conditions, never a number the columnar path lifts
    lift_optional: ClassVar[bool] = False

    def __post_init__(self) -> None:
        #: per item, the names whose blank makes it blank (none for an item reading blanks
        #: itself with is_missing/coalesce)
        self.blank_reads: tuple[tuple[str, ...], ...] = tuple(
            () if e.functions & _AWARE else tuple(sorted(e.names)) for _, _, e in self.items
        )
        self.blank_names: tuple[str, ...] = tuple(sorted({n for r in self.blank_reads for n in r}))
        self.rule = self.blank_rule()
        self._tests = tuple(e.__call__ for _, _, e in self.items)  # (the compiled functions)
        #: the blank names a fast form asks after: those of items that are more than a name
        #: (an item that is a name reads None when it is blank: the form sees that itself)
        self.guard_names: tuple[str, ...] = tuple(
            sorted(
                {
                    n
                    for (_, _, e), r in zip(self.items, self.blank_reads, strict=True)
                    if r and e.text.strip() not in r
                    for n in r
                }
            )
        )

    @property
    def expressions(self) -> tuple[Any, ...]:
        """Items that read blanks themselves (is_missing/coalesce): read as always."""
        return tuple(e for (_, _, e), r in zip(self.items, self.blank_reads, strict=True) if not r)

    @property
    def optional_expressions(self) -> tuple[Any, ...]:
        """Every other item: a blank it reads makes that item blank, decided on its own."""
        return tuple(e for (_, _, e), r in zip(self.items, self.blank_reads, strict=True) if r)

    def blanks(self, scope: Mapping[str, Any]) -> tuple[int, ...]:
        """The items reading a blank, by position."""
        return tuple(
            k
            for k, names in enumerate(self.blank_reads)
            if any(scope.get(n) is None for n in names)
        )

    def covered(self, scope: Mapping[str, Any]) -> Any:
        """How much of the weight ``score`` stood on data for ``scope``: None when no item is
        blank (all of it), else the answered items' points over all the items' points, exactly
        (a blank item counted by the ``zero``/``full`` policy is not from data either)."""
        blank = self.blanks(scope)
        if not blank:
            return None
        gone = sum((self.items[k][1] for k in blank), ZERO)
        total = sum((p for _, p, _ in self.items), ZERO)
        return exact_quotient(total - gone, total)

    def _held(self) -> Callable[[Mapping[str, Any]], int]:
        """For the fast forms: which items hold, as the bits of a number — or
        :class:`Fallback` for a record with a blank item (``score`` decides it)."""
        tests, names = self._tests, self.guard_names

        def held(scope: Mapping[str, Any]) -> int:
            for n in names:
                if scope.get(n) is None:
                    raise Fallback
            bits, bit = 0, 1
            for test in tests:  # (every item's condition asked, as score asks them)
                x = test(scope)
                if x:
                    bits |= bit
                elif x is None:  # a name read blank
                    raise Fallback
                bit <<= 1
            return bits

        return held

    def score(self, value: Any, scope: Mapping[str, Any], weight: Decimal | None) -> Scored:
        w = weight_of(weight)
        blank = self.blanks(scope)
        if blank:
            return self._partly(scope, w, blank)
        got = [(i, p) for i, p, e in self.items if e(scope)]
        pts = sum((p for _, p in got), ZERO)
        met_ids = ", ".join(i for i, _ in got) or "none"
        return Scored(
            points=min(w, pts),
            met=pts >= w,
            detail=f"{len(got)} of {len(self.items)} items met: {met_ids}",
        )

    def _partly(self, scope: Mapping[str, Any], w: Decimal, blank: tuple[int, ...]) -> Scored:
        """Some items blank: each decided by the missing policy (see the module); every item
        blank, or the policy ``error``: :class:`Blank` (the indicator's policy decides)."""
        pts, got, earned, base = self._partial(scope, w, blank)
        met_ids = ", ".join(self.items[k][0] for k in got) or "none"
        blank_ids = ", ".join(self.items[k][0] for k in blank)
        answered = len(self.items) - len(blank)
        return Scored(
            points=min(w, pts),
            met=pts >= w,
            detail=(
                f"{len(got)} of {answered} answered items met: {met_ids}; "
                f"blank: {blank_ids} ({_RULE_EN[self.rule]})"
            ),
            # on data: the answered items' points met, and theirs (not the points above,
            # which the policy made of the blank items too)
            on_data=(earned, base),
        )

    def _partial(
        self, scope: Mapping[str, Any], w: Decimal, blank: tuple[int, ...]
    ) -> tuple[Decimal, list[int], Decimal, Decimal]:
        """The points of a checklist with ``blank`` items (unrounded; :class:`Blank` where
        the whole checklist's policy decides), the items met, by position, and the answered
        items' points met and theirs."""
        if len(blank) == len(self.items) or self.missing == "error":
            raise Blank(*(n for k in blank for n in self.blank_reads[k]))
        earned = base = gone = ZERO
        got = []
        for k, (_, p, e) in enumerate(self.items):
            if k in blank:
                gone += p
                continue
            base += p
            if e(scope):
                earned += p
                got.append(k)
        rule = self.rule
        if rule == "blank_full":
            pts = earned + gone
        elif rule == "blank_redistribute":
            pts = _share(w, earned, base)
        else:
            pts = earned
        return pts, got, earned, base

    def blank_rule(self) -> str:
        """How a blank item is decided beside answered ones (a key of EXPLAIN)."""
        if self.missing == "full":
            return "blank_full"
        if self.missing == "zero":
            return "blank_zero"
        return "blank_redistribute" if self.redistribute else "blank_not_given"

    def points_form(
        self, get: Callable[[Mapping[str, Any]], Any] | None, weight: Decimal, places: int
    ) -> PointsForm | None:
        """Which items hold, as the bits of a number, looks up the points of that combination:
        each one's sum (in ``score``'s order, capped at the weight) rounded once, at load."""
        if len(self.items) > _TABLE_ITEMS:
            return None  # (2**n combinations: ``score`` itself)
        table = []
        for bits in range(2 ** len(self.items)):
            got = [p for k, (_, p, _) in enumerate(self.items) if bits >> k & 1]
            table.append(round_places(min(weight, sum(got, ZERO)), places))
        blank = self._blank_form(weight, places)
        if len(self.items) == 2 and not self.guard_names:  # (the common pair, written out)
            (a, b), (pa, pb, pab, p0) = self._tests, (table[1], table[2], table[3], table[0])

            def two(scope: Mapping[str, Any]) -> Decimal:
                x, y = a(scope), b(scope)
                if x is None or y is None:  # a name read blank: as ``score`` decides it
                    return blank(scope)[0]
                if x:
                    return pab if y else pa
                return pb if y else p0

            return two
        held = self._held()

        def checklist(scope: Mapping[str, Any]) -> Decimal:
            try:
                return table[held(scope)]
            except Fallback:
                return blank(scope)[0]

        return checklist

    def _blank_form(
        self, weight: Decimal, places: int, lean: bool = True
    ) -> Callable[[Mapping[str, Any]], tuple[Decimal, bool, str | None]]:
        """A fast form's record with a blank item: ``score``'s points (rounded as the leaf
        rounds them), met and detail — or :class:`Blank` (a :class:`Fallback`) where the
        missing policy decides the whole checklist."""
        score, blanks, partial, items = self.score, self.blanks, self._partial, self.items
        whole = len(items) if self.missing != "error" else 0  # (then Blank: the policy's)
        #: (the blank items, the answered ones that hold) → the points and met they give
        #: (``_partial``'s, rounded): the same for every record with those answers
        memo: dict[tuple[tuple[int, ...], int], tuple[Decimal, bool]] = {}

        def blank(scope: Mapping[str, Any]) -> tuple[Decimal, bool, str | None]:
            which = blanks(scope)
            if not which or not lean:  # (``score`` itself: its detail, or none blank)
                s = score(None, scope, weight)
                assert s.points is not None
                return round_places(s.points, places), bool(s.met), s.detail
            if len(which) < whole:
                bits, bit = 0, 1
                for k, (_, _, e) in enumerate(items):  # (asked as ``_partial`` asks them)
                    if k not in which and e(scope):
                        bits |= bit
                    bit <<= 1
                got = memo.get((which, bits))
                if got is not None:
                    return got[0], got[1], None
            pts = partial(scope, weight, which)[0]  # (Blank where the policy decides)
            got = round_places(min(weight, pts), places), pts >= weight
            if len(which) < whole and len(memo) < _MEMO:
                memo[which, bits] = got
            return got[0], got[1], None

        return blank

    def outcome_form(
        self, get: Callable[[Mapping[str, Any]], Any] | None, weight: Decimal, places: int
    ) -> OutcomeForm | None:
        """What :meth:`points_form` looks up, with ``score``'s ``met`` and detail of each
        combination of items held (made at load): no threshold; the value read, if any."""
        if len(self.items) > _TABLE_ITEMS:
            return None  # (2**n combinations: ``score`` itself)
        table: list[tuple[Decimal, bool, str | None]] = []
        for bits in range(2 ** len(self.items)):
            got = [(i, p) for k, (i, p, _) in enumerate(self.items) if bits >> k & 1]
            pts = sum((p for _, p in got), ZERO)
            met_ids = ", ".join(i for i, _ in got) or "none"
            detail = f"{len(got)} of {len(self.items)} items met: {met_ids}"
            table.append((round_places(min(weight, pts), places), pts >= weight, detail))
        held, blank = self._held(), self._blank_form(weight, places, lean=False)
        blanks = self.blanks

        def checklist(scope: Mapping[str, Any]) -> tuple[Any, Decimal, bool, None, str | None]:
            try:
                points, met, detail = table[held(scope)]
            except Fallback:
                if blanks(scope):  # covered in part: leaf() decides, the evaluator its coverage
                    raise
                points, met, detail = blank(scope)
            return (None if get is None else get(scope)), points, met, None, detail

        return checklist

    def column_form(self, weight: Decimal, places: int, build: Any) -> Any:
        """Each item's ``when`` over columns: a yes/no or text input by a lookup of its
        values, any other condition (``rate >= 0.95``) by the column condition, ties decided
        exactly (a division by zero in one is the indicator's zero_division); an item reading
        a blank decided as ``score`` decides it (see the module), in whole scaled points."""
        np, missing = build.np, build.bounds.F_MISSING
        items: list[tuple[Any, int, tuple[str, ...]]] = []
        for (_, p, e), names in zip(self.items, self.blank_reads, strict=True):
            if p != p.quantize(Decimal(1).scaleb(-places)):
                raise build.no("item_points")
            text = e.text.strip()
            test = text if build.kinds.get(text) in ("text", "boolean") else build.condition(text)
            items.append((test, int(p.scaleb(places)), names))
        w = int(weight.scaleb(places))  # (the items' whole points add up to it)
        if 4 * w * w >= 2**63:  # (2 × w × earned, in int64, for a blank item's share)
            raise build.no("item_points")
        rule, whole = self.blank_rule(), self.missing == "error"
        # coverage in part: the answered items' points over the weight, both in units of the
        # items' common divisor (a small denominator for the groups above to multiply)
        unit = math.gcd(*(p for _, p, _ in items)) or 1

        def held(ctx: Any, test: Any) -> Any:
            if isinstance(test, str):
                cats, vocab = ctx.category(test)
                truthy = np.array([bool(x) for x in vocab] + [False, False])
                return truthy[cats]
            return test(ctx)

        def blank_rows(ctx: Any, names: tuple[str, ...]) -> Any:
            out = None
            for name in names:
                code = ctx.codes.get(name)
                if code is not None:
                    b = code == missing
                    out = b if out is None else out | b
            return out

        def checklist(ctx: Any, v: Any, failed: Any, use_met: bool) -> tuple[Any, Any, bool]:
            earned = np.zeros(ctx.n, np.int64)
            base = np.zeros(ctx.n, np.int64)  # the answered items' points
            gone = np.zeros(ctx.n, np.int64)  # the blank items' points
            skip = ctx.skip
            for test, p, names in items:
                blank = blank_rows(ctx, names)
                if blank is None or not blank.any():
                    earned += held(ctx, test).astype(np.int64) * p
                    base += p
                    continue
                ctx.skip = blank if skip is None else skip | blank  # (not read where blank)
                answered = ~blank
                earned += (held(ctx, test) & answered).astype(np.int64) * p
                base += answered.astype(np.int64) * p
                gone += blank.astype(np.int64) * p
                ctx.skip = skip
            partly = gone > 0
            if not partly.any():
                return np.minimum(earned, w), earned >= w, False
            # coverage: the answered items
            ctx.covered = build.ints.where_int(partly, base, w) // unit
            decided = (base == 0) if not whole else partly  # the missing policy decides these
            if decided.any():
                ctx.blank = decided
                for extra in ("zero", "error"):  # (the policy comes first, as in ``score``)
                    mask = getattr(ctx, extra)
                    if mask is not None:
                        setattr(ctx, extra, mask & ~decided)
            pts = earned.copy()
            if rule == "blank_full":
                pts += gone
                met = pts >= w
            elif rule == "blank_redistribute":
                some = partly & (base > 0)
                share = (2 * w * earned + base) // np.maximum(2 * base, 1)  # half up, exact
                pts = build.ints.where_int(some, share, pts)
                met = (some & (earned >= base)) | (~some & (pts >= w))
            else:
                met = pts >= w
            return np.minimum(pts, w), met, False

        # coverage in part (over the weight, in units) where items can be blank
        den = w // unit if self.blank_names else 1
        return build.form(checklist, needs_value=False, cov_den=den)

    def explain(
        self, value: Any, scope: Mapping[str, Any], weight: Decimal | None, how: Explaining
    ) -> Working | None:
        w = weight_of(weight)
        blank = self.blanks(scope)
        met = [  # as ``score`` reads them; a blank item is neither met nor not met
            (i, p, None if k in blank else bool(e(scope))) for k, (i, p, e) in enumerate(self.items)
        ]
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
        not_met = [(i, p) for i, p, ok in met if ok is False]
        missed = how.say("checklist_missed", items=listed(not_met)) if not_met else ("", "")
        if blank:
            rule = how.say(self.blank_rule(), weight=how.n(w))
            answered = sum((p for _, p, ok in met if ok is not None), ZERO)
            cover = how.say(
                "checklist_cover",
                answered=how.n(answered),
                total=how.n(sum((p for _, p, _ in met), ZERO)),
            )
            left = how.say(
                "checklist_blank",
                items=listed([(i, p) for i, p, ok in met if ok is None]),
                how=rule,
                cover=cover,
            )
            missed = (missed[0] + left[0], missed[1] + left[1])
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


#: how a blank item was decided, in a finding's detail (English, as the detail is)
_RULE_EN = {
    "blank_full": "counted in full",
    "blank_zero": "counted as 0",
    "blank_redistribute": "not applicable: the answered items scaled to the weight",
    "blank_not_given": "not applicable: their points not given",
}


def _share(w: Decimal, earned: Decimal, base: Decimal) -> Decimal:
    """``w × earned / base``, exactly: a Decimal when it ends, else the rational (the
    evaluator rounds either exactly)."""
    if earned == base:
        return w
    num = _CTX.multiply(w, earned)  # (short decimals: exact)
    d = _CTX.divide(num, base)
    if len(d.as_tuple().digits) < 28:  # (a quotient that did not end fills the 28 digits)
        return d
    return cast(Decimal, Fraction(num) / Fraction(base))


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
    return ChecklistScorer(
        items,
        titles=titles,
        missing=ctx.missing,
        redistribute=ctx.not_applicable_weight == "redistribute",
    )


KIND = ScorerType("checklist", ChecklistConfig, build, __doc__ or "")
