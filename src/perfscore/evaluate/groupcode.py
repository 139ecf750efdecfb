"""Evaluate, a group's sums written out for the findings walk (:mod:`.findcode`): where its
children's results allow it, what :meth:`~perfscore.evaluate.Evaluator._group` computes — a
weighted sum's points scored in full (:func:`in_full`) or in part (:func:`in_part`), a
mean's or a weakest link's shares (:func:`in_shares`) — then its outcome, coverage and two
results (:func:`_results`), kept for its children's very results; anything else is
``_group``'s own step, called where it stands."""

from __future__ import annotations

from ..aggregate import weakest_link
from ..compile import IndicatorNode
from ..exact import WIDE
from .groups import Coverages
from .state import ZERO
from .writer import SourceWriter

__all__ = ["Parts", "in_full", "in_part", "in_shares"]

#: a weighted sum's (a mean's) parts: whether a child not applicable hands its weight on, and
#: its kept coverages
Parts = tuple[bool, Coverages]


def in_full(
    w: SourceWriter, node: IndicatorNode, kids: list[str], at: int, t: str, kept: str
) -> bool:
    """A weighted sum whose children all scored in full (pass or fail, all of their weight
    covered): :func:`~.groups.scored_in_full`'s sums in its order (the children's weights,
    each the very object its result carries, added up at load), and ``_group``'s results.
    False: not written (a child without a weight, no weight at all)."""
    total = ZERO
    for c in node.children:
        if c.weight is None:
            return False
        total = WIDE.add(total, c.weight)
    weight = node.weight
    if not total or weight is None:
        return False
    full = " and ".join(
        f"{k}.coverage is _ONE and {k}.weight is {w.value(c.weight)}"
        f" and ({k}.outcome == 'pass' or {k}.outcome == 'fail')"
        for k, c in zip(kids, node.children, strict=True)
    )
    got = "_Z"
    for k in kids:
        got = f"_add({got}, {k}.points or _Z)"
    if total != weight:
        got = f"_share({got}, {w.value(weight)}, {w.value(total)})"
    w.block(f"elif {full}:")
    w.line(f"p = _round({got}, _P)")
    passed = " and ".join(f"{k}.outcome == 'pass'" for k in kids)
    w.line(f"o = 'pass' if {passed} else 'fail'")
    _results(w, node, kids, at, t, kept, "_ONE, _C4")
    w.end()
    return True


def in_part(
    w: SourceWriter, node: IndicatorNode, kids: list[str], at: int, t: str, kept: str, parts: Parts
) -> None:
    """A weighted sum whose children each scored or are not applicable (after
    :func:`in_full`, which takes those all scored in full): :func:`~.groups.scored_in_part`
    written out — the points of those scored added up in order, scaled to the group's weight
    over the weight that counts (theirs, added up in order, where a child not applicable
    hands its weight on; else all of it, added up at load), the coverage where a child is
    covered in part (``_cover``, kept per the children's coverages) — and ``_group``'s
    results.  None scored: ``_group``'s."""
    redistribute, coverages = parts
    weights = [c.weight or ZERO for c in node.children]  # (scored_in_part's ``c.weight or 0``)
    total = ZERO
    for x in weights:
        total = WIDE.add(total, x)
    weight = node.weight
    assert weight is not None and total  # (in_full wrote its sum: so both are)
    may = " and ".join(
        f"{k}.weight is {w.value(c.weight)} and ({k}.outcome == 'pass' or {k}.outcome == 'fail'"
        f" or {k}.outcome == 'not_applicable')"
        for k, c in zip(kids, node.children, strict=True)
    )
    w.block(f"elif {may}:")
    w.line("got = base = _Z")
    w.line("passed, scored, skipped, partial = True, False, False, False")
    for k, x in zip(kids, weights, strict=True):
        w.line(f"o, c = {k}.outcome, {k}.coverage")
        w.line("if c is not _ONE and (type(c) is not _D or c != _ONE): partial = True")
        w.block("if o == 'not_applicable':")
        w.line("skipped = True")
        w.end()
        w.block("else:")
        w.line(f"got = _add(got, {k}.points or _Z)")
        w.line(f"base = _add(base, {w.value(x)})")
        w.line("scored = True")
        w.line("if o == 'fail': passed = False")
        w.end()
    w.block("if scored:")
    both = w.value(total)
    w.line(f"if not skipped: base = {both}" if redistribute else f"base = {both}")
    w.line(f"p = _round(_scaled(got, base, {w.value(weight)}), _P)")
    _scored_or_group(w, node, kids, at, t, kept, both, w.value(coverages))


def in_shares(
    w: SourceWriter, node: IndicatorNode, kids: list[str], at: int, t: str, kept: str, parts: Parts
) -> None:
    """A ``mean`` (or ``weakest_link``) group of points whose children each scored or are not
    applicable: :func:`~.groups.shares_in_place` written out — each scored child's share of
    its weight (exactly), a zero share per child not applicable unless it hands its weight
    on, the group's weight × their mean (their lowest), the coverage where a child is covered
    in part — and ``_group``'s results.  None scored: ``_group``'s."""
    redistribute, coverages = parts
    lowest = node.aggregate is weakest_link
    total = ZERO
    for c in node.children:
        if c.weight is None:  # (its result's weight would not be the very object: _group's)
            return
        total = WIDE.add(total, c.weight or ZERO)
    if not total:
        return
    may = " and ".join(
        f"{k}.weight is {w.value(c.weight)} and {k}.grade is None and ({k}.outcome == 'pass'"
        f" or {k}.outcome == 'fail' or {k}.outcome == 'not_applicable')"
        for k, c in zip(kids, node.children, strict=True)
    )
    w.block(f"elif {may}:")
    w.line("shares = []")
    w.line("skipped, passed, scored, partial = 0, True, False, False")
    for k, c in zip(kids, node.children, strict=True):
        w.line(f"o, c = {k}.outcome, {k}.coverage")
        w.line("if c is not _ONE and c != _ONE: partial = True")
        w.block("if o == 'not_applicable':")
        w.line("skipped += 1")
        w.end()
        w.block("else:")
        w.line("scored = True")
        w.line("if o == 'fail': passed = False")
        if c.weight:
            w.line(f"shares.append(_quot({k}.points or _Z, {w.value(c.weight)}))")
        w.end()
    w.block("if scored:")
    if not redistribute:
        w.line("if skipped: shares.extend([_Z] * skipped)")
    share = w.value(node.weight or ZERO)
    if lowest:
        w.line(f"p = _xshare([({share}, min(shares))], _ONE) if shares else _Z")
    else:
        w.line(f"p = _xshare([({share}, x) for x in shares], _D(len(shares))) if shares else _Z")
    w.line("p = _round(p, _P)")
    _scored_or_group(w, node, kids, at, t, kept, w.value(total), w.value(coverages))


def _scored_or_group(
    w: SourceWriter,
    node: IndicatorNode,
    kids: list[str],
    at: int,
    t: str,
    kept: str,
    total: str,
    coverages: str,
) -> None:
    """The end of a group written out once its points ``p`` are set: its outcome, its
    coverage (computed only where a child is covered in part) and ``_group``'s results; where
    no child scored, ``_group`` itself (what the aggregator says)."""
    w.line("o = 'pass' if passed else 'fail'")
    w.line(f"cov, cov4 = _cover([{', '.join(kids)}], {total}, {coverages}) if partial"
           " else (_ONE, _C4)")  # fmt: skip
    _results(w, node, kids, at, t, kept, "cov, cov4")
    w.end()
    w.block("else:")  # (none scored: what the aggregator says)
    w.line(f"{t} = _group({w.value(node)}, {at}, [{', '.join(kids)}], run, scores, findings, k)")
    w.end()
    w.end()


def _results(
    w: SourceWriter, node: IndicatorNode, kids: list[str], at: int, t: str, kept: str, cov: str
) -> None:
    """A group's two results from its points ``p``, outcome ``o`` and ``cov`` (its coverage
    and it rounded to 4 places): :func:`~.records.node_score` and
    :func:`~.records.indicator_score` written out (the same classes and attributes), its
    score put in its place, both kept for its children's results ``k``."""
    nid, wt = w.value(node.id), w.value(node.weight)
    c, c4 = cov.split(", ")
    w.line(f"{t} = _new(_NS)")
    w.line(
        f"_set({t}, '__dict__', {{'rule_id': {nid}, 'weight': {wt}, 'points': p, "
        f"'grade': None, 'outcome': o, 'coverage': {c}, 'reason': None, 'reason_zh': None}})"
    )
    w.line("sc = _new(_IS)")
    w.line(
        f"_set(sc, '__dict__', {{'rule_id': {nid}, 'points': p, 'weight': {wt}, "
        f"'grade': None, 'outcome': o, 'coverage': {c4}}})"
    )
    w.line(f"scores[{at}] = sc")
    w.line(f"if len({kept}) < _SHARED: {kept}[k] = (({''.join(f'{k}, ' for k in kids)}), sc, {t})")
