"""Load: a rule-set file becomes a :class:`RuleSet` you can evaluate many times.

rs = perfscore.load_ruleset("rules/cn-dept-overall.yaml")
report = rs.evaluate(perfscore.load_subjects("examples/liwan-npc-office-2023.yaml"))
report.total, report.grade, report.findings, report.to_json()
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

import pydantic

from . import model as m
from ._gc import collector_paused
from ._yaml import Document, load_yaml_text
from .compile import Compiled, compile_model
from .errors import EvaluationError, Problem, RuleSetError, did_you_mean
from .evaluate import Evaluator
from .findings import Notification, Report, RuleInfo, SubjectResult
from .functions import FunctionRegistry
from .numbers import numbers_out_of_range
from .overlay import MergedDocument, resolve
from .subjects import InputSpec, Subject, read_subject
from .waivers import WaiverSet, Waiving
from .words import NOTICE, Lang, language_of, said

__all__ = ["RuleSet", "SubjectBatch", "load_ruleset", "load_ruleset_text", "load_subjects"]


class RuleSet:
    """A loaded, validated and compiled rule set.  Immutable; safe to reuse for every subject."""

    def __init__(self, compiled: Compiled) -> None:
        self._c = compiled
        self._evaluator = Evaluator(compiled, compiled.model.id)

    # -- metadata --------------------------------------------------------------------------
    @property
    def id(self) -> str:
        return self._c.model.id

    @property
    def title(self) -> str:
        return self._c.model.title

    @property
    def version(self) -> str:
        return self._c.model.version

    @property
    def language(self) -> Lang:
        """The language the rule set is written for — the default ``--lang`` of a run: its
        declared ``locale`` (``zh-CN`` → zh, ``en-US`` → en), else zh when its title is
        Chinese."""
        model = self._c.model
        declared = model.locale if "locale" in model.model_fields_set else None
        return language_of(declared, model.title)

    @property
    def source(self) -> str:
        return self._c.document.source

    @property
    def sha256(self) -> str:
        return self._c.document.sha256

    @property
    def rules(self) -> tuple[RuleInfo, ...]:
        """Every group, indicator and check, in document order."""
        return self._c.rules

    @property
    def inputs(self) -> Mapping[str, InputSpec]:
        return dict(self._c.inputs)

    @property
    def model(self) -> m.RuleSetModel:
        return self._c.model

    @property
    def compiled(self) -> Compiled:
        return self._c

    @property
    def evaluator(self) -> Evaluator:
        """The compiled rule set's executor (shared, holds no per-subject state):
        ``evaluator.subject(data)`` for findings, ``evaluator.points(data)`` for points only."""
        return self._evaluator

    @property
    def max_total(self) -> Decimal:
        return self._evaluator.max

    def provenance(self) -> dict[str, Any]:
        mdl = self._c.model
        d: dict[str, Any] = {
            "id": mdl.id,
            "title": mdl.title,
            "version": mdl.version,
            "language": mdl.perfscore,
            "uri": self.source,
            "sha256": self.sha256,
        }
        if mdl.source is not None:
            d["source"] = mdl.source.model_dump(exclude_none=True)
        if mdl.effective is not None:
            d["effective"] = mdl.effective.model_dump(by_alias=True, exclude_none=True)
        doc = self._c.document
        if isinstance(doc, MergedDocument):
            d["extends"] = [{"uri": b.source, "sha256": b.sha256} for b in doc.chain[:-1]]
        return d

    def __repr__(self) -> str:
        return f"<RuleSet {self.id} {self.version} from {self.source}>"

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle as the loaded document (data, source, positions, overlay chain) and re-validate
        and re-compile on load, so a rule set can be shipped to worker processes (multiprocessing,
        Dask, Spark).  The default function registry travels as ``None`` and is rebuilt there;
        a custom registry is pickled as is (its functions must be importable)."""
        return (
            _unpickle_ruleset,
            (_doc_state(self._c.document, {}), _functions_state(self._c.functions)),
        )

    # -- evaluation ------------------------------------------------------------------------
    def evaluate_subject(
        self,
        record: Mapping[str, Any],
        *,
        index: int = 0,
        strict: bool = False,
        waivers: WaiverSet | None = None,
        as_of: dt.date | None = None,
    ) -> SubjectResult:
        """Score one subject record: ``{id, name, values: {...}}`` or a flat mapping of values."""
        data = read_subject(
            record, self._c.inputs, index=index, subject_type=self._c.model.subject_type
        )
        active: dict[str, Any] = {}
        expired: list[str] = []
        if waivers is not None:
            active, expired = waivers.active(data.subject.id, as_of or dt.date.today())
        result = self._evaluator.subject(data, active)
        if isinstance(record, Mapping) and isinstance(record.get("provenance"), Mapping):
            result = self._with_report_locations(result, record)
        if expired:
            notes = tuple(
                Notification("warning", "waiver-expired", m, data.subject.id) for m in expired
            )
            result = replace(result, notifications=result.notifications + notes)
        effective, year = self._c.model.effective, data.subject.period
        if effective is not None and year is not None and not effective.covers(year):
            note = Notification(
                "warning",
                "outside-effective-years",
                said(NOTICE, "outside_effective", year=year, id=self.id, years=effective.text()),
                data.subject.id,
            )
            result = replace(result, notifications=(*result.notifications, note))
        if strict:
            for f in result.findings:
                if f.outcome == "error":
                    raise EvaluationError(
                        f.reason or f.message,
                        rule_id=f.rule_id,
                        field=f.fields[0] if f.fields else None,
                    )
        return result

    def _with_report_locations(
        self, result: SubjectResult, record: Mapping[str, Any]
    ) -> SubjectResult:
        """Point each finding at the sentences of the report its figures were extracted from."""
        prov: Mapping[str, Any] = record["provenance"]
        source = record.get("source")
        uri = (
            str(source.get("document"))
            if isinstance(source, Mapping) and source.get("document")
            else "report"
        )
        reads = self._c.rule_inputs
        findings = []
        for f in result.findings:
            locs = []
            for name in reads.get(f.rule_id, ()):
                p = prov.get(name)
                if isinstance(p, Mapping) and isinstance(p.get("line"), int):
                    loc: dict[str, Any] = {
                        "role": "report",
                        "uri": uri,
                        "pointer": f"/values/{name}",
                        "line": p["line"],
                    }
                    if isinstance(p.get("column"), int):
                        loc["column"] = p["column"]
                    locs.append(loc)
            findings.append(replace(f, data_locations=tuple(locs)) if locs else f)
        return replace(result, findings=tuple(findings))

    def evaluate(
        self,
        data: Any,
        *,
        strict: bool = False,
        waivers: WaiverSet | None = None,
        as_of: dt.date | None = None,
    ) -> Report:
        """Score one subject (a mapping), a batch (a list/iterable, or ``{subjects: [...]}``) or
        a :class:`SubjectBatch` from :func:`load_subjects`.  Never raises for bad records unless
        ``strict=True``: they become ``error`` findings.

        ``waivers`` exempt subjects from rules until their expiry, judged ``as_of`` a date
        (default: today) — pass ``as_of`` for reproducible output.

        A pandas or polars DataFrame or a pyarrow Table is scored by columns
        (:mod:`perfscore.columnar`) when the rule set allows it: each subject's total and
        grade come from the columns, and its findings are the per-record ones, built when
        first read — equal results, faster when only scores are read
        (``PERFSCORE_COLUMNAR=0`` turns it off)."""
        notes: list[Notification] = []
        if waivers is None:
            from .ingest import frame_kind

            if frame_kind(data) is not None:  # a DataFrame or an Arrow table: by columns
                from .colbatch import evaluate_frame

                routed = evaluate_frame(self, data, notes, strict=strict)
                if routed is not None:
                    waiving = self.waiving(None, as_of)
                    return self.report(routed, waiving=waiving, notifications=notes)
        inputs, records = self._records_of(data, notes)
        waiving = self.waiving(waivers, as_of)
        results = tuple(
            self.evaluate_subject(
                r, index=i, strict=strict, waivers=waiving.waivers, as_of=waiving.as_of
            )
            for i, r in enumerate(records)
        )
        return self.report(results, inputs=inputs, waiving=waiving, notifications=notes)

    def iter_evaluate(
        self,
        data: Any,
        *,
        strict: bool = False,
        waivers: WaiverSet | None = None,
        as_of: dt.date | None = None,
        notifications: list[Notification] | None = None,
    ) -> Iterator[SubjectResult]:
        """:meth:`evaluate`, one subject at a time: each :class:`SubjectResult` is yielded as
        soon as it is scored and records are read as they are needed, so memory does not grow
        with the batch (keep only what you need of each result).  The data's own
        notifications (a 合计 row, an unreadable file) are appended to ``notifications`` as
        they are met; duplicate ids, which only the whole batch shows, are not checked."""
        notes = [] if notifications is None else notifications
        _, records = self._records_of(data, notes)  # a TypeError now, not at the first next()
        waiving = self.waiving(waivers, as_of)

        def results() -> Iterator[SubjectResult]:
            for i, r in enumerate(records):
                yield self.evaluate_subject(
                    r, index=i, strict=strict, waivers=waiving.waivers, as_of=waiving.as_of
                )

        return results()

    def _records_of(
        self, data: Any, notes: list[Notification]
    ) -> tuple[tuple[Mapping[str, str], ...], Iterable[Any]]:
        """What :meth:`evaluate` reads from ``data``: the inputs' provenance and the records
        (lazily where the data allow); reading notifications go to ``notes``."""
        from .ingest import DataSource, frame_kind, open_frame, read_sources

        inputs: tuple[Mapping[str, str], ...] = ()
        if isinstance(data, SubjectBatch):
            inputs = ({"uri": data.uri, "sha256": data.sha256},)
            if data.sources:
                records: Iterable[Any] = read_sources(self, data.sources, notes)
            else:
                records = data.records
                notes.extend(data.notifications)
        elif isinstance(data, DataSource):
            inputs = ({"uri": data.uri, "sha256": data.sha256},)
            records = read_sources(self, [data], notes)
        elif frame_kind(data) is not None:
            records = read_sources(self, [open_frame(data)], notes)
        elif isinstance(data, Mapping):
            records = data["subjects"] if isinstance(data.get("subjects"), list) else [data]
        elif (
            data is None
            or isinstance(data, (str, bytes, os.PathLike))
            or not hasattr(data, "__iter__")
        ):
            raise TypeError(
                "RuleSet.evaluate takes a subject (a mapping), an iterable of mappings, a pandas "
                "or polars DataFrame, a pyarrow Table, or perfscore.load_subjects(path); got "
                + (
                    f"{type(data).__name__} {str(data)[:60]!r} (read a file with load_subjects)"
                    if isinstance(data, (str, bytes, os.PathLike))
                    else type(data).__name__
                )
            )
        else:
            records = data
        return inputs, records

    def waiving(self, waivers: WaiverSet | None, as_of: dt.date | None = None) -> Waiving:
        """Accept a run's waivers: each must name a rule of this rule set (else DataError)."""
        return Waiving.checked(waivers, as_of, (r.id for r in self._c.rules if r.kind != "group"))

    def report(
        self,
        results: Sequence[SubjectResult],
        *,
        inputs: Sequence[Mapping[str, str]] = (),
        waiving: Waiving | None = None,
        notifications: Sequence[Notification] = (),
        provenance: Mapping[str, Any] | None = None,
        rules: Sequence[RuleInfo] | None = None,
    ) -> Report:
        """The report of a run: the one place results, provenance and waivers are assembled
        (``notifications``: the data files' own, such as an unreadable file or a 合计 row).

        A run that adds to the rule set's method says so: ``provenance`` is merged over the
        rule set's own (复核 adds its ``review`` rules), ``rules`` replaces the rule list
        (复核 reports its review items, not the indicators)."""
        results = tuple(results)
        source = self.provenance()
        if provenance:
            source.update(provenance)
        return Report(
            source,
            self._c.rules if rules is None else tuple(rules),
            results,
            tuple(inputs),
            waivers=waiving.info() if waiving is not None else None,
            notifications=tuple(notifications) + duplicate_subjects(results),
        )


def duplicate_subjects(results: Iterable[SubjectResult]) -> tuple[Notification, ...]:
    """Two subjects with one id would share fingerprints and overwrite each other downstream:
    both are still scored, and the run is marked incomplete with an error notification."""
    return duplicate_ids(r.subject for r in results)


def duplicate_ids(subjects: Iterable[Subject]) -> tuple[Notification, ...]:
    """:func:`duplicate_subjects` from the subjects alone."""
    seen: dict[str, int] = {}
    periods: dict[tuple[str, str, int | None], list[str]] = {}
    for s in subjects:
        seen[s.id] = seen.get(s.id, 0) + 1
        if s.key != s.id:
            periods.setdefault((s.type, s.key, s.period), []).append(s.id)
    out = [
        Notification(
            "error",
            "duplicate-subject",
            said(NOTICE, "duplicate_id", id=repr(sid), n=n),
            sid,
        )
        for sid, n in seen.items()
        if n > 1
    ]
    out += [
        Notification(
            "error",
            "duplicate-subject",
            said(
                NOTICE,
                "duplicate_key",
                ids=", ".join(repr(i) for i in sorted(set(ids))),
                key=repr(key),
                period=said(NOTICE, "for_period", period=period) if period is not None else "",
            ),
            ids[0],
        )
        for (_t, key, period), ids in periods.items()
        if len(set(ids)) > 1
    ]
    return tuple(out)


@dataclass(frozen=True)
class SubjectBatch:
    """Subject records read from a data file, with the file's provenance.

    A spreadsheet, CSV, Parquet or JSON Lines file read without a rule set keeps its
    ``sources`` and no ``records``: its columns are mapped onto a rule set's inputs when the
    batch is evaluated (pass ``rules=`` to :func:`load_subjects` to read the records now)."""

    records: tuple[Any, ...]
    uri: str
    sha256: str
    notifications: tuple[Notification, ...] = ()
    sources: tuple[Any, ...] = ()


def load_subjects(
    path: str | os.PathLike[str],
    rules: RuleSet | None = None,
    *,
    sheet: str | None = None,
    columns: Mapping[str, str | None] | None = None,
) -> SubjectBatch:
    """Read subject data: YAML or JSON (one subject, a list, or ``{subjects: [...]}``), JSON
    Lines, CSV/TSV (UTF-8, GBK/GB18030), ``.xlsx`` (``sheet``), Parquet, or a folder of them.
    ``columns`` maps headers to inputs (see docs/data.md); with ``rules`` the records are read
    against that rule set now, else when the batch is evaluated."""
    from .ingest import STREAM_SUFFIXES, open_data, read_document, read_sources

    p = os.fspath(path)
    if not os.path.isdir(p) and not p.lower().endswith(STREAM_SUFFIXES):
        records, digest = read_document(p)
        return SubjectBatch(records, p, digest)
    sources = tuple(open_data(p, sheet=sheet, columns=columns))
    digest = sources[0].sha256 if len(sources) == 1 else ""
    if rules is None:
        return SubjectBatch((), p, digest, sources=sources)
    notes: list[Notification] = []
    records = tuple(read_sources(rules, sources, notes))
    return SubjectBatch(records, p, digest, tuple(notes))


# --- loading -------------------------------------------------------------------------------


def _real_path(data: Any, loc: Sequence[str | int]) -> tuple[tuple[str | int, ...], bool]:
    """Map a pydantic ``loc`` onto the document, dropping union tags it inserts."""
    path: list[str | int] = []
    cur = data
    complete = True
    entered = True  # just stepped into ``cur``: a union tag, if any, comes now
    for item in loc:
        in_list = isinstance(cur, list) and isinstance(item, int) and 0 <= item < len(cur)
        tag = (
            entered
            and isinstance(cur, Mapping)
            and item in m.BUILTIN_SCORERS
            and cur.get("type") == item
        )
        entered = False
        if tag:  # the `bands` scorer's tag, not its `bands:` key (which comes next)
            continue
        if (isinstance(cur, Mapping) and item in cur) or in_list:
            entered = True
            path.append(item)
            cur = cur[item]
        elif isinstance(item, str) and isinstance(cur, Mapping):
            # union discriminator tag or a missing key
            if (item in m.BUILTIN_SCORERS and cur.get("type") == item) or (
                item == "plugin" and cur.get("type") not in m.BUILTIN_SCORERS
            ):
                continue
            path.append(item)
            complete = False
            cur = None
        else:
            complete = False
            cur = None
    return tuple(path), complete


def _model_fields(data: Any, path: Sequence[str | int]) -> list[str]:
    """Known keys at a path, for 'did you mean' on unknown keys."""
    target: Any = m.RuleSetModel
    skip_key = False
    for p in path:
        if isinstance(p, int):
            continue
        if skip_key:  # a key of a dict-valued field (an input or metric name)
            skip_key = False
            continue
        fld = getattr(target, "model_fields", {}).get(p)
        if fld is None:
            return []
        ann = fld.annotation
        skip_key = getattr(ann, "__origin__", None) is dict
        inner = _model_in(ann)
        if inner is None:
            return []
        target = inner
    if isinstance(target, type) and issubclass(target, pydantic.BaseModel):
        return list(target.model_fields)
    return []


def _model_in(ann: Any) -> Any:
    if isinstance(ann, type) and issubclass(ann, pydantic.BaseModel):
        return ann
    for arg in getattr(ann, "__args__", ()) or ():
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _pydantic_problems(doc: Document, exc: pydantic.ValidationError) -> list[Problem]:
    problems = []
    for err in exc.errors():
        path, complete = _real_path(doc.data, err["loc"])
        etype = err["type"]
        if etype == "missing":
            problems.append(doc.problem(path[:-1], f"missing required key {path[-1]!r}"))
        elif etype == "extra_forbidden":
            key = path[-1]
            known = _model_fields(doc.data, path[:-1])
            problems.append(
                doc.problem(
                    path, f"unknown key {key!r}", suggestion=did_you_mean(str(key), known), key=True
                )
            )
        elif etype == "union_tag_invalid":
            ctx = err.get("ctx", {})
            problems.append(
                doc.problem(
                    (*path, "type"),
                    f"unknown scorer type {ctx.get('tag')!r} "
                    f"(expected one of {ctx.get('expected_tags')})",
                )
            )
        elif etype == "union_tag_not_found":
            problems.append(doc.problem(path, "a scorer needs a 'type'"))
        elif etype == "literal_error":  # a choice list: `eqaul`, `percnet`
            choices = re.findall(r"'([^']*)'", str(err.get("ctx", {}).get("expected", "")))
            got = err.get("input")
            problems.append(
                doc.problem(
                    path,
                    f"{got!r} is not one of {', '.join(choices)}",
                    suggestion=did_you_mean(str(got), choices) if isinstance(got, str) else None,
                )
            )
        else:
            msg = err["msg"]
            if etype == "string_pattern_mismatch":
                msg = "must be an ASCII identifier (letters, digits, _; starting with a letter)"
            problems.append(doc.problem(path, msg[0].lower() + msg[1:] if msg else "invalid value"))
        del complete
    return _one_per_typo(problems)


def _one_per_typo(problems: list[Problem]) -> list[Problem]:
    """A misspelt key gives pydantic two errors — the unknown key and the missing one it was
    meant to be — so a person would read two messages for one slip: keep the unknown key, with
    the missing one as its suggestion."""
    prefix = "missing required key "
    missing: dict[tuple[Any, ...], list[str]] = {}
    for p in problems:
        if p.message.startswith(prefix):
            missing.setdefault(p.path, []).append(p.message.removeprefix(prefix).strip("'"))
    out: list[Problem] = []
    meant: set[tuple[tuple[Any, ...], str]] = set()
    for p in problems:
        if p.message.startswith("unknown key") and p.path:
            parent = p.path[:-1]
            hint = p.suggestion or did_you_mean(str(p.path[-1]), missing.get(parent, ()))
            if hint is not None and hint in missing.get(parent, ()):
                meant.add((parent, hint))
            p = replace(p, suggestion=hint)
        out.append(p)
    return [
        p
        for p in out
        if not (
            p.message.startswith(prefix)
            and (p.path, p.message.removeprefix(prefix).strip("'")) in meant
        )
    ]


def _from_document(doc: Document, functions: FunctionRegistry | None) -> RuleSet:
    data = doc.data
    if not isinstance(data, Mapping):
        raise RuleSetError(
            [
                Problem(
                    "a rule set is a mapping with 'perfscore', 'id', 'title', ...",
                    source=doc.source,
                    line=1,
                    column=1,
                )
            ]
        )
    lang = str(data.get("perfscore", ""))
    if lang and lang.split(".")[0] != m.LANGUAGE_VERSION:
        raise RuleSetError(
            [
                doc.problem(
                    ("perfscore",),
                    f"rule language version {lang!r} is not supported "
                    f"(this perfscore reads version {m.LANGUAGE_VERSION})",
                )
            ]
        )
    out_of_range = [doc.problem(path, why) for path, why in numbers_out_of_range(data)]
    if out_of_range:  # before the models: a NaN or 1e99999999 weight must not reach arithmetic
        raise RuleSetError(_sorted_unique(out_of_range))
    try:
        model = m.RuleSetModel.model_validate(data)
    except pydantic.ValidationError as e:
        problems = _pydantic_problems(doc, e) + _semantic_problems_despite(doc, e, functions)
        raise RuleSetError(_sorted_unique(problems)) from e
    return RuleSet(compile_model(model, doc, functions))


def _sorted_unique(problems: Sequence[Problem]) -> list[Problem]:
    seen: set[str] = set()
    out = []
    for p in sorted(problems, key=lambda p: (p.source or "", p.line or 0, p.column or 0)):
        if str(p) not in seen:
            seen.add(str(p))
            out.append(p)
    return out


def _semantic_problems_despite(
    doc: Document, exc: pydantic.ValidationError, functions: FunctionRegistry | None
) -> list[Problem]:
    """Compile what *is* well formed, so one run reports structural and semantic problems.

    Malformed inputs, metrics, indicators and checks are set aside; problems that only follow
    from setting them aside (names that no longer resolve, weights that no longer add up above a
    removed indicator) are not reported.
    """
    data: Any = _copy(doc.data)
    dropped_names: set[str] = set()
    dropped_weights: set[tuple[str | int, ...]] = set()
    drops: list[tuple[str | int, ...]] = []
    for err in exc.errors():
        path, _ = _real_path(doc.data, err["loc"])
        if len(path) >= 2 and path[0] in ("inputs", "metrics"):
            dropped_names.add(str(path[1]))
            drops.append(path[:2])
        elif len(path) >= 2 and path[0] in ("indicators", "checks") and isinstance(path[1], int):
            cut = 2
            while (
                cut + 2 <= len(path) and path[cut] == "children" and isinstance(path[cut + 1], int)
            ):
                cut += 2
            # the error is inside the indicator at path[:cut]; every ancestor's weights change
            drops.append(path[:cut])
            dropped_weights.update(path[:k] for k in range(2, cut, 2))
        else:
            return []  # a problem at the top of the file: nothing sensible to compile
    for k, path in enumerate(sorted(set(drops), key=lambda p: [str(x) for x in p], reverse=True)):
        parent = data
        for key in path[:-1]:
            parent = parent[key]
        if isinstance(parent, dict):
            parent.pop(path[-1], None)
        elif isinstance(parent, list) and isinstance(path[-1], int) and path[-1] < len(parent):
            # keep list positions (and so line numbers of what follows): a harmless stand-in
            parent[path[-1]] = _stand_in(parent[path[-1]], path[0], k, dropped_weights, path)
    try:
        model = m.RuleSetModel.model_validate(data)
        compile_model(model, doc, functions)
    except (pydantic.ValidationError, RuleSetError) as e:
        if not isinstance(e, RuleSetError):
            return []
        keep = []
        for p in e.problems:
            if p.code == "expression" and any(f"'{n}'" in p.message for n in dropped_names):
                continue
            if p.path and p.path[-1] == "weight" and tuple(p.path[:-1]) in dropped_weights:
                continue
            keep.append(p)
        return keep
    return []


def _copy(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def _stand_in(item: Any, kind: Any, k: int, dropped_weights: set[Any], path: Any) -> dict[str, Any]:
    old = item if isinstance(item, Mapping) else {}
    rid = old.get("id")
    if not (isinstance(rid, str) and rid.isascii() and rid.isidentifier()):
        rid = f"set_aside_{k}"
    if kind == "checks":
        return {"id": rid, "title": "-", "type": "assert", "expr": "True"}
    weight = old.get("weight")
    if isinstance(weight, bool) or not isinstance(weight, (int, Decimal)) or weight < 0:
        weight = 0
        dropped_weights.update(path[:j] for j in range(2, len(path), 2))
    return {"id": rid, "title": "-", "weight": weight, "scorer": {"type": "formula", "expr": "0"}}


def load_ruleset(
    path: str | os.PathLike[str],
    *,
    functions: FunctionRegistry | None = None,
    allow_extends_anywhere: bool = False,
) -> RuleSet:
    """Load, validate and compile a rule-set file.  Raises :class:`RuleSetError` listing every
    problem as ``file:line:col: path: message``.

    ``extends:`` may name a rule set in the file's folder tree or the bundled catalogue;
    ``allow_extends_anywhere`` lifts that (see docs/security.md)."""
    with collector_paused():
        return _from_document(resolve(path, allow_anywhere=allow_extends_anywhere), functions)


def load_ruleset_text(
    text: str, *, source: str = "<string>", functions: FunctionRegistry | None = None
) -> RuleSet:
    """Like :func:`load_ruleset`, from YAML text (handy in tests and notebooks)."""
    with collector_paused():
        return _from_document(load_yaml_text(text, source=source), functions)


def sha256_of(path: str | os.PathLike[str]) -> str:
    with open(path, "rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest()


# --- pickling ------------------------------------------------------------------------------


def _doc_state(doc: Document, memo: dict[int, Any]) -> Any:
    """A picklable stand-in for a (merged) document: read-only mappings become dicts."""
    import dataclasses
    from types import MappingProxyType

    if id(doc) in memo:
        return memo[id(doc)]
    fields: dict[str, Any] = {}
    for f in dataclasses.fields(doc):
        v = getattr(doc, f.name)
        if f.name == "origins":
            v = {k: (_doc_state(d, memo), p) for k, (d, p) in v.items()}
        elif f.name == "chain":
            v = tuple(_doc_state(d, memo) for d in v)
        elif isinstance(v, MappingProxyType):
            v = ("__proxy__", dict(v))
        fields[f.name] = v
    memo[id(doc)] = state = (type(doc), fields)
    return state


def _doc_from_state(state: Any, memo: dict[int, Document]) -> Document:
    from types import MappingProxyType

    if id(state) in memo:
        return memo[id(state)]
    cls, fields = state
    kw: dict[str, Any] = {}
    for name, v in fields.items():
        if name == "origins":
            v = {k: (_doc_from_state(d, memo), p) for k, (d, p) in v.items()}
        elif name == "chain":
            v = tuple(_doc_from_state(d, memo) for d in v)
        elif isinstance(v, tuple) and len(v) == 2 and v[0] == "__proxy__":
            v = MappingProxyType(v[1])
        kw[name] = v
    memo[id(state)] = doc = cls(**kw)
    return doc  # type: ignore[no-any-return]


def _functions_state(functions: FunctionRegistry) -> FunctionRegistry | None:
    from .plugins import default_functions

    default = default_functions()
    if functions.names() == default.names() and all(
        (a := functions.get(n)) is not None and (b := default.get(n)) is not None and a.fn is b.fn
        for n in default.names()
    ):
        return None
    return functions


def _unpickle_ruleset(state: Any, functions: FunctionRegistry | None) -> RuleSet:
    with collector_paused():
        return _from_document(_doc_from_state(state, {}), functions)
