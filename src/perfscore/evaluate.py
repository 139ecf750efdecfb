"""Evaluate: one subject's data against a compiled rule set → scores and findings.

Per-record failures are values, not exceptions: a field that is wrong or missing becomes an
``error`` (or, for optional data, the declared missing-data outcome) for exactly the metrics,
indicators and checks that read it; everything else is still scored.
"""

from __future__ import annotations

import gc
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from .aggregate import AggregateSpec, NodeScore, weighted_sum
from .compile import CheckNode, Compiled, IndicatorNode, Template
from .errors import EvaluationError, ZeroDenominatorError
from .explain import Explainer
from .findings import (
    Explanation,
    Finding,
    IndicatorScore,
    Notification,
    SubjectResult,
    fingerprint,
)
from .numbers import display, json_number, round_places
from .points import points, points_plan
from .scorers import Scored
from .subjects import SubjectData
from .words import ENGINE, in_language

__all__ = ["Evaluator", "SubjectRun"]

ZERO = Decimal(0)
ONE = Decimal(1)
_ZERO_KIND = {"not_applicable": "not_applicable", "zero": "zero", "error": "error"}
_PRIORITY = {"error": 0, "not_applicable": 1, "zero": 2, "missing": 3}
#: The engine's words (perfscore.words.ENGINE): every finding carries both languages.
_ZH, _EN = ENGINE["zh"], ENGINE["en"]
_OP_TEXT = {">=": "≥", "<=": "≤", ">": ">", "<": "<", "==": "=", "!=": "≠"}

# --- hot-path helpers -------------------------------------------------------------------------
# Same results as numbers.json_number / display, without re-formatting the same few numbers
# for every subject.
_CACHE_LIMIT = 8192

_gc_isenabled, _gc_disable, _gc_enable = gc.isenabled, gc.disable, gc.enable


# Results built without their dataclass ``__init__`` (a frozen dataclass sets every field through
# ``object.__setattr__``: ~2-6 µs each): same class, same attributes, same behaviour.
_COVERAGE4 = (round_places(ZERO, 4), round_places(ONE, 4))  # a leaf's coverage (0 or 1), rounded
_new = object.__new__
_setattr = object.__setattr__
_FINDING_FIELDS = tuple(Finding.__dataclass_fields__)
_SCORE_FIELDS = tuple(IndicatorScore.__dataclass_fields__)
_NODE_FIELDS = tuple(NodeScore.__dataclass_fields__)


def _indicator_score(
    rule_id: str,
    points: Decimal | None,
    weight: Decimal | None,
    grade: str | None,
    outcome: str,
    coverage: Decimal,
) -> IndicatorScore:
    s = _new(IndicatorScore)
    _setattr(
        s,
        "__dict__",
        {
            "rule_id": rule_id,
            "points": points,
            "weight": weight,
            "grade": grade,
            "outcome": outcome,
            "coverage": coverage,
        },
    )
    return s


def _node_score(
    rule_id: str,
    weight: Decimal | None,
    points: Decimal | None,
    grade: str | None,
    outcome: str,
    coverage: Decimal,
    reason: str | None = None,
) -> NodeScore:
    s = _new(NodeScore)
    _setattr(
        s,
        "__dict__",
        {
            "rule_id": rule_id,
            "weight": weight,
            "points": points,
            "grade": grade,
            "outcome": outcome,
            "coverage": coverage,
            "reason": reason,
        },
    )
    return s


_JSON_CACHE: dict[Decimal, str] = {}


def _json(x: Decimal) -> str:
    """:func:`~perfscore.numbers.json_number` (a function of the numeric value), memoised."""
    text = _JSON_CACHE.get(x) if x.is_finite() else None
    if text is None:
        text = json_number(x)
        if len(_JSON_CACHE) >= _CACHE_LIMIT:
            _JSON_CACHE.clear()
        _JSON_CACHE[x] = text
    return text


_DISPLAY_CACHE: dict[tuple[Decimal, str | None, int], str] = {}


def _display(x: object, unit: str | None, places: int) -> str:
    """:func:`~perfscore.numbers.display`; memoised for finite Decimals (text depends only on
    the numeric value, the unit and the places)."""
    if type(x) is not Decimal or not x.is_finite():
        return display(x, unit, places)
    key = (x, unit, places)
    text = _DISPLAY_CACHE.get(key)
    if text is None:
        text = display(x, unit, places)
        if len(_DISPLAY_CACHE) >= _CACHE_LIMIT:
            _DISPLAY_CACHE.clear()
        _DISPLAY_CACHE[key] = text
    return text


@dataclass(frozen=True)
class Failure:
    """Why a name has no usable value (and which input fields are to blame)."""

    kind: str  # error | missing | not_applicable | zero
    en: str
    zh: str
    fields: tuple[str, ...]


@dataclass(slots=True)
class _Outcome:
    outcome: str
    points: Decimal | None = None
    grade: str | None = None
    value: Any = None
    threshold: Mapping[str, Any] | None = None
    reason: Failure | None = None
    detail: str | None = None


class SubjectRun:
    """What belongs to one subject call — its scope (values and metrics), the failures found,
    the waivers that apply, the encoded subject key — so that the shared :class:`Evaluator`
    (and the :class:`~perfscore.ruleset.RuleSet` holding it) keeps no per-subject state and can
    score subjects on many threads at once."""

    __slots__ = ("failures", "key", "scope", "subject", "waivers")

    def __init__(
        self,
        subject: Any,
        scope: dict[str, Any],
        failures: dict[str, Failure],
        waivers: Mapping[str, Any],
    ) -> None:
        self.subject = subject
        self.scope = scope
        self.failures = failures
        self.waivers = waivers
        self.key: bytes | None = None  # the subject's encoded ``type\x1fkey``, when first needed


class Evaluator:
    """Runs a :class:`Compiled` rule set; built once per rule set, reused for every subject.

    Immutable after construction: everything about one subject lives in its
    :class:`SubjectRun`."""

    def __init__(self, compiled: Compiled, ruleset_id: str) -> None:
        self.c = compiled
        self.ruleset_id = ruleset_id
        self.places = compiled.model.settings.places
        self.titles = {n: (s.title or n) for n, s in compiled.inputs.items()}
        self.titles.update({mt.name: (mt.title or mt.name) for mt in compiled.metrics})
        # transitive input fields behind each input and metric, for "which field is to blame"
        self.fields = compiled.fields
        top_points = [n for n in compiled.indicators if n.yields == "points"]
        self.max = sum((n.weight or ZERO for n in top_points), ZERO)
        self.root = AggregateSpec(
            "total",
            self.max if top_points else None,
            compiled.model.settings.not_applicable_weight,
            compiled.letters,
            None,
        )
        # per-node constants, computed once
        self._specs: dict[str, AggregateSpec] = {}
        self._fp: dict[str, Any] = {}
        stack = list(compiled.indicators)
        while stack:
            n = stack.pop()
            self._fp[n.id] = self._fp_prefix(n.id)
            if n.children:
                self._specs[n.id] = AggregateSpec(
                    n.id, n.weight, n.not_applicable_weight, compiled.letters, n.table
                )
                stack.extend(n.children)
        for ch in compiled.checks:
            self._fp[ch.id] = self._fp_prefix(ch.id)
        self._plan = points_plan(compiled, self.root.weight)
        self._explainer = Explainer(compiled, self.places)

    def points(self, data: SubjectData) -> tuple[dict[str, Decimal | None], Decimal | None]:
        """Rounded points of every indicator and group (pre-order) and the total, without
        building findings.  Equal to :meth:`subject`'s ``scores``/``total``: clean records
        take a fast path; anything else (missing or bad data, errors, unsupported constructs)
        is scored by :meth:`subject` itself."""
        return points(self._plan, data, self.subject)

    def _fp_prefix(self, rule_id: str) -> Any:
        try:
            return hashlib.sha256(f"{self.ruleset_id}\x1f{rule_id}\x1f".encode())
        except UnicodeEncodeError:  # pragma: no cover - let fingerprint() raise as before
            return None

    def _fingerprint(self, rule_id: str, run: SubjectRun) -> str:
        """:func:`~perfscore.findings.fingerprint` (by ``subject.key``), from a pre-hashed
        ``ruleset\x1frule\x1f``."""
        h = self._fp.get(rule_id)
        if h is None:
            return fingerprint(self.ruleset_id, rule_id, run.subject)
        key = run.key  # one encoding per subject
        if key is None:
            subject = run.subject
            key = run.key = f"{subject.type}\x1f{subject.key}".encode()
        h = h.copy()
        h.update(key)
        digest: str = h.hexdigest()
        return "sha256:" + digest[:32]

    # -- names -----------------------------------------------------------------------------
    def _scope(self, data: SubjectData) -> tuple[dict[str, Any], dict[str, Failure]]:
        scope: dict[str, Any] = dict(data.values)
        failures: dict[str, Failure] = {}
        for name, msg in data.field_errors.items():
            title = self.titles.get(name, name)
            failures[name] = Failure(
                "error",
                _EN["field_invalid"].format(name=name, problem=msg),
                _ZH["field_invalid"].format(title=title, name=name, problem=in_language(msg, "zh")),
                (name,),
            )
        for name, v in data.values.items():
            if v is None and name not in failures:
                title = self.titles.get(name, name)
                failures[name] = Failure(
                    "missing",
                    _EN["field_missing"].format(name=name),
                    _ZH["field_missing"].format(title=title, name=name),
                    (name,),
                )
        for mt in self.c.metrics:
            f = self._blocking(mt.expr.names, failures, mt.missing_aware) if failures else None
            if f is not None:
                failures[mt.name] = f
                scope[mt.name] = None
                continue
            try:
                scope[mt.name] = mt.expr(scope)
            except ZeroDenominatorError:
                kind = _ZERO_KIND[mt.zero_division]
                title = self.titles[mt.name]
                failures[mt.name] = Failure(
                    kind,
                    _EN["metric_zero"].format(name=mt.name),
                    _ZH["metric_zero"].format(title=title, name=mt.name),
                    self.fields[mt.name],
                )
                scope[mt.name] = None
            except EvaluationError as e:
                title = self.titles[mt.name]
                failures[mt.name] = Failure(
                    "error",
                    _EN["metric_error"].format(name=mt.name, problem=e.message),
                    _ZH["metric_error"].format(title=title, name=mt.name, problem=e.message),
                    self.fields[mt.name],
                )
                scope[mt.name] = None
        return scope, failures

    @staticmethod
    def _blocking(
        names: Iterable[str], failures: Mapping[str, Failure], missing_aware: bool
    ) -> Failure | None:
        if not failures:
            return None
        found = [failures[n] for n in sorted(names) if n in failures]
        if missing_aware:
            found = [f for f in found if f.kind != "missing"]
        if not found:
            return None
        first = min(found, key=lambda f: _PRIORITY[f.kind])
        same = [f for f in found if f.kind == first.kind]
        if len(same) == 1:
            return first
        fields = tuple(sorted({x for f in same for x in f.fields}))
        return Failure(
            first.kind,
            _EN["join"].join(f.en for f in same),
            _ZH["join"].join(f.zh for f in same),
            fields,
        )

    # -- leaves ----------------------------------------------------------------------------
    def _missing(self, policy: str, f: Failure, weight: Decimal | None) -> _Outcome:
        if policy == "not_applicable":
            return _Outcome("not_applicable", reason=f)
        if policy == "zero":
            return _Outcome("fail", points=ZERO, reason=f)
        if policy == "full":
            return _Outcome("pass", points=weight, reason=f)
        return _Outcome("error", reason=f)

    def _from_failure(self, node: IndicatorNode, f: Failure) -> _Outcome:
        if f.kind == "error":
            return _Outcome("error", reason=f)
        if f.kind == "missing":
            return self._missing(node.missing, f, node.weight)
        if f.kind == "zero":
            return _Outcome("fail", points=ZERO, reason=f)
        return _Outcome("not_applicable", reason=f)

    def _applies(
        self, node: IndicatorNode, scope: dict[str, Any], failures: dict[str, Failure]
    ) -> _Outcome | None:
        """None when the indicator (or group) applies; else the outcome that replaces scoring."""
        if node.when is None:
            return None
        aware = bool(node.when.functions & {"is_missing", "coalesce"})
        f = self._blocking(node.when.names, failures, aware)
        if f is not None:
            return self._from_failure(node, f)
        try:
            applies = bool(node.when(scope))
        except EvaluationError as e:
            return _Outcome("error", reason=Failure("error", e.message, e.message, ()))
        if applies:
            return None
        text = node.when.text
        return _Outcome(
            "not_applicable",
            reason=Failure(
                "not_applicable",
                _EN["condition_false"].format(condition=text),
                _ZH["condition_false"].format(condition=text),
                (),
            ),
        )

    def _leaf(
        self, node: IndicatorNode, scope: dict[str, Any], failures: dict[str, Failure]
    ) -> _Outcome:
        if node.when is not None:
            skipped = self._applies(node, scope, failures)
            if skipped is not None:
                return skipped
        if failures:
            found = [
                x
                for x in (
                    self._blocking(node.reads, failures, node.missing_aware),
                    self._blocking(node.optional_reads, failures, True),
                )
                if x is not None
            ]
            f = min(found, key=lambda x: _PRIORITY[x.kind]) if found else None
            if f is not None:
                return self._from_failure(node, f)
        assert node.scorer is not None
        value = None
        try:
            value = node.value(scope) if node.value is not None else None
            scored: Scored = node.scorer.score(value, scope, node.weight)
        except ZeroDenominatorError:
            fields = self.c.inputs_of(node.reads)
            fz = Failure(
                _ZERO_KIND[node.zero_division],
                _EN["division_by_zero"],
                _ZH["division_by_zero"],
                fields,
            )
            return self._from_failure(node, fz)
        except EvaluationError as e:
            fields = self.c.inputs_of(node.reads)
            return _Outcome(
                "error",
                value=value,
                reason=Failure(
                    "error", e.message, _ZH["cannot_score"].format(problem=e.message), fields
                ),
            )
        if scored.grade is not None:
            letters = self.c.letters
            assert letters is not None
            outcome = "pass" if letters.passes(scored.grade) else "fail"
            return _Outcome(
                outcome,
                grade=scored.grade,
                value=value,
                threshold=scored.threshold,
                detail=scored.detail,
            )
        assert scored.points is not None and node.weight is not None
        points = round_places(scored.points, self.places)
        if scored.met is not None and node.pass_at == ONE:
            outcome = "pass" if scored.met else "fail"
        else:
            outcome = "pass" if points >= node.weight * node.pass_at else "fail"
        return _Outcome(
            outcome, points=points, value=value, threshold=scored.threshold, detail=scored.detail
        )

    @staticmethod
    def _waive(waiver: Any, o: _Outcome, weight: Decimal | None) -> _Outcome:
        """Apply an approved exemption: excluded → not applicable; met → full marks."""
        why = Failure(
            "not_applicable",
            _EN["waived"].format(reason=waiver.reason, approved_by=waiver.approved_by),
            _ZH["waived"].format(reason=waiver.reason, approved_by=waiver.approved_by),
            (),
        )
        if waiver.effect == "exclude" or weight is None:
            return _Outcome("not_applicable", value=o.value, reason=why)
        return _Outcome("pass", points=weight, value=o.value, threshold=o.threshold, reason=why)

    # -- messages --------------------------------------------------------------------------
    def _threshold_text(self, th: Mapping[str, Any] | None, unit: str | None) -> str | None:
        if not th:
            return None
        if "op" in th:
            return f"{_OP_TEXT.get(th['op'], th['op'])} {_display(th['value'], unit, 2)}"
        return str(th.get("range") or th.get("name"))

    def _render(
        self,
        templates: tuple[Template | None, Template | None] | None,
        fields: Mapping[str, str],
        scope: Mapping[str, Any],
        default_zh: str,
        default_en: str,
    ) -> tuple[str, str]:
        out = []
        for i, default in enumerate((default_zh, default_en)):
            t = templates[i] if templates else None
            if t is None:
                out.append(default)
                continue
            values = dict(fields)
            for name in t.fields - values.keys():
                values[name] = _display(scope.get(name), self.c.units.get(name), self.places)
            out.append(t.render(values))
        return out[0], out[1]

    def _indicator_messages(
        self, node: IndicatorNode, o: _Outcome, value_text: str | None
    ) -> tuple[str, str]:
        """The default (zh, en) messages of an indicator's finding."""
        th_text = self._threshold_text(o.threshold, node.unit)
        pts = _json(o.points) if o.points is not None else None
        w = _json(node.weight) if node.weight is not None else None
        title_en = node.title_en or node.id
        reason_zh = o.reason.zh if o.reason else (o.detail or "")
        reason_en = o.reason.en if o.reason else (o.detail or "")
        if o.outcome == "error":
            zh = _ZH["indicator_error"].format(title=node.title, reason=reason_zh)
            en = _EN["indicator_error"].format(title=title_en, reason=reason_en)
        elif o.outcome == "not_applicable":
            zh = _ZH["indicator_na"].format(title=node.title, reason=reason_zh)
            en = _EN["indicator_na"].format(title=title_en, reason=reason_en)
        else:
            v_zh = f" {value_text}" if value_text else ""
            std_zh = _ZH["standard"].format(threshold=th_text) if th_text else ""
            std_en = _EN["standard"].format(threshold=th_text) if th_text else ""
            colon = ":" if value_text else ""
            if o.grade is not None:
                zh = _ZH["graded"].format(
                    title=node.title, value=v_zh, standard=std_zh, grade=o.grade
                )
                en = _EN["graded"].format(
                    title=title_en, colon=colon, value=v_zh, standard=std_en, grade=o.grade
                )
            else:
                by_rule = o.reason is not None
                extra_zh = _ZH["scored_by_rule"].format(reason=reason_zh) if by_rule else ""
                extra_en = _EN["scored_by_rule"].format(reason=reason_en) if by_rule else ""
                verdict = "met" if o.outcome == "pass" else "not_met"
                zh = _ZH["scored"].format(
                    title=node.title, value=v_zh, standard=std_zh, verdict=_ZH[verdict],
                    points=pts, weight=w, extra=extra_zh,
                )  # fmt: skip
                en = _EN["scored"].format(
                    title=title_en, colon=colon, value=v_zh, standard=std_en,
                    verdict=_EN[verdict], points=pts, weight=w, extra=extra_en,
                )  # fmt: skip
        return zh, en

    def _indicator_finding(
        self,
        node: IndicatorNode,
        o: _Outcome,
        run: SubjectRun,
        waiver: Mapping[str, Any] | None = None,
    ) -> Finding:
        subject = run.subject
        unit = node.unit
        value_text = _display(o.value, unit, self.places) if o.value is not None else None
        d: dict[str, Any] = {
            "rule_id": node.id,
            "subject": subject,
            "outcome": o.outcome,
            "severity": node.severity if o.outcome == "fail" else "none",
            "value": o.value,
            "unit": unit,
            "display": value_text,
            "threshold": o.threshold,
            "points": o.points,
            "weight": node.weight,
            "grade": o.grade,
            "reason": o.reason.en if o.reason else None,
            "fields": o.reason.fields if o.reason else (),
            "fingerprint": self._fingerprint(node.id, run),
            "location": node.location,
            "kind": "indicator",
            "waiver": waiver,
            "data_locations": (),
        }
        if o.reason is None and o.outcome in ("pass", "fail"):  # decided by the scorer
            d["explanation"] = Explanation(
                self._explainer.build, node, o.value, o.points, o.grade, run.scope
            )
        templates = node.messages.get(o.outcome) if node.messages else None
        if templates is None:  # default messages: rendered when first read
            d["_lazy_messages"] = (self._indicator_messages, (node, o, value_text))
        else:  # the rule set wrote its own message for this outcome
            zh, en = self._indicator_messages(node, o, value_text)
            th_text = self._threshold_text(o.threshold, unit)
            pts = _json(o.points) if o.points is not None else None
            w = _json(node.weight) if node.weight is not None else None
            fields = {
                "title": node.title,
                "value": value_text or "—",
                "points": pts or "—",
                "weight": w or "—",
                "target": _display(o.threshold.get("value"), unit, self.places)
                if o.threshold and "value" in o.threshold
                else "—",
                "threshold": th_text or "—",
                "grade": o.grade or "—",
                "reason": o.reason.zh if o.reason else (o.detail or ""),
                "subject": subject.name or subject.id,
            }
            d["message"], d["message_en"] = self._render(templates, fields, run.scope, zh, en)
        f = _new(Finding)
        _setattr(f, "__dict__", d)
        return f

    # -- tree ------------------------------------------------------------------------------
    def _node(
        self,
        node: IndicatorNode,
        run: SubjectRun,
        scores: list[IndicatorScore],
        findings: list[Finding],
        forced: _Outcome | None = None,
    ) -> NodeScore:
        if not node.children:  # a leaf: nothing below it, so its score goes straight in
            if forced is not None:
                o = _Outcome(forced.outcome, reason=forced.reason)
                if o.outcome not in ("not_applicable", "error"):
                    o = _Outcome("not_applicable", reason=forced.reason)
                findings.append(self._indicator_finding(node, o, run))
                cov = ZERO
            else:
                o = self._leaf(node, run.scope, run.failures)
                waivers = run.waivers
                waiver = waivers.get(node.id) if waivers else None
                if waiver is not None:
                    o = self._waive(waiver, o, node.weight)
                    findings.append(self._indicator_finding(node, o, run, waiver.to_dict()))
                else:
                    findings.append(self._indicator_finding(node, o, run))
                cov = ONE if o.outcome in ("pass", "fail") and (o.reason is None) else ZERO
            scores.append(
                _indicator_score(
                    node.id, o.points, node.weight, o.grade, o.outcome, _COVERAGE4[cov is ONE]
                )
            )
            return _node_score(node.id, node.weight, o.points, o.grade, o.outcome, cov)
        index = len(scores)
        scores.append(None)  # type: ignore[arg-type]  # placeholder: scores are in pre-order
        if forced is None:
            forced = self._applies(node, run.scope, run.failures)  # `when` covers the subtree
        children = [self._node(c, run, scores, findings, forced) for c in node.children]
        assert node.aggregate is not None
        ns = node.aggregate(self._specs[node.id], children)
        if ns.outcome == "error" and all(c.outcome != "error" for c in children):
            # the group's own rule failed (a lookup without a matching row): its own finding,
            # or the failure would only show as a missing grade
            why = ns.reason or "the aggregation gave no result"
            zh = _ZH["aggregation_failed"].format(problem=why)
            reason = Failure("error", _EN["aggregation_failed"].format(problem=why), zh, ())
            findings.append(self._indicator_finding(node, _Outcome("error", reason=reason), run))
        if ns.points is not None:
            ns = _node_score(
                ns.rule_id,
                ns.weight,
                round_places(ns.points, self.places),
                ns.grade,
                ns.outcome,
                ns.coverage,
                ns.reason,
            )
        scores[index] = _indicator_score(
            node.id, ns.points, node.weight, ns.grade, ns.outcome, round_places(ns.coverage, 4)
        )
        return ns

    # -- checks ----------------------------------------------------------------------------
    def _check(self, node: CheckNode, run: SubjectRun) -> Finding:
        scope, failures, subject = run.scope, run.failures, run.subject
        title_en = node.title_en or node.id
        value: Any = None
        threshold: dict[str, Any] | None = None
        fields: dict[str, str] = {"title": node.title, "subject": subject.name or subject.id}
        reason: Failure | None = None
        outcome = "pass"
        zh = en = ""
        reads = [n for n in node.reads if n != node.require]
        f = self._blocking(reads, failures, node.missing_aware)
        if node.require and node.require in failures and failures[node.require].kind == "error":
            f = failures[node.require]
        try:
            if f is not None:
                reason = f
                outcome = "error" if f.kind == "error" else "not_applicable"
            elif node.type != "explain_if" and node.when is not None and not node.when(scope):
                outcome = "not_applicable"
                reason = Failure(
                    "not_applicable",
                    _EN["check_condition_false"].format(condition=node.when.text),
                    _ZH["check_condition_false"].format(condition=node.when.text),
                    (),
                )
            elif node.type == "equal":
                assert node.left is not None and node.right is not None
                left, right = node.left(scope), node.right(scope)
                value = left
                if isinstance(left, Decimal) and isinstance(right, Decimal):
                    diff = abs(left - right)
                    ok = diff <= node.tolerance
                    fields["difference"] = _display(diff, node.unit, self.places)
                else:
                    ok = left == right
                    fields["difference"] = "—"
                outcome = "pass" if ok else "fail"
                threshold = {"op": "==", "value": right, "tolerance": node.tolerance}
                lt, rt = (
                    _display(left, node.unit, self.places),
                    _display(right, node.unit, self.places),
                )
                fields.update(
                    left=lt, right=rt, tolerance=_display(node.tolerance, node.unit, self.places)
                )
                if ok:
                    zh = _ZH["equal_ok"].format(title=node.title, left=lt, right=rt)
                    en = _EN["equal_ok"].format(title=title_en, left=lt, right=rt)
                else:
                    d_txt, t_txt = fields["difference"], fields["tolerance"]
                    texts = {"left": lt, "right": rt, "difference": d_txt, "tolerance": t_txt}
                    zh = _ZH["equal_fail"].format(title=node.title, **texts)
                    en = _EN["equal_fail"].format(title=title_en, **texts)
            elif node.type == "assert":
                assert node.expr is not None
                ok = bool(node.expr(scope))
                outcome = "pass" if ok else "fail"
                key = "assert_ok" if ok else "assert_fail"
                zh = _ZH[key].format(title=node.title, expr=node.expr.text)
                en = _EN[key].format(title=title_en, expr=node.expr.text)
            else:
                assert node.when is not None and node.require is not None
                triggered = bool(node.when(scope))
                given = scope.get(node.require)
                explained = given is True or (isinstance(given, str) and given.strip() != "")
                rtitle = self.titles.get(node.require, node.require)
                if not triggered:
                    zh = _ZH["explain_not_needed"].format(title=node.title)
                    en = _EN["explain_not_needed"].format(title=title_en)
                elif explained:
                    zh = _ZH["explained"].format(title=node.title, field_title=rtitle)
                    en = _EN["explained"].format(title=title_en, field=node.require)
                else:
                    outcome = "fail"
                    texts = {"condition": node.when.text, "field": node.require}
                    zh = _ZH["not_explained"].format(title=node.title, field_title=rtitle, **texts)
                    en = _EN["not_explained"].format(title=title_en, **texts)
                    reason = None
                    fields["reason"] = _EN["explanation_missing"].format(field=node.require)
        except ZeroDenominatorError:
            outcome, reason = (
                "not_applicable",
                Failure("not_applicable", _EN["division_by_zero"], _ZH["division_by_zero"], ()),
            )
        except EvaluationError as e:
            outcome, reason = (
                "error",
                Failure("error", e.message, _ZH["cannot_check"].format(problem=e.message), ()),
            )
        if outcome in ("error", "not_applicable"):
            assert reason is not None
            key = "check_error" if outcome == "error" else "check_na"
            zh = _ZH[key].format(title=node.title, reason=reason.zh)
            en = _EN[key].format(title=title_en, reason=reason.en)
            fields["reason"] = reason.zh
        fields.setdefault("reason", "")
        for k in ("left", "right", "difference", "tolerance"):
            fields.setdefault(k, "—")
        templates = node.messages.get(outcome)
        if templates is not None:
            zh, en = self._render(templates, fields, scope, zh, en)
        finding = _new(Finding)
        _setattr(
            finding,
            "__dict__",
            {
                "rule_id": node.id,
                "subject": subject,
                "outcome": outcome,
                "severity": node.severity if outcome == "fail" else "none",
                "message": zh,
                "message_en": en,
                "value": value,
                "unit": node.unit,
                "display": _display(value, node.unit, self.places) if value is not None else None,
                "threshold": threshold,
                "points": None,
                "weight": None,
                "grade": None,
                "reason": reason.en if reason else None,
                "fields": reason.fields if reason else (),
                "fingerprint": self._fingerprint(node.id, run),
                "location": node.location,
                "kind": "check",
                "waiver": None,
                "data_locations": (),
            },
        )
        return finding

    # -- the subject -----------------------------------------------------------------------
    def subject(self, data: SubjectData, waivers: Mapping[str, Any] | None = None) -> SubjectResult:
        """Score one subject: findings, scores, total and grade.

        One subject allocates a few thousand small objects that all survive it; with the cyclic
        garbage collector running, a batch re-scans every earlier result again and again (a
        third of the time for 500 subjects of 30 indicators).  It is paused for the duration of
        one subject — never longer, so cyclic garbage is still collected between subjects — and
        left alone if the caller disabled it."""
        if not _gc_isenabled():
            return self._subject(data, waivers)
        _gc_disable()
        try:
            return self._subject(data, waivers)
        finally:
            _gc_enable()

    def _subject(
        self, data: SubjectData, waivers: Mapping[str, Any] | None = None
    ) -> SubjectResult:
        scope, failures = self._scope(data)
        run = SubjectRun(data.subject, scope, failures, waivers or {})
        scores: list[IndicatorScore] = []
        findings: list[Finding] = []
        top = [self._node(n, run, scores, findings) for n in self.c.indicators]
        for ch in self.c.checks:
            finding = self._check(ch, run)
            waiver = run.waivers.get(ch.id)
            if waiver is not None:
                outcome = "not_applicable" if waiver.effect == "exclude" else "pass"
                word = _ZH["waiver_exclude" if waiver.effect == "exclude" else "waiver_met"]
                finding = replace(
                    finding,
                    outcome=outcome,
                    severity="none",
                    waiver=waiver.to_dict(),
                    message=_ZH["check_waived"].format(
                        title=ch.title, word=word, effect=waiver.effect, reason=waiver.reason
                    ),
                    message_en=_EN["check_waived"].format(
                        title=ch.title_en or ch.id, effect=waiver.effect, reason=waiver.reason
                    ),
                )
            findings.append(finding)
        total: Decimal | None = None
        coverage = ZERO
        grade = label = grade_reason = reason_zh = None
        if top and self.root.weight is not None:
            root = weighted_sum(self.root, top)
            coverage = round_places(root.coverage, 4)
            if root.outcome == "error":
                grade_reason = _EN["no_total"].format(reason=root.reason)
                reason_zh = _ZH["no_total"].format(reason=root.reason)
            elif root.points is None:
                grade_reason, reason_zh = _EN["nothing_applies"], _ZH["nothing_applies"]
            else:
                total = round_places(root.points, self.places)
        if total is not None and self.c.grade_bands:
            if self.c.min_coverage is not None and coverage < self.c.min_coverage:
                have, need = _json(coverage * 100), _json(self.c.min_coverage * 100)
                grade_reason = _EN["low_coverage"].format(have=have, need=need)
                reason_zh = _ZH["low_coverage"].format(have=have, need=need)
            else:
                band = next((b for b in self.c.grade_bands if total >= b.min), None)
                if band is not None:
                    grade, label = band.id, band.label
                gscope = {**scope, "total": total}
                for o in self.c.overrides:
                    aware = bool(o.when.functions & {"is_missing", "coalesce"})
                    if self._blocking(o.when.names, failures, aware) is not None:
                        continue
                    try:
                        hit = bool(o.when(gscope))
                    except EvaluationError:
                        continue
                    if hit:
                        grade, label, grade_reason = (
                            o.grade,
                            o.label,
                            o.reason or _EN["forced_grade"].format(condition=o.when.text),
                        )
                        reason_zh = o.reason or _ZH["forced_grade"].format(condition=o.when.text)
                        break
        notes = tuple(
            Notification("warning", "unknown-field", n, data.subject.id) for n in data.notes
        )
        return SubjectResult(
            data.subject,
            total,
            self.max,
            grade,
            label,
            grade_reason,
            coverage,
            tuple(scores),
            tuple(findings),
            notes,
            reason_zh,
        )
