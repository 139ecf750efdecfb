"""What the columnar property tests share: the rule-set settings they run under (zero
division, missing values, arithmetic: each combination decides blanks and zeros a different
way), and generated rows as the object columns a DataFrame would hand over."""

from __future__ import annotations

from typing import Any

import numpy as np

#: (zero_division, missing, arithmetic) — the four combinations every construct is run under
SETTINGS = [
    ("zero", "not_applicable", "auto"),
    ("error", "error", "int"),
    ("not_applicable", "zero", "float"),
    ("zero", "full", "int"),
]


def object_columns(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """``rows`` as one object column per key (the first row's keys), as pandas holds text."""
    cols = {}
    for name in rows[0]:
        cols[name] = np.empty(len(rows), object)
        cols[name][:] = [r[name] for r in rows]
    return cols
