"""``perfscore score RULES DATA`` routes JSON and YAML documents (one subject, a list, or
``subjects: [...]``) through the columnar path as it routes tables and JSON Lines — PEFA's
series inputs included — and writes exactly the bytes ``--no-columnar`` writes, with the same
exit status and stderr.  A record the columns do not read as the per-record path does (one its
file rejected for a duplicate key, one declaring its own scores) sends its chunk record by
record."""

from __future__ import annotations

import json
import math
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

np = pytest.importorskip("numpy")
pytest.importorskip("pyarrow")

from cli_runner import run  # noqa: E402
from perfscore import fastpath, load_ruleset  # noqa: E402
from perfscore.colbatch import plain_records  # noqa: E402
from test_fastpath import COMMON, _both  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from bundled_data import columns as _columns  # noqa: E402

PEFA = ROOT / "rules" / "pefa-2016-pillar1.yaml"
DEPT = ROOT / "rules" / "cn-dept-overall.yaml"
FORMATS = ["json", "csv", "sarif", "junit.xml", "md", "html", "xlsx", "txt"]


def _plain(x: Any) -> Any:
    """A generated cell as a JSON/YAML document holds it (a figure past float64's digits as
    its digits in text; NaN as a blank)."""
    if isinstance(x, dict):
        return {str(k): _plain(v) for k, v in x.items()}
    if isinstance(x, Decimal):
        return str(x)
    if isinstance(x, (float, np.floating)):
        return None if math.isnan(float(x)) else float(x)
    return x


def _subjects(rules: Path, n: int, seed: int) -> list[dict[str, Any]]:
    rs = load_ruleset(rules)
    cols = _columns(rs, n, seed)
    return [
        {
            "id": f"国-{i:03d}",
            "name": f"第{i}号",
            "source": {"document": "generated"},  # not read by either path
            "values": {k: _plain(v[i]) for k, v in cols.items()},
        }
        for i in range(n)
    ]


def _outputs(tmp_path: Path) -> tuple[list[Path], list[str]]:
    outputs = [tmp_path / f"out.{ext}" for ext in FORMATS]
    return outputs, [x for p in outputs for x in ("-o", str(p))]


@pytest.mark.parametrize("layout", ["json-list", "yaml-subjects", "json-one"])
def test_pefa_series_documents_are_routed_with_the_per_record_bytes(
    layout: str, tmp_path: Path, routes: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every format from one run, on series written as assessors write them (blanks inside,
    empty series, years as text, "1,234.50", a word, figures past float64's digits, band
    edges): the same bytes as --no-columnar, and no row sent to the per-record path."""
    pytest.importorskip("openpyxl")
    monkeypatch.setattr(fastpath, "CHUNK", 23)  # several chunks, the last one short
    n = 1 if layout == "json-one" else 70
    subjects = _subjects(PEFA, n, seed=31)
    if layout == "json-list":
        data = tmp_path / "data.json"
        data.write_text(json.dumps(subjects, ensure_ascii=False), encoding="utf-8")
    elif layout == "json-one":
        data = tmp_path / "one.json"
        data.write_text(json.dumps(subjects[0], ensure_ascii=False), encoding="utf-8")
    else:
        data = tmp_path / "data.yaml"  # JSON is YAML: a ``subjects:`` mapping
        data.write_text(json.dumps({"subjects": subjects}, ensure_ascii=False), encoding="utf-8")
    outputs, argv = _outputs(tmp_path)
    fast, err = _both(routes, ["score", str(PEFA), str(data), *argv, *COMMON], outputs, n + 1)
    assert routes[0].per_record == 0
    assert f"{n} subject(s) scored" in err
    if n > 1:
        assert b'"outcome":"error"' in fast[0].replace(b" ", b"")  # the odd cells said so


def test_the_bundled_pefa_example_is_routed(tmp_path: Path, routes: list[Any]) -> None:
    """The example the rule set's comment names (one subject, ``source:`` beside its values)."""
    example = ROOT / "examples" / "pefa-illustrative-country.yaml"
    out = tmp_path / "f.json"
    fast, _ = _both(routes, ["score", str(PEFA), str(example), "-o", str(out)], [out], 2)
    assert routes[0].per_record == 0 and b"illustrative-country-2023" in fast[0]


def test_json_lines_and_parquet_from_a_document(tmp_path: Path, routes: list[Any]) -> None:
    """JSON Lines streamed and Parquet from the columns, from a YAML list of flat subjects
    (values beside id and name)."""
    flat = [{"id": s["id"], **s["values"]} for s in _subjects(PEFA, 30, seed=5)]
    data = tmp_path / "data.yaml"
    data.write_text(json.dumps(flat, ensure_ascii=False), encoding="utf-8")
    for out in (tmp_path / "f.jsonl", tmp_path / "f.parquet"):
        routes.clear()
        _both(routes, ["score", str(PEFA), str(data), "-o", str(out), *COMMON], [out], 31)
        assert routes[0].per_record == 0


def test_a_record_its_file_rejected_is_scored_record_by_record(
    tmp_path: Path, routes: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A duplicate key rejects one record (every value an error naming it): its chunk goes
    record by record; the summary and exit status are the per-record ones."""
    monkeypatch.setattr(fastpath, "CHUNK", 4)
    rows = [
        f'{{"id": "d{i}", "values": {{"budget": 100, "executed": {90 + i}}}}}' for i in range(9)
    ]
    rows[5] = '{"id": "dup", "values": {"budget": 100, "executed": 95, "executed": 96}}'
    data = tmp_path / "data.json"
    data.write_text("[" + ",\n".join(rows) + "]", encoding="utf-8")
    for out in (tmp_path / "f.json", tmp_path / "f.parquet"):
        routes.clear()
        code, _, err = run("score", str(DEPT), str(data), "-o", str(out), *COMMON)
        fast = out.read_bytes()
        code_slow, _, err_slow = run(
            "score", str(DEPT), str(data), "-o", str(out), *COMMON, "--no-columnar"
        )
        assert out.read_bytes() == fast and code == code_slow
        if out.suffix == ".json":  # (Parquet: the whole run then goes record by record)
            assert routes[0] is not None and err == err_slow
            assert b"dup" in fast and b"duplicate" in fast.lower()
        else:
            assert routes[0] is None


def test_plain_records() -> None:
    """What the columns read as the per-record path reads it."""
    from perfscore.subjects import RejectedRecord

    inputs = ("budget", "year")
    assert plain_records([{"id": "a", "values": {"budget": 1}, "source": "x", "note": 2}])
    assert plain_records([{"id": "a", "budget": 1}], inputs)
    assert not plain_records([{"id": "a", "budget": 1, "extra": 2}], inputs)  # said per record
    assert not plain_records([{"id": "a", "values": {}, "declared": {"total": 1}}])
    assert not plain_records([RejectedRecord({"id": "a", "values": {}}, "duplicate key")])
    assert not plain_records(["a"])


INPUT_YEAR = """\
perfscore: 1
id: input_year
title: 年份输入
version: "1"
settings: {missing: error}
inputs:
  year: {type: number}
  budget: {type: money, min: 0}
metrics:
  r: {expr: "year / budget"}
indicators:
  - {id: t, title: T, weight: 100, value: r, scorer: {type: threshold, op: ">=", target: 10}}
"""


def test_a_flat_record_s_year_is_never_an_input(tmp_path: Path, routes: list[Any]) -> None:
    """``year`` beside the values of a flat record is the subject's year, as the per-record
    path reads it — not the input of that name (which is then missing)."""
    rules = tmp_path / "r.yaml"
    rules.write_text(INPUT_YEAR, encoding="utf-8")
    data = tmp_path / "data.json"
    flat = [{"id": "a", "year": 2023, "budget": 100}, {"id": "b", "year": 2024, "budget": 200}]
    data.write_text(json.dumps(flat), encoding="utf-8")
    out = tmp_path / "f.json"
    fast, _ = _both(routes, ["score", str(rules), str(data), "-o", str(out), *COMMON], [out], 3)
    assert b'"outcome":"error"' in fast[0].replace(b" ", b"")


def test_json_lines_of_text_cells_are_not_scored_twice(
    tmp_path: Path, routes: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """rev14 (session 13): JSON Lines whose cells are text ("1234.5", as departments send
    them) went by columns, which sent every row per record, and then every row was scored again
    for its findings — each subject twice.  Once a chunk's rows mostly go per record, the rest
    of the run does so directly: the same bytes, each subject scored about once."""
    from perfscore.ruleset import RuleSet

    n = 3 * fastpath.CHUNK + 7
    data = tmp_path / "d.jsonl"
    with data.open("w", encoding="utf-8") as fh:
        for s in _subjects(DEPT, n, seed=13):
            values = {
                k: (str(v) if isinstance(v, (int, float)) else v) for k, v in s["values"].items()
            }
            fh.write(json.dumps({**s, "values": values}, ensure_ascii=False) + "\n")
    calls: list[int] = []
    real = RuleSet.evaluate_subject

    def counted(self: Any, *a: Any, **k: Any) -> Any:
        calls.append(1)
        return real(self, *a, **k)

    monkeypatch.setattr(RuleSet, "evaluate_subject", counted)
    out = tmp_path / "f.jsonl"
    code, _, err = run("score", str(DEPT), str(data), "-o", str(out), *COMMON)
    assert routes[0] is not None, err
    fast = out.read_bytes()
    scored_fast = len(calls)
    assert scored_fast <= n + fastpath.CHUNK  # the first chunk's rows twice at most (was 2n)
    calls.clear()
    code_slow, _, err_slow = run(
        "score", str(DEPT), str(data), "-o", str(out), *COMMON, "--no-columnar"
    )
    assert out.read_bytes() == fast and code == code_slow
    assert len(calls) == n
    forced = [x for x in err_slow.splitlines(keepends=True) if "--no-columnar" not in x]
    assert "".join(forced) == err
