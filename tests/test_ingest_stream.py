"""JSON and YAML data files stream one subject at a time (#13): ``open_document`` gives the
records ``read_document`` gives — the same values, the same sha256, the same refusals — and a
plain list of subjects is read in memory that does not grow with the number of subjects."""

from __future__ import annotations

import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import perfscore
from perfscore._yaml.stream import Unstreamable, YamlItems
from perfscore.errors import DataError
from perfscore.ingest import open_document, read_document
from perfscore.ingest.documents import JsonItems

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
import departments  # noqa: E402

from reading_memory import held_while_reading  # noqa: E402

texts = st.text(max_size=8) | st.sampled_from(["no", "1e3", "2024-01-01", "~", "第1局", "a: b"])
scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(10**20), 10**20)
    | st.floats(allow_nan=False, allow_infinity=False)
    | texts
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(texts, inner, max_size=3),
    max_leaves=8,
)
subjects = st.lists(
    st.fixed_dictionaries({"id": texts}, optional={"values": st.dictionaries(texts, values)})
    | values,
    max_size=6,
)


def _same(path: Path) -> list[Any]:
    """open_document and read_document agree on ``path``; its records."""
    try:
        whole, digest = read_document(path)
    except DataError as exc:
        with pytest.raises(DataError) as streamed:
            open_document(path)
        assert str(streamed.value) == str(exc)
        return []
    count, sha, again = open_document(path)
    assert (count, sha) == (len(whole), digest)
    records = list(again())
    assert records == list(whole)
    assert [type(r) for r in records] == [type(r) for r in whole]
    assert list(again()) == records  # read again, the same
    return records


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@settings(max_examples=60, deadline=None)
@given(subjects, st.sampled_from([None, 1, 2]), st.booleans(), st.booleans())
def test_a_json_list_streams_as_read_document_reads_it(
    tmp_path_factory: pytest.TempPathFactory,
    items: list[Any],
    indent: int | None,
    wrapped: bool,
    ascii_only: bool,
) -> None:
    doc: Any = {"version": 1, "subjects": items, "z": [1]} if wrapped else items
    text = json.dumps(doc, indent=indent, ensure_ascii=ascii_only)
    _same(_write(tmp_path_factory.mktemp("j"), "d.json", text))


@settings(max_examples=60, deadline=None)
@given(subjects, st.booleans(), st.booleans())
def test_a_yaml_list_streams_as_read_document_reads_it(
    tmp_path_factory: pytest.TempPathFactory, items: list[Any], wrapped: bool, flow: bool
) -> None:
    doc: Any = {"subjects": items, "title": "x"} if wrapped else items
    text = yaml.safe_dump(doc, allow_unicode=True, default_flow_style=flow)
    _same(_write(tmp_path_factory.mktemp("y"), "d.yaml", text))


def _streams(path: Path) -> bool:
    items = JsonItems(path) if path.suffix == ".json" else YamlItems(path)
    try:
        for _ in items:
            pass
    except Unstreamable:
        return False
    return True


def test_plain_lists_of_subjects_stream(tmp_path: Path) -> None:
    for write, name in ((departments.write_json, "d.json"), (departments.write_yaml, "d.yaml")):
        path = tmp_path / name
        write(str(path), 30)
        assert _streams(path)
        assert len(_same(path)) == 30
    assert _streams(_write(tmp_path, "e.json", " [ ] "))
    assert _streams(_write(tmp_path, "f.json", '{"subjects": [{"id": "a", "n": 1e400}]}'))
    assert _streams(_write(tmp_path, "g.yaml", "- {id: a, values: {x: 1.50}}\n- 3\n"))


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("anchors.yaml", "- &a {id: x, values: {b: 1}}\n- *a\n"),
        ("dup.yaml", "- {id: x, values: {b: 1, b: 2}}\n- {id: y}\n"),
        ("dup.json", '[{"id": "x", "id": "y"}, {"id": "z"}]'),
        ("topdup.json", '{"subjects": [{"id": "x"}], "subjects": []}'),
        ("topdup.yaml", "subjects: [{id: x}]\nsubjects: []\n"),
        ("one.yaml", "id: x\nvalues: {b: 1}\n"),
        ("one.json", '{"id": "x", "values": {"b": 1}}'),
        ("tab.yaml", "- {id: x,\tvalues: {b: 1}}\n"),
        ("tag.yaml", "- !!str 12\n- {id: !thing '7'}\n"),
        ("merge.yaml", "- {<<: {a: 1}, id: x}\n"),
        ("surrogate.json", '[{"id": "\\ud83d\\ude00"}, {"id": "\\udcff"}]'),
        ("yaml.json", "- {id: x}\n- {id: y}\n"),
        ("trailing.json", '[{"id": "x"},]'),
        ("two.yaml", "- {id: x}\n---\n- {id: y}\n"),
        ("broken.yaml", "- {id: x\n- {id: y}\n"),
        ("broken.json", '[{"id": "x"}, {"id": '),
        ("after.json", '[{"id": "x"}] [1]'),
        ("scalar.yaml", "12\n"),
        ("empty.yaml", ""),
        (
            "listbomb.yaml",
            "- &a [1, 1, 1, 1, 1, 1, 1, 1, 1]\n- &b [*a, *a, *a, *a, *a, *a, *a, *a]\n"
            "- &c [*b, *b, *b, *b, *b, *b, *b, *b]\n- &d [*c, *c, *c, *c, *c, *c, *c, *c]\n"
            "- &e [*d, *d, *d, *d, *d, *d, *d, *d]\n- [*e, *e, *e, *e, *e, *e, *e, *e]\n",
        ),
        (
            "bomb.yaml",
            "a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\n"
            "c: &c [*b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c]\n"
            "e: &e [*d, *d, *d, *d, *d, *d, *d, *d]\nf: [*e, *e, *e, *e, *e, *e, *e, *e]\n",
        ),
    ],
)
def test_anything_else_is_read_whole_as_before(tmp_path: Path, name: str, text: str) -> None:
    """Anchors (the alias limit applies), duplicate keys (the record is rejected), one
    subject, tabs, tags, surrogates, YAML in a .json file, syntax errors (the located
    message): not streamed, and the same records or the same refusal as read whole."""
    path = _write(tmp_path, name, text)
    assert not _streams(path)
    _same(path)


def test_a_file_that_changes_between_the_readings_is_an_unreadable_file(tmp_path: Path) -> None:
    path = _write(tmp_path, "d.json", '[{"id": "a"}, {"id": "b"}]')
    count, _, again = open_document(path)
    path.write_text('[{"id": "a"}, {"id": "c"}]', encoding="utf-8")
    with pytest.raises(DataError, match="changed while it was read"):
        list(again())
    assert count == 2


def test_values_are_exact(tmp_path: Path) -> None:
    path = _write(tmp_path, "d.json", '[{"id": "a", "values": {"budget": 100.10, "r": 0.95}}]')
    [record] = _same(path)
    assert record["values"] == {"budget": Decimal("100.10"), "r": Decimal("0.95")}


@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_a_list_of_subjects_is_read_in_flat_memory(tmp_path: Path, suffix: str) -> None:
    """1,000 and then 5,000 departments: the memory held while they are read grows by less
    than 16 bytes a subject (measured: none; read whole, each subject stayed held, 1.7 kB
    from JSON and 2.8 kB from YAML)."""
    write = departments.write_json if suffix == ".json" else departments.write_yaml
    rs = perfscore.load_ruleset(ROOT / "rules" / "cn-dept-overall.yaml")
    sizes, peaks = (1_000, 5_000), []
    for n in (200, *sizes):
        path = tmp_path / f"d{n}{suffix}"
        write(str(path), n)
        got, peak = held_while_reading(rs, path, every=128)
        assert got == n
        peaks.append(peak)
    per_subject = (peaks[2] - peaks[1]) / (sizes[1] - sizes[0])
    assert per_subject < 16, (suffix, peaks, per_subject)
