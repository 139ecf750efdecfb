"""Subject data: read one department's (or project's) record against the declared inputs.

A wrong or missing value never crashes the batch and never turns into a silent zero: it is
recorded as a *field error*, and every indicator or check that reads the field gets an
``error`` finding naming it.  Accepted normalisations (documented in docs/data.md):

* numbers may be given as text: full-width digits and punctuation (NFKC), thousands
  separators (``3,435.02``), a trailing unit equal to the declared one (``3435.02万元``) or a
  money unit converted exactly (``34350200元``);
* ``percent`` inputs are written in percentage points (``99.4`` or ``"99.4%"``) and stored
  as the ratio 0.994, so expressions compare ratios (``rate >= 0.95``); a bare number above 0
  and at most 1 is ambiguous (0.98 % or 98 %?) and refused;
* blank text (``""``, ``"-"``, ``"—"``, ``"/"``) is no value, as an empty spreadsheet cell is;
* booleans accept true/false, yes/no, 是/否, √/×.

A spreadsheet's cells are read by the same rules (:mod:`perfscore.ingest.columns`), so a
department scores the same in every file format.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from operator import is_
from typing import TYPE_CHECKING, Any

from .errors import did_you_mean
from .fieldread import BLANK, compile_fields, series_of
from .rawvalue import ambiguous_percent, checked, is_blank_text, read_number
from .rawvalue import problem as _problem
from .textsafe import clean
from .values import Kind, Value
from .words import DATA, said

if TYPE_CHECKING:
    from .declared import Declared

__all__ = [
    "RESERVED",
    "CellProblem",
    "DeclaredInputs",
    "InputSpec",
    "RejectedRecord",
    "Subject",
    "SubjectData",
    "normalise_value",
    "read_cell",
    "read_subject",
    "whole_number_text",
]

#: Yes and no as departments write them (after NFKC, trimmed, case-folded) — in every format.
_TRUE = frozenset({"true", "yes", "是", "y", "√", "✓", "✔", "对"})
_FALSE = frozenset({"false", "no", "否", "n", "×", "✗", "✘", "错"})
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class InputSpec:
    """A declared input field, as the evaluator needs it."""

    name: str
    type: str
    title: str | None = None
    unit: str | None = None
    required: bool = False
    default: Value = None
    min: Decimal | None = None
    max: Decimal | None = None
    choices: tuple[str, ...] | None = None
    of: str = "number"

    @property
    def kind(self) -> Kind:
        if self.type in ("number", "money", "percent", "integer"):
            return "number"
        if self.type == "boolean":
            return "boolean"
        if self.type == "text":
            return "text"
        return "series"

    @property
    def display_unit(self) -> str | None:
        if self.type == "percent" or (self.type == "series" and self.of == "percent"):
            return "%"
        return self.unit


@dataclass(frozen=True)
class CellProblem:
    """A value a reader of spreadsheets/CSV already refused (a unit that cannot be converted, an
    ambiguous percentage): the subject reader records ``message`` as the field's error."""

    message: str


@dataclass(frozen=True)
class Subject:
    """What was scored: a department, a project, a programme.

    ``id`` names the record in this batch; ``key`` names the department across years (it
    defaults to ``id``, so a record whose id carries the year should give a key without it);
    ``period`` is the fiscal year the figures are for; ``parent`` groups subjects (主管部门).
    Fingerprints are computed from ``key``, so the same question about the same department
    keeps its fingerprint from one year to the next.
    """

    id: str
    name: str | None = None
    type: str = "department"
    key: str = ""
    period: int | None = None
    parent: str | None = None

    def __post_init__(self) -> None:
        if not self.key:
            object.__setattr__(self, "key", self.id)


@dataclass
class SubjectData:
    subject: Subject
    values: dict[str, Value]
    field_errors: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    #: the subject's own claims (``declared:``); None when the record declares nothing
    declared: Declared | None = None


def whole_number_text(raw: object) -> str | None:
    """A whole number's text (``2024``, ``3.0`` → ``"3"``): how a number in a text field is
    read in every format — a JSON or YAML value, a numeric spreadsheet cell, a Parquet column
    (ingest.columns.convert_cell); None for anything else — a fraction (3.5), a boolean, NaN,
    infinity — which every format refuses."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return str(raw)
    if isinstance(raw, float) and raw.is_integer():
        return str(int(Decimal(repr(raw))))  # 1e+20 → "1" and 20 zeros, as shown, not binary
    if isinstance(raw, Decimal) and raw.is_finite() and raw == raw.to_integral_value():
        return str(int(raw))
    return None


def normalise_value(spec: InputSpec, raw: object) -> Value:
    """The stored value of one field, or ``ValueError`` with a plain message; None for a
    series that holds no figure (``{}``, every year null or blank): no value, as a blank."""
    t = spec.type
    if t in ("number", "money", "percent", "integer"):
        d, said_unit = read_number(raw, spec.unit, percent=t == "percent", ratio=t == "number")
        d = checked(d, raw)
        if t == "percent" and not said_unit and 0 < d <= 1:
            raise ValueError(ambiguous_percent(d))  # 0.98 % or 98 %? (docs/data.md)
        if t == "integer" and d != d.to_integral_value():
            raise ValueError(_problem("not_whole", raw, value=d))
        if spec.min is not None and d < spec.min:
            raise ValueError(_problem("below_min", raw, value=d, min=spec.min))
        if spec.max is not None and d > spec.max:
            raise ValueError(_problem("above_max", raw, value=d, max=spec.max))
        return d / HUNDRED if t == "percent" else d
    if t == "boolean":
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, str):
            word = unicodedata.normalize("NFKC", raw).strip().casefold()
            if word in _TRUE:
                return True
            if word in _FALSE:
                return False
        raise ValueError(_problem("not_boolean", raw))
    if t == "text":
        if not isinstance(raw, str):
            whole = whole_number_text(raw)
            if whole is None:
                raise ValueError(_problem("not_text", raw))
            raw = whole  # 2024 in a 项目编码 field: its text, as a numeric spreadsheet cell is
        raw = clean(raw).strip()
        if spec.choices is not None and raw not in spec.choices:
            hint = did_you_mean(raw, spec.choices)
            extra = said(DATA, "did_you_mean", hint=repr(hint)) if hint else ""
            choices = ", ".join(spec.choices)
            raise ValueError(said(DATA, "not_choice", raw=repr(raw), choices=choices, hint=extra))
        return raw
    # series
    if not isinstance(raw, Mapping):
        raise ValueError(_problem("not_series", raw))
    elem = InputSpec(spec.name, spec.of, unit=spec.unit, min=spec.min, max=spec.max)
    points: list[tuple[int, Decimal | None]] = []
    for k, v in raw.items():
        try:
            year = int(k) if not isinstance(k, bool) else None
        except (TypeError, ValueError):
            year = None
        if year is None:
            raise ValueError(said(DATA, "not_year", year=repr(k)))
        if v is None or is_blank_text(v):
            points.append((year, None))
            continue
        try:
            nv = normalise_value(elem, v)
        except ValueError as e:
            raise ValueError(said(DATA, "in_year", year=year, problem=e.args[0])) from None
        assert isinstance(nv, Decimal)
        points.append((year, nv))
    series = series_of(points)
    # a series holding no figure at all (``{}``, every year null or blank) is no series: a
    # table row with every year blank reads so, and the same nothing as a record must too
    return series if any(v is not None for _, v in series.points) else None


#: a flat record's keys that are never values
RESERVED = frozenset(
    {"id", "name", "type", "key", "year", "period", "parent", "values", "declared", "cells"}
)
_RESERVED = RESERVED
#: Years outside this range are data-entry errors, not fiscal years.
_YEARS = (1900, 2999)


def _text(raw: object) -> str | None:
    """A scalar metadata field as text (ids may be written as numbers), else ``None``."""
    if raw is None or isinstance(raw, (Mapping, list, tuple, bool)):
        return None
    text = unicodedata.normalize("NFKC", clean(str(raw))).strip()
    return text or None


def _period(meta: Mapping[Any, Any], notes: list[str]) -> int | None:
    """The fiscal year from ``year`` (or its alias ``period``); a bad one is a note, not a crash."""
    found: list[tuple[str, int]] = []
    for name in ("year", "period"):
        raw = meta.get(name)
        if raw is None:
            continue
        if isinstance(raw, float) and raw.is_integer():
            raw = int(raw)  # 2023.0 from a spreadsheet cell
        elif isinstance(raw, Decimal) and raw.is_finite() and raw == raw.to_integral_value():
            raw = int(raw)
        text = _text(raw)
        if text is not None and text.endswith("年度"):
            text = text[:-2]
        elif text is not None and text.endswith("年"):
            text = text[:-1]
        if text is None or not text.isdigit() or not _YEARS[0] <= int(text) <= _YEARS[1]:
            notes.append(f"{name} {raw!r} is not a fiscal year (expected e.g. 2023); it is ignored")
            continue
        found.append((name, int(text)))
    if len(found) == 2 and found[0][1] != found[1][1]:
        notes.append(f"year {found[0][1]} and period {found[1][1]} disagree; year is used")
    return found[0][1] if found else None


class RejectedRecord(dict[str, Any]):
    """A record its data file could not give whole (a duplicate key): still a subject, with id
    and name, but every value is an error naming the problem, so the rest of the file scores."""

    def __init__(self, record: object, problem: str) -> None:
        super().__init__(record if isinstance(record, Mapping) else {})
        self.problem = problem


def read_subject(
    record: object, specs: Mapping[str, InputSpec], *, index: int, subject_type: str
) -> SubjectData:
    """Read one record: ``{id, name, type, values: {...}}`` or a flat mapping of values."""
    if not isinstance(record, Mapping):
        subject = Subject(f"subject-{index + 1}", None, subject_type)
        problem = _problem("record_not_mapping", record)
        errors: dict[str, str] = dict.fromkeys(specs, problem)
        return SubjectData(subject, dict.fromkeys(specs), errors)
    if "values" in record:
        raw_values = record.get("values")
        meta = record
    else:
        raw_values = {k: v for k, v in record.items() if k not in _RESERVED}
        meta = record
    sid = meta.get("id")
    notes: list[str] = []
    # clean: an id from Python may hold lone surrogates (textsafe)
    sid = (
        clean(str(sid))
        if sid is not None and not isinstance(sid, (Mapping, list))
        else f"subject-{index + 1}"
    )
    name, kind = meta.get("name"), meta.get("type")
    subject = object.__new__(Subject)  # Subject(...) as its __init__ makes it, at a third the cost
    subject.__dict__.update(
        id=sid,
        name=clean(str(name)) if isinstance(name, str) else None,
        type=clean(str(kind)) if isinstance(kind, str) else subject_type,
        key=_text(meta.get("key")) or sid,  # (Subject.__post_init__: the key defaults to the id)
        period=_period(meta, notes),
        parent=_text(meta.get("parent")),
    )
    data = SubjectData(subject, {}, notes=notes)
    if isinstance(record, RejectedRecord):
        for n in specs:
            data.values[n] = None
            data.field_errors[n] = said(DATA, "rejected", problem=record.problem)
        return data
    if meta.get("declared") is not None:
        from .declared import read_declared  # only records that declare something pay for it

        data.declared = read_declared(meta["declared"])
    if not isinstance(raw_values, Mapping):
        for n in specs:
            data.values[n] = None
            data.field_errors[n] = _problem("not_mapping", raw_values)
        return data
    try:  # (a set comparison: no loop when every key is declared)
        known = raw_values.keys() <= specs.keys()
    except TypeError:  # a mapping whose keys() is no set (registered as Mapping, not derived)
        known = False
    if not known:
        for key in raw_values:
            if str(key) not in specs:
                hint = did_you_mean(str(key), specs)
                extra = said(DATA, "did_you_mean", hint=repr(hint)) if hint else ""
                data.notes.append(said(DATA, "unknown_field", name=repr(str(key)), hint=extra))
    if specs:
        _read_values(data, raw_values, specs, record.get("cells"))
    return data


#: compiled readers per inputs mapping: the mapping (held, so its id is not reused), its names
#: and specs when compiled (checked on each use: a mapping changed since is compiled again)
_COMPILED: dict[int, tuple[Mapping[str, InputSpec], list[str], list[InputSpec], Any]] = {}


def _fields(specs: Mapping[str, InputSpec]) -> tuple[tuple[str, InputSpec, Any], ...]:
    """The readers of ``specs``' fields: a rule set's own inputs carry theirs, compiled with
    it (:class:`DeclaredInputs`); any other mapping a caller hands in is compiled on first
    use and kept by identity, checked on each use (same names, same specs)."""
    if specs.__class__ is DeclaredInputs:
        return specs.fields
    entry = _COMPILED.get(id(specs))
    if (
        entry is not None
        and entry[0] is specs
        and list(specs) == entry[1]
        and all(map(is_, specs.values(), entry[2]))
    ):
        return entry[3]  # type: ignore[no-any-return]
    if len(_COMPILED) >= 64:
        _COMPILED.clear()
    fields = compile_fields(specs, normalise_value, read_cell)
    _COMPILED[id(specs)] = (specs, list(specs), list(specs.values()), fields)
    return fields


def _read_values(
    data: SubjectData, raw_values: Mapping[Any, Any], specs: Mapping[str, InputSpec], cells: object
) -> None:
    """Each declared field's value or error, in declaration order (:func:`read_cell`)."""
    values, errors = data.values, data.field_errors
    get, blank = raw_values.get, BLANK
    for name, spec, reader in _fields(specs):
        raw: Any = get(name)
        if raw is not None:
            try:
                v = reader(raw)
            except ValueError as e:
                values[name] = None
                errors[name] = _located(cells, name, e.args[0] if e.args else str(e))
                continue
            if v is not blank:
                values[name] = v
                continue
        if spec.default is not None:  # already normalised when the rule set compiled
            values[name] = spec.default
        else:
            values[name] = None
            if spec.required:
                errors[name] = _located(cells, name, said(DATA, "required_missing"))


def read_cell(spec: InputSpec, raw: object) -> Value:
    """One field's cell read the whole way: :data:`~perfscore.fieldread.BLANK` for a blank
    (``""``, ``"-"``, ``"—"``, ``"/"``: as in a spreadsheet cell, docs/data.md), the error of a
    cell a reader already refused (:class:`CellProblem`), else :func:`normalise_value`."""
    if isinstance(raw, str) and is_blank_text(raw):
        return BLANK  # type: ignore[no-any-return]
    if isinstance(raw, CellProblem):
        raise ValueError(raw.message)
    v = normalise_value(spec, raw)
    return BLANK if v is None else v  # (a series with no figure: normalise_value)


def _located(cells: object, name: str, message: str) -> str:
    """``message`` prefixed with where the value was read (``Sheet1!D12``), when known."""
    where = cells.get(name) if isinstance(cells, Mapping) else None
    if not isinstance(where, str):
        return message
    return said(DATA, "at_cell", where=where, problem=message)


class DeclaredInputs(dict[str, InputSpec]):
    """A rule set's declared inputs (``Compiled.inputs``), each field's reader compiled once
    with the rule set (:func:`~perfscore.fieldread.compile_fields`): :func:`read_subject`
    reads every record with them, with no look-up or check per record.  A change to the
    mapping (it is a dict) compiles them again; :meth:`copy` shares them (``RuleSet.inputs``
    hands out such a copy); ``dict(...)`` is a plain dict, read as any other mapping."""

    __slots__ = ("fields",)

    def __init__(self, specs: Mapping[str, InputSpec]) -> None:
        super().__init__(specs)
        self._compile()

    def _compile(self) -> None:
        self.fields = compile_fields(self, normalise_value, read_cell)

    def copy(self) -> DeclaredInputs:
        """A copy holding the same readers (the same specs: nothing to compile)."""
        got: DeclaredInputs = DeclaredInputs.__new__(DeclaredInputs)
        dict.update(got, self)
        got.fields = self.fields
        return got

    def __reduce__(self) -> tuple[Any, ...]:  # (the readers are closures: made again)
        return (DeclaredInputs, (dict(self),))

    def __setitem__(self, key: str, value: InputSpec) -> None:
        super().__setitem__(key, value)
        self._compile()

    def __delitem__(self, key: str) -> None:
        super().__delitem__(key)
        self._compile()

    def __ior__(self, other: Any) -> DeclaredInputs:  # type: ignore[override,misc]
        super().__ior__(other)
        self._compile()
        return self

    def update(self, *args: Any, **kwargs: InputSpec) -> None:
        super().update(*args, **kwargs)
        self._compile()

    def pop(self, *args: Any) -> Any:
        got = super().pop(*args)
        self._compile()
        return got

    def popitem(self) -> tuple[str, InputSpec]:
        got = super().popitem()
        self._compile()
        return got

    def setdefault(self, key: str, default: Any = None) -> Any:
        got = super().setdefault(key, default)
        self._compile()
        return got

    def clear(self) -> None:
        super().clear()
        self._compile()
