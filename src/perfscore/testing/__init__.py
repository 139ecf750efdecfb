"""Property-testing kit: hypothesis strategies and ready-made properties for ANY rule set.

Needs the ``testing`` extra (``pip install perfscore[testing]``, which installs hypothesis).
A tutorial is in docs/property-testing.md.  In short::

    import perfscore
    from perfscore.testing import assert_rule_set_properties

    def test_my_rule_set() -> None:
        assert_rule_set_properties(perfscore.load_ruleset("rules/my-bureau.yaml"))

Strategies (data derived from the rule set's declared ``inputs``: types, units, min/max,
choices, plus the targets, band edges and grade minima worth hitting):

* :func:`subject_values` — valid values for every declared input;
* :func:`subjects` — the same wrapped as a subject record (nested ``values:`` or flat);
* :func:`bad_subjects` / :func:`bad_cases` — hostile records (wrong types, NaN, ∞, huge
  numbers, malformed text, unknown fields, non-mapping records);
* :func:`monotone_cases` — a record and two values ``low ≤ high`` for one indicator's input.

Properties (plain functions raising ``AssertionError`` with a plain message):

* :func:`check_points_within_weights` — points in [0, weight], total in [0, max];
* :func:`check_totals_add_up` — a weighted_sum parent is the sum of its scored children;
* :func:`check_monotone` — an indicator moves in its declared (or scorer-implied) direction;
* :func:`check_grade_matches_total` — the grade is the first band the total reaches;
* :func:`check_deterministic` — the same data gives byte-identical JSON, also after reloading;
* :func:`check_bad_data_never_raises` — hostile data ends in findings, never a crash.

:func:`property_tests` returns them as hypothesis-driven test callables and
:func:`assert_rule_set_properties` runs them all.
"""

from __future__ import annotations

try:
    import hypothesis  # noqa: F401
except ImportError as exc:  # pragma: no cover - exercised by a test that hides hypothesis
    raise ImportError(
        "perfscore.testing needs hypothesis, which comes with the 'testing' extra: "
        "pip install perfscore[testing]"
    ) from exc

from .properties import (
    assert_rule_set_properties,
    check_bad_data_never_raises,
    check_deterministic,
    check_grade_matches_total,
    check_monotone,
    check_points_within_weights,
    check_totals_add_up,
    property_tests,
)
from .structure import (
    rule_inputs,
    scorer_constants,
)
from .values import (
    HOSTILE,
    NOT_A_MAPPING,
    BadCase,
    MonotoneCase,
    MonotoneIndicator,
    as_record,
    bad_cases,
    bad_subjects,
    field_is_invalid,
    monotone_cases,
    monotone_indicators,
    number_for,
    subject_values,
    subjects,
    value_for,
)

__all__ = [
    "HOSTILE",
    "NOT_A_MAPPING",
    "BadCase",
    "MonotoneCase",
    "MonotoneIndicator",
    "as_record",
    "assert_rule_set_properties",
    "bad_cases",
    "bad_subjects",
    "check_bad_data_never_raises",
    "check_deterministic",
    "check_grade_matches_total",
    "check_monotone",
    "check_points_within_weights",
    "check_totals_add_up",
    "field_is_invalid",
    "monotone_cases",
    "monotone_indicators",
    "number_for",
    "property_tests",
    "rule_inputs",
    "scorer_constants",
    "subject_values",
    "subjects",
    "value_for",
]
