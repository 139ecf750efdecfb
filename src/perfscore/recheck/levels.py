"""The levels and dimensions of the 复核问题清单, shared by the review engine, its terminal
text and its workbook (so the workbook needs nothing from the engine)."""

from __future__ import annotations

from .. import words

__all__ = ["DIMENSIONS", "LEVELS", "LEVEL_LABELS"]

#: Levels of the 复核问题清单, worst first; ``pass`` is 通过.
LEVELS = ("P0", "P1", "P2", "pass")
LEVEL_LABELS = {"P0": "P0", "P1": "P1", "P2": "P2", "pass": "通过"}

DIMENSIONS = words.REVIEW_DIMENSION["zh"]
