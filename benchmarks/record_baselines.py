"""A hand-written reader of a department's record (never imports perfscore): the ``values`` of a
record read the way docs/data.md says, written straight through as a bureau's programmer would,
from the ``inputs:`` a rule set declares (read with PyYAML from the rule set's text).

It reads what the benchmark families send and what docs/data.md names as common — blanks
(``""``, ``-``, ``—``, ``/``), plain numbers as text or numbers, thousands commas, a trailing
unit equal to the declared one, ``%``, 是/否 and the other yes/no words, a choice — and marks
anything else as an error (None, as the engine stores a refused value).  With a family's points
baseline it gives "points from the record" (benchmarks/run.py, families part)."""

from __future__ import annotations

import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Any

import yaml

BLANK = {"", "-", "--", "—", "——", "–", "/"}
TRUE = {"true", "yes", "y", "是", "√", "✓", "✔", "对"}
FALSE = {"false", "no", "n", "否", "×", "✗", "✘", "错"}
HUNDRED = Decimal(100)
LIMIT = Decimal(10) ** 15


#: what :class:`Reader` gives for a cell it refuses, when asked to tell it from a blank
REFUSED: Any = type("Refused", (), {"__repr__": lambda self: "REFUSED"})()


class Reader:
    """``read(values)`` → {input: value or None}; numbers as Decimal, percent as the ratio; a
    refused cell is None too, or ``refused`` (e.g. :data:`REFUSED`) where one is given."""

    def __init__(self, ruleset_text: str, refused: Any = None) -> None:
        self.refused = refused
        inputs = yaml.safe_load(ruleset_text)["inputs"]
        self.inputs = [
            (
                name,
                d.get("type", "number"),
                d.get("unit"),
                None if d.get("min") is None else Decimal(str(d["min"])),
                None if d.get("max") is None else Decimal(str(d["max"])),
                tuple(d["choices"]) if d.get("choices") else None,
            )
            for name, d in inputs.items()
        ]

    def read(self, values: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, typ, unit, lo, hi, choices in self.inputs:
            raw = values.get(name)
            if raw is None:
                out[name] = None
                continue
            if isinstance(raw, str):
                text = unicodedata.normalize("NFKC", raw).strip()
                if text in BLANK:
                    out[name] = None
                    continue
            else:
                text = raw
            if typ == "boolean":
                if isinstance(text, bool):
                    got: Any = text
                else:
                    word = str(text).casefold()
                    got = True if word in TRUE else False if word in FALSE else None
            elif typ == "text":
                text = str(text)
                got = text if choices is None or text in choices else None
            else:
                got = number(text, typ, unit, lo, hi)
            out[name] = self.refused if got is None else got
        return out


def number(
    raw: Any, typ: str, unit: str | None, lo: Decimal | None, hi: Decimal | None
) -> Decimal | None:
    """A number of a ``number``/``money``/``integer``/``percent`` input, or None (refused)."""
    said_pct = False
    if isinstance(raw, bool):
        return None
    if isinstance(raw, float):
        raw = repr(raw)
    if isinstance(raw, str):
        text = raw.replace(",", "").replace(" ", "")
        if text.endswith("%"):
            text, said_pct = text[:-1], True
        elif unit and text.endswith(unit):
            text = text[: -len(unit)]
        try:
            d = Decimal(text)
        except InvalidOperation:
            return None
    else:
        d = Decimal(raw)
    if not d.is_finite() or abs(d) > LIMIT:
        return None
    if said_pct and typ != "percent":
        d = d / HUNDRED if typ == "number" else None  # type: ignore[assignment]
        if d is None:
            return None
    if typ == "integer" and d != d.to_integral_value():
        return None
    if typ == "percent" and not said_pct and 0 < d <= 1:
        return None  # 0.98 % or 98 %?
    if (lo is not None and d < lo) or (hi is not None and d > hi):
        return None
    return d / HUNDRED if typ == "percent" else d
