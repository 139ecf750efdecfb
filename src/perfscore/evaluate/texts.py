"""Evaluate, numbers and standards as the words of a finding say them: JSON-style number
text, a value's display in its unit, a threshold's standard — each equal to
:mod:`perfscore.numbers`' functions, memoised or specialised for the hot path."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation
from typing import Any

from ..intervals import range_text
from ..numbers import display, is_cjk, json_number, round_half_up
from .state import EN, ZH

OP_TEXT = {">=": "≥", "<=": "≤", ">": ">", "<": "<", "==": "=", "!=": "≠"}

# Same results as numbers.json_number / display, without re-formatting the same few numbers
# for every subject.
_CACHE_LIMIT = 8192
_Q = {p: Decimal(1).scaleb(-p) for p in range(0, 13)}
_CTX28 = Context(prec=28)
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
    the numeric value, the unit and the places) and, where the memo misses (a batch's amounts
    differ from subject to subject), made by :func:`shown`'s specialised operations."""
    if type(x) is not Decimal or not x.is_finite():
        return display(x, unit, places)
    key = (x, unit, places)
    text = _DISPLAY_CACHE.get(key)
    if text is None:
        show = _SHOWN.get((unit, places))
        if show is None:
            show = _SHOWN[unit, places] = shown(unit, places)
        text = show(x)
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
    return range_text(str(th.get("range") or th.get("name")))  # ">= 90%" → "≥ 90%"


_STANDARD_CACHE: dict[tuple[Any, ...], tuple[str, str]] = {}


def standards(th: Mapping[str, Any] | None, unit: str | None) -> tuple[str, str]:
    """The (zh, en) standard of a default message (``（标准 ≥ 95%）``, `` (standard ≥ 95%)``;
    empty without a threshold), memoised on what :func:`threshold_text` reads."""
    if not th:
        return "", ""
    key: tuple[Any, ...] | None
    if "op" in th:
        v = th["value"]
        finite = type(v) is not Decimal or v.is_finite()
        key = ("op", th["op"], type(v), v, unit) if finite else None  # True == 1, not its text
    else:
        key = ("band", th.get("range"), th.get("name"))
    try:
        got = _STANDARD_CACHE.get(key) if key is not None else None
    except TypeError:  # something unhashable in the threshold: not memoised
        got, key = None, None
    if got is None:
        zh_t, en_t = threshold_text(th, unit, "zh"), threshold_text(th, unit)
        got = (
            ZH["standard"].format(threshold=zh_t) if zh_t else "",
            EN["standard"].format(threshold=en_t) if en_t else "",
        )
        if key is not None:
            if len(_STANDARD_CACHE) >= _CACHE_LIMIT:
                _STANDARD_CACHE.clear()
            _STANDARD_CACHE[key] = got
    return got


def number_text(x: Decimal) -> str:
    """:func:`~perfscore.numbers.json_number`, without a format spec to parse nor a memo to
    hash into (hashing a new 28-digit Decimal costs several times this): a Decimal's ``str``
    is the same plain text whenever it has no exponent and at most 10 decimals; anything
    else (an exponent, more decimals, not finite) goes to ``json_number``."""
    text = str(x)
    dot = text.find(".")
    if dot >= 0:
        if len(text) - dot > 11 or "E" in text or "e" in text:
            return json_number(x)
        text = text.rstrip("0").rstrip(".")
        return "0" if text == "-0" else text
    if not text.lstrip("-").isdigit():  # 1E+3, NaN, Infinity
        return json_number(x)
    return "0" if text == "-0" else text


_HUNDRED = Decimal(100)


def shower(unit: str | None, places: int) -> Callable[[Decimal], str]:
    """:func:`~perfscore.numbers.display` of a finite Decimal in ``unit`` to ``places``, for a
    node's findings: :func:`shown` for a percent or a plain number, :func:`display_text` (its
    memo, then :func:`shown`) for another unit (万元, 人)."""
    if not unit or unit == "%":
        return shown(unit, places)
    return lambda x: display_text(x, unit, places)


#: (unit, places) -> :func:`shown` (display_text's way where its memo misses)
_SHOWN: dict[tuple[str | None, int], Callable[[Decimal], str]] = {}


def shown(unit: str | None, places: int) -> Callable[[Decimal], str]:
    """:func:`~perfscore.numbers.display` of a finite Decimal in ``unit`` to ``places``,
    specialised once: the same operations in the same order (``x * 100`` in the current
    context, half-up rounding to ``places`` with 28 digits — or :func:`round_half_up`'s wider
    context when the result needs more — and ``json_number``'s text; another unit after the
    number, right after it when it is Chinese)."""
    q = _Q.get(places)
    if q is None or places > 10:  # json_number would round again: the general way
        return lambda x: display(x, unit, places)
    # (the number texts below: quantized to ``places`` <= 10 decimals, or whole)
    if unit == "%":

        def percent(x: Decimal) -> str:
            y = x * _HUNDRED  # (as display's ``x * 100``: the int is made this Decimal)
            try:
                z = y.quantize(q, ROUND_HALF_UP, _CTX28)
            except InvalidOperation:
                z = round_half_up(y, places)
            return number_text(z) + "%"

        if 0 < places <= 6:
            # quantized to 1-6 decimals, a Decimal's str has them all and no exponent (it
            # takes one only below 1e-6): number_text is its trailing zeros and point cut

            def percent_short(x: Decimal) -> str:
                try:
                    z = (x * _HUNDRED).quantize(q, ROUND_HALF_UP, _CTX28)
                except InvalidOperation:
                    return percent(x)
                text = str(z).rstrip("0").rstrip(".")
                return "0%" if text == "-0" else text + "%"

            return percent_short
        return percent
    q2 = _Q[max(places, 2)]

    def number(x: Decimal) -> str:
        if x == x.to_integral_value():
            return number_text(x)
        try:
            z = x.quantize(q2, ROUND_HALF_UP, _CTX28)
        except InvalidOperation:
            z = round_half_up(x, max(places, 2))
        return number_text(z)

    if not unit:
        return number
    after = unit if is_cjk(unit) else f" {unit}"

    def with_unit(x: Decimal) -> str:
        return number(x) + after

    return with_unit
