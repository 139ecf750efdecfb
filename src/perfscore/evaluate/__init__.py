"""Evaluate: one subject's data against a compiled rule set → scores and findings.

Per-record failures are values, not exceptions: a field that is wrong or missing becomes an
``error`` (or, for optional data, the declared missing-data outcome) for exactly the metrics,
indicators and checks that read it; everything else is still scored.

Along the way one subject goes: :mod:`.state` (its scope, failures, waivers: the per-call
:class:`SubjectRun`), :mod:`.leaves` (each leaf indicator's outcome), :mod:`.checks`,
:mod:`.records` (findings and scores built), :mod:`.messages` (their words); the points-only
fast path is :mod:`.pointsonly`.
"""

from __future__ import annotations

import gc
import hashlib
import operator
import weakref
from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal
from typing import Any

from ..aggregate import AggregateSpec, NodeScore, mean, weakest_link, weighted_sum
from ..compile import Compiled, IndicatorNode
from ..errors import EvaluationError
from ..explain import Explainer
from ..findings import (
    Finding,
    IndicatorScore,
    Notification,
    SubjectResult,
    fingerprint,
    make_texts,
)
from ..findings.results import UNMADE, FindingDraft
from ..numbers import round_once
from ..scorers import Fallback
from ..subjects import SubjectData
from ..words import AGGREGATE as AGG
from .checks import CheckWords, check
from .findcode import Kept, LeafConsts, Walk, findings_walk, leaf_consts
from .groups import Coverages
from .groups import scored_in_full as _scored_in_full
from .groups import scored_in_part as _scored_in_part
from .groups import shares_in_place as _shares_in_place
from .leaves import NotApplicable, applies, leaf, waive
from .messages import FindingTexts
from .nodewords import fingerprint_from
from .pointsonly import points, points_plan
from .records import (
    COVERAGE4,
    SHARED_RESULTS,
    covered_pair,
    indicator_finding,
    indicator_score,
    leaf_cover,
    leaf_pair,
    node_score,
)
from .state import EN, ONE, ZERO, ZH, Failure, Outcome, Scan, SubjectRun, blocking
from .texts import json_text

__all__ = ["Evaluator", "SubjectRun"]

_gc_isenabled, _gc_disable, _gc_enable = gc.isenabled, gc.disable, gc.enable
_new = object.__new__
_setattr = object.__setattr__
_weakref = weakref.ref


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
        #: per check: what its findings share (see checks.CheckWords)
        self._check_words = {ch.id: CheckWords(ch) for ch in compiled.checks}
        #: per leaf: (points text, grade, outcome, scored) -> its IndicatorScore and NodeScore
        self._leaf_results: dict[str, dict[Any, tuple[IndicatorScore, NodeScore]]] = {
            nid: {} for nid in self._fp if nid not in self._specs
        }
        #: per group: its children's results (by identity) -> its own (kept for weighted
        #: sums, means and weakest links)
        self._group_results: dict[str, Kept] = {nid: {} for nid in self._specs}
        #: per weighted-sum group (and the total): whether a child not applicable hands its
        #: weight to the others, and the coverages kept (see groups.scored_in_part)
        self._parts: dict[str, tuple[bool, Coverages]] = {
            nid: (spec.not_applicable_weight == "redistribute", {})
            for nid, spec in (*self._specs.items(), ("", self.root))
        }
        #: per leaf: its findings' constant fields, shared results, severity (see _leaf_consts_of)
        self._leaf_consts: dict[str, LeafConsts] = {}
        self._scan = Scan(compiled, self.titles)
        self._plan = points_plan(compiled, self.root, self._specs, self._scan)
        self._explainer = Explainer(compiled, self.places)
        self._texts = FindingTexts(
            compiled.units, self.places, self._explainer, self._fingerprint, self._fp
        )
        #: the tree's walk, written out (see findcode) when the first subject comes; by
        #: whether it makes its findings' words (see textcode)
        self._walk: dict[bool, Walk] = {}

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
        return fingerprint_from(h, run)

    def _finding(
        self,
        node: IndicatorNode,
        o: Outcome,
        run: SubjectRun,
        waiver: Mapping[str, Any] | None = None,
    ) -> Finding:
        # the fingerprint, as the words, is made when first read (texts knows how)
        return indicator_finding(node, o, run, None, self.c.units, self.places, waiver, self._texts)

    def _leaf_consts_of(self, node: IndicatorNode) -> LeafConsts:
        """A leaf's constants (see :func:`~.findcode.leaf_consts`), made once, on first use."""
        words = self._texts.node_words(node)
        got = leaf_consts(node, words, self._leaf_results[node.id], self.places)
        self._leaf_consts[node.id] = got
        return got

    def _consts(self, node: IndicatorNode) -> LeafConsts:
        consts = self._leaf_consts.get(node.id)
        return self._leaf_consts_of(node) if consts is None else consts

    def _kept(self, node: IndicatorNode) -> Kept | None:
        """A group's results kept per its children's (None: it keeps none).  A weighted sum,
        a mean or a weakest link is a function of its children's results: where they are the
        very objects met before (shared leaf and group results), so is its own."""
        aggregate = node.aggregate
        if aggregate is weighted_sum or aggregate is mean or aggregate is weakest_link:
            return self._group_results.get(node.id)
        return None

    def _parts_of(self, node: IndicatorNode) -> tuple[bool, Coverages] | None:
        """A weighted sum's (a mean's, a weakest link's) parts: whether a child not applicable
        hands its weight to the others, and its kept coverages (see groups.scored_in_part)."""
        aggregate = node.aggregate
        of_points = aggregate is weighted_sum or aggregate is mean or aggregate is weakest_link
        return self._parts.get(node.id) if of_points else None

    # -- tree ------------------------------------------------------------------------------
    def _node(
        self,
        node: IndicatorNode,
        run: SubjectRun,
        scores: list[IndicatorScore],
        findings: list[Finding],
        forced: Outcome | None = None,
    ) -> NodeScore:
        if not node.children:  # a leaf: nothing below it, so its score goes straight in
            nid = node.id
            consts = self._leaf_consts.get(nid)
            if consts is None:
                consts = self._leaf_consts_of(node)
            template, same, by_id, severity, form, reads, use_met, limit, when = consts
            waiver = None
            grade = reason = detail = None
            points: Decimal | None
            value: Any
            threshold: Mapping[str, Any] | None
            decided: bool | None  # (None: scored, covered in part; its results made)
            pair: tuple[IndicatorScore, NodeScore]
            if forced is None:
                failures, waivers = run.failures, run.waivers
                try:
                    if (
                        form is None
                        or (failures and not reads.isdisjoint(failures))
                        or (waivers and nid in waivers)
                    ):
                        raise Fallback
                    # nothing it reads failed: its scorer's outcome form (see _leaf_consts_of)
                    # where its condition holds (what applies() decides when nothing failed)
                    if when is not None and not when[0](run.scope):
                        raise NotApplicable
                    value, scored, met, threshold, detail = form(run.scope)
                except NotApplicable:  # leaf()'s outcome when its condition does not hold
                    outcome, points, value, threshold = "not_applicable", None, None, None
                    reason = when[1]  # (raised only with a when)
                    decided = False
                except Exception:  # Fallback, or anything leaf() decides (errors, exactly)
                    o = leaf(self.c, self.places, node, run.scope, failures)
                    found = waivers.get(nid) if waivers else None
                    if found is not None:
                        o = waive(found, o, node.weight)
                        waiver = found.to_dict()
                    outcome, points, grade = o.outcome, o.points, o.grade
                    value, threshold, reason, detail = o.value, o.threshold, o.reason, o.detail
                    decided = reason is None and (outcome == "pass" or outcome == "fail")
                    if decided:  # a scorer that scored around blanks: covered in part
                        cover = leaf_cover(node, run.scope)
                        if cover is not None:
                            pair = covered_pair(
                                nid, node.weight, points, grade, outcome, cover,
                                o.on_data,
                            )  # fmt: skip
                            decided = None  # (its results made here, not shared)
                else:  # leaf()'s decision: met, where the scorer says so and the weight is the bar
                    if met is None or not use_met:
                        met = scored >= limit
                    outcome = "pass" if met else "fail"
                    points = scored
                    decided = True
            else:  # a condition above it decided: not applicable (or the error it met)
                outcome = forced.outcome
                if outcome != "error":
                    outcome = "not_applicable"
                reason = forced.reason
                value = threshold = points = None
                decided = False
            # the finding, as records.indicator_finding builds it, from the leaf's constant
            # fields (a draft's plain stores, then frozen)
            f: Any = _new(FindingDraft)
            f.rule_id = nid
            f.subject = run.subject
            f.outcome = outcome
            f.severity = severity if outcome == "fail" else "none"
            f.value = value
            f.unit = template["unit"]
            f.threshold = threshold
            f.points = points
            f.weight = template["weight"]
            f.grade = grade
            f.fields = () if reason is None else reason.fields
            f.location = template["location"]
            f.kind = "indicator"
            f.waiver = waiver
            f.data_locations = ()
            f.review = None
            f._explanation = UNMADE
            f._lazy = template["_lazy"]
            f._run = run
            f._why = reason
            f._detail = detail
            f.__class__ = Finding
            findings.append(f)
            # a leaf's two results are shared (see records.leaf_pair)
            if decided is None:  # covered in part: made above
                scores.append(pair[0])
                return pair[1]
            if decided and grade is None:  # (pass or fail) by a points object met before
                known = by_id[outcome].get(id(points))
                if known is not None:
                    scores.append(known[0])
                    return known[1]
            pair = leaf_pair(nid, node.weight, same, by_id, points, grade, outcome, decided)
            scores.append(pair[0])
            return pair[1]
        index = len(scores)
        scores.append(None)  # type: ignore[arg-type]  # placeholder: scores are in pre-order
        if forced is None and node.when is not None:
            forced = applies(node, run.scope, run.failures)  # `when` covers the subtree
        children: list[NodeScore] = []  # (a loop: no comprehension's function per group)
        add_child, score_node = children.append, self._node
        for c in node.children:
            add_child(score_node(c, run, scores, findings, forced))
        return self._group(node, index, children, run, scores, findings)

    def _group(
        self,
        node: IndicatorNode,
        index: int,
        children: list[NodeScore],
        run: SubjectRun,
        scores: list[IndicatorScore],
        findings: list[Finding],
        ids: tuple[int, ...] | None = None,
    ) -> NodeScore:
        """A group's results from its ``children``'s: its score put at ``index`` of ``scores``
        (pre-order), a finding of its own where its rule failed.  ``ids``: its children's, where
        the caller found no results kept for them."""
        aggregate = node.aggregate
        assert aggregate is not None
        shared = self._kept(node)
        if shared is not None and ids is None:
            ids = tuple(map(id, children))
            seen = shared.get(ids)
            if seen is not None and all(map(operator.is_, seen[0], children)):
                scores[index] = seen[1]
                return seen[2]
        if shared is not None and aggregate is weighted_sum:
            w = node.weight
            added = _scored_in_full(children, w)
            if added is None:
                redistribute, kept = self._parts[node.id]
                added = _scored_in_part(children, w, redistribute, kept)
            if added is not None:  # what weighted_sum gives, rounded
                p = round_once(added[0], self.places)
                outcome = "pass" if added[1] else "fail"
                ns = node_score(node.id, w, p, None, outcome, added[2])
                score = indicator_score(node.id, p, w, None, outcome, added[3])
                scores[index] = score
                if len(shared) < SHARED_RESULTS:
                    shared[ids] = (tuple(children), score, ns)  # type: ignore[index]
                return ns
        elif aggregate is mean or aggregate is weakest_link:  # (of points: in place)
            redistribute, kept = self._parts[node.id]
            lowest = aggregate is weakest_link
            added = _shares_in_place(children, node.weight, redistribute, lowest, kept)
            if added is not None:
                w = node.weight
                p = round_once(added[0], self.places)
                outcome = "pass" if added[1] else "fail"
                ns = node_score(node.id, w, p, None, outcome, added[2])
                score = indicator_score(node.id, p, w, None, outcome, added[3])
                scores[index] = score
                if shared is not None and len(shared) < SHARED_RESULTS:
                    shared[ids] = (tuple(children), score, ns)  # type: ignore[index]
                return ns
        ns = aggregate(self._specs[node.id], children)
        error = ns.outcome == "error"
        if error and all(c.outcome != "error" for c in children):
            # the group's own rule failed (a lookup without a matching row): its own finding,
            # or the failure would only show as a missing grade
            why_en = ns.reason_in("en") or AGG["en"]["no_result"]
            why_zh = ns.reason_in("zh") or AGG["zh"]["no_result"]
            zh = ZH["aggregation_failed"].format(problem=why_zh)
            reason = Failure("error", EN["aggregation_failed"].format(problem=why_en), zh, ())
            findings.append(self._finding(node, Outcome("error", reason=reason), run))
        if ns.points is not None:
            ns = node_score(
                ns.rule_id,
                ns.weight,
                round_once(ns.points, self.places),
                ns.grade,
                ns.outcome,
                ns.coverage,
                ns.reason,
                ns.reason_zh,
            )
        cov = ns.coverage  # all of the group scored is the common case: its rounding made once
        one = cov is ONE or (type(cov) is Decimal and cov == ONE)  # (a Q compares slowly)
        cov4 = COVERAGE4[1] if one else round_once(cov, 4)
        score = indicator_score(node.id, ns.points, node.weight, ns.grade, ns.outcome, cov4)
        scores[index] = score
        if shared is not None and not error and len(shared) < SHARED_RESULTS:
            # (the children held: their ids stay theirs)
            shared[ids] = (tuple(children), score, ns)  # type: ignore[index]
        return ns

    # -- the subject -----------------------------------------------------------------------
    def subject(
        self, data: SubjectData, waivers: Mapping[str, Any] | None = None, texts: bool = False
    ) -> SubjectResult:
        """Score one subject: findings, scores, total and grade.  ``texts``: every finding's
        words made now (the walk makes its scored findings' as it builds them, see
        :mod:`.textcode`), for a caller that reads them all; else when first read.

        One subject allocates a few thousand small objects that all survive it; with the cyclic
        garbage collector running, a batch re-scans every earlier result again and again (a
        third of the time for 500 subjects of 30 indicators).  It is paused for the duration of
        one subject — never longer, so cyclic garbage is still collected between subjects — and
        left alone if the caller disabled it."""
        if not _gc_isenabled():
            return self._subject(data, waivers, texts)
        _gc_disable()
        try:
            return self._subject(data, waivers, texts)
        finally:
            _gc_enable()

    def _subject(
        self, data: SubjectData, waivers: Mapping[str, Any] | None = None, texts: bool = False
    ) -> SubjectResult:
        scope, failures = self._scan(data)
        run = SubjectRun(data.subject, scope, failures, waivers or {})
        scores: list[IndicatorScore] = []
        findings: list[Finding] = []
        walk = self._walk.get(texts)
        if walk is None:  # (written on first use: it asks every leaf for its constants)
            walk = self._walk[texts] = findings_walk(
                self.c.indicators, self._consts, self._kept, self._node, self._group,
                self.places, self._parts_of, texts, self.c,
            )  # fmt: skip
        top = walk(run, scores, findings)
        for ch in self.c.checks:
            finding = check(
                ch, run, self._fingerprint(ch.id, run), self.titles, self.c.units, self.places,
                self._check_words[ch.id],
            )  # fmt: skip
            waiver = run.waivers.get(ch.id)
            if waiver is not None:
                outcome = "not_applicable" if waiver.effect == "exclude" else "pass"
                word = ZH["waiver_exclude" if waiver.effect == "exclude" else "waiver_met"]
                finding = replace(
                    finding,
                    outcome=outcome,
                    severity="none",
                    waiver=waiver.to_dict(),
                    message=ZH["check_waived"].format(
                        title=ch.title, word=word, effect=waiver.effect, reason=waiver.reason
                    ),
                    message_en=EN["check_waived"].format(
                        title=ch.title_en or ch.id, effect=waiver.effect, reason=waiver.reason
                    ),
                )
            findings.append(finding)
        if texts:  # (the walk made its scored findings' words: the others')
            make_texts(findings)
        total: Decimal | None = None
        coverage = ZERO
        grade = label = grade_reason = reason_zh = None
        weight = self.root.weight
        added = None if weight is None else _scored_in_full(top, weight)
        if added is None and weight is not None:
            redistribute, kept = self._parts[""]
            added = _scored_in_part(top, weight, redistribute, kept)
        if added is not None:  # (the common cases: weighted_sum's total and coverage)
            coverage = added[3]
            total = round_once(added[0], self.places)
        elif top and self.root.weight is not None:
            root = weighted_sum(self.root, top)
            coverage = round_once(root.coverage, 4)
            if root.outcome == "error":
                grade_reason = EN["no_total"].format(reason=root.reason_in("en"))
                reason_zh = ZH["no_total"].format(reason=root.reason_in("zh"))
            elif root.points is None:
                grade_reason, reason_zh = EN["nothing_applies"], ZH["nothing_applies"]
            else:
                total = round_once(root.points, self.places)
        if total is not None and self.c.grade_bands:
            if self.c.min_coverage is not None and coverage < self.c.min_coverage:
                have, need = json_text(coverage * 100), json_text(self.c.min_coverage * 100)
                grade_reason = EN["low_coverage"].format(have=have, need=need)
                reason_zh = ZH["low_coverage"].format(have=have, need=need)
            else:
                band = next((b for b in self.c.grade_bands if total >= b.min), None)
                if band is not None:
                    grade, label = band.id, band.label
                gscope = {**scope, "total": total} if self.c.overrides else scope
                for o in self.c.overrides:
                    aware = bool(o.when.functions & {"is_missing", "coalesce"})
                    if blocking(o.when.names, failures, aware) is not None:
                        continue
                    try:
                        hit = bool(o.when(gscope))
                    except EvaluationError:
                        continue
                    if hit:
                        grade, label, grade_reason = (
                            o.grade,
                            o.label,
                            o.reason or EN["forced_grade"].format(condition=o.when.text),
                        )
                        reason_zh = o.reason or ZH["forced_grade"].format(condition=o.when.text)
                        break
        notes = tuple(
            Notification("warning", "unknown-field", n, data.subject.id) for n in data.notes
        )
        result = _new(SubjectResult)  # SubjectResult(...) without a frozen __init__ per field
        _setattr(
            result,
            "__dict__",
            {
                "subject": data.subject,
                "total": total,
                "max": self.max,
                "grade": grade,
                "grade_label": label,
                "grade_reason": grade_reason,
                "coverage": coverage,
                "scores": tuple(scores),
                "findings": tuple(findings),
                "notifications": notes,
                "grade_reason_zh": reason_zh,
            },
        )
        if not texts:  # (its findings' words made all at once when one is first read)
            run.result = _weakref(result)
        return result
