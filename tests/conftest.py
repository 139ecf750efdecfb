"""Shared test configuration: hypothesis profiles.

Select with ``HYPOTHESIS_PROFILE=long pytest tests/test_properties.py`` (default: ``ci``).
"""

from __future__ import annotations

import os

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
