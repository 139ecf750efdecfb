"""Value types shared by the loader, the expression layer and the evaluator.

Every number inside perfscore is a :class:`decimal.Decimal` built from its *text* (never from a
binary float), so ``3137.52 + 278.1 == 3415.62`` and ``95 / 100 >= 0.95`` hold exactly.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

__all__ = ["Kind", "Series", "Value", "to_decimal"]

#: Static kinds the expression compiler checks names against.
Kind = Literal["number", "boolean", "text", "series", "any"]


@dataclass(frozen=True)
class Series:
    """Values per year (年度序列), sorted by year; a missing year's value is ``None``."""

    points: tuple[tuple[int, Decimal | None], ...]

    def __post_init__(self) -> None:
        years = [y for y, _ in self.points]
        if years != sorted(set(years)):
            object.__setattr__(self, "points", tuple(sorted(dict(self.points).items())))

    @property
    def years(self) -> tuple[int, ...]:
        return tuple(y for y, _ in self.points)

    def values(self) -> tuple[Decimal | None, ...]:
        return tuple(v for _, v in self.points)

    def last(self, n: int) -> Series:
        """The ``n`` calendar years ending with the series' latest year (most recent last).

        A year inside that window the data does not give is kept, empty (``None``): for
        {2019, 2021, 2023} "the last 3 years" are 2021, 2022 and 2023, and 2022 is missing —
        never 2019, 2021 and 2023.
        """
        if n <= 0 or not self.points:
            return Series(())
        latest = self.points[-1][0]
        have = dict(self.points)
        return Series(tuple((y, have.get(y)) for y in range(latest - n + 1, latest + 1)))

    def missing_years(self) -> tuple[int, ...]:
        """Years in the series without a value."""
        return tuple(y for y, v in self.points if v is None)

    def get(self, year: int) -> Decimal | None:
        for y, v in self.points:  # (a few years: cheaper than a dict made per call)
            if y == year:
                return v
        return None

    def __len__(self) -> int:
        return len(self.points)

    def __iter__(self) -> Iterator[Decimal | None]:
        return iter(self.values())


Value = Decimal | bool | str | Series | None


def to_decimal(x: int | float | str | Decimal) -> Decimal:
    """Exact decimal from a literal; floats go through ``repr`` so 0.1 stays 0.1."""
    if isinstance(x, Decimal):
        return x
    if isinstance(x, float):
        return Decimal(float.__repr__(x))
    return Decimal(x)
