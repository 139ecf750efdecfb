"""History, compare and rank over the stored results — and the methodology guard.

A trend or a comparison only means something under one method (PEFA's rule for tracking
change): when the results to be put side by side were scored with different rule sets (id,
version or file hash), these refuse with :class:`MethodologyError` unless asked to re-score
the stored inputs with one rule set (``rescore=``).

The guard is in ``_method.py``; each analysis in its own module (``_history.py``,
``_compare.py``, ``_rank.py``); this module gathers them.
"""

from __future__ import annotations

from ._compare import Comparison, FindingChange, ScoreDelta, State, compare
from ._history import History, history
from ._method import Rescore
from ._rank import RankedSubject, Ranking, Unranked, competition_ranks, rank

__all__ = [
    "Comparison",
    "FindingChange",
    "History",
    "RankedSubject",
    "Ranking",
    "Rescore",
    "ScoreDelta",
    "State",
    "Unranked",
    "compare",
    "competition_ranks",
    "history",
    "rank",
]
