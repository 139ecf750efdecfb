"""Strategies: valid values and records for a rule set, hostile values and bad records, monotone
cases."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from hypothesis import strategies as st

from ..compile import IndicatorNode
from ..ruleset import RuleSet
from ..subjects import InputSpec
from .structure import (
    CENT,
    DEFAULT_HIGH,
    DEFAULT_LOW,
    HUNDRED,
    MAX_DIGITS,
    MAX_EXPONENT,
    NUMBER_TYPES,
    ONE,
    RESERVED,
    ZERO,
    _conditions,
    _leaves,
    _memo,
    _names,
    _text_constants,
    scorer_constants,
)

# --- valid values ----------------------------------------------------------------------------


def _bounds(spec: InputSpec) -> tuple[Decimal, Decimal]:
    lo = spec.min if spec.min is not None else DEFAULT_LOW
    hi = spec.max if spec.max is not None else DEFAULT_HIGH
    return lo, max(lo, hi)


def number_for(
    spec: InputSpec,
    interesting: frozenset[Decimal] = frozenset(),
    *,
    elem_type: str | None = None,
) -> st.SearchStrategy[Decimal]:
    """A valid raw number for a numeric input (or a series' elements): a ``Decimal`` with at most
    2 places within the declared min/max (percent inputs in percentage points, integers whole),
    often one of ``interesting`` (a target, a band edge) or just beside it."""
    t = elem_type or spec.type
    lo, hi = _bounds(spec)
    specials = {ZERO, ONE, HUNDRED, lo, hi}
    for x in interesting:
        specials.update((x, x * HUNDRED) if t == "percent" else (x,))
        specials.update((x + CENT, x - CENT))
    general: st.SearchStrategy[Decimal]
    small: st.SearchStrategy[Decimal]
    if t == "integer":
        ilo = int(lo.to_integral_value(rounding="ROUND_CEILING"))
        ihi = int(hi.to_integral_value(rounding="ROUND_FLOOR"))
        specials = {x.to_integral_value() for x in specials}
        specials = {x for x in specials if lo <= x <= hi}
        general = st.integers(ilo, ihi).map(Decimal)
        slo, shi = max(ilo, 0), min(ihi, 50)
        small = st.integers(slo, shi).map(Decimal) if slo <= shi else general
    else:
        specials = {x for x in specials if lo <= x <= hi and x == x.quantize(CENT)}
        general = st.decimals(
            min_value=lo, max_value=hi, places=2, allow_nan=False, allow_infinity=False
        )
        dlo, dhi = max(lo, ZERO), min(hi, Decimal(200))
        small = (
            st.decimals(
                min_value=dlo, max_value=dhi, places=2, allow_nan=False, allow_infinity=False
            )
            if dlo <= dhi
            else general
        )
    if not specials:
        return st.one_of(small, general)
    return st.one_of(st.sampled_from(sorted(specials)), small, general)


def _raw_form(d: Decimal, spec_type: str, i: int) -> Any:
    """The same number written the ways a data file may write it (``i`` picks one)."""
    if spec_type == "percent" and 0 < d <= 1:
        return f"{d}%"  # bare, 0.5 is ambiguous (0.5 % or 50 %?): a data file writes 0.5%
    forms: list[Any] = [d, d, d, str(d)]
    if d == d.to_integral_value() and abs(d) < 10**15:
        forms.append(int(d))
    if spec_type == "percent":
        forms.append(f"{d}%")
    return forms[i % len(forms)]


def _series(p: tuple[int, list[tuple[bool, Any]]]) -> dict[Any, Any]:
    first, points = p
    return {(str(first + i) if as_text else first + i): v for i, (as_text, v) in enumerate(points)}


def value_for(spec: InputSpec, rs: RuleSet) -> st.SearchStrategy[Any]:
    """Valid raw values for one declared input of ``rs``, in the forms data files use."""

    def build() -> st.SearchStrategy[Any]:
        t = spec.type
        if t in NUMBER_TYPES:
            return st.tuples(number_for(spec, scorer_constants(rs)), st.integers(0, 5)).map(
                lambda p: _raw_form(p[0], t, p[1])
            )
        if t == "boolean":
            return st.sampled_from([True, False, True, False, "是", "否", "yes", "no"])
        if t == "text":
            if spec.choices is not None:
                return st.sampled_from(spec.choices)
            consts = _text_constants(rs)
            free = st.text(max_size=8)
            return st.one_of(st.sampled_from(consts), free) if consts else free
        # series: values per consecutive years from a first year, sometimes with a hole (None)
        elem = number_for(spec, scorer_constants(rs), elem_type=spec.of).map(
            lambda d: _raw_form(d, spec.of, 0)
        )
        point = st.tuples(st.booleans(), st.one_of(elem, elem, elem, st.none()))
        return st.tuples(st.integers(2015, 2021), st.lists(point, max_size=5)).map(_series)

    return _memo(rs, ("value", spec), build)


def subject_values(rs: RuleSet, *, omit_optional: bool = True) -> st.SearchStrategy[dict[str, Any]]:
    """Valid values for the declared inputs of ``rs``: every required input, and every optional
    one in half the records, some of them in the other half (``omit_optional=False``: always
    all of them)."""

    def build() -> st.SearchStrategy[dict[str, Any]]:
        specs = rs.inputs
        required = {
            n: value_for(s, rs) for n, s in specs.items() if s.required or not omit_optional
        }
        optional = {n: value_for(s, rs) for n, s in specs.items() if n not in required}
        # half the records give every input (totals, grades), half leave optional inputs out
        # (not applicable, redistributed weight, coverage below min_coverage)
        return st.one_of(
            st.fixed_dictionaries({**required, **optional}),
            st.fixed_dictionaries(required, optional=optional),
        )

    return _memo(rs, ("values", omit_optional), build)


def as_record(
    values: Mapping[str, Any], sid: str = "dept-1", *, flat: bool = False
) -> dict[str, Any]:
    """A subject record holding ``values``: ``{id, name, values: {...}}`` or flat ``{id, ...}``."""
    if flat and not (RESERVED & values.keys()):
        return {"id": sid, **values}
    return {"id": sid, "name": "某部门", "values": dict(values)}


def subjects(rs: RuleSet) -> st.SearchStrategy[dict[str, Any]]:
    """A valid subject record for ``rs`` (one department), nested (``values:``) or flat."""
    return _memo(
        rs,
        "subjects",
        lambda: st.builds(
            lambda v, flat: as_record(v, flat=flat), subject_values(rs), st.booleans()
        ),
    )


# --- hostile values -----------------------------------------------------------------------------

#: Raw values no input should crash on.
HOSTILE: list[Any] = [
    None,
    "NaN",
    "nan",
    "inf",
    "-inf",
    "Infinity",
    Decimal("NaN"),
    Decimal("sNaN"),
    Decimal("Infinity"),
    Decimal("-Infinity"),
    float("nan"),
    float("inf"),
    float("-inf"),
    Decimal("1e300"),
    Decimal("-1e300"),
    10**400,
    1e300,
    Decimal("1e16"),
    "1e15",
    "123456789012345678901234567.5",
    Decimal("999999999999999.99"),
    Decimal("1E-30"),
    Decimal("-1"),
    Decimal("-0.01"),
    -5,
    Decimal("-0"),
    "12,34,5",
    "１２３",
    "99.4%",
    "abc",
    "",
    "   ",
    "3,435.02",
    "1e5",
    True,
    False,
    [1, 2],
    [],
    {"a": 1},
    {},
    {2023: "abc"},
    {True: 1},
    {2023: float("nan")},
    ("tuple",),
    b"bytes",
    object,
]

#: Records (or ``values:``) that are not a mapping at all.
NOT_A_MAPPING: list[Any] = [None, "abc", 42, 1.5, [1, 2], [], ["x", {"a": 1}], True, Decimal("NaN")]

_TRUE = {"true", "yes", "是", "y", "√", "✓", "✔", "对"}
_FALSE = {"false", "no", "否", "n", "×", "✗", "✘", "错"}
#: A blank written as text (docs/data.md): no value, as an empty cell
_BLANK = {"", "-", "--", "—", "——", "–", "/"}


def _blank(raw: Any) -> bool:
    return isinstance(raw, str) and unicodedata.normalize("NFKC", raw).strip() in _BLANK


_KNOWN_TEXT: dict[str, Decimal | None] = {
    "NaN": None,
    "nan": None,
    "inf": None,
    "-inf": None,
    "Infinity": None,
    "12,34,5": None,
    "abc": None,
    "": None,
    "   ": None,
    "１２３": Decimal(123),
    "3,435.02": Decimal("3435.02"),
    "1e5": Decimal(100000),
}


def _oracle_number(raw: Any, spec_type: str, unit: str | None) -> Decimal | None:
    """The number a raw value stands for (percentage points for percent), or None if it is not
    an acceptable number.  Written from docs/data.md, independently of perfscore.subjects."""
    if isinstance(raw, bool) or raw is None:
        return None
    if isinstance(raw, Decimal):
        return raw if raw.is_finite() else None
    if isinstance(raw, int):
        return Decimal(raw)
    if isinstance(raw, float):
        finite = raw == raw and raw not in (float("inf"), float("-inf"))
        return Decimal(float.__repr__(raw)) if finite else None
    if not isinstance(raw, str):
        return None
    if raw in _KNOWN_TEXT:
        return _KNOWN_TEXT[raw]
    text = unicodedata.normalize("NFKC", raw).strip()
    if unit and unit != "%" and text.endswith(unit):
        text = text[: -len(unit)]
    if text.endswith("%"):
        if spec_type not in ("percent", "number"):
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
    said_percent = isinstance(raw, str) and unicodedata.normalize("NFKC", raw).strip().endswith("%")
    if spec_type == "percent" and not said_percent and 0 < d <= 1:
        return True  # 0.98 % or 98 %? refused as ambiguous
    if spec_type == "number" and said_percent:
        d = d / 100
    if d.copy_abs() > Decimal(10) ** MAX_EXPONENT or len(d.as_tuple().digits) > MAX_DIGITS:
        return True
    if spec_type == "integer" and d != d.to_integral_value():
        return True
    if spec.min is not None and d < spec.min:
        return True
    return spec.max is not None and d > spec.max


def field_is_invalid(spec: InputSpec, raw: Any, present: bool = True) -> bool:
    """Must this raw value (``present=False``: the field is absent) become a field error?"""
    if raw is None or not present or _blank(raw):
        return spec.default is None and spec.required
    t = spec.type
    if t in NUMBER_TYPES:
        return _number_invalid(raw, t, spec)
    if t == "boolean":
        if isinstance(raw, bool):
            return False
        if not isinstance(raw, str):
            return True
        return unicodedata.normalize("NFKC", raw).strip().casefold() not in _TRUE | _FALSE
    if t == "text":
        if isinstance(raw, bool):
            return True
        if isinstance(raw, (int, float, Decimal)):  # a whole number reads as its text
            d = Decimal(float.__repr__(raw)) if isinstance(raw, float) else Decimal(raw)
            if not d.is_finite() or d != d.to_integral_value():
                return True
            raw = str(int(d))
        if not isinstance(raw, str):
            return True
        return spec.choices is not None and raw.strip() not in spec.choices
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
        if v is not None and not _blank(v) and _number_invalid(v, spec.of, spec):
            return True
    return False


def _record_values(record: Any) -> Mapping[Any, Any] | None:
    """The raw values of a record, or None if the record (or its ``values``) is no mapping."""
    if not isinstance(record, Mapping):
        return None
    values = record.get("values", record)
    return values if isinstance(values, Mapping) else None


@dataclass(frozen=True)
class BadCase:
    """A hostile record, the clean values it was derived from and the input fields changed."""

    record: Any
    clean: dict[str, Any]
    changed: frozenset[str]

    @property
    def is_mapping(self) -> bool:
        """False: the record (or its ``values``) is not a mapping at all."""
        return _record_values(self.record) is not None


def _invalid_fields(rs: RuleSet, record: Any) -> frozenset[str]:
    """Fields that must end as field errors, by the independent oracle."""
    values = _record_values(record)
    if values is None:
        return frozenset(rs.inputs)
    return frozenset(
        n for n, spec in rs.inputs.items() if field_is_invalid(spec, values.get(n), n in values)
    )


@st.composite
def bad_cases(draw: st.DrawFn, rs: RuleSet) -> BadCase:
    """A hostile record derived from a valid one: some fields hostile or dropped, unknown fields,
    odd ids, or no mapping at all (see :data:`HOSTILE`)."""
    clean = draw(subject_values(rs))
    kind = draw(st.sampled_from(["fields", "fields", "fields", "fields", "values", "record"]))
    if kind == "record":
        return BadCase(draw(st.sampled_from(NOT_A_MAPPING)), clean, frozenset(rs.inputs))
    if kind == "values":
        bad = draw(st.sampled_from([None, [1, 2], "abc", 42, Decimal("NaN")]))
        return BadCase({"id": "dept-1", "values": bad}, clean, frozenset(rs.inputs))
    names = sorted(rs.inputs)
    chosen: set[str] = set()
    if names:
        chosen = draw(st.sets(st.sampled_from(names), min_size=1, max_size=min(len(names), 4)))
    values: dict[Any, Any] = dict(clean)
    changed: set[str] = set()
    for n in sorted(chosen):
        if draw(st.sampled_from(["hostile", "hostile", "hostile", "drop"])) == "drop":
            if n in values:
                del values[n]
                changed.add(n)
        else:
            values[n] = draw(st.sampled_from(HOSTILE))
            changed.add(n)
    # unknown fields, some close to a real name
    for extra in draw(
        st.lists(
            st.sampled_from(["unknown_field", "budgte", "Budget", "值", "_x"]),
            max_size=2,
            unique=True,
        )
    ):
        if extra not in rs.inputs:
            values[extra] = draw(st.sampled_from(HOSTILE))
    sid = draw(st.sampled_from(["dept-1", 7, None, ["x"], {"a": 1}, "部门"]))
    record: dict[Any, Any]
    if draw(st.booleans()) and not (RESERVED & values.keys()):
        record = {"id": sid, **values}
    else:
        record = {"id": sid, "name": draw(st.sampled_from(["n", 5, None])), "values": values}
    return BadCase(record, clean, frozenset(changed))


def bad_subjects(rs: RuleSet) -> st.SearchStrategy[Any]:
    """Hostile records for ``rs`` (the ``record`` of :func:`bad_cases`)."""
    return bad_cases(rs).map(lambda c: c.record)


# --- monotonicity ----------------------------------------------------------------------------


@dataclass(frozen=True)
class MonotoneIndicator:
    """A leaf whose value is one numeric input, and the way its points must move with it:
    ``increasing`` (a higher value never earns fewer points) or ``decreasing``."""

    id: str
    field: str
    direction: str


def _direction(node: IndicatorNode) -> str | None:
    if node.monotone is not None:
        return node.monotone
    monotone = getattr(node.scorer, "monotone", None)
    return None if monotone is None else monotone(node.weight)


def monotone_indicators(rs: RuleSet) -> list[MonotoneIndicator]:
    """Leaves with a direction — declared (``monotone: increasing``) or implied by the scorer
    (threshold ``>=``, proportional ``higher``, deduct ``below``...) — whose value is one numeric
    input that neither their target nor their conditions read."""

    def build() -> list[MonotoneIndicator]:
        out: list[MonotoneIndicator] = []
        fields = rs.compiled.fields
        for node in _leaves(rs):
            if node.value is None or node.weight is None:
                continue
            name = node.value.text.strip()
            spec = rs.inputs.get(name)
            direction = _direction(node)
            if spec is None or spec.type not in NUMBER_TYPES or direction is None:
                continue
            others = _names(node.when, *getattr(node.scorer, "expressions", ()))
            if any(name in fields.get(n, ()) for n in others):
                continue  # the target or the condition moves with the value
            if any(name in c for c in _conditions(rs)[node.id]):
                continue  # a group's condition moves with the value
            out.append(MonotoneIndicator(node.id, name, direction))
        return out

    return _memo(rs, "monotone", build)


@dataclass(frozen=True)
class MonotoneCase:
    """A record, an indicator and two values ``low ≤ high`` for its input."""

    record: dict[str, Any]
    indicator: str
    low: Decimal
    high: Decimal


@st.composite
def monotone_cases(draw: st.DrawFn, rs: RuleSet) -> MonotoneCase:
    """A valid record, one of :func:`monotone_indicators` and two values ``low ≤ high``."""
    candidates = monotone_indicators(rs)
    if not candidates:
        raise ValueError(f"{rs.id}: no indicator has a direction to test (monotone_indicators)")
    ind = draw(st.sampled_from(candidates))
    values = draw(subject_values(rs))
    numbers = number_for(rs.inputs[ind.field], scorer_constants(rs))
    low, high = sorted((draw(numbers), draw(numbers)))
    return MonotoneCase(as_record(values), ind.id, low, high)
