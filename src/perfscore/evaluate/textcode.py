"""Evaluate, a finding's words written into the findings walk when the caller will read them
all (``Evaluator.subject(data, texts=True)``: an export, a JSON document): where a leaf's
scored finding is a pass or a fail its node's words make in their own way
(:attr:`~.nodewords.NodeWords.texts`), its display, messages, reason and fingerprint are set
as it is built (a draft, not frozen yet) — from the walk's own locals (its value, points,
threshold, ``met``) and the subject's key encoded once — instead of by ``fill`` when first
read.  Every other finding (a leaf whose reads failed, not applicable, waived, scored by
the evaluator's own step; a group's; a check's) is filled by
:func:`~perfscore.findings.results.make_texts` after the walk.  The words are the same
(``texts`` is what ``fill`` calls: tests/test_evaluate_texts_walk.py)."""

from __future__ import annotations

from typing import Any

from ..findings.results import LATER
from .nodewords import rec_texts
from .writer import SourceWriter

__all__ = ["SUBJECT_KEY", "scored_texts"]

#: the walk's first lines in texts mode: the subject's ``type\x1fkey`` encoded (what each
#: fingerprint hashes after its rule's prefix), once
SUBJECT_KEY = ("key = run.key", "if key is None: key = _skey(run)")


def scored_texts(w: SourceWriter, words: Any) -> None:
    """Lines putting a scored finding's words into the draft ``f`` (its ``value``, ``points``,
    ``threshold`` and ``met`` are the walk's locals), where ``words`` (its node's
    :class:`~.nodewords.NodeWords`) make them their own way; nothing where they never do
    (the rule set's own message for both outcomes, a fingerprint not from a prefix), nor
    where ``texts`` says no (a value not finite): :func:`make_texts` fills those."""
    fast = words.fast
    if not fast or words.prefix is None or words.fingerprint is None:
        return
    call = f"{w.value(rec_texts)}({w.value(words)}, value, points, threshold, met)"
    if fast == frozenset(("pass", "fail")):
        w.line(f"g = {call}")
    else:  # (the rule set's own message for the other outcome)
        w.line(f"g = {call} if {'met' if 'pass' in fast else 'not met'} else None")
    w.block("if g is not None:")
    w.line("f._display, f._message, f._message_en = g")
    w.line("f._reason = None")
    w.line(f"h = {w.value(words.prefix)}.copy()")
    w.line("h.update(key)")
    w.line("f._fingerprint = 'sha256:' + h.hexdigest()[:32]")
    if words.explain is None:  # (nothing left to make: what fill's reader lets go of)
        w.line("f._explanation = f._run = f._lazy = None")
    else:  # (its explanation made when read)
        w.line(f"f._explanation = {w.value(LATER)}")
    w.end()
