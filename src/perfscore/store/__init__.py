"""Every run remembered: a results store (SQLite by default, PostgreSQL by URL).

    from perfscore.store import Store

    with Store("perfscore.db") as store:              # or Store("postgresql://…")
        store.add("findings-2023.json")               # a run; adding it again is a no-op
        store.history("liwan-npc-office")             # total, grade, indicators by period
        store.compare(2022, 2023)                     # new / resolved / persisting findings
        store.rank(2023, by="parent")                 # graded subjects, competition ranking

Needs the ``store`` extra (``pip install 'perfscore[store]'``: SQLAlchemy and psycopg).
See docs/store.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._analysis import (
        Comparison,
        FindingChange,
        History,
        RankedSubject,
        Ranking,
        ScoreDelta,
        Unranked,
        competition_ranks,
    )
    from ._model import (
        AddResult,
        Method,
        MethodologyError,
        RunInfo,
        StoredFinding,
        StoredSubject,
        StoreError,
    )
    from ._schema import SCHEMA_VERSION
    from ._store import DEFAULT_URL, Store

__all__ = [
    "DEFAULT_URL",
    "SCHEMA_VERSION",
    "AddResult",
    "Comparison",
    "FindingChange",
    "History",
    "Method",
    "MethodologyError",
    "RankedSubject",
    "Ranking",
    "RunInfo",
    "ScoreDelta",
    "Store",
    "StoreError",
    "StoredFinding",
    "StoredSubject",
    "Unranked",
    "competition_ranks",
]

_HOME = {
    "_analysis": (
        "Comparison FindingChange History RankedSubject Ranking ScoreDelta Unranked "
        "competition_ranks"
    ),
    "_model": "AddResult Method MethodologyError RunInfo StoredFinding StoredSubject StoreError",
    "_schema": "SCHEMA_VERSION",
    "_store": "DEFAULT_URL Store",
}
_WHERE = {name: mod for mod, names in _HOME.items() for name in names.split()}


def __getattr__(name: str) -> Any:
    """Names load on first use, so ``perfscore`` starts without importing SQLAlchemy (the
    ``perfscore.store.cli`` registration is light) and says what to install when it is absent."""
    mod = _WHERE.get(name)
    if mod is None:
        raise AttributeError(f"module 'perfscore.store' has no attribute {name!r}")
    try:
        import sqlalchemy  # noqa: F401
    except ImportError as e:  # pragma: no cover - depends on the installation
        from ..errors import PerfscoreError

        raise PerfscoreError(
            "the results store needs SQLAlchemy: pip install 'perfscore[store]'"
        ) from e
    import importlib

    value = getattr(importlib.import_module(f"{__name__}.{mod}"), name)
    globals()[name] = value
    return value
