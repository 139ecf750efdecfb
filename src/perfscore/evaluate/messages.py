"""Evaluate, the words of a finding: numbers as text (memoised), thresholds, the default zh/en
messages of an indicator, and a rule set's own message templates filled in."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from ..compile import IndicatorNode, Template
from ..numbers import display, json_number
from .state import EN, ZH, Outcome

OP_TEXT = {">=": "≥", "<=": "≤", ">": ">", "<": "<", "==": "=", "!=": "≠"}

# --- hot-path helpers -------------------------------------------------------------------------
# Same results as numbers.json_number / display, without re-formatting the same few numbers
# for every subject.
_CACHE_LIMIT = 8192
_JSON_CACHE: dict[Decimal, str] = {}


def json_text(x: Decimal) -> str:
    """:func:`~perfscore.numbers.json_number` (a function of the numeric value), memoised."""
    text = _JSON_CACHE.get(x) if x.is_finite() else None
    if text is None:
        text = json_number(x)
        if len(_JSON_CACHE) >= _CACHE_LIMIT:
            _JSON_CACHE.clear()
        _JSON_CACHE[x] = text
    return text


_DISPLAY_CACHE: dict[tuple[Decimal, str | None, int], str] = {}


def display_text(x: object, unit: str | None, places: int) -> str:
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


def threshold_text(th: Mapping[str, Any] | None, unit: str | None, lang: str = "en") -> str | None:
    if not th:
        return None
    if "op" in th:
        return f"{OP_TEXT.get(th['op'], th['op'])} {display_text(th['value'], unit, 2)}"
    if th.get("name") == "otherwise" and not th.get("range"):  # no band held: words, not an id
        return ZH["otherwise"] if lang == "zh" else EN["otherwise"]
    return str(th.get("range") or th.get("name"))


def render(
    templates: tuple[Template | None, Template | None] | None,
    fields: Mapping[str, str],
    scope: Mapping[str, Any],
    units: Mapping[str, str | None],
    places: int,
    default_zh: str,
    default_en: str,
) -> tuple[str, str]:
    """A rule set's own (zh, en) message templates filled in; the defaults where it has none."""
    out = []
    for i, default in enumerate((default_zh, default_en)):
        t = templates[i] if templates else None
        if t is None:
            out.append(default)
            continue
        values = dict(fields)
        for name in t.fields - values.keys():
            values[name] = display_text(scope.get(name), units.get(name), places)
        out.append(t.render(values))
    return out[0], out[1]


def indicator_messages(node: IndicatorNode, o: Outcome, value_text: str | None) -> tuple[str, str]:
    """The default (zh, en) messages of an indicator's finding."""
    th_text = threshold_text(o.threshold, node.unit)
    pts = json_text(o.points) if o.points is not None else None
    w = json_text(node.weight) if node.weight is not None else None
    title_en = node.title_en or node.id
    reason_zh = o.reason.zh if o.reason else (o.detail or "")
    reason_en = o.reason.en if o.reason else (o.detail or "")
    if o.outcome == "error":
        zh = ZH["indicator_error"].format(title=node.title, reason=reason_zh)
        en = EN["indicator_error"].format(title=title_en, reason=reason_en)
    elif o.outcome == "not_applicable":
        zh = ZH["indicator_na"].format(title=node.title, reason=reason_zh)
        en = EN["indicator_na"].format(title=title_en, reason=reason_en)
    else:
        v_zh = f" {value_text}" if value_text else ""
        th_zh = threshold_text(o.threshold, node.unit, "zh")
        std_zh = ZH["standard"].format(threshold=th_zh) if th_zh else ""
        std_en = EN["standard"].format(threshold=th_text) if th_text else ""
        colon = ":" if value_text else ""
        if o.grade is not None:
            zh = ZH["graded"].format(title=node.title, value=v_zh, standard=std_zh, grade=o.grade)
            en = EN["graded"].format(
                title=title_en, colon=colon, value=v_zh, standard=std_en, grade=o.grade
            )
        else:
            by_rule = o.reason is not None
            extra_zh = ZH["scored_by_rule"].format(reason=reason_zh) if by_rule else ""
            extra_en = EN["scored_by_rule"].format(reason=reason_en) if by_rule else ""
            verdict = "met" if o.outcome == "pass" else "not_met"
            zh = ZH["scored"].format(
                title=node.title, value=v_zh, standard=std_zh, verdict=ZH[verdict],
                points=pts, weight=w, extra=extra_zh,
            )  # fmt: skip
            en = EN["scored"].format(
                title=title_en, colon=colon, value=v_zh, standard=std_en,
                verdict=EN[verdict], points=pts, weight=w, extra=extra_en,
            )  # fmt: skip
    return zh, en
