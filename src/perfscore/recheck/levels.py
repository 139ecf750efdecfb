"""The levels and dimensions of the 复核问题清单, shared by the review engine, its terminal
text and its workbook (so the workbook needs nothing from the engine)."""

from __future__ import annotations

__all__ = ["DIMENSIONS", "LEVELS", "LEVEL_LABELS"]

#: Levels of the 复核问题清单, worst first; ``pass`` is 通过.
LEVELS = ("P0", "P1", "P2", "pass")
LEVEL_LABELS = {"P0": "P0", "P1": "P1", "P2": "P2", "pass": "通过"}

DIMENSIONS = {
    "claim": "指标得分",
    "arithmetic": "表内运算",
    "grade": "等级认定",
    "warning": "自评预警",
    "pattern": "人工复核要点",
    "form": "填报规范",
}
