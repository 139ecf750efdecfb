"""Hypothesis strategies for perfscore subject data, derived from a loaded :class:`RuleSet`.

* :func:`subject_values` — valid values for every declared input (``rs.inputs``);
* :func:`subject_records` — the same wrapped as a subject record;
* :func:`bad_cases` / :func:`bad_values` — hostile records (wrong types, NaN, ∞, huge numbers,
  malformed text, unknown fields, non-mapping records) together with the clean record they
  were derived from and the fields that were changed;
* :func:`field_is_invalid` — an *independent* oracle saying whether a raw value must become
  a field error for a declared input (written from docs/data.md, not from subjects.py).
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from hypothesis import strategies as st

from perfscore import RuleSet
from perfscore.scorers import (
    BandsScorer,
    DeductScorer,
    ProportionalScorer,
    SeriesBandsScorer,
    ThresholdScorer,
    TierScorer,
)
from perfscore.subjects import InputSpec

NUMBER_TYPES = ("number", "money", "percent", "integer")
RESERVED = frozenset({"id", "name", "type", "values"})
DEFAULT_LOW = Decimal(-1000)
DEFAULT_HIGH = Decimal(100000)
HUNDRED = Decimal(100)
#: The data policy for numbers (perfscore.subjects): beyond 10^15 a figure is a data-entry error
#: ("check the unit"), and no number may carry more than 28 significant digits.
MAX_EXPONENT = 15
MAX_DIGITS = 28


# --- what the rule set finds interesting ---------------------------------------------------


def _walk(nodes: Any) -> Any:
    for n in nodes:
        yield n
        yield from _walk(n.children)


@functools.cache
def scorer_constants(rs: RuleSet) -> frozenset[Decimal]:
    """Targets, starts, band edges and grade minima: boundary values worth hitting."""
    out: set[Decimal] = set()
    c = rs.compiled
    for node in _walk(c.indicators):
        s = node.scorer
        if isinstance(s, (ThresholdScorer, ProportionalScorer)) and s.target.const is not None:
            out.add(s.target.const)
        elif isinstance(s, DeductScorer) and s.start.const is not None:
            out.add(s.start.const)
            out.add(s.start.const + s.per)
            out.add(s.start.const - s.per)
        elif isinstance(s, (BandsScorer, SeriesBandsScorer)):
            for b in s.bands:
                out.update(x for x in (b.interval.low, b.interval.high) if x.is_finite())
    for band in c.grade_bands:
        out.add(band.min)
    return frozenset(out)


@functools.cache
def _text_constants(rs: RuleSet) -> list[str]:
    """Strings a text input without ``choices`` is likely meant to hold (tiers, letters)."""
    out: list[str] = []
    c = rs.compiled
    for node in _walk(c.indicators):
        if isinstance(node.scorer, TierScorer):
            out.extend(node.scorer.tiers)
    if c.letters is not None:
        out.extend(c.letters.ordered())
        out.extend(c.letters.aliases)
    return sorted(set(out))


# --- valid values -----------------------------------------------------------------------------


def _bounds(spec: InputSpec) -> tuple[Decimal, Decimal]:
    lo = spec.min if spec.min is not None else DEFAULT_LOW
    hi = spec.max if spec.max is not None else DEFAULT_HIGH
    return lo, max(lo, hi)


@functools.cache
def number_for(spec: InputSpec, interesting: frozenset[Decimal] = frozenset(),
               *, elem_type: str | None = None) -> st.SearchStrategy[Decimal]:
    """A valid raw number for a numeric input, as a ``Decimal`` with at most 2 places
    (percent inputs in percentage points, integers whole)."""
    t = elem_type or spec.type
    lo, hi = _bounds(spec)
    specials = {Decimal(0), Decimal(1), HUNDRED, lo, hi}
    for x in interesting:
        specials.update((x, x * HUNDRED) if t == "percent" else (x,))
        specials.update((x + Decimal("0.01"), x - Decimal("0.01")))
    if t == "integer":
        specials = {x.to_integral_value() for x in specials}
        ilo, ihi = int(lo.to_integral_value(rounding="ROUND_CEILING")), int(hi.to_integral_value(rounding="ROUND_FLOOR"))
        specials = {x for x in specials if lo <= x <= hi}
        general: st.SearchStrategy[Decimal] = st.integers(ilo, ihi).map(Decimal)
        small = st.integers(max(ilo, 0), min(ihi, 50)).map(Decimal) if max(ilo, 0) <= min(ihi, 50) else general
    else:
        specials = {x for x in specials if lo <= x <= hi and x == x.quantize(Decimal("0.01"))}
        general = st.decimals(min_value=lo, max_value=hi, places=2, allow_nan=False, allow_infinity=False)
        slo, shi = max(lo, Decimal(0)), min(hi, Decimal(200))
        small = (st.decimals(min_value=slo, max_value=shi, places=2, allow_nan=False, allow_infinity=False)
                 if slo <= shi else general)
    if not specials:
        return st.one_of(small, general)
    return st.one_of(st.sampled_from(sorted(specials)), small, general)


def _raw_form(d: Decimal, spec_type: str, i: int) -> Any:
    """The same number written the ways a data file may write it (``i`` picks one)."""
    forms: list[Any] = [d, d, d, str(d)]
    if d == d.to_integral_value() and abs(d) < 10**15:
        forms.append(int(d))
    if spec_type == "percent":
        forms.append(f"{d}%")
    return forms[i % len(forms)]


@functools.cache
def value_for(spec: InputSpec, rs: RuleSet) -> st.SearchStrategy[Any]:
    """Valid raw values for ``spec`` (built once per input and rule set)."""
    t = spec.type
    if t in NUMBER_TYPES:
        return st.tuples(number_for(spec, scorer_constants(rs)), st.integers(0, 5)).map(
            lambda p: _raw_form(p[0], t, p[1]))
    if t == "boolean":
        return st.sampled_from([True, False, True, False, "是", "否", "yes", "no"])
    if t == "text":
        if spec.choices is not None:
            return st.sampled_from(spec.choices)
        consts = _text_constants(rs)
        free = st.text(max_size=8)
        return st.one_of(st.sampled_from(consts), free) if consts else free
    # series: values per consecutive years from a first year, sometimes with a hole (None)
    elem = number_for(spec, scorer_constants(rs), elem_type=spec.of)
    point = st.tuples(st.booleans(), st.one_of(elem, elem, elem, st.none()))
    return st.tuples(st.integers(2015, 2021), st.lists(point, max_size=5)).map(_series)


def _series(p: tuple[int, list[tuple[bool, Any]]]) -> dict[Any, Any]:
    first, points = p
    return {(str(first + i) if as_text else first + i): v for i, (as_text, v) in enumerate(points)}


@functools.cache
def _values(rs: RuleSet, omit_optional: bool) -> st.SearchStrategy[dict[str, Any]]:
    specs = rs.inputs
    required = {n: value_for(s, rs) for n, s in specs.items() if s.required or not omit_optional}
    optional = {n: value_for(s, rs) for n, s in specs.items() if n not in required}
    # half the records give every input (totals, grades), half leave optional inputs out
    # (not applicable, redistributed weight, coverage below min_coverage)
    return st.one_of(st.fixed_dictionaries({**required, **optional}),
                     st.fixed_dictionaries(required, optional=optional))


@st.composite
def subject_values(draw: st.DrawFn, rs: RuleSet, *, omit_optional: bool = True) -> dict[str, Any]:
    """Valid values for the declared inputs of ``rs`` (``rs.inputs``): every required input,
    and every optional one in half the records, some of them in the other half."""
    return draw(_values(rs, omit_optional))


def as_record(values: Mapping[str, Any], sid: str = "dept-1", *, flat: bool = False) -> dict[str, Any]:
    if flat and not (RESERVED & values.keys()):
        return {"id": sid, **values}
    return {"id": sid, "name": "某部门", "values": dict(values)}


@st.composite
def subject_records(draw: st.DrawFn, rs: RuleSet) -> dict[str, Any]:
    """A valid subject record, nested (``values:``) or flat."""
    return as_record(draw(subject_values(rs)), flat=draw(st.booleans()))


# --- hostile values -----------------------------------------------------------------------------

HOSTILE: list[Any] = [
    None,
    "NaN", "nan", "inf", "-inf", "Infinity",
    Decimal("NaN"), Decimal("sNaN"), Decimal("Infinity"), Decimal("-Infinity"),
    float("nan"), float("inf"), float("-inf"),
    Decimal("1e300"), Decimal("-1e300"), 10**400, 1e300, Decimal("1e16"), "1e15",
    "123456789012345678901234567.5", Decimal("999999999999999.99"), Decimal("1E-30"),
    Decimal("-1"), Decimal("-0.01"), -5, Decimal("-0"),
    "12,34,5", "１２３", "99.4%", "abc", "", "   ", "3,435.02", "1e5",
    True, False,
    [1, 2], [], {"a": 1}, {}, {2023: "abc"}, {True: 1}, {2023: float("nan")},
    ("tuple",), b"bytes", object,
]

NOT_A_MAPPING: list[Any] = [None, "abc", 42, 1.5, [1, 2], [], ["x", {"a": 1}], True, Decimal("NaN")]

_TRUE = {"true", "yes", "是", "y"}
_FALSE = {"false", "no", "否", "n"}


def _oracle_number(raw: Any, spec_type: str, unit: str | None) -> Decimal | None:
    """The number a raw value stands for (percentage points for percent), or None if it is not
    an acceptable number.  Independent of perfscore.subjects: a table for the hostile strings."""
    if isinstance(raw, bool) or raw is None:
        return None
    if isinstance(raw, Decimal):
        return raw if raw.is_finite() else None
    if isinstance(raw, int):
        return Decimal(raw)
    if isinstance(raw, float):
        return Decimal(repr(raw)) if raw == raw and raw not in (float("inf"), float("-inf")) else None
    if not isinstance(raw, str):
        return None
    known = {
        "NaN": None, "nan": None, "inf": None, "-inf": None, "Infinity": None,
        "12,34,5": None, "abc": None, "": None, "   ": None,
        "１２３": Decimal(123), "3,435.02": Decimal("3435.02"), "1e5": Decimal(100000),
    }
    if raw in known:
        return known[raw]
    text = unicodedata.normalize("NFKC", raw).strip()
    if unit and unit != "%" and text.endswith(unit):
        text = text[: -len(unit)]
    if text.endswith("%"):
        if spec_type != "percent":
            return None
        text = text[:-1]
    try:
        d = Decimal(text)
    except InvalidOperation:
        return None
    return d if d.is_finite() else None


def _number_invalid(raw: Any, spec_type: str, spec: InputSpec) -> bool:
    d = _oracle_number(raw, spec_type, spec.unit)
    if d is None:
        return True
    if abs(d) >= Decimal(10) ** (MAX_EXPONENT + 1) or len(d.as_tuple().digits) > MAX_DIGITS:
        return True
    if spec_type == "integer" and d != d.to_integral_value():
        return True
    if spec.min is not None and d < spec.min:
        return True
    return spec.max is not None and d > spec.max


def field_is_invalid(spec: InputSpec, raw: Any, present: bool = True) -> bool:
    """Must this raw value (``present=False``: the field is absent) become a field error?"""
    if raw is None or not present:
        return spec.default is None and spec.required
    t = spec.type
    if t in NUMBER_TYPES:
        return _number_invalid(raw, t, spec)
    if t == "boolean":
        if isinstance(raw, bool):
            return False
        return not (isinstance(raw, str) and raw.strip().lower() in _TRUE | _FALSE)
    if t == "text":
        if not isinstance(raw, str):
            return True
        return spec.choices is not None and raw not in spec.choices
    # series
    if not isinstance(raw, Mapping):
        return True
    for k, v in raw.items():
        if isinstance(k, bool):
            return True
        try:
            int(k)
        except (TypeError, ValueError):
            return True
        if v is not None and _number_invalid(v, spec.of, spec):
            return True
    return False


@dataclass(frozen=True)
class BadCase:
    """A hostile record, the clean values it was derived from and what was changed."""

    record: Any
    clean: dict[str, Any]
    changed: frozenset[str]  # input fields whose raw value differs from ``clean``
    is_mapping: bool  # False: the record (or its 'values') is not a mapping at all

    def invalid_fields(self, rs: RuleSet) -> frozenset[str]:
        """Fields that must end as field errors, by the independent oracle."""
        if not self.is_mapping:
            return frozenset(rs.inputs)
        values = self.record.get("values", self.record)
        return frozenset(
            n for n, spec in rs.inputs.items()
            if field_is_invalid(spec, values.get(n), n in values)
        )


@st.composite
def bad_cases(draw: st.DrawFn, rs: RuleSet) -> BadCase:
    clean = draw(subject_values(rs))
    kind = draw(st.sampled_from(["fields", "fields", "fields", "fields", "values", "record"]))
    if kind == "record":
        return BadCase(draw(st.sampled_from(NOT_A_MAPPING)), clean, frozenset(rs.inputs), False)
    if kind == "values":
        bad = draw(st.sampled_from([None, [1, 2], "abc", 42, Decimal("NaN")]))
        return BadCase({"id": "dept-1", "values": bad}, clean, frozenset(rs.inputs), False)
    names = sorted(rs.inputs)
    chosen = draw(st.sets(st.sampled_from(names), min_size=1, max_size=min(len(names), 4))) if names else set()
    values = dict(clean)
    changed = set()
    for n in sorted(chosen):
        action = draw(st.sampled_from(["hostile", "hostile", "hostile", "drop"]))
        if action == "drop":
            if n in values:
                del values[n]
                changed.add(n)
        else:
            values[n] = draw(st.sampled_from(HOSTILE))
            changed.add(n)
    # unknown fields, some close to a real name
    for extra in draw(st.lists(st.sampled_from(["unknown_field", "budgte", "Budget", "值", "_x"]),
                               max_size=2, unique=True)):
        if extra not in rs.inputs:
            values[extra] = draw(st.sampled_from(HOSTILE))
    sid = draw(st.sampled_from(["dept-1", 7, None, ["x"], {"a": 1}, "部门"]))
    flat = draw(st.booleans()) and not (RESERVED & values.keys())
    record: dict[Any, Any] = {"id": sid, **values} if flat else {"id": sid, "name": draw(st.sampled_from(["n", 5, None])), "values": values}
    return BadCase(record, clean, frozenset(changed), True)


def bad_values(rs: RuleSet) -> st.SearchStrategy[Any]:
    """Hostile records for ``rs`` (see :func:`bad_cases` for the derivation)."""
    return bad_cases(rs).map(lambda c: c.record)
