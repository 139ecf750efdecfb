"""The loaded rule set: :class:`RuleSet` (what it is, how it scores a subject or a batch, the
one report assembly) and the functions that load one from a file or text."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from decimal import Decimal
from typing import Any

from .. import model as m
from .._gc import collector_paused
from .._yaml import Document, load_yaml_text
from ..compile import Compiled
from ..errors import EvaluationError
from ..evaluate import Evaluator
from ..findings import Notification, Report, RuleInfo, SubjectResult
from ..functions import FunctionRegistry
from ..overlay import MergedDocument, resolve
from ..subjects import InputSpec, read_subject
from ..waivers import WaiverSet, Waiving
from ..words import NOTICE, Lang, language_of, said
from .batch import duplicate_subjects, records_of
from .pickling import doc_from_state, doc_state, functions_state
from .validate import compile_document

__all__ = ["RuleSet", "load_ruleset", "load_ruleset_text", "sha256_of"]


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
        """The declared inputs (a copy: changing it changes nothing here), each field's
        reader compiled with the rule set (:class:`~perfscore.subjects.DeclaredInputs`)."""
        return self._c.inputs.copy()

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
            (doc_state(self._c.document, {}), functions_state(self._c.functions)),
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
        texts: bool = False,
    ) -> SubjectResult:
        """Score one subject record: ``{id, name, values: {...}}`` or a flat mapping of values.
        ``texts=True``: every finding's words (messages, display, reason, fingerprint) made
        now, for a caller that reads them all (an export); else each when first read — the
        findings are equal either way."""
        data = read_subject(
            record, self._c.inputs, index=index, subject_type=self._c.model.subject_type
        )
        active: dict[str, Any] = {}
        expired: list[str] = []
        if waivers is not None:
            active, expired = waivers.active(data.subject.id, as_of or dt.date.today())
        result = self._evaluator.subject(data, active, texts)
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
        texts: bool = False,
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
        (``PERFSCORE_COLUMNAR=0`` turns it off).  ``texts=True``: each finding's words made
        as it is scored, for a caller that reads them all (see :meth:`evaluate_subject`)."""
        notes: list[Notification] = []
        if waivers is None:
            from ..ingest import frame_kind

            if frame_kind(data) is not None:  # a DataFrame or an Arrow table: by columns
                from ..colbatch import evaluate_frame

                routed = evaluate_frame(self, data, notes, strict=strict)
                if routed is not None:
                    waiving = self.waiving(None, as_of)
                    return self.report(routed, waiving=waiving, notifications=notes)
        inputs, records = records_of(self, data, notes)
        waiving = self.waiving(waivers, as_of)
        results = tuple(
            self.evaluate_subject(
                r,
                index=i,
                strict=strict,
                waivers=waiving.waivers,
                as_of=waiving.as_of,
                texts=texts,
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
        texts: bool = False,
    ) -> Iterator[SubjectResult]:
        """:meth:`evaluate`, one subject at a time: each :class:`SubjectResult` is yielded as
        soon as it is scored and records are read as they are needed, so memory does not grow
        with the batch (keep only what you need of each result).  The data's own
        notifications (a 合计 row, an unreadable file) are appended to ``notifications`` as
        they are met; duplicate ids, which only the whole batch shows, are not checked.
        ``texts``: as :meth:`evaluate_subject`."""
        notes = [] if notifications is None else notifications
        _, records = records_of(self, data, notes)  # a TypeError now, not at the first next()
        waiving = self.waiving(waivers, as_of)

        def results() -> Iterator[SubjectResult]:
            for i, r in enumerate(records):
                yield self.evaluate_subject(
                    r, index=i, strict=strict, waivers=waiving.waivers, as_of=waiving.as_of,
                    texts=texts,
                )  # fmt: skip

        return results()

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
            notifications=tuple(notifications) + duplicate_subjects(results, notifications),
        )


def _from_document(doc: Document, functions: FunctionRegistry | None) -> RuleSet:
    return RuleSet(compile_document(doc, functions))


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


def _unpickle_ruleset(state: Any, functions: FunctionRegistry | None) -> RuleSet:
    with collector_paused():
        return _from_document(doc_from_state(state, {}), functions)
