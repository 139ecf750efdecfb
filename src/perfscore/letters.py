"""Ordinal letter scales (PEFA A > B+ > B > … > D) used by letter-grade indicators."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import Field

from .modelbase import StrictModel

__all__ = ["LetterScale"]


class LetterScale(StrictModel):
    """An ordinal scale such as PEFA's A > B > C > D, with ``+`` steps and aliases (D* → D).

    Letters best first; with ``plus`` each letter but the best has a ``+`` step above it.  The
    rule set's ``letters:`` mapping is this model, used as it is when scoring."""

    letters: tuple[str, ...] = Field(min_length=2)
    plus: bool = False
    aliases: dict[str, str] = Field(default_factory=dict)

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
        return self.rank(grade) >= self.rank(self.letters[-2])

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
