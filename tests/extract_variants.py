"""Layout variants of a report text, generated the way departments' files differ: full-width or
ASCII punctuation, spaces or none around figures, a whole report on one line, PDF-style visual
lines with page numbers.  Used by tests/test_extract_cases.py (and docs/extract.md's figures)."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

CASES = Path(__file__).resolve().parent / "extract_cases"

_TO_ASCII = str.maketrans({"，": ",", "：": ":", "（": "(", "）": ")", "；": ";", "％": "%"})
_TO_FULL = str.maketrans({",": "，", ":": "：", "(": "（", ")": "）", ";": "；"})
_NUMBER_COMMA = re.compile(r"(?<=[0-9])，(?=[0-9]{3})")

KEY_FIGURES = (
    "budget", "budget_initial", "budget_adjusted", "executed", "reported_execution_rate",
    "basic_expenditure", "project_expenditure", "general_public_budget",
    "government_fund_budget", "soe_capital_budget",
    "declared.total", "declared.grade", "declared.points.execution", "declared.weights.execution",
)  # fmt: skip


def ascii_punctuation(lines: list[str]) -> list[str]:
    return [line.translate(_TO_ASCII) for line in lines]


def full_width_punctuation(lines: list[str]) -> list[str]:
    # a thousands separator stays ASCII: "1，234" is not how anyone writes 1,234
    return [_NUMBER_COMMA.sub(",", line.translate(_TO_FULL)) for line in lines]


def spaced(lines: list[str]) -> list[str]:
    """A space between every figure and the words around it (as PDF text often has)."""
    out = []
    for line in lines:
        line = re.sub(r"(?<=[\u4e00-\u9fff])(?=[0-9])", " ", line)
        out.append(re.sub(r"(?<=[0-9%])(?=[\u4e00-\u9fff])", " ", line))
    return out


def unspaced(lines: list[str]) -> list[str]:
    """No space between figures and words (as Word documents often have)."""
    out = []
    for line in lines:
        line = re.sub(r"(?<=[\u4e00-\u9fff]) (?=[0-9])", "", line)
        out.append(re.sub(r"(?<=[0-9%]) (?=[\u4e00-\u9fff])", "", line))
    return out


def one_line(lines: list[str]) -> list[str]:
    return [" ".join(line.strip() for line in lines if line.strip())]


def pdf_lines(lines: list[str], width: int = 26, page: int = 14) -> list[str]:
    """Visual lines of ``width`` characters, a page number line every ``page`` lines."""
    visual: list[str] = []
    for line in lines:
        while len(line) > width:
            visual.append(line[:width])
            line = line[width:]
        visual.append(line)
    out: list[str] = []
    for n, line in enumerate(visual, start=1):
        out.append(line)
        if n % page == 0:
            out += ["", f"- {n // page} -", ""]
    return out


VARIANTS: dict[str, Callable[[list[str]], list[str]]] = {
    "as-is": lambda lines: lines,
    "ascii": ascii_punctuation,
    "full-width": full_width_punctuation,
    "spaced": spaced,
    "unspaced": unspaced,
    "one-line": one_line,
    "pdf-lines": pdf_lines,
}


def load_cases() -> dict[str, dict[str, Any]]:
    data = yaml.safe_load((CASES / "cases.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def case_lines(name: str) -> list[str]:
    return (CASES / f"{name}.txt").read_text(encoding="utf-8").split("\n")


def key_figures(subject: dict[str, Any]) -> dict[str, Any]:
    """The key figures of an extracted subject, flat: ``budget``, ``declared.total`` ..."""
    out: dict[str, Any] = {}
    for key in KEY_FIGURES:
        node: Any = subject
        parts = key.split(".")
        if parts[0] != "declared":
            node = subject.get("values", {}).get(key)
        else:
            for part in parts:
                node = node.get(part) if isinstance(node, dict) else None
        if node is not None:
            out[key] = node
    return out


def score(expected: dict[str, Any], got: dict[str, Any]) -> tuple[int, int, int, int]:
    """(correct, wrong, invented, missing) for one extraction."""
    correct = wrong = missing = 0
    for key, want in expected.items():
        if key not in got:
            missing += 1
        elif _same(want, got[key]):
            correct += 1
        else:
            wrong += 1
    invented = sum(1 for key in got if key not in expected)
    return correct, wrong, invented, missing


def _same(want: Any, got: Any) -> bool:
    if isinstance(got, Decimal):
        return got == Decimal(str(want))
    return str(got) == str(want)


def _fold(text: object) -> str:
    import unicodedata

    return "".join(unicodedata.normalize("NFKC", str(text)).split())


def indicator_figures(subject: dict[str, Any]) -> dict[tuple[str, str], Any]:
    """The indicator rows a subject declares, flat: (id, points|weights|targets|actuals)."""
    declared = subject.get("declared") or {}
    out: dict[tuple[str, str], Any] = {}
    for key in ("points", "weights", "targets", "actuals"):
        for rid, value in (declared.get(key) or {}).items():
            out[(rid, key)] = value
    return out


def expected_indicators(case: dict[str, Any]) -> dict[tuple[str, str], Any]:
    out: dict[tuple[str, str], Any] = {}
    for rid, (score, weight, target, actual) in (case.get("indicators") or {}).items():
        for key, value in (("points", score), ("weights", weight), ("targets", target),
                           ("actuals", actual)):  # fmt: skip
            if value is not None:
                out[(rid, key)] = value
    return out


def score_indicators(
    expected: dict[tuple[str, str], Any], got: dict[tuple[str, str], Any], ignore: set[str]
) -> tuple[int, int, int, int]:
    """(correct, wrong, invented, missing) over the indicator figures; ids in ``ignore`` (read
    from elsewhere, e.g. the funds table's 预算执行率) are not counted."""
    correct = wrong = missing = 0
    for key, want in expected.items():
        if key not in got:
            missing += 1
        elif _fold(want) == _fold(got[key]) or (
            isinstance(got[key], Decimal) and got[key] == Decimal(str(want))
        ):
            correct += 1
        else:
            wrong += 1
    invented = sum(1 for key in got if key not in expected and key[0] not in ignore)
    return correct, wrong, invented, missing
