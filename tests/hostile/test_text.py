"""Classes 2 and 3 of #19: hostile text through every exporter → valid output that parses back.

Each string of ``text.yaml`` (and hypothesis' arbitrary Unicode: lone and paired surrogates,
C0/C1 controls, bidi overrides, formula starts, markup) goes into a subject id and name, a rule
title, a check title, a message template and a value.  Every exporter must write it; the JSON,
JSON Lines, SARIF, CSV, JUnit XML and xlsx outputs are parsed back and hold exactly the text
the format's sanitiser (:mod:`perfscore.textsafe`) gives; terminal output holds no control
character; HTML and Markdown hold no raw markup from the data.
"""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from perfscore import load_ruleset_text, textsafe
from perfscore.export import EXPORTERS, ExportOptions, export

from ._harness import data_file

STRINGS: list[str] = data_file("text.yaml")["strings"]

_RAW_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _rules(text: str) -> str:
    """A rule set whose titles and message carry ``text`` (braces removed from the template)."""
    template = text.replace("{", "(").replace("}", ")")
    doc = {
        "perfscore": 1,
        "id": "hostile_text",
        "title": f"标题 {text}",
        "version": "1",
        "inputs": {"x": {"type": "number"}, "t": {"type": "text"}},
        "indicators": [
            {
                "id": "a",
                "title": text or "a",
                "weight": 10,
                "value": "x",
                "scorer": {"type": "threshold", "op": ">=", "target": 100},
                "messages": {"fail": {"zh": f"{template} 值 {{value}}", "en": template}},
            }
        ],
        "checks": [{"id": "c", "title": text or "c", "type": "assert", "expr": "x > 10"}],
    }
    # allow_unicode=False: every non-ASCII character is written as an escape, as JSON would.
    # Text is double-quoted: PyYAML writes "1e5" plain, which a YAML 1.2 reader (ours) takes
    # for a number; this test is about what exporters do with text, not about YAML typing.
    return yaml.dump(doc, Dumper=_QuotedText, allow_unicode=False)


class _QuotedText(yaml.SafeDumper):
    """A SafeDumper that double-quotes every string."""


_QuotedText.add_representer(
    str, lambda d, s: d.represent_scalar("tag:yaml.org,2002:str", s, style='"')
)


def _records(text: str) -> list[dict[str, Any]]:
    return [
        {"id": text or "empty", "name": text, "x": 5, "t": text},
        {"id": f"{text}-2", "name": f"={text}", "x": text, "t": "ok"},  # a bad value: error
    ]


def _report(text: str) -> Any:
    rs = load_ruleset_text(_rules(text), source="text.yaml")
    return rs.evaluate(_records(text))


def _check_all_formats(text: str) -> None:
    report = _report(text)
    ids = [s.subject.id for s in report.subjects]
    names = [s.subject.name or "" for s in report.subjects]
    options = ExportOptions(lang="zh")
    out = {f.name: export(report, f.name, options) for f in EXPORTERS}
    for name, data in out.items():
        if not EXPORTERS[name].binary:
            data.decode("utf-8")  # strict: no surrogate ever reaches a file

    # JSON, JSON Lines, SARIF: parse back, ids are the clean text
    doc = json.loads(out["json"])
    assert [s["subject"]["id"] for s in doc["subjects"]] == [textsafe.clean(i) for i in ids]
    lines = [json.loads(line) for line in out["jsonl"].decode("utf-8").splitlines()]
    assert lines
    json.loads(out["sarif"])

    # CSV: parse back; every text cell is the csv sanitiser's result
    rows = list(csv.reader(io.StringIO(out["csv"].decode("utf-8"), newline="")))
    assert rows[0][0] == "subject_id"
    assert {r[0] for r in rows[1:]} == {textsafe.csv_cell(i) for i in ids}
    assert {r[1] for r in rows[1:]} == {textsafe.csv_cell(n) for n in names}
    for row in rows[1:]:
        for cell in row:
            # A sign may start only a plain number (Excel reads "+0" and "-5" as numbers).
            assert not cell.startswith(("=", "@", "\t", "\r")), cell
            assert not cell.startswith(("+", "-")) or re.fullmatch(
                r"[+-]\d[\d,]*(?:\.\d+)?(?:[eE][+-]?\d+)?%?", cell
            ), cell

    # Parquet: the ids read back are the clean text
    pq = pytest.importorskip("pyarrow.parquet")
    pa = pytest.importorskip("pyarrow")
    table = pq.read_table(pa.BufferReader(out["parquet"]))
    assert set(table.column("subject").to_pylist()) == {textsafe.clean(i) for i in ids}

    # JUnit: well-formed XML holding the xml sanitiser's text
    root = ET.fromstring(out["junit"])
    assert [s.get("name") for s in root.iter("testsuite")] == [textsafe.xml(i) for i in ids]

    # xlsx: opens, no formula anywhere, cells hold the xlsx sanitiser's text
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.load_workbook(io.BytesIO(out["xlsx"]))
    cells = {c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row}
    assert {textsafe.xlsx_cell(i) for i in ids} <= cells
    assert {textsafe.xlsx_cell(n) for n in names if n} <= cells
    for ws in wb.worksheets:
        assert not ws.title.startswith(("=", "+", "-", "@"))
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)

    # terminal: no control or bidi character reaches it
    table = out["table"].decode("utf-8")
    assert _RAW_CONTROL.search(table.replace("\n", "")) is None

    # HTML and Markdown: markup in the data never survives raw
    html = out["html"].decode("utf-8")
    md = out["md"].decode("utf-8")
    prose = re.sub(r"(`+).*?\1", "", md)  # code spans show their text literally
    assert "\x1b" not in html and "\x1b" not in md
    for raw in ("<script", "<img", "](javascript:"):
        if raw in text:
            assert raw.startswith("]") or raw not in html  # link syntax is text in HTML
            assert re.search(r"(?<!\\)" + re.escape(raw), prose) is None, prose
    assert textsafe.html(names[0]) in html
    assert textsafe.markdown(names[0] or ids[0]) in md


@pytest.mark.parametrize("text", STRINGS, ids=[ascii(s)[:30] for s in STRINGS])
def test_hostile_text_through_every_exporter(text: str) -> None:
    _check_all_formats(text)


HOSTILE_CHARS = st.one_of(
    st.characters(codec=None),  # anything, including lone surrogates
    st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF),
    st.characters(min_codepoint=0, max_codepoint=0x1F),
    st.characters(min_codepoint=0x7F, max_codepoint=0x9F),
    st.sampled_from(["\u202e", "\u2066", "\u200f", "=", "+", "-", "@", "<", "[", "|", "`", "'"]),
)


@st.composite
def hostile_text(draw: st.DrawFn) -> str:
    text = draw(st.text(HOSTILE_CHARS, max_size=20))
    if draw(st.booleans()):  # a real astral character written as a surrogate pair
        cp = draw(st.integers(0x10000, 0x10FFFF))
        high, low = 0xD800 + ((cp - 0x10000) >> 10), 0xDC00 + ((cp - 0x10000) & 0x3FF)
        text += chr(high) + chr(low)
    return text


@given(hostile_text())
def test_arbitrary_unicode_through_every_exporter(text: str) -> None:
    _check_all_formats(text)


@given(st.text(HOSTILE_CHARS, max_size=40))
def test_sanitisers_always_give_encodable_text(text: str) -> None:
    for fn in (
        textsafe.clean,
        textsafe.terminal,
        textsafe.xml,
        textsafe.html,
        textsafe.csv_cell,
        textsafe.tsv_cell,
        textsafe.xlsx_cell,
        textsafe.sheet_title,
        textsafe.markdown,
        textsafe.markdown_code,
    ):
        fn(text).encode("utf-8")
    assert _RAW_CONTROL.search(textsafe.terminal(text).replace("\n", "").replace("\t", "")) is None


def test_surrogate_pairs_from_json_become_the_character(tmp_path: Any) -> None:
    """The JSON reading point joins an escaped pair, so the id is the real 𠀋, everywhere."""
    from perfscore import load_subjects

    path = tmp_path / "data.json"
    path.write_text('[{"id": "d\\ud840\\udc0b", "name": "\\ud840\\udc0b\\ud800"}]', "ascii")
    (record,) = load_subjects(path).records
    assert record["id"] == "d\U0002000b"
    assert record["name"] == "\U0002000b\ufffd"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("=1+2", "'=1+2"),
        ("+1", "+1"),
        ("-5", "-5"),
        ("-3.5%", "-3.5%"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("@SUM(1)", "'@SUM(1)"),
        ("\t=1", "'\t=1"),
        ("正常", "正常"),
    ],
)
def test_formula_cells_get_a_quote(text: str, expected: str) -> None:
    assert textsafe.csv_cell(text) == expected


@pytest.mark.parametrize("text", STRINGS[::3], ids=[ascii(s)[:30] for s in STRINGS[::3]])
def test_the_example_plugins_tsv_is_safe_too(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from pathlib import Path

    plugin_src = Path(__file__).parents[2] / "examples" / "plugin" / "src"
    monkeypatch.syspath_prepend(str(plugin_src))
    import perfscore_example_plugin as plugin

    data = plugin._tsv(_report(text), ExportOptions()).decode("utf-8")
    rows = [line.split("\t") for line in data.split("\n")[:-1]]
    assert all(len(row) == 4 for row in rows), rows
    for row in rows[1:]:
        assert not row[0].startswith(("=", "+", "@", "\t", "\r")), row
