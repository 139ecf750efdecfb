"""What counts as an explanation for ``explain_if … require:`` — and the placeholder words that
do not: a form's 原因说明 written ``无``, ``暂无``, ``略`` or ``N/A`` says nothing, so it must not
satisfy the check any more than a blank does (docs/rule-language.md §10 lists them).

The one list: the per-record check (:mod:`perfscore.evaluate.checks`) and the columnar one
(:mod:`perfscore.columnar.checks`) both ask :func:`explains`.  A placeholder is only refused as
an explanation; as an input's value elsewhere (a choice ``无``) it is read as written.
"""

from __future__ import annotations

import unicodedata

from .rawvalue import BLANK_TEXTS

__all__ = ["PLACEHOLDER_TEXTS", "explains"]

#: Words that fill a box without saying anything, compared after NFKC, case folding and without
#: spaces or the punctuation around them (``无。``, `` N/A ``, ``（无）`` are the same).
PLACEHOLDER_TEXTS = frozenset(
    {
        *BLANK_TEXTS,
        "无",
        "没有",
        "暂无",
        "无说明",
        "暂无说明",
        "没有说明",
        "无原因",
        "无原因说明",
        "略",
        "空",
        "待补充",
        "待填写",
        "n/a",
        "na",
        "none",
        "nil",
        "null",
        "tbd",
    }
)
#: Punctuation and spaces a placeholder may be wrapped in.
_AROUND = " \t\r\n\u3000.,;:!?。，、；：！？()（）[]【】\"'“”‘’…-—–/"


def explains(value: object) -> bool:
    """Whether ``value`` (an input's value as read) counts as the explanation: yes (``True``),
    or text that is neither blank nor a placeholder word."""
    if value is True:
        return True
    if not isinstance(value, str):
        return False
    text = unicodedata.normalize("NFKC", value).casefold()
    core = text.strip(_AROUND)
    return (
        core != ""
        and core not in PLACEHOLDER_TEXTS
        and "".join(core.split()) not in (PLACEHOLDER_TEXTS)
    )
