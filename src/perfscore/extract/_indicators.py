"""Read the indicator rows of a 项目支出绩效自评表 (一级 / 二级 / 三级指标 | 年度指标值 |
实际完成值 | 分值 | 得分 | 偏差原因) into each indicator's declared points, weight and texts.

A row's printed name (三级指标) means nothing to a rule set; the template's ``indicators.ids``
maps it to an indicator id (``受益群众满意度: satisfaction_score``), and only mapped rows are
read — a bureau adds its own names by extending the template.  The row's cells follow the
header's column order, however the text arrives:

* **cells separated** — pipe rows, one cell per line or paragraph, tabs: the cells after the
  name, in the header's order;
* **cells run together** — a whole table on one line with single spaces, or a scan that glued
  the cells (``受益人口≥1.2万人1.25万人3028``): a target or actual is read as an optional
  comparator, a number and a unit (``≥1.2万人``), so where it ends is known; 分值 and 得分 glued
  into one run of digits (``3028``) are cut only where exactly one cut gives a 分值 of at most 100
  and a 得分 of at most the 分值 — otherwise the row is not read.

A row whose 得分 is above its 分值, whose 分值 is above 100 or not a number, is not read (a
warning says so): never guessed.  Nor is a glued run of digits that a dropped line of the
original may have continued (a PDF's wrapped line ending ``…1515`` whose last ``5`` stood alone on
the next line and was taken for a page number).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from perfscore.extract._text import NormalText

__all__ = ["IndicatorRow", "IndicatorSpec", "read_indicators"]

COLUMNS = ("name", "target", "actual", "weight", "score")
_REGION = 20_000  # characters after the header searched for rows
_STOP = re.compile(r"总\s?分|合\s?计|自评等级|自评结论")
_CATEGORY = re.compile(
    r"(?:产出|效益|满意度|数量|质量|时效|成本|经济效益|社会效益|生态效益|可持续影响|"
    r"服务对象满意度|社会公众满意度)\s?指标"
)
_BLANK = {"", "—", "–", "-", "——", "/", "无", "--"}
_NUM = r"[0-9]+(?:,[0-9]{3})*(?:\.[0-9]+)?"
_CMP = (
    r"(?:≥|≤|>=|<=|>|<|=|≧|≦|不低于|不少于|不小于|不高于|不超过|不多于|不大于|大于等于|小于等于"
    r"|大于|小于|至少)"
)
_UNIT = r"(?:%|[^\s\d|.,;:%≥≤<>=()（）]{1,6}(?![^\s\d|.,;:%≥≤<>=()（）]))"
_SUFFIX = r"(?:及以上|以上|及以下|以下|以内)"
# a target / actual cell when the cells run together: its end is where its unit ends
_QUANTITY = rf"{_CMP}?\s?{_NUM}(?:\s?{_UNIT}{_SUFFIX}?|\s?{_SUFFIX}|(?=\s))"
_WORD_CELL = r"[^\s|0-9][^\s|0-9]{0,30}"  # a text cell (合格): only where spaces separate
_SEPARATORS = re.compile(r"[|\n\t]+")


@dataclass(frozen=True)
class IndicatorSpec:
    """The indicator table a template knows: header labels per column, printed name → id."""

    columns: Mapping[str, tuple[str, ...]]
    ids: Mapping[str, str | None]  # None: a known row that is not to be read


@dataclass(frozen=True)
class IndicatorRow:
    """One indicator row as printed; ``start``/``end`` span it in the normalised text."""

    id: str
    name: str
    target: str | None
    actual: str | None
    weight: Decimal | None
    score: Decimal | None
    start: int
    end: int


def _spaced(word: str) -> str:
    return r"[\s|]{0,3}".join(re.escape(c) for c in word if not c.isspace())


def _number(raw: str) -> Decimal | None:
    text = raw.strip().replace(",", "")
    if not re.fullmatch(r"[0-9]+(?:\.[0-9]+)?", text):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern above admits only numbers
        return None


def _glued_pair(digits: str) -> tuple[Decimal, Decimal] | None:
    """分值 and 得分 glued (``3028`` → 30, 28): the only cut with 0 < 分值 ≤ 100, 得分 ≤ 分值,
    no leading zeros and at most 2 decimals; None when there is not exactly one."""
    found: list[tuple[Decimal, Decimal]] = []
    for cut in range(1, len(digits)):
        a, b = digits[:cut], digits[cut:]
        if not all(_plain(x) for x in (a, b)):
            continue
        weight, score = Decimal(a), Decimal(b)
        if 0 < weight <= 100 and score <= weight:
            found.append((weight, score))
    return found[0] if len(found) == 1 else None


def _plain(x: str) -> bool:
    if not re.fullmatch(r"[0-9]+(?:\.[0-9]{1,2})?", x):
        return False
    whole = x.split(".")[0]
    return not (len(whole) > 1 and whole.startswith("0"))


class _Reader:
    def __init__(self, norm: NormalText, spec: IndicatorSpec, check: Callable[[], None]) -> None:
        self.norm = norm
        self.text = norm.text
        self.spec = spec
        self.check = check
        self.warnings: list[str] = []
        labels = {label: col for col, words in spec.columns.items() for label in words}
        self.labels = labels
        self.header_words = re.compile(
            "|".join(_spaced(w) for w in sorted(labels, key=len, reverse=True))
        )
        names = sorted(spec.ids, key=len, reverse=True)
        self.names = (
            re.compile("|".join(r"\s{0,2}".join(re.escape(c) for c in n) for n in names))
            if names
            else None
        )

    def headers(self) -> list[tuple[int, int, list[str]]]:
        """(start, end, column order) of each header: a run of column labels holding 指标值,
        实际完成值 and 得分."""
        out: list[tuple[int, int, list[str]]] = []
        run: list[re.Match[str]] = []

        def close() -> None:
            cols = [self.labels[re.sub(r"[\s|]", "", m.group())] for m in run]
            if {"target", "actual", "score"} <= set(cols):
                order = list(dict.fromkeys(c for c in cols if c != "name"))
                out.append((run[0].start(), run[-1].end(), order))

        for m in self.header_words.finditer(self.text):
            if run and m.start() - run[-1].end() > 30:
                close()
                run = []
            run.append(m)
        if run:
            close()
        return out

    def rows(self) -> list[IndicatorRow]:
        if self.names is None:
            return []
        found: list[IndicatorRow] = []
        headers = self.headers()
        for h, (_, end, order) in enumerate(headers):
            stop = headers[h + 1][0] if h + 1 < len(headers) else len(self.text)
            stop = min(stop, end + _REGION)
            m_stop = _STOP.search(self.text, end, stop)
            if m_stop is not None:
                stop = m_stop.start()
            anchors = [
                m
                for m in self.names.finditer(self.text, end, stop)
                if not re.match(r"\s?指标", self.text[m.end() : m.end() + 3])
            ]
            for i, m in enumerate(anchors):
                self.check()
                limit = anchors[i + 1].start() if i + 1 < len(anchors) else stop
                category = _CATEGORY.search(self.text, m.end(), limit)
                if category is not None:
                    limit = category.start()
                row = self._row(m, limit, order)
                if row is not None:
                    found.append(row)
        return found

    def _row(self, m: re.Match[str], limit: int, order: list[str]) -> IndicatorRow | None:
        name = re.sub(r"\s", "", m.group())
        rid = self.spec.ids.get(name)
        if rid is None:
            return None
        body = self.text[m.end() : limit]
        if not body.strip(" |\t\n"):
            return None  # the name stands alone (a 二级 cell repeated as the 三级 name)
        # the readings tried in turn, the first that holds is taken: the cells as separated;
        # the same, also cut where the report's own lines ended (text that reflow joined:
        # ``… | 20`` + ``效果 | …``); the cells of a row that runs together
        problem = "its cells cannot be told apart"
        for values in (
            self._cells(m.end(), limit, len(order), lines=False),
            self._cells(m.end(), limit, len(order), lines=True),
            self._run_together(m.end(), limit, order),
        ):
            if values is None:
                continue
            got = dict(zip(order, values, strict=True))
            read = self._numbers(got)
            if isinstance(read, str):
                problem = read
                continue
            weight, score = read

            def text(col: str, got: dict[str, str] = got) -> str | None:
                raw = got.get(col, "").strip()
                return None if raw in _BLANK else raw

            return IndicatorRow(rid, name, text("target"), text("actual"), weight, score,
                                m.start(), limit)  # fmt: skip
        self.warnings.append(f"indicator row {name}: {problem}; not read")
        return None

    def _cells(self, start: int, end: int, n: int, *, lines: bool) -> list[str] | None:
        """The first ``n`` separated cells; with ``lines``, a new cell also starts where a line
        of the original report ends."""
        chars: list[str] = []
        origin = self.norm.origin
        previous = -1
        for i in range(start, end):
            c = self.text[i]
            line = origin[i] >> 32 if origin[i] != -1 else previous
            if lines and previous != -1 and line != previous:
                chars.append("\n")
            previous = line
            chars.append(c)
        cells = [c.strip() for c in _SEPARATORS.split("".join(chars)) if c.strip()]
        if len(cells) < n:
            return None
        # the row's last cell, then a space and the next row (a table joined into one line)
        last = re.fullmatch(rf"({_NUM}) [^0-9|].*", cells[n - 1])
        return [*cells[: n - 1], last.group(1) if last else cells[n - 1]]

    @staticmethod
    def _numbers(got: Mapping[str, str]) -> tuple[Decimal | None, Decimal | None] | str:
        """(分值, 得分) of a reading, or why it does not hold."""
        weight_raw, score_raw = got.get("weight", "").strip(), got.get("score", "").strip()
        weight = None if weight_raw in _BLANK else _number(weight_raw)
        score = None if score_raw in _BLANK else _number(score_raw)
        if (weight is None and weight_raw not in _BLANK) or (
            score is None and score_raw not in _BLANK
        ):
            return "分值/得分 are not numbers"
        if (weight is not None and weight > 100) or (
            score is not None and weight is not None and score > weight
        ):
            return f"得分 {score} above 分值 {weight}, or 分值 above 100"
        return weight, score

    def _flat(self, start: int, end: int) -> tuple[str, list[int]]:
        """The row's text with separators as single spaces and line breaks (wrapped visual
        lines) left out; and each character's position in the normalised text."""
        chars: list[str] = []
        where: list[int] = []
        for i in range(start, end):
            c = self.text[i]
            if c == "\n":
                continue
            if c in " |\t":
                if chars and chars[-1] != " ":
                    chars.append(" ")
                    where.append(i)
                continue
            chars.append(c)
            where.append(i)
        while chars and chars[0] == " ":
            chars.pop(0)
            where.pop(0)
        return "".join(chars), where

    def _cut_off(self, at: int) -> bool:
        """True when a line of the original between ``text[at]`` and the next character that
        was kept held digits (a line dropped as a page number may have continued the run)."""
        origin = self.norm.origin
        if origin[at] == -1:
            return False
        line = origin[at] >> 32
        nxt = next((o for o in origin[at + 1 :] if o != -1), None)
        last = (nxt >> 32) if nxt is not None else len(self.norm.lines)
        return any(re.search("[0-9]", self.norm.lines[k]) for k in range(line + 1, last))

    def _run_together(self, start: int, end: int, order: list[str]) -> list[str] | None:
        """The cells of a row whose cells are not separated (spaces only, or glued)."""
        flat, where = self._flat(start, end)
        if order[-2:] != ["weight", "score"] or set(order[:-2]) - {"target", "actual"}:
            return None  # only the usual order (… 指标值, 完成值, 分值, 得分) is read this way
        # a text cell ends at a space; the last one may run into the 分值 (``有效改善20 16``)
        ends = [r"(?=\s)"] * (len(order) - 3) + [r"(?=\s|[0-9])"]
        lead = "".join(
            rf"\s?(?P<{c}>{_QUANTITY}|{_WORD_CELL}{end})"
            for c, end in zip(order[:-2], ends, strict=True)
        )
        m = re.match(rf"{lead}\s?(?P<ws>[0-9]+(?:\.[0-9]+)?(?:\s[0-9]+(?:\.[0-9]+)?)?)(?![0-9.%])",
                     flat)  # fmt: skip
        if m is None:
            return None
        pair = m.group("ws").split()
        if len(pair) == 1:
            if self._cut_off(where[m.end("ws") - 1]):
                return None
            glued = _glued_pair(pair[0])
            if glued is None:
                return None
            pair = [str(glued[0]), str(glued[1])]
        return [m.group(c).strip() for c in order[:-2]] + pair


def read_indicators(
    text: NormalText, spec: IndicatorSpec, check: Callable[[], None] = lambda: None
) -> tuple[list[IndicatorRow], list[str]]:
    """The mapped indicator rows of a normalised report text, and warnings."""
    reader = _Reader(text, spec, check)
    rows = reader.rows()
    return rows, reader.warnings
