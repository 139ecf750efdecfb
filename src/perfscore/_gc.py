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
from collections.abc import Iterator

__all__ = ["collector_paused"]


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
