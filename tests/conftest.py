"""Shared test configuration: hypothesis profiles.

Select with ``HYPOTHESIS_PROFILE=long pytest tests/test_properties.py`` (default: ``ci``).
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    max_examples=50,
    deadline=None,
    derandomize=False,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "long",
    max_examples=2000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# The results store's tests run on SQLite and on a real PostgreSQL server (tests/store_db.py).
from store_db import store_url  # noqa: E402, F401


@pytest.fixture
def routes(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """What each ``perfscore score`` run's routing gave (tests/test_fastpath*.py): a
    ``fastpath.Routed`` (scored by columns) or None."""
    from perfscore import fastpath

    taken: list[Any] = []
    real = fastpath.route

    def spy(*a: Any, **k: Any) -> Any:
        done = real(*a, **k)
        taken.append(done)
        return done

    monkeypatch.setattr(fastpath, "route", spy)
    return taken
