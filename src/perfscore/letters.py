"""Ordinal letter scales (PEFA A > B+ > B > … > D) used by letter-grade indicators."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

__all__ = ["LetterScale"]


@dataclass(frozen=True)
class LetterScale:
    """Letters best first; with ``plus`` each letter but the best has a ``+`` step above it."""

    letters: tuple[str, ...]
    plus: bool = False
    aliases: Mapping[str, str] = field(default_factory=dict)
    pass_at: str | None = None

    def ordered(self) -> tuple[str, ...]:
        """Every grade, best first: A, B+, B, C+, C, D+, D."""
        out: list[str] = []
        for i, letter in enumerate(self.letters):
            if self.plus and i > 0:
                out.append(letter + "+")
            out.append(letter)
        return tuple(out)

    def rank(self, grade: str) -> int:
        """Higher is better; raises KeyError for an unknown grade."""
        order = self.ordered()
        return len(order) - order.index(self.canonical(grade))

    def canonical(self, grade: str) -> str:
        return self.aliases.get(grade, grade)

    def is_grade(self, grade: str) -> bool:
        return self.canonical(grade) in self.ordered()

    def describe(self) -> str:
        return " > ".join(self.ordered())

    def passes(self, grade: str) -> bool:
        threshold = self.pass_at or self.letters[-2]
        return self.rank(grade) >= self.rank(threshold)

    def weakest_link(self, grades: Sequence[str]) -> str:
        """PEFA M1: the lowest grade, with ``+`` when any other is higher."""
        ranks = sorted(self.rank(g) for g in grades)
        lowest = self.ordered()[len(self.ordered()) - ranks[0]]
        if (
            self.plus
            and ranks[-1] > ranks[0]
            and not lowest.endswith("+")
            and lowest != self.letters[0]
        ):
            return lowest + "+"
        return lowest

    def key(self, grades: Sequence[str]) -> tuple[str, ...]:
        """A multiset of grades as a lookup key: best first."""
        return tuple(sorted((self.canonical(g) for g in grades), key=self.rank, reverse=True))
