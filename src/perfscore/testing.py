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

import json
import os
import pickle
import unicodedata
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

try:
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import strategies as st
    from hypothesis.errors import InvalidArgument
except ImportError as exc:  # pragma: no cover - exercised by a test that hides hypothesis
    raise ImportError(
        "perfscore.testing needs hypothesis, which comes with the 'testing' extra: "
        "pip install perfscore[testing]"
    ) from exc

from .compile import CheckNode, IndicatorNode
from .errors import PerfscoreError
from .findings import Report, SubjectResult
from .ruleset import RuleSet
from .subjects import InputSpec

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

T = TypeVar("T")

NUMBER_TYPES = ("number", "money", "percent", "integer")
RESERVED = frozenset({"id", "name", "type", "values"})
DEFAULT_LOW = Decimal(-1000)
DEFAULT_HIGH = Decimal(100000)
HUNDRED = Decimal(100)
ZERO = Decimal(0)
ONE = Decimal(1)
CENT = Decimal("0.01")
#: The data policy for numbers (docs/data.md): beyond 10^15 a figure is a data-entry error
#: ("check the unit"), and no number may carry more than 28 significant digits.
MAX_EXPONENT = 15
MAX_DIGITS = 28
_SCORED = ("pass", "fail")
_HEALTH = [HealthCheck.too_slow, HealthCheck.data_too_large]
#: no 'explain' phase: its report names lines of this module, not of the rule set
_PHASES = [Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink]


# --- per-rule-set memo (weak: a rule set that is gone takes its strategies with it) ----------

_MEMO: weakref.WeakKeyDictionary[RuleSet, dict[Any, Any]] = weakref.WeakKeyDictionary()


def _memo(rs: RuleSet, key: Any, build: Callable[[], T]) -> T:
    box = _MEMO.setdefault(rs, {})
    if key not in box:
        box[key] = build()
    value: T = box[key]
    return value


# --- the rule set's structure ------------------------------------------------------------


def _walk(nodes: Sequence[IndicatorNode]) -> Iterator[IndicatorNode]:
    for n in nodes:
        yield n
        yield from _walk(n.children)


def _leaves(rs: RuleSet) -> list[IndicatorNode]:
    return [n for n in _walk(rs.compiled.indicators) if n.is_leaf]


def _names(*exprs: Any) -> set[str]:
    return {n for e in exprs if e is not None for n in e.names}


def _inputs_of(rs: RuleSet, names: set[str]) -> frozenset[str]:
    return frozenset(rs.compiled.inputs_of(names))


def _conditions(rs: RuleSet) -> dict[str, tuple[frozenset[str], ...]]:
    """leaf id → the input fields of each ``when`` that decides whether it applies, outermost
    first: its groups' and its own."""

    def build() -> dict[str, tuple[frozenset[str], ...]]:
        out: dict[str, tuple[frozenset[str], ...]] = {}

        def visit(node: IndicatorNode, above: tuple[frozenset[str], ...]) -> None:
            here = above
            if node.when is not None:
                here = (*above, _inputs_of(rs, set(node.when.names)))
            if node.is_leaf:
                out[node.id] = here
            for c in node.children:
                visit(c, here)

        for n in rs.compiled.indicators:
            visit(n, ())
        return out

    return _memo(rs, "conditions", build)


def rule_inputs(rs: RuleSet) -> dict[str, frozenset[str]]:
    """Leaf indicator or check id → the input fields it reads, through metrics, from every
    expression it holds (value, when, its groups' when, scorer targets, check sides...)."""

    def build() -> dict[str, frozenset[str]]:
        conds = _conditions(rs)
        reads = rs.compiled.rule_inputs  # every expression a rule holds, resolved at compile
        deps: dict[str, frozenset[str]] = {}
        for node in _leaves(rs):
            deps[node.id] = frozenset(reads[node.id]).union(*conds[node.id])
        for chk in rs.compiled.checks:
            deps[chk.id] = frozenset(reads[chk.id])
        return deps

    return _memo(rs, "deps", build)


def scorer_constants(rs: RuleSet) -> frozenset[Decimal]:
    """Targets, starts, band edges and grade minima: boundary values worth hitting."""

    def build() -> frozenset[Decimal]:
        out: set[Decimal] = set()
        c = rs.compiled
        for node in _walk(c.indicators):
            boundaries = getattr(node.scorer, "boundaries", None)
            if boundaries is not None:
                out.update(boundaries())
        out.update(band.min for band in c.grade_bands)
        return frozenset(out)

    return _memo(rs, "constants", build)


def _text_constants(rs: RuleSet) -> list[str]:
    """Strings a text input without ``choices`` is likely meant to hold (tiers, letters)."""

    def build() -> list[str]:
        out: set[str] = set()
        c = rs.compiled
        for node in _walk(c.indicators):
            texts = getattr(node.scorer, "texts", None)
            if texts is not None:
                out.update(texts())
        if c.letters is not None:
            out.update(c.letters.ordered())
            out.update(c.letters.aliases)
        return sorted(out)

    return _memo(rs, "texts", build)


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
        elem = number_for(spec, scorer_constants(rs), elem_type=spec.of)
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

_TRUE = {"true", "yes", "是", "y"}
_FALSE = {"false", "no", "否", "n"}
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
        return Decimal(repr(raw)) if finite else None
    if not isinstance(raw, str):
        return None
    if raw in _KNOWN_TEXT:
        return _KNOWN_TEXT[raw]
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


# --- the properties --------------------------------------------------------------------------


def _evaluate(rs: RuleSet, record: Any) -> Report:
    """``rs.evaluate`` for ONE record: a non-mapping record is passed as a batch of one (a bare
    list or string would otherwise be read as a batch of its items)."""
    return rs.evaluate(record if isinstance(record, Mapping) else [record])


def _one(rs: RuleSet, record: Any) -> SubjectResult:
    return _evaluate(rs, record).subjects[0]


def _with_value(record: Mapping[str, Any], name: str, value: Any) -> dict[str, Any]:
    if isinstance(record.get("values"), Mapping):
        return {**record, "values": {**record["values"], name: value}}
    return {**record, name: value}


def _assert_bounds(result: SubjectResult) -> None:
    for s in result.scores:
        assert ZERO <= s.coverage <= ONE, f"{s.rule_id}: coverage {s.coverage} is not in [0, 1]"
        if s.points is not None:
            assert s.points.is_finite() and s.points >= 0, f"{s.rule_id}: {s.points} points"
            if s.weight is not None:
                assert s.points <= s.weight, (
                    f"{s.rule_id}: {s.points} points, more than its weight {s.weight}"
                )
    for f in result.findings:
        if f.points is not None and f.weight is not None:
            assert ZERO <= f.points <= f.weight, (
                f"{f.rule_id}: {f.points} points is not within [0, {f.weight}]"
            )
    assert ZERO <= result.coverage <= ONE, f"coverage {result.coverage} is not in [0, 1]"
    if result.total is not None:
        assert ZERO <= result.total <= result.max, (
            f"total {result.total} is not within [0, {result.max}]"
        )


def check_points_within_weights(rs: RuleSet, record: Any) -> None:
    """每项得分不超过权重: every indicator's points are within [0, weight], the total within
    [0, max] and every coverage within [0, 1]."""
    __tracebackhide__ = True
    _assert_bounds(_one(rs, record))


def _summing_groups(rs: RuleSet) -> list[IndicatorNode]:
    """weighted_sum groups whose children's weights add up to the group's own weight."""
    return [
        n
        for n in _walk(rs.compiled.indicators)
        if n.children
        and n.aggregate_name == "weighted_sum"
        and n.weight is not None
        and all(c.yields == "points" for c in n.children)
        and sum((c.weight or ZERO for c in n.children), ZERO) == n.weight
    ]


def _all_points(rs: RuleSet) -> bool:
    return bool(rs.compiled.indicators) and all(
        n.yields == "points" for n in rs.compiled.indicators
    )


def check_totals_add_up(rs: RuleSet, record: Any) -> None:
    """分项得分之和等于总分: a ``weighted_sum`` parent whose children's weights add up to its own
    is the exact sum of its children when all of them were scored; the total is the sum of the
    top-level points when all were scored, out of the sum of their weights."""
    __tracebackhide__ = True
    result = _one(rs, record)
    scores = {s.rule_id: s for s in result.scores}
    for g in _summing_groups(rs):
        kids = [scores[c.id] for c in g.children]
        if all(k.outcome in _SCORED and k.points is not None for k in kids):
            parent = scores[g.id]
            assert parent.outcome in _SCORED, (
                f"{g.id}: {parent.outcome} though every child was scored"
            )
            want = sum((k.points for k in kids if k.points is not None), ZERO)
            parts = " + ".join(f"{k.rule_id} {k.points}" for k in kids)
            assert parent.points == want, f"{g.id}: {parent.points} points, but {parts} = {want}"
    top = [scores[n.id] for n in rs.compiled.indicators]
    if _all_points(rs) and all(t.outcome in _SCORED and t.points is not None for t in top):
        want = sum((t.points for t in top if t.points is not None), ZERO)
        assert result.total == want, (
            f"total {result.total}, but the top-level points add up to {want}"
        )
        most = sum((n.weight or ZERO for n in rs.compiled.indicators), ZERO)
        assert result.max == most, f"max {result.max}, but the top-level weights add up to {most}"


def check_monotone(
    rs: RuleSet, record: Mapping[str, Any], indicator: str, low: Decimal, high: Decimal
) -> None:
    """单调性: scoring ``record`` with the indicator's input at ``low`` and at ``high``
    (``low ≤ high``), its points move in its direction (see :func:`monotone_indicators`)."""
    __tracebackhide__ = True
    ind = next((i for i in monotone_indicators(rs) if i.id == indicator), None)
    if ind is None:
        ids = ", ".join(i.id for i in monotone_indicators(rs)) or "none"
        raise ValueError(f"{indicator!r} has no direction to test (candidates: {ids})")
    if low > high:
        low, high = high, low
    a = _one(rs, _with_value(record, ind.field, low)).score(ind.id)
    b = _one(rs, _with_value(record, ind.field, high)).score(ind.id)
    if a.points is None or b.points is None:
        return
    worse = b.points < a.points if ind.direction == "increasing" else b.points > a.points
    pct = "%" if rs.inputs[ind.field].type == "percent" else ""
    assert not worse, (
        f"{ind.id} is {ind.direction} in {ind.field}, but {ind.field}={low}{pct} scores "
        f"{a.points} and {ind.field}={high}{pct} scores {b.points}"
    )


def _check_monotone_case(rs: RuleSet, case: MonotoneCase) -> None:
    __tracebackhide__ = True
    check_monotone(rs, case.record, case.indicator, case.low, case.high)


def check_grade_matches_total(rs: RuleSet, record: Any) -> None:
    """等级与总分一致: the grade is the first band whose ``min`` the total reaches — none without
    a total or below ``min_coverage``; only an override (with a reason) may say otherwise."""
    __tracebackhide__ = True
    c = rs.compiled
    result = _one(rs, record)
    if result.total is None:
        assert result.grade is None, f"graded {result.grade} without a total"
        return
    if c.min_coverage is not None and result.coverage < c.min_coverage:
        assert result.grade is None, (
            f"graded {result.grade} at coverage {result.coverage} (min_coverage {c.min_coverage})"
        )
        return
    band = next((b for b in c.grade_bands if b.min <= result.total), None)
    expected = None if band is None else band.id
    override_grades = {o.grade for o in c.overrides}
    if result.grade != expected:
        assert result.grade in override_grades, (
            f"total {result.total} is graded {result.grade}, expected {expected}"
        )
        assert result.grade_reason, f"an override graded {result.grade} without a reason"
    elif band is not None and result.grade not in override_grades:
        assert result.grade_label == band.label, (
            f"grade {result.grade} labelled {result.grade_label!r}, expected {band.label!r}"
        )


def _reloaded(rs: RuleSet) -> RuleSet:
    """The same rule set validated and compiled again (a separate object graph)."""

    def build() -> RuleSet:
        copy: RuleSet = pickle.loads(pickle.dumps(rs))
        return copy

    return _memo(rs, "reloaded", build)


def check_deterministic(rs: RuleSet, record: Any, *, again: RuleSet | None = None) -> None:
    """可复现: the same record (or list of records) gives byte-identical JSON twice, and with the
    rule set compiled again (``again``; default: ``rs`` re-loaded through pickle)."""
    __tracebackhide__ = True
    first = rs.evaluate(record).to_json()
    assert rs.evaluate(record).to_json() == first, "same rules, same data, different JSON"
    other = again if again is not None else _reloaded(rs)
    assert other.evaluate(record).to_json() == first, (
        "the rule set compiled again gives different JSON"
    )


def check_bad_data_never_raises(
    rs: RuleSet,
    record: Any,
    *,
    clean: Mapping[str, Any] | None = None,
    allow_perfscore_errors: bool = True,
) -> Report | None:
    """异常数据不崩溃: a hostile record is scored without an exception other than a
    :class:`~perfscore.PerfscoreError` (none at all with ``allow_perfscore_errors=False``), and:

    * the report serialises to JSON; points stay within their weights;
    * one finding per leaf indicator and per check; a rule that reads a field the data policy
      refuses (docs/data.md) is an ``error`` naming it, unless a condition around it decides
      first; an error names only fields the rule reads;
    * unknown fields are reported (``unknown-field``), not scored;
    * with ``clean`` (the valid values the record was derived from; a :class:`BadCase` carries
      them): a rule that reads none of the changed fields scores as with the clean values.

    ``record`` may also be a :class:`BadCase`.  Returns the report (None after an allowed
    PerfscoreError)."""
    __tracebackhide__ = True
    if isinstance(record, BadCase):
        clean = record.clean if clean is None else clean
        record = record.record
    try:
        report = _evaluate(rs, record)
        text = report.to_json()
    except PerfscoreError:
        if allow_perfscore_errors:
            return None
        raise
    except Exception as e:
        raise AssertionError(f"{type(e).__name__}: {e} (a crash, not a finding)") from e
    json.loads(text)
    [result] = report.subjects
    _assert_bounds(result)

    deps = rule_inputs(rs)
    leaves = _leaves(rs)
    expected_ids = [n.id for n in leaves] + [c.id for c in rs.compiled.checks]
    known = set(expected_ids)
    # a group has a finding only when its own rule failed (a lookup without a matching row)
    groups = [f for f in result.findings if f.rule_id not in known]
    assert all(f.outcome == "error" and f.reason for f in groups), (
        f"group findings {[(f.rule_id, f.outcome) for f in groups]}: only errors, with a reason"
    )
    rule_findings = [f for f in result.findings if f.rule_id in known]
    got_ids = [f.rule_id for f in rule_findings]
    assert got_ids == expected_ids, f"findings for {got_ids}, expected one per rule {expected_ids}"
    for f in rule_findings:
        assert set(f.fields) <= deps[f.rule_id], (
            f"{f.rule_id} blames {list(f.fields)} but reads {sorted(deps[f.rule_id])}"
        )
    assert result.complete == all(f.outcome != "error" for f in result.findings), (
        f"complete={result.complete} does not match the error findings"
    )

    values = _record_values(record)
    if values is None:
        for f in rule_findings:
            if deps[f.rule_id]:
                assert f.outcome == "error", f"{f.rule_id}: {f.outcome} for a non-mapping record"
                assert f.fields, f"{f.rule_id}: an error that names no field"
        return report

    invalid = _invalid_fields(rs, record)
    nodes: dict[str, IndicatorNode | CheckNode] = {n.id: n for n in leaves}
    nodes.update({c.id: c for c in rs.compiled.checks})
    conds = _conditions(rs)
    for f in rule_findings:
        bad = deps[f.rule_id] & invalid
        if not bad:
            continue
        why = f"{f.rule_id} reads invalid {sorted(bad)} but is {f.outcome} ({f.reason})"
        around = conds.get(f.rule_id, ()) if isinstance(nodes[f.rule_id], IndicatorNode) else ()
        if next((i for i, c in enumerate(around) if c & invalid), len(around)) > 0:
            # an outer condition can be read first, and may say the indicator does not apply
            assert f.outcome in ("error", "not_applicable"), why
            continue
        assert f.outcome == "error", why
        assert set(f.fields) & invalid, (
            f"{f.rule_id}: the error names {list(f.fields)}, none of {sorted(invalid)}"
        )

    if clean is not None:
        changed = {
            n
            for n in rs.inputs
            if (n in values) != (n in clean) or _differs(values.get(n), clean.get(n))
        }
        base = _one(rs, as_record(clean))
        theirs = [g for g in base.findings if g.rule_id in known]
        for f, g in zip(rule_findings, theirs, strict=True):
            if not deps[f.rule_id] & changed:
                assert (f.outcome, f.points, f.grade) == (g.outcome, g.points, g.grade), (
                    f"{f.rule_id} reads none of the changed fields {sorted(changed)} but went "
                    f"{g.outcome}/{g.points} → {f.outcome}/{f.points}"
                )

    notes = " ".join(n.message for n in result.notifications if n.code == "unknown-field")
    for k in values:
        if k not in rs.inputs and k not in ("id", "name", "type"):
            assert repr(str(k)) in notes, f"unknown field {k!r} is not reported"
    return report


def _differs(a: Any, b: Any) -> bool:
    try:
        return bool(type(a) is not type(b) or a != b)
    except Exception:  # a hostile value that cannot even be compared
        return True


# --- running them with hypothesis ------------------------------------------------------------


def _register_profiles() -> None:
    """``HYPOTHESIS_PROFILE=ci`` (50 examples) and ``long`` (2000), unless already registered."""
    for name, n in (("ci", 50), ("long", 2000)):
        try:
            settings.get_profile(name)
        except InvalidArgument:
            settings.register_profile(
                name, max_examples=n, deadline=None, suppress_health_check=_HEALTH, phases=_PHASES
            )


_register_profiles()


def _settings(max_examples: int | None, share: float = 1.0) -> settings:
    name = os.environ.get("HYPOTHESIS_PROFILE")
    base = settings.get_profile(name) if name else settings.default
    assert base is not None
    n = max_examples if max_examples is not None else base.max_examples
    return settings(
        base,
        max_examples=max(10, int(n * share)),
        deadline=None,
        suppress_health_check=_HEALTH,
        phases=_PHASES,
    )


def _run(
    name: str,
    rs: RuleSet,
    strategy: st.SearchStrategy[Any],
    check: Callable[[RuleSet, Any], object],
    conf: settings,
    arg: str = "record",
) -> Callable[[], None]:
    """``check`` over ``strategy`` as a hypothesis test named ``name`` (its failing example is
    reported as ``name(arg=...)``)."""

    def with_record(record: Any) -> None:
        __tracebackhide__ = True
        check(rs, record)

    def with_case(case: Any) -> None:
        __tracebackhide__ = True
        check(rs, case)

    def with_records(records: Any) -> None:
        __tracebackhide__ = True
        check(rs, records)

    test = {"record": with_record, "case": with_case, "records": with_records}[arg]
    test.__name__ = test.__qualname__ = name
    # one hypothesis database entry per rule set and property
    test._hypothesis_internal_add_digest = f"{rs.sha256}:{name}".encode()  # type: ignore[attr-defined]
    run: Callable[[], None] = conf(given(**{arg: strategy})(test))
    return run


def property_tests(
    rs: RuleSet, *, max_examples: int | None = None
) -> dict[str, Callable[[], None]]:
    """The properties that apply to ``rs``, as test callables (no arguments) driven by
    hypothesis: ``points_within_weights``, ``totals_add_up`` (if a parent sums its children),
    ``monotone`` (if an indicator has a direction), ``grade_matches_total`` (if the rule set
    grades), ``deterministic`` and ``bad_data_never_raises``.

    ``max_examples``: examples per property; default the active hypothesis profile's
    (``HYPOTHESIS_PROFILE=long`` gives 2000; ``deterministic`` runs half as many)."""
    conf = _settings(max_examples)
    out: dict[str, Callable[[], None]] = {
        "points_within_weights": _run(
            "points_within_weights", rs, subjects(rs), check_points_within_weights, conf
        ),
    }
    if _summing_groups(rs) or _all_points(rs):
        out["totals_add_up"] = _run("totals_add_up", rs, subjects(rs), check_totals_add_up, conf)
    if monotone_indicators(rs):
        out["monotone"] = _run(
            "monotone", rs, monotone_cases(rs), _check_monotone_case, conf, "case"
        )
    if rs.compiled.grade_bands:
        out["grade_matches_total"] = _run(
            "grade_matches_total", rs, subjects(rs), check_grade_matches_total, conf
        )
    out["deterministic"] = _run(
        "deterministic",
        rs,
        st.lists(subjects(rs), min_size=1, max_size=2),
        check_deterministic,
        _settings(max_examples, 0.5),
        "records",
    )
    out["bad_data_never_raises"] = _run(
        "bad_data_never_raises", rs, bad_cases(rs), check_bad_data_never_raises, conf, "case"
    )
    return out


def assert_rule_set_properties(rs: RuleSet, *, max_examples: int | None = None) -> list[str]:
    """Run every property that applies to ``rs`` (see :func:`property_tests`) with hypothesis;
    the first that fails raises its ``AssertionError`` with the minimal failing record.
    Returns the names of the properties run."""
    tests = property_tests(rs, max_examples=max_examples)
    for run in tests.values():
        run()
    return list(tests)
