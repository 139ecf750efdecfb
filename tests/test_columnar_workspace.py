"""What a columnar run leaves behind (#18): no cyclic garbage (a scored chunk's columns are
freed by reference counting, not only when the cyclic collector gets to them — late in a
process holding a big heap), a workspace of at most ``WORKSPACE`` scored chunks that never
holds the caller's columns, and the same results call after call."""

from __future__ import annotations

import gc
import sys
import weakref
from pathlib import Path
from typing import Any

import pytest

np = pytest.importorskip("numpy")

import perfscore  # noqa: E402
from perfscore.columnar import ColumnarScorer  # noqa: E402
from perfscore.columnar import run as colrun  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
import families  # noqa: E402


@pytest.fixture
def dept30(monkeypatch: pytest.MonkeyPatch) -> tuple[ColumnarScorer, dict[str, Any]]:
    """The generated dept30 family on 3,000 rows, scored 512 rows a chunk (several chunks:
    integer and float columns, lazily made forms, blanks, ties)."""
    monkeypatch.setattr(colrun, "CHUNK", 512)
    fam = families.family("dept30")
    rs = perfscore.load_ruleset_text(families.ruleset_text(fam), source="dept30.yaml")
    return ColumnarScorer(rs), families.columns(fam, 3000)


def _outcomes(cs: ColumnarScorer, res: Any) -> list[Any]:
    return [res.outcome[r].tolist() for r in cs.rule_ids] + [res.total.tolist()]


def test_a_scored_run_leaves_no_cyclic_garbage(dept30: Any) -> None:
    cs, cols = dept30
    cs.score(cols)
    was = gc.isenabled()
    gc.disable()
    try:
        gc.collect()
        res = cs.score(cols)
        del res
        found = gc.collect()  # unreachable objects only the cyclic collector would free
    finally:
        if was:
            gc.enable()
    assert found == 0


def test_the_workspace_holds_no_caller_column_and_is_bounded(dept30: Any) -> None:
    cs, cols = dept30
    mine = {k: v.copy() for k, v in cols.items()}
    held = [weakref.ref(v) for v in mine.values() if v.dtype == np.float64]
    assert held
    first = _outcomes(cs, cs.score(mine))
    del mine
    assert all(r() is None for r in held)  # the caller's columns are gone with the caller's
    assert len(cs._workspace) == colrun.WORKSPACE
    assert _outcomes(cs, cs.score(cols)) == first  # what the workspace holds changes nothing
