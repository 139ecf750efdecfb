"""terminal.py / textgrid.py: ``--format table`` (and any report printed where nothing is styled)
is written by :class:`perfscore.textgrid.Plain` without rich's machinery — byte for byte what
rich writes: random tables and lines of any text (wide characters, long words, tabs, newlines,
zero-width marks, trailing spaces) at any console width, and the reports of the team's rule sets
and generated departments (adversarial ones included)."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

import perfscore
from perfscore.export import export
from perfscore.findings import Report
from perfscore.terminal import _print_plain, _print_rich, _subject_parts, render_report
from perfscore.textgrid import Column, Plain, Unplain

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
import families  # noqa: E402


def _console(width: int) -> Console:
    return Console(file=io.StringIO(), width=width, highlight=False, emoji=False, soft_wrap=False)


def _by_rich(parts: list, width: int) -> str:  # type: ignore[type-arg]
    console = _console(width)
    _print_rich(parts, console)
    out = console.file
    assert isinstance(out, io.StringIO)
    return out.getvalue()


def _both(parts: list, width: int) -> tuple[str | None, str | None]:  # type: ignore[type-arg]
    """Plain's text (None: it gave way) and rich's (None: rich failed — a zero-width joiner in
    a line rich must cut raises ZeroDivisionError or IndexError inside rich 15)."""
    try:
        mine: str | None = _print_plain(parts, Plain(_console(width)))
    except Unplain:
        mine = None
    try:
        theirs: str | None = _by_rich(parts, width)
    except (ZeroDivisionError, IndexError):
        theirs = None
        assert mine is None  # Plain never writes what rich cannot
    return mine, theirs


# pieces of cell text: CJK (two cells), ASCII words, spaces of several kinds, a tab, a newline,
# a combining mark and a zero-width joiner (no cell), an emoji, a full-width space
_PIECES = st.sampled_from(
    [
        "预算执行率",
        "达标",
        "得分",
        "100%",
        "3415.62万元",
        "2022: 0.96; 2023: 1",
        "a",
        "word",
        "averyveryverylongwordwithoutanyspacesatall",
        "（标准 ≥ 95%）",
        " ",
        "  ",
        "\u3000",
        "\u00a0",
        "a b c d e f g h i j k",
        "预算 执行 率 ",
        "\t",
        "\n",
        "e\u0301",
        "\u200d",
        "👍",
        "—",
        "…",
        "x" * 130,
        "长" * 70,
    ]
)
_TEXT = st.lists(_PIECES, max_size=8).map("".join)
_COLUMN = st.builds(
    Column,
    header=st.sampled_from(["指标", "值", "得分/权重", "结果", "Message", "a long header here"]),
    justify=st.sampled_from(["left", "right"]),
    overflow=st.sampled_from(["fold", "ellipsis"]),
    no_wrap=st.booleans(),
)


@st.composite
def _parts(draw: st.DrawFn) -> list:  # type: ignore[type-arg]
    parts: list = []  # type: ignore[type-arg]
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["line", "table", "blank"]))
        if kind == "line":
            parts.append((draw(_TEXT), "bold"))
        elif kind == "blank":
            parts.append(None)
        else:
            columns = draw(st.lists(_COLUMN, min_size=1, max_size=5))
            rows = draw(
                st.lists(
                    st.lists(_TEXT, min_size=len(columns), max_size=len(columns)),
                    min_size=1,
                    max_size=6,
                )
            )
            parts.append((columns, [[(t, "green") for t in r] for r in rows], "bold"))
    return parts


@given(parts=_parts(), width=st.integers(10, 160))
@settings(max_examples=300, deadline=None)
def test_plain_writes_what_rich_writes(parts: list, width: int) -> None:  # type: ignore[type-arg]
    mine, theirs = _both(parts, width)
    if mine is not None:
        assert mine == theirs


def _reports() -> list[tuple[str, Report]]:
    out = []
    cwd = Path.cwd()
    try:
        import os

        os.chdir(ROOT)
        rs = perfscore.load_ruleset("rules/cn-dept-overall.yaml")
        for data in ("examples/liwan-npc-office-2023.yaml", "tests/golden/batch3.yaml"):
            out.append((data, rs.evaluate(perfscore.load_subjects(data))))
    finally:
        os.chdir(cwd)
    for name in ("dept30-adv", "wide120", "deep", "mixed"):
        fam = families.family(name)
        rs = perfscore.load_ruleset_text(families.ruleset_text(fam))
        out.append((name, rs.evaluate(families.records(fam, 12, seed=3))))
    return out


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("width", [120, 60, 400])
def test_reports_read_as_rich_writes_them(lang: str, width: int) -> None:
    """Every subject of the team's reports: Plain's text is rich's, and Plain wrote it."""
    for name, report in _reports():
        rules = {r.id: r for r in report.rules}
        for s in report.subjects:
            parts = _subject_parts(s, rules, lang)
            mine, theirs = _both(parts, width)
            assert mine == theirs, (name, s.subject.id)


def test_the_table_format_is_rich_s_table() -> None:
    """``export(report, "table")`` — render_report through Plain — is what rich prints."""
    for _, report in _reports()[:3]:
        rules = {r.id: r for r in report.rules}
        console = _console(120)
        heading = f"{report.ruleset.get('title')}  [{report.ruleset.get('id')} "
        heading += f"{report.ruleset.get('version')}]"
        from rich.text import Text

        console.print(Text(heading))
        for s in report.subjects:
            _print_rich(_subject_parts(s, rules, "zh"), console)
        out = console.file
        assert isinstance(out, io.StringIO)
        assert export(report, "table").decode("utf-8") == out.getvalue()
        buf = io.StringIO()
        render_report(report, buf, width=120)
        assert buf.getvalue() == out.getvalue()


def test_a_rich_without_what_plain_borrows_prints_with_rich(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Plain borrows rich's private ``rich._wrap.divide_line``: a rich without it (rich is not
    pinned) prints the report itself, the same text, and never fails."""
    report = _reports()[0][1]
    expected = export(report, "table")
    monkeypatch.setitem(sys.modules, "rich._wrap", None)  # import rich._wrap → ImportError
    with pytest.raises(ImportError):
        Plain(_console(120))
    assert export(report, "table") == expected
