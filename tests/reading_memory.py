"""How much memory reading a data file holds: for the streaming tests of the readers."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import perfscore
from perfscore.ingest import open_data


def held_while_reading(rs: perfscore.RuleSet, path: Path, every: int = 256) -> tuple[int, int]:
    """(records, most memory held between records), sampled every ``every`` records as they
    stream, so a bounded buffer freed early (the first MB read to detect the encoding) does not
    count."""
    tracemalloc.start()
    n = held = 0
    try:
        for src in open_data(path):
            for _ in src.records(rs):
                n += 1
                if n % every == 0:
                    held = max(held, tracemalloc.get_traced_memory()[0])
        return n, held
    finally:
        tracemalloc.stop()
