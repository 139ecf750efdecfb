"""A weighted sum's weighing in the points walk (:mod:`.pointscode`): the scaling decided at
load, the weighing written out where some children do not apply (none an error), and the
weigher called where one is — :func:`~perfscore.aggregate.weigh`'s arithmetic, in its order."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal

from ..aggregate import scaled, weigh
from ..exact import WIDE
from .writer import SourceWriter

__all__ = ["scaled_line", "skipped", "weigher"]

ZERO = Decimal(0)
NA = "not_applicable"


def scaled_line(w: SourceWriter, got: str, base: Decimal, weight: Decimal) -> str:
    """:func:`~perfscore.aggregate.scaled`, its branch taken at load."""
    if base == 0:
        return "_Z"
    if base == weight:
        return got
    return f"_share({got}, {w.value(weight)}, {w.value(base)})"


def skipped(
    w: SourceWriter,
    r: str,
    results: list[str],
    skipping: list[str],
    weight: Decimal,
    weights: Sequence[Decimal],
    total: Decimal,
    redistribute: bool,
) -> None:
    """:func:`~perfscore.aggregate.weigh` written out where no child is an error but some
    do not apply: the others' points added up in order from zero, over the weight that counts
    (their weights added up where it is redistributed, else ``total``) — ``"not_applicable"``
    where none applies."""
    maybe = set(skipping)
    always = [x for t, x in zip(results, weights, strict=True) if t not in maybe]
    flag = w.temp() if not always else None
    base = w.temp() if redistribute else None
    w.line(f"{r} = _Z")
    if base is not None:
        kept = ZERO
        for x in always:
            kept = WIDE.add(kept, x)
        w.line(f"{base} = {w.value(kept)}")
    if flag is not None:
        w.line(f"{flag} = False")
    for t, x in zip(results, weights, strict=True):
        if t not in maybe:
            w.line(f"{r} = _add({r}, {t})")
            continue
        w.line(f"if {t}.__class__ is not _str:")
        w.line(f"    {r} = _add({r}, {t})")
        if base is not None:
            w.line(f"    {base} = _add({base}, {w.value(x)})")
        if flag is not None:
            w.line(f"    {flag} = True")
    scale = scaled_line(w, r, total, weight) if base is None else _scaled_at_run(w, r, base, weight)
    if flag is not None:
        w.line(f"{r} = {scale} if {flag} else _NA")
    else:
        w.line(f"{r} = {scale}")


def weigher(
    weight: Decimal, redistribute: bool, weights: tuple[Decimal, ...], total: Decimal
) -> Callable[[Sequence[Decimal | str]], Decimal | str]:
    """:func:`~perfscore.aggregate.weigh` for one group, in one pass: the children's points
    added up in order from zero, the weight that counts, ``"error"`` where a child is one,
    ``"not_applicable"`` where none applies (the points path's results are points, or one of
    those two)."""
    add = WIDE.add
    subtract = WIDE.subtract

    def weighed(results: Sequence[Decimal | str]) -> Decimal | str:
        got = gone = ZERO
        skipped = scored = False
        for p, x in zip(results, weights, strict=True):
            if p.__class__ is str:
                if p != NA:
                    return weigh(weight, redistribute, weights, results, total)  # (an error)
                gone = add(gone, x)
                skipped = True
            else:
                got = add(got, p)  # type: ignore[arg-type]
                scored = True
        if not scored:
            return NA
        # the weight that counts: the total less what does not apply (exactly: the same
        # number as the scored children's weights added up, and only its value is read)
        return scaled(got, subtract(total, gone) if skipped and redistribute else total, weight)

    return weighed


def _scaled_at_run(w: SourceWriter, got: str, base: str, weight: Decimal) -> str:
    """:func:`~perfscore.aggregate.scaled` written out, over a weight ``base`` known only
    when the walk runs."""
    x = w.value(weight)
    return f"(_Z if {base} == 0 else {got} if {base} == {x} else _share({got}, {x}, {base}))"
