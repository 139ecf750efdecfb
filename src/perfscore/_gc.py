"""Pausing the cyclic garbage collector around work that builds many objects and frees few.

Loading a rule set allocates tens of thousands of small objects that all survive; with the
collector running, each pass re-scans everything built so far (half the load time of a
1,000-indicator rule set).  The collector is left alone if the caller disabled it.

``Evaluator.subject`` pauses it inline instead: there, *where* the first allocation after
re-enabling falls decides whether a collection runs between subjects, and the inline form
measured 590 µs per 30-indicator subject against 740 µs through this context manager (and
730 µs with no pause at all).
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

__all__ = ["EVERY", "collector_paused", "results_held"]

T = TypeVar("T")


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Collector off for the block, on again after it."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


#: results built between two freezes of what a run holds (see :func:`results_held`)
EVERY = 512


@contextlib.contextmanager
def results_held() -> Iterator[Callable[[Iterable[T]], Iterator[T]]]:
    """For a run that keeps every subject's result until it writes them (a whole report):
    ``kept(results)`` passes the results through and, every :data:`EVERY` of them and once
    at the end, moves what the process holds out of the collector's sight (``gc.freeze``),
    so its passes look only at what was made since, not again at every result kept so far
    — a third of the CPU of a 4,000-subject CSV export went to those passes.  Once every
    result is through, the collector is off while they are written: an export makes each
    finding's texts and 计算过程 and keeps them on it (half a million objects for 4,000
    subjects of 30 indicators), and the passes over them were the rest of that third.
    Everything is handed back to the collector when the block ends.  Nothing is done if the
    collector is off or something else froze objects."""
    own = gc.isenabled() and gc.get_freeze_count() == 0

    def kept(results: Iterable[T]) -> Iterator[T]:
        for i, result in enumerate(results, 1):
            if own and i % EVERY == 0:
                gc.freeze()
            yield result
        if own:  # all scored: writing them (their texts and 计算过程, kept once made) is next
            gc.freeze()
            gc.disable()

    try:
        yield kept
    finally:
        if own:
            gc.enable()
            gc.unfreeze()
