"""Finding the header among a sheet's first rows: the row naming the most inputs, a units or
sub-title line under it, a second header line under cells merged across — and never a
department's row (one with a number, or text under the id/name column), however much of its text
a rule set knows (rev13's ``level_first.csv``: a 主管部门 value in the first data row)."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from decimal import Decimal

__all__ = ["Rank", "Row", "cell_text", "numeric", "shown", "split_header"]

Rank = Callable[[Sequence[object]], int]
Row = tuple[int, list[object], list[bool] | None]  # (row number, cells, percent-formatted?)


def cell_text(v: object) -> str:
    if v is None:
        return ""
    return unicodedata.normalize("NFKC", str(v)).strip()


def shown(v: object) -> str:
    """A header cell as the file writes it (line breaks and runs of spaces as one space): what
    a message names, so an analyst finds ``执行数（万元）`` in the file.  Matching normalises
    on its own (:func:`~perfscore.ingest.columns.header_key`)."""
    return " ".join(str(v).split()) if cell_text(v) else ""


def split_header(head: list[Row], rank: Rank) -> tuple[list[str], int, list[Row]]:
    """Pick the header among the first rows: the row naming the most inputs/columns.  Blank
    header cells under a merged (vertically) header take the text above them."""
    best, best_score = 0, -1
    for i, (_, cells, _) in enumerate(head):
        score = rank(cells)
        if score > best_score:
            best, best_score = i, score
    if best_score <= 0:  # nothing recognised: the first non-empty row is the header
        best = next((i for i, (_, c, _) in enumerate(head) if any(cell_text(x) for x in c)), 0)
    cells = list(head[best][1]) if head else []
    headers = [shown(c) for c in cells]
    for col, h in enumerate(headers):
        if h:
            continue
        for above in range(best - 1, -1, -1):
            up = head[above][1]
            if col < len(up) and cell_text(up[col]):
                headers[col] = shown(up[col])
                break
    while headers and not headers[-1]:
        headers.pop()
    number = head[best][0] if head else 1
    below = best + 1
    if below < len(head) and _is_sub_header(head[best][1], head[below][1], head[below + 1 :], rank):
        # a second line the rule set knows nothing in: units stay with their header, sub-titles
        # (under a title merged across) become the columns' headers
        for col, cell in enumerate(head[below][1]):
            text = shown(cell)
            if not text:
                continue
            while len(headers) <= col:
                headers.append("")
            unit = _bare_unit(text)
            headers[col] = f"{headers[col]}（{unit}）" if unit and headers[col] else text
        number = head[below][0]
        below += 1
    while below < len(head) and _is_header_line(head[best][1], head[below][1], rank):
        # a second header line (under cells merged across columns): its texts win
        for col, cell in enumerate(head[below][1]):
            text = shown(cell)
            if text:
                while len(headers) <= col:
                    headers.append("")
                headers[col] = text
        number = head[below][0]
        below += 1
    return headers, number, head[below:]


def _is_header_line(header: Sequence[object], cells: Sequence[object], rank: Rank) -> bool:
    """Text only (no numbers, nor text that reads as one: a CSV's cells are all text) and
    naming at least one known column, and blank under the header's id and name columns (merged
    down in a two-line header; a department's row has its id or name there) — a department
    whose 单位层级 is written 主管部门 is a row, not a header line."""
    filled = [c for c in cells if c is not None and cell_text(c)]
    if not filled or not all(isinstance(c, str) and not numeric(c) for c in filled):
        return False
    if any(
        i < len(cells) and cell_text(cells[i]) and _is_subject_header(h)
        for i, h in enumerate(header)
    ):
        return False
    return rank(cells) > 0


def _is_subject_header(cell: object) -> bool:
    """The header of the subject's id or name column (部门编码, 单位名称, id, name …)."""
    from .columns import META_WORDS, header_key

    text = cell_text(cell)
    if not text:
        return False
    key = header_key(text)
    return any(header_key(w) == key for w in (*META_WORDS["id"], *META_WORDS["name"]))


def _is_sub_header(
    header: Sequence[object], cells: Sequence[object], later: list[Row], rank: Rank
) -> bool:
    """A line directly under the header that is part of it although the rule set recognises
    none of its cells: text only (no number), units only (万元, 元, %) or sub-titles under
    header cells merged across (blank there) while every column the header names is blank in
    it (merged down: a department's row has its id or name there), and a later row holds a
    number where it holds text."""
    filled = [i for i, c in enumerate(cells) if c is not None and cell_text(c)]
    if not filled or not all(isinstance(cells[i], str) and not numeric(cells[i]) for i in filled):
        return False
    if not all(_bare_unit(cell_text(cells[i])) for i in filled):
        known = [i for i, h in enumerate(header) if rank([h]) > 0]
        if not known or any(i in known for i in filled):
            return False
        if not any(i >= len(header) or not cell_text(header[i]) for i in filled):
            return False
    return any(any(i < len(c) and numeric(c[i]) for i in filled) for _, c, _ in later)


def numeric(v: object) -> bool:
    """A number, or text that reads as one (``1,234.5``, ``95%``)."""
    if isinstance(v, bool) or v is None:
        return False
    if isinstance(v, (int, float, Decimal)):
        return True
    text = cell_text(v).replace(",", "").removesuffix("%")
    try:
        return Decimal(text).is_finite()
    except ArithmeticError:
        return False


def _bare_unit(text: str) -> str | None:
    """``万元``, ``（元）``, ``单位：%`` → the unit; None for any other text."""
    from .columns import is_unit

    unit = text.strip("()（）[]【】 ").removeprefix("单位").lstrip(":： ")
    return unit if unit and is_unit(unit) else None
