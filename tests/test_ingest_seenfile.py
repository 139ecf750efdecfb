"""The duplicate-id check of a table read by columns (:class:`perfscore.ingest.seenfile.IdLog`):
every id kept with its row, the duplicates found once at the end — exactly those a dict of
first rows finds, in memory or on disk, however the hashes collide."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from perfscore.ingest import seenfile
from perfscore.ingest.seenfile import IdLog

ids = st.text(min_size=0, max_size=6) | st.sampled_from(["D000001", "第1局", "", "\udcff", "a"])
cells = ids | st.integers(-3, 3)  # an id cell that is not text: its str is its text


def _expected(batches: list[list[object]]) -> list[tuple[int, int, object]]:
    """What a dict of first rows says: (row, first row, the id as given) of each repeat."""
    first: dict[str, int] = {}
    out: list[tuple[int, int, object]] = []
    row = 3
    for batch in batches:
        for sid in batch:
            was = first.setdefault(str(sid), row)
            if was != row:
                out.append((row, was, sid))
            row += 1
        row += 2
    return out


def _logged(batches: list[list[object]], spill: int) -> list[tuple[int, int, object]]:
    with IdLog(spill=spill) as log:
        row = 3
        for batch in batches:
            log.add(batch, list(range(row, row + len(batch))))
            row += len(batch) + 2
        assert len(log) == sum(map(len, batches))
        return log.duplicates()


@given(
    st.lists(st.lists(cells, max_size=40), max_size=30),
    st.sampled_from([1, 7, 50, 1 << 16]),
    st.sampled_from(["hash", "len", "zero", "high"]),
)
def test_duplicates_are_those_a_dict_of_first_rows_finds(
    batches: list[list[object]], spill: int, hashing: str
) -> None:
    """Duplicates inside a batch and across batches, lone surrogates, ids that are numbers,
    in memory or on disk past ``spill``; with hashes that collide (every id of one length
    one hash, every id one hash, or all sharing their high 32 bits) ids are still told
    apart by their text."""
    hashes = {
        "hash": hash,
        "len": len,
        "zero": lambda s: 0,
        "high": lambda s: len(s) * 7919 + (hash(s) & 1),  # high 32 bits all 0
    }
    with pytest.MonkeyPatch.context() as m:
        m.setattr(seenfile, "_HASH", hashes[hashing])
        m.setattr(seenfile, "BLOCK", 3)  # the hash file read 3 at a time
        assert _logged(batches, spill) == _expected(batches)


def test_a_long_run_on_disk_finds_its_few_repeats() -> None:
    """5,000 ids in batches of 100, on disk past 64, each batch's first id given again in the
    next, and one id given three times: each repeat says the row first given."""
    batches: list[list[object]] = []
    for b in range(50):
        batches.append(
            [f"D{b * 100 + i:05d}" for i in range(100)] + ([f"D{(b - 1) * 100:05d}"] if b else [])
        )
    batches[-1].append("D00042")
    found = _logged(batches, 64)
    assert found == _expected(batches)
    assert len(found) == 50 and found[-1][2] == "D00042"
    assert next(f for f in found if f[2] == "D00042")[1] == 3 + 42  # its row in batch 0


def test_nothing_is_repeated_in_an_empty_or_one_id_log() -> None:
    assert _logged([], 1) == [] and _logged([["x"]], 1) == [] and _logged([[], ["x", "y"]], 1) == []
