"""Evaluate, an indicator's words compiled once per evaluator (:class:`NodeWords`): the
catalogue's scored message with the node's constants written in, its value's display
specialised to its unit, its standard kept — and the fingerprint from the rule's hashed
prefix.  Equal, byte for byte, to the general way (:meth:`.messages.FindingTexts.words`)."""

from __future__ import annotations

import string
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ..compile import IndicatorNode
from ..findings.explained import NodeExplanation
from .state import EN, ZH, Outcome, SubjectRun
from .texts import json_text, number_text, shower, standards

if TYPE_CHECKING:
    from ..explain import Explainer


def _bake(
    template: str,
    consts: Mapping[str, str],
    variables: tuple[str, ...],
    before: Mapping[str, str] | None = None,
) -> str | None:
    """``template`` (a catalogue string with ``{name}`` fields) as a %-format with the
    ``consts`` written in and one ``%s`` per ``variables`` (after the literal ``before[name]``,
    if any), in that order; None when it has a spec, a conversion, another field, or the
    variables in another order."""
    pieces: list[str] = []
    seen: list[str] = []
    for literal, name, spec, conversion in string.Formatter().parse(template):
        pieces.append(literal.replace("%", "%%"))
        if name is None:
            continue
        if spec or conversion:
            return None
        if name in consts:
            pieces.append(consts[name].replace("%", "%%"))
        elif name in variables:
            pieces.append((before or {}).get(name, "").replace("%", "%%") + "%s")
            seen.append(name)
        else:
            return None
    return "".join(pieces) if tuple(seen) == variables else None


class NodeWords:
    """One indicator's words, compiled once per evaluator: the catalogue's scored message in
    each language with the node's title, weight and verdict written in (one %-format per
    language, met or not, with or without a value), its value's display specialised to its
    unit and places, its standard kept while the threshold stays the same object — so that
    filling a finding's words is a display, a few dict reads and two %-formats — and its
    fingerprint from the rule's hashed prefix.

    An error or not-applicable finding without a value says its title and why: made by
    ``general`` once per reason and kept (up to :data:`_KEPT` reasons per node).  Everything
    else — a grade, a reason on a scored outcome (a missing-data policy, a waiver), the rule
    set's own template for the outcome, a value that is not a finite Decimal, a catalogue
    template that does not compile so — is made by ``general``
    (:meth:`~.messages.FindingTexts.words`), which these words equal
    (tests/test_evaluate_messages.py).

    A finding's ``_lazy`` is its node's words: ``words.fill(f, run, why, detail)`` gives them
    (from its fields, the failure behind its outcome and the scorer's note), the explanation
    as True when it is left to ``words.explanation(f, run)`` (made when it is read: see
    :class:`~perfscore.findings.Finding`)."""

    __slots__ = (
        "_last",
        "explain",
        "fast",
        "fill",
        "fingerprint",
        "full",
        "full_text",
        "general",
        "node",
        "patterns",
        "points_seen",
        "prefix",
        "rec",
        "said",
        "show",
        "texts",
        "threshold_seen",
        "unit",
        "unscored",
    )

    def __init__(
        self,
        node: IndicatorNode,
        places: int,
        general: Callable[[IndicatorNode, Outcome, SubjectRun], dict[str, Any]],
        explainer: Explainer | None,
        fingerprint: Callable[[str, SubjectRun], str] | None,
        prefix: Any = None,
    ) -> None:
        self.node = node
        self.general = general
        self.unit = node.unit
        #: (one per unit and places, shared by every node: one function to keep in the cache)
        self.show = _SHOWERS.get((node.unit, places)) or _SHOWERS.setdefault(
            (node.unit, places), shower(node.unit, places)
        )
        #: [met][has a value] -> (zh, en) %-formats; None: the catalogue's do not compile
        self.patterns = _patterns(node)
        #: the outcomes these words make (the others: ``general``)
        own = node.messages or {}
        self.fast = frozenset(()) if self.patterns is None else frozenset(
            x for x in ("pass", "fail") if x not in own
        )  # fmt: skip
        self.explain = None if explainer is None else explainer.build
        #: ``(rule id, run) -> fingerprint``; None: the finding was given its own
        self.fingerprint = fingerprint
        #: the hashed ``ruleset\x1frule\x1f`` the fingerprint goes on from (None: ask
        #: :attr:`fingerprint`)
        self.prefix = prefix
        #: full marks and their text (the commonest points)
        self.full = node.weight
        self.full_text = str(None) if node.weight is None else number_text(node.weight)
        #: (op, value, standards) of the last threshold met (held: ``is`` compares)
        self._last: tuple[Any, Any, tuple[str, str]] | None = None
        #: ``texts(value, points, threshold, passed)``: the display and messages of a pass or
        #: a fail scored without a reason or a grade (None: not a finite value; set by
        #: :meth:`_filler`)
        self.texts: Callable[[Any, Any, Any, bool], tuple[str | None, str, str] | None]
        #: ``fill(f, run, why, detail)``: the words of the finding ``f`` of this node (its
        #: ``outcome``, ``value``, ``points``, ``threshold`` and ``grade`` are read; ``why``
        #: the failure behind its outcome, ``detail`` the scorer's note) — its display, zh and
        #: en messages, reason, explanation (True: left to :meth:`explanation`) and
        #: fingerprint (None: the finding has its own)
        self.fill = self._filler()
        #: what a subject's words made in one pass (``findings.results._make_all``) need of
        #: these words for a pass or a fail made their own way (:attr:`texts`'s, written
        #: out), in one tuple — one object read per finding: whether a pass and a fail are,
        #: the value's display, full marks and their text, the message pieces (not met then
        #: met, without then with a value: zh then en), the fingerprint's prefix (None:
        #: :attr:`fingerprint`'s), whether the fingerprint is made here, whether the
        #: explanation is left to be made when read, a number's text (what
        #: :func:`rec_texts` makes from it; ``findings.results._make_all`` writes it out);
        #: None: :attr:`fill` makes every finding
        self.rec: tuple[Any, ...] | None = None
        if self.patterns is not None:
            pieces = tuple(
                tuple(tuple(x for p in pair for x in _pieces(p)) for pair in by)
                for by in self.patterns
            )
            self.rec = (
                "pass" in self.fast, "fail" in self.fast, self.show, self.full, self.full_text,
                pieces[0][0], pieces[0][1], pieces[1][0], pieces[1][1],
                prefix if fingerprint is not None else None, fingerprint is not None,
                self.explain is not None, number_text,
            )  # fmt: skip
        #: the one-pass maker's last threshold met and its standards, and last points met
        #: that are not full marks and their text (held, so ``is`` compares)
        self.threshold_seen: tuple[Any, str, str] = (None, "", "")
        self.points_seen: tuple[Any, str] = (None, str(None))

    def standard(self, th: Mapping[str, Any] | None) -> tuple[str, str]:
        """:func:`~.texts.standards` of ``th``; for a comparison, kept while its value is the
        same object (a scorer's constant target)."""
        if not th:
            return _NO_STANDARD
        op = th.get("op")
        if op is None:
            return standards(th, self.unit)
        v = th["value"]
        last = self._last
        if last is not None and last[1] is v and last[0] == op:
            return last[2]
        got = standards(th, self.unit)
        self._last = (op, v, got)
        return got

    def _filler(self) -> Callable[[Any, SubjectRun, Any, Any], Filled]:
        """:attr:`fill`, with this node's constants bound (a closure reads them faster than
        its words' attributes)."""
        words, fast, show, standard = self, self.fast, self.show, self.standard
        full, full_text, node, make_fingerprint = (
            self.full,
            self.full_text,
            self.node,
            self.fingerprint,
        )
        prefix, later = self.prefix, self.explain is not None
        # the %-formats cut at their %s: joined by an f-string (a third of a %'s time)
        not_met, met = (
            tuple(tuple(tuple(_pieces(p) for p in pair) for pair in by) for by in self.patterns)
            if self.patterns is not None
            else (None, None)
        )
        nothing = str(None)
        #: the last points met that are not full marks, and their text: held, so ``is``
        #: compares (a scorer's constant points, 0 or a band's, come back as the same object)
        last_points: tuple[Any, str] = (None, nothing)
        #: the last threshold met and its standards (a threshold is never written to)
        last_threshold: tuple[Any, tuple[str, str]] = (None, _NO_STANDARD)
        #: the outcomes without points whose words are kept per reason (unless the rule set
        #: wrote its own message for them): (outcome, reason zh, en, has a reason) -> messages
        #: and reason
        unscored = self.unscored = frozenset(
            x for x in ("not_applicable", "error") if x not in (node.messages or {})
        )
        unscored_said: dict[tuple[str, str, str, bool], tuple[str, str, str | None]] = {}
        #: (what ``findings.results._make_all`` reads to make such a finding's words itself)
        self.said = unscored_said

        def texts_of(
            value: Any, points: Any, th: Any, passed: bool
        ) -> tuple[str | None, str, str] | None:
            """The display and both messages of a pass (``passed``) or a fail scored without
            a reason or a grade, in the general way's order (the value, the standard, the
            points); None when the value is not None nor a finite Decimal (``general``'s)."""
            nonlocal last_points, last_threshold
            if value is None:
                value_text = None
            elif type(value) is Decimal and value.is_finite():
                value_text = show(value)
            else:
                return None
            seen_th = last_threshold  # (the same object: a scorer's threshold, held)
            if th is seen_th[0] and th is not None:
                zh_std, en_std = seen_th[1]
            else:
                last = words._last  # (standard()'s commonest answer: the same target)
                if (
                    last is not None
                    and th
                    and th.get("value") is last[1]
                    and th.get("op") == last[0]
                ):
                    zh_std, en_std = last[2]
                else:
                    zh_std, en_std = standard(th)
                last_threshold = (th, (zh_std, en_std))
            seen = last_points  # (one read: another thread may replace it)
            if points is seen[0]:  # (a scorer's constant points: held)
                pts = seen[1]
            elif points is None:
                pts = nothing
            elif points == full:
                pts = full_text
            else:
                pts = number_text(points)
                last_points = (points, pts)
            pieces = met if passed else not_met
            if value_text is None:
                (z0, z1, z2), (e0, e1, e2) = pieces[0]  # type: ignore[index]
                return None, f"{z0}{zh_std}{z1}{pts}{z2}", f"{e0}{en_std}{e1}{pts}{e2}"
            (z0, z1, z2, z3), (e0, e1, e2, e3) = pieces[1]  # type: ignore[index]
            return (
                value_text,
                f"{z0}{value_text}{z1}{zh_std}{z2}{pts}{z3}",
                f"{e0}{value_text}{e1}{en_std}{e2}{pts}{e3}",
            )

        self.texts = texts_of

        def fill(f: Any, run: SubjectRun, why: Any, detail: Any) -> Filled:
            outcome = f.outcome
            value = f.value
            got = (
                texts_of(value, f.points, f.threshold, outcome == "pass")
                if outcome in fast and why is None and f.grade is None
                else None
            )
            explanation: Any
            if got is not None:
                display, zh, en = got
                reason = None
                # (True: its 计算过程 made when first read — it holds the scope)
                explanation = later or None
            elif outcome in unscored and value is None:
                # not applicable or an error: its messages say the title and why, the same
                # for every subject with the same reason — kept per reason's text
                if why is None:
                    d = detail or ""
                    key: tuple[str, str, str, bool] = (outcome, d, d, False)
                else:
                    key = (outcome, why.zh, why.en, True)
                said = unscored_said.get(key)
                if said is None:
                    o = Outcome(outcome, f.points, f.grade, None, f.threshold, why, detail)
                    made = words.general(node, o, run)
                    said = (made["message"], made["message_en"], made["reason"])
                    if len(unscored_said) < _KEPT:
                        unscored_said[key] = said
                display = explanation = None
                zh, en, reason = said
            else:
                o = Outcome(outcome, f.points, f.grade, value, f.threshold, why, detail)
                made = words.general(node, o, run)
                display, zh, en = made["display"], made["message"], made["message_en"]
                reason, explanation = made["reason"], made["explanation"]
            fp = None
            if make_fingerprint is not None:
                if prefix is None:
                    fp = make_fingerprint(node.id, run)
                else:  # fingerprint_from(prefix, run), in place
                    encoded = run.key
                    if encoded is None:
                        encoded = subject_key(run)
                    h = prefix.copy()
                    h.update(encoded)
                    fp = "sha256:" + h.hexdigest()[:32]
            return display, zh, en, reason, explanation, fp

        return fill

    def explanation(self, f: Any, run: SubjectRun) -> NodeExplanation:
        """The explanation :meth:`fill` left for later (built when its data is read) of the
        finding ``f`` (its ``value``, ``points`` and ``grade`` are read)."""
        assert self.explain is not None
        return NodeExplanation(self.explain, self.node, f.value, f.points, f.grade, run.scope)


def rec_texts(
    words: NodeWords, value: Any, points: Any, th: Any, passed: bool
) -> tuple[str | None, str, str] | None:
    """:attr:`NodeWords.texts` (the display and both messages of a pass or a fail scored
    without a reason or a grade; None: not a finite value) from ``words.rec`` — one shared
    function, the node's data in one tuple (what the findings walk calls in texts mode;
    ``findings.results._make_all`` does the same, written out)."""
    rec = words.rec
    if value is None:
        shown = None
    elif type(value) is Decimal and value.is_finite():
        shown = rec[2](value)  # type: ignore[index]
    else:
        return None
    seen = words.threshold_seen  # (one read: another thread may replace it)
    if th is seen[0] and th is not None:  # (a scorer's threshold, held)
        zh_std, en_std = seen[1], seen[2]
    else:
        zh_std, en_std = words.standard(th)
        words.threshold_seen = (th, zh_std, en_std)
    held = words.points_seen
    if points is held[0]:  # (a scorer's constant points, held)
        pts = held[1]
    elif points is None:
        pts = "None"
    elif points == rec[3]:  # type: ignore[index]
        pts = rec[4]  # type: ignore[index]
    else:
        pts = number_text(points)
        words.points_seen = (points, pts)
    if shown is None:
        z0, z1, z2, e0, e1, e2 = rec[7] if passed else rec[5]  # type: ignore[index]
        return None, f"{z0}{zh_std}{z1}{pts}{z2}", f"{e0}{en_std}{e1}{pts}{e2}"
    z0, z1, z2, z3, e0, e1, e2, e3 = rec[8] if passed else rec[6]  # type: ignore[index]
    return (
        shown,
        f"{z0}{shown}{z1}{zh_std}{z2}{pts}{z3}",
        f"{e0}{shown}{e1}{en_std}{e2}{pts}{e3}",
    )


def _patterns(node: IndicatorNode) -> tuple[tuple[tuple[str, str], ...], ...] | None:
    """The catalogue's scored message (:data:`~perfscore.words.ENGINE` ``scored``) in each
    language as %-formats with ``node``'s constants written in: ``[met][has a value]`` ->
    ``(zh, en)``, taking (standard, points) or (value, standard, points); None when a
    template does not compile so."""
    weight = json_text(node.weight) if node.weight is not None else str(None)
    out = []
    for met in (False, True):
        pair = []
        for has_value in (False, True):
            texts = []
            for table, title in ((ZH, node.title), (EN, node.title_en or node.id)):
                consts = {
                    "title": title,
                    "weight": weight,
                    "verdict": table["met" if met else "not_met"],
                    "extra": "",
                    "colon": ":" if has_value else "",
                }
                if has_value:  # the value is written after a space: " {value_text}"
                    names: tuple[str, ...] = ("value", "standard", "points")
                    pattern = _bake(table["scored"], consts, names, {"value": " "})
                else:
                    consts["value"] = ""
                    pattern = _bake(table["scored"], consts, ("standard", "points"))
                if pattern is None:
                    return None
                texts.append(pattern)
            pair.append((texts[0], texts[1]))
        out.append(tuple(pair))
    return tuple(out)


def _pieces(pattern: str) -> tuple[str, ...]:
    """A %-format of :func:`_patterns` (``%s`` and ``%%`` only) as its literal pieces: the
    text between its ``%s``, ``%%`` written as ``%`` — ``pattern % args`` is the pieces with
    the args between them."""
    pieces: list[str] = []
    literal: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        j = pattern.find("%", i)
        if j < 0:
            literal.append(pattern[i:])
            break
        literal.append(pattern[i:j])
        kind = pattern[j + 1 : j + 2]
        if kind == "%":
            literal.append("%")
        elif kind == "s":
            pieces.append("".join(literal))
            literal = []
        else:  # (a format _bake does not make)
            raise ValueError(f"not a %s format: {pattern!r}")
        i = j + 2
    pieces.append("".join(literal))
    return tuple(pieces)


def fingerprint_from(prefix: Any, run: SubjectRun) -> str:
    """:func:`~perfscore.findings.fingerprint` of ``run``'s subject, from the rule's hashed
    ``ruleset\x1frule\x1f`` ``prefix`` (the subject's ``type\x1fkey`` encoded once per
    subject)."""
    key = run.key
    if key is None:
        key = subject_key(run)
    h = prefix.copy()
    h.update(key)
    digest: str = h.hexdigest()
    return "sha256:" + digest[:32]


def subject_key(run: SubjectRun) -> bytes:
    """``type\x1fkey`` of ``run``'s subject, encoded (what its fingerprints hash after the
    rule's prefix), made once per subject."""
    subject = run.subject
    key: bytes = f"{subject.type}\x1f{subject.key}".encode()
    run.key = key
    return key


_NO_STANDARD = ("", "")
#: what :attr:`NodeWords.fill` gives: display, message, message_en, reason, explanation
#: (True: made when read), fingerprint (None: not made here)
Filled = tuple[Any, str, str, Any, Any, Any]
#: (unit, places) -> its value's display (:func:`~.texts.shower`: pure, so shared)
_SHOWERS: dict[tuple[str | None, int], Callable[[Decimal], str]] = {}
#: how many reasons' words one node keeps (the common ones come first)
_KEPT = 64
