"""Evaluate, the findings walk as one generated function: the tree of a rule set written out
once, as one would write it by hand, so that a subject costs its leaves' forms and its
findings, not a recursive call and a loop per node.

:meth:`~perfscore.evaluate.Evaluator._node` interprets the tree: per node it looks up the
leaf's constants, unpacks them, tries the form, and builds the finding from a template.  This
module writes the same steps out per leaf — its reads checked against the subject's failures,
its condition, its outcome form called, ``met`` decided, the finding built as a draft whose
fields are stored one by one and then frozen (one object), its shared results looked up
by its points' object — and, per group, its sums where its children's results allow them
(:mod:`.groupcode`), else its children's results handed to
:meth:`~perfscore.evaluate.Evaluator._group`.  Whatever it does not write out is the
evaluator's own step, called where it stands: a leaf whose reads failed, that has a waiver,
whose form gives up or raises, whose scorer is not perfscore's own; a group with a condition
(its whole subtree).  Every decision is the interpreter's; the walk only skips its lookups.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any, NamedTuple

from ..aggregate import NodeScore, mean, scaled, weakest_link, weighted_sum
from ..compile import Compiled, IndicatorNode
from ..exact import WIDE, exact_quotient, exact_share, share_of
from ..findings import Finding, IndicatorScore
from ..findings.results import UNMADE, FindingDraft
from ..numbers import NotExact, round_once
from ..scorers import OutcomeForm
from .groupcode import Parts, in_full, in_part, in_shares
from .groups import coverage_of
from .leaves import (
    UNDECIDED,
    applies,
    builtin,
    condition_false,
    exact_form,
    from_failure,
    scored_form,
    stopping,
)
from .nodewords import subject_key
from .pointsteps import value_reader
from .records import (
    COVERAGE4,
    SHARED_RESULTS,
    finding_template,
    leaf_pair,
)
from .state import ONE, ZERO, Failure
from .textcode import SUBJECT_KEY, scored_texts
from .writer import SourceWriter

__all__ = ["Kept", "LeafConsts", "findings_walk", "leaf_consts"]

#: a group's results kept per its children's (by identity: the children held, so their ids
#: stay theirs)
Kept = dict[tuple[int, ...], tuple[tuple[NodeScore, ...], IndicatorScore, NodeScore]]

#: per leaf: its findings' constant fields, shared results (and those of a pass or a fail
#: by the very points object met before), severity, outcome form, the names it reads,
#: whether its ``met`` decides, the points its form's outcome is decided at, its ``when``
#: (see :func:`leaf_consts`)
LeafConsts = tuple[
    dict[str, Any],
    dict[Any, tuple[IndicatorScore, NodeScore]],
    dict[str, dict[int, tuple[IndicatorScore, NodeScore]]],
    str,
    "OutcomeForm | None",
    frozenset[str],
    bool,
    Decimal,
    Any,
]


def leaf_consts(
    node: IndicatorNode,
    words: Any,
    same: dict[Any, tuple[IndicatorScore, NodeScore]],
    places: int,
) -> LeafConsts:
    """A leaf's finding fields that are the same for every subject (in
    :func:`~.records.indicator_finding`'s order, the others as placeholders; ``words``: its
    node's words), its shared results (``same``, see :func:`~.records.leaf_pair`), its
    severity — and, when its scorer has one, its outcome form (what :func:`~.leaves.leaf`
    gives when nothing the leaf reads failed, or it raises), the names it reads, whether its
    ``met`` decides pass or fail (``pass_at`` 1) and else the points to reach, and its
    condition (the compiled function, and what ``leaf()`` says where it does not hold)."""
    template = finding_template(node, words)
    form: OutcomeForm | None = None
    limit = ZERO
    sc, w, at = node.scorer, node.weight, node.pass_at
    if w is not None and sc is not None and sc.yields == "points":
        make = getattr(sc, "outcome_form", None)
        get = value_reader(node)
        try:
            form = make(get, w, places) if make is not None else None
            if form is None and builtin(sc):  # its own score, without leaf()'s detours
                form = scored_form(sc, get, w, places)
        except Exception:  # (a constant it cannot round at 28 digits: leaf() decides)
            form = None
        limit = w if at == ONE else WIDE.multiply(w, at)  # as leaf() decides
    when = None if node.when is None else (node.when.__call__, condition_false(node.when))
    by_id: dict[str, dict[int, tuple[IndicatorScore, NodeScore]]] = {"pass": {}, "fail": {}}
    return (template, same, by_id, node.severity, form, node.names_read, at == ONE, limit, when)


#: ``(run, scores, findings) -> the top nodes' results``
Walk = Callable[..., list[Any]]


class _Of(NamedTuple):
    """What the evaluator knows of a node: a leaf's constants (see
    ``Evaluator._leaf_consts_of``), a group's kept results (None: it keeps none), a weighted
    sum's parts (whether a child not applicable hands its weight on, its kept coverages;
    None: not known — its sums in part are ``_group``'s)."""

    consts: Callable[[IndicatorNode], LeafConsts]
    kept: Callable[[IndicatorNode], Kept | None]
    parts: Callable[[IndicatorNode], Parts | None]


class _Writer(SourceWriter):
    """The findings walk's writer: :class:`~.writer.SourceWriter` with its helpers."""

    def __init__(self, places: int, texts: bool = False) -> None:
        #: whether the walk makes its scored findings' words (see :mod:`.textcode`)
        self.texts = texts
        super().__init__(
            {
                "__builtins__": {},
                "_Exception": Exception,
                "_NotExact": NotExact,
                "_new": object.__new__,
                "_set": object.__setattr__,
                "_Draft": FindingDraft,
                "_Finding": Finding,
                "_UNMADE": UNMADE,
                "_skey": subject_key,
                "_id": id,
                "_pair": leaf_pair,
                "_stopping": stopping,
                "_applies": applies,
                "_add": WIDE.add,
                "_share": share_of,
                "_round": round_once,
                "_P": places,
                "_Z": ZERO,
                "_ONE": ONE,
                "_C4": COVERAGE4[1],
                "_NS": NodeScore,
                "_IS": IndicatorScore,
                "_SHARED": SHARED_RESULTS,
                "_scaled": scaled,
                "_cover": coverage_of,
                "_quot": exact_quotient,
                "_xshare": exact_share,
                "min": min,
                "_D": Decimal,
                "type": type,
                "len": len,
            }
        )


def _finding(w: _Writer, template: dict[str, Any], severity: str, **given: str) -> None:
    """The finding ``f``: a draft (:class:`~perfscore.findings.results.FindingDraft`) whose
    fields are ``template``'s with ``given`` (source) and ``severity`` (source) set, every
    other field and state slot as a passed finding without a reason has it — to be frozen and
    added by :func:`_freeze`, after what else the leaf sets (its words, in texts mode)."""
    values = {
        **{k: w.value(template[k]) for k in _CONSTANT},
        "severity": severity,
        "grade": "None",
        "fields": "()",
        "value": "None",
        "threshold": "None",
        "points": "None",
        "kind": "'indicator'",
        "waiver": "None",
        "data_locations": "()",
        "review": "None",
        "_explanation": "_UNMADE",
        "_why": "None",
        "_detail": "None",
        **given,
    }
    w.line("f = _new(_Draft)")
    for k in _ORDER:
        w.line(f"f.{k} = {values[k]}")


#: a leaf's fields (and state) the same for every subject (see :func:`leaf_consts`)
_CONSTANT = ("rule_id", "unit", "weight", "location", "_lazy")
#: the fields (and state) a draft is given, in the order of the class's slots
_ORDER = (
    "rule_id", "subject", "outcome", "severity", "value", "unit", "threshold", "points",
    "weight", "grade", "fields", "location", "kind", "waiver", "data_locations", "review",
    "_explanation", "_lazy", "_run", "_why", "_detail",
)  # fmt: skip


def _freeze(w: _Writer) -> None:
    """The draft ``f`` made a :class:`~perfscore.findings.Finding` (the same object) and
    added."""
    w.line("f.__class__ = _Finding")
    w.line("add_f(f)")


def _leaf(w: _Writer, node: IndicatorNode, consts: LeafConsts, t: str) -> None:
    """Lines for one leaf: its result into ``t``, its score and finding added — what
    :meth:`~perfscore.evaluate.Evaluator._node` does for it, where nothing it reads failed
    and it has no waiver, with its constants written in."""
    template, same, by_id, severity, form, reads, use_met, limit, when = consts
    general = f"_node({w.value(node)}, run, scores, findings)"
    if form is None or not builtin(node.scorer):  # (a plugin's form is never asked twice)
        w.line(f"{t} = {general}")
        return
    nid, weight = w.value(node.id), w.value(node.weight)
    same_, by_id_ = w.value(same), w.value(by_id)
    w.block(f"if waivers and {nid} in waivers:")
    w.line(f"{t} = {general}")
    w.end()
    w.block(f"elif failures and not {w.value(reads)}.isdisjoint(failures):")
    # what leaves.leaf decides: its condition first (what applies() says), then what stops
    # it, by the kind of that failure (leaves.from_failure)
    if when is not None:
        w.line(f"o = _applies({w.value(node)}, scope, failures)")
        w.block("if o is not None:")
        w.line("outcome, points, why = o.outcome, o.points, o.reason")
        w.end()
        w.block("else:")
    w.line(f"why = _stopping({w.value(node)}, failures)")
    kinds = w.value(_by_kind(node))
    w.line(f"outcome, points = (None, None) if why is None else {kinds}[why.kind]")
    if when is not None:
        w.end()
    w.block("if why is None:")  # (nothing stops it: scored, the evaluator's way)
    w.line(f"{t} = {general}")
    w.end()
    w.block("else:")
    _finding(w, template, f"{w.value(severity)} if outcome == 'fail' else 'none'",
             subject="subject", outcome="outcome", points="points", _run="run",
             fields="why.fields", _why="why")  # fmt: skip
    _freeze(w)
    w.line(f"p = _pair({nid}, {weight}, {same_}, {by_id_}, points, None, outcome, False)")
    w.line("add_s(p[0])")
    w.line(f"{t} = p[1]")
    w.end()
    w.end()
    w.block("else:")
    if when is not None:  # its condition: not applicable where it does not hold
        w.block("try:")
        w.line(f"holds = {w.value(when[0])}(scope)")
        w.end()
        w.block("except _Exception:")
        w.line("holds = None")
        w.end()
        w.block("if holds is None:")  # (what leaf() decides of a condition that raises)
        w.line(f"{t} = {general}")
        w.end()
        w.block("elif not holds:")
        why = w.value(when[1])
        _finding(
            w,
            template,
            "'none'",
            subject="subject",
            outcome="'not_applicable'",
            fields=f"{why}.fields",
            _run="run",
            _why=why,
        )
        _freeze(w)
        pair = f"_pair({nid}, {weight}, {same_}, {by_id_}, None, None, "
        w.line(f"p = {pair}'not_applicable', False)")
        w.line("add_s(p[0])")
        w.line(f"{t} = p[1]")
        w.end()
        w.block("else:")
    w.block("try:")
    w.line(f"value, points, met, threshold, detail = {w.value(form)}(scope)")
    w.end()
    w.block("except _NotExact:")  # a decision 28 digits cannot make: this leaf alone, exactly
    w.line(f"value, points, met, threshold, detail = _exact({w.value(node)}, scope)")
    w.end()
    w.block("except _Exception:")  # (a Fallback, or an error: what leaf() decides)
    w.line("points = None")
    w.end()
    w.block("if points is None:")  # (the exact form did not decide either: leaf())
    w.line(f"{t} = {general}")
    w.end()
    w.block("else:")
    bar = w.value(limit)
    w.line(f"if met is None: met = points >= {bar}" if use_met else f"met = points >= {bar}")
    w.line("outcome = 'pass' if met else 'fail'")
    _finding(
        w,
        template,
        f"'none' if met else {w.value(severity)}",
        subject="subject",
        outcome="outcome",
        value="value",
        threshold="threshold",
        points="points",
        _run="run",
        _detail="detail",
    )
    if w.texts:
        scored_texts(w, template["_lazy"])
    _freeze(w)
    w.line(f"p = ({w.value(by_id['pass'])} if met else {w.value(by_id['fail'])}).get(_id(points))")
    w.block("if p is None:")
    w.line(f"p = _pair({nid}, {weight}, {same_}, {by_id_}, points, None, outcome, True)")
    w.end()
    w.line("add_s(p[0])")
    w.line(f"{t} = p[1]")
    w.end()
    w.end()
    if when is not None:
        w.end()


def _by_kind(node: IndicatorNode) -> dict[str, tuple[str, Any]]:
    """The outcome and points of ``node`` stopped by a failure of each kind (its reason is
    that failure): :func:`~.leaves.from_failure`'s, asked once."""
    kinds = ("error", "missing", "zero", "not_applicable")
    made = {k: from_failure(node, Failure(k, "", "", ())) for k in kinds}
    return {k: (o.outcome, o.points) for k, o in made.items()}


def _node(w: _Writer, node: IndicatorNode, of: _Of, index: list[int]) -> str:
    """Lines for ``node`` (pre-order position ``index[0]``, advanced past its subtree): its
    result into a temporary, whose name is returned."""
    t = w.temp()
    at = index[0]
    if not node.children:
        index[0] += 1
        _leaf(w, node, of.consts(node), t)
        return t
    if node.when is not None:  # its condition covers its subtree: the evaluator's own walk
        index[0] += _size(node)
        w.line(f"{t} = _node({w.value(node)}, run, scores, findings)")
        return t
    index[0] += 1
    w.line("add_s(None)")  # (its place in pre-order; _group fills it)
    kids = [_node(w, c, of, index) for c in node.children]
    group = f"_group({w.value(node)}, {at}, [{', '.join(kids)}], run, scores, findings"
    kept = of.kept(node)
    if kept is None:
        w.line(f"{t} = {group})")
        return t
    # its results kept for its children's very results: found here, else made by _group
    ids = f"({''.join(f'_id({k}), ' for k in kids)})"
    w.line(f"s = {w.value(kept)}.get(k := {ids})")
    held = "".join(f" and s[0][{i}] is {k}" for i, k in enumerate(kids))
    w.block(f"if s is not None{held}:")
    w.line(f"scores[{at}] = s[1]")
    w.line(f"{t} = s[2]")
    w.end()
    if node.aggregate is weighted_sum and in_full(w, node, kids, at, t, w.value(kept)):
        parts = of.parts(node)
        if parts is not None:
            in_part(w, node, kids, at, t, w.value(kept), parts)
    elif node.aggregate is mean or node.aggregate is weakest_link:
        parts = of.parts(node)
        if parts is not None:
            in_shares(w, node, kids, at, t, w.value(kept), parts)
    w.block("else:")
    w.line(f"{t} = {group}, k)")
    w.end()
    return t


def _size(node: IndicatorNode) -> int:
    return 1 + sum(_size(c) for c in node.children)


def findings_walk(
    top: Sequence[IndicatorNode],
    consts: Callable[[IndicatorNode], LeafConsts],
    kept: Callable[[IndicatorNode], Kept | None],
    node: Callable[..., Any],
    group: Callable[..., Any],
    places: int,
    parts: Callable[[IndicatorNode], Parts | None] = lambda n: None,
    texts: bool = False,
    compiled: Compiled | None = None,
) -> Walk:
    """The walk of the ``top`` nodes, called as ``(run, scores, findings)``: their results
    (what ``node(n, run, scores, findings)`` gives for each), with ``scores`` and
    ``findings`` filled as it fills them.  ``consts``: a leaf's constants; ``kept``: the
    results a group keeps per its children's; ``node``, ``group``: the evaluator's ``_node``
    and ``_group``; ``parts``: a weighted sum's parts (see :class:`_Of`); ``texts``: the
    scored findings' words made as they are built (see :mod:`.textcode`); ``compiled``: the
    rule set, whose leaf refusing a decision its 28 digits cannot make is decided exactly
    alone (:func:`~.leaves.exact_form`; without it, by ``node``)."""
    w = _Writer(places, texts)
    w.values["_node"] = node
    w.values["_exact"] = (
        (lambda n, scope: UNDECIDED)
        if compiled is None
        else (lambda n, scope: exact_form(compiled, places, n, scope))
    )
    w.values["_group"] = group
    w.line("scope, failures, waivers, subject = run.scope, run.failures, run.waivers, run.subject")
    w.line("add_s, add_f = scores.append, findings.append")
    if texts:
        for line in SUBJECT_KEY:
            w.line(line)
    index = [0]
    results = [_node(w, n, _Of(consts, kept, parts), index) for n in top]
    w.line(f"return [{', '.join(results)}]")
    source = "def _walk(run, scores, findings):\n" + "".join(f"{x}\n" for x in w.lines)
    namespace = dict(w.values)
    exec(compile(source, "<perfscore findings>", "exec"), namespace)
    walk: Walk = namespace["_walk"]
    return walk
