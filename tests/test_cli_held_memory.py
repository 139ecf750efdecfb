"""``perfscore score RULES data -o findings.json`` (or ``.csv``) holds no more memory for 4× the
departments, and never writes over what it reads.

Found by session 18's outside reviewer (rev18): a JSON findings file was written from the whole
report, every department's findings held until the end — about 1 MB a department on its
40-indicator set (1,500 departments: 1.70 GB; 20,000 would have needed ~22 GB), where JSON Lines
stayed flat.  Now each chunk of results is encoded as it is scored and the file joined from those
bytes (what ``--jobs N`` writes), by columns and record by record alike.  And ``-o data.json``
over the input ``data.json`` replaced the data with the findings, exit 0."""

from __future__ import annotations

import io
import json
import tracemalloc
from pathlib import Path

import pytest
import yaml

from perfscore.cli import main

ROOT = Path(__file__).resolve().parents[1]
RULES = ROOT / "rules" / "cn-dept-overall.yaml"
LIWAN = ROOT / "examples" / "liwan-npc-office-2023.yaml"


def _departments(tmp_path: Path, n: int) -> Path:
    """``n`` departments shaped like the Liwan report, their figures varied (some spend exactly
    their budget, some leave figures blank)."""
    base = yaml.safe_load(LIWAN.read_text(encoding="utf-8"))
    records = []
    for i in range(n):
        values = dict(base["values"])
        values["budget"] = round(3435.02 + i, 2)
        if i % 3 == 0:
            values["executed"] = values["budget"]  # spent exactly the budget
        if i % 7 == 0:
            values.pop("basic_expenditure", None)  # a blank
        records.append({"id": f"dept-{i:05d}", "name": f"部门{i}", "values": values})
    path = tmp_path / f"d{n}.json"
    path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    return path


def _peak(argv: list[str]) -> int:
    """The most memory Python held while the command ran (tracemalloc), in bytes."""
    tracemalloc.start()
    try:
        assert main(argv, stdout=io.StringIO(), stderr=io.StringIO()) in (0, 1)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("how", [[], ["--no-columnar"]])
@pytest.mark.parametrize("suffix", [".json", ".csv"])
def test_findings_files_hold_the_same_memory_for_4x_the_departments(
    tmp_path: Path, how: list[str], suffix: str
) -> None:
    warm, small, big = (_departments(tmp_path, n) for n in (3, 150, 600))
    _peak(["score", str(RULES), str(warm), "-o", str(tmp_path / f"warm{suffix}"), *how])
    a = _peak(["score", str(RULES), str(small), "-o", str(tmp_path / f"a{suffix}"), *how])
    b = _peak(["score", str(RULES), str(big), "-o", str(tmp_path / f"b{suffix}"), *how])
    # before: the whole report held, ~100 kB a department here (45 MB more for 450 more);
    # now a chunk of 100 at a time: what grows is the input read whole and ids (< 4 kB each)
    assert b - a < 450 * 10_000, (a, b)


def test_the_file_joined_from_pieces_is_the_whole_reports(tmp_path: Path) -> None:
    """JSON written alone (from encoded pieces) has the bytes of JSON written beside Markdown
    (Markdown needs the whole report: both are then written from it)."""
    data = _departments(tmp_path, 250)
    alone, beside = tmp_path / "alone.json", tmp_path / "beside.json"
    out = io.StringIO()
    assert main(["score", str(RULES), str(data), "-o", str(alone)], stdout=out, stderr=out) in (
        0,
        1,
    )
    argv = ["score", str(RULES), str(data), "-o", str(beside), "-o", str(tmp_path / "r.md")]
    assert main(argv, stdout=out, stderr=out) in (0, 1)
    assert alone.read_bytes() == beside.read_bytes()
    doc = json.loads(alone.read_text(encoding="utf-8"))
    assert len({f["subject"]["id"] for f in doc["findings"]}) == 250


@pytest.mark.parametrize("which", ["data", "rules"])
def test_an_output_over_an_input_is_refused_and_the_input_kept(tmp_path: Path, which: str) -> None:
    data = _departments(tmp_path, 3)
    rules = tmp_path / "rules.yaml"
    rules.write_bytes(RULES.read_bytes())
    target = data if which == "data" else rules
    before = target.read_bytes()
    err = io.StringIO()
    status = main(
        ["--lang", "en", "score", str(rules), str(data), "-o", str(target), "--format", "json"],
        stdout=io.StringIO(),
        stderr=err,
    )
    assert status == 2
    assert "would replace the input" in err.getvalue()
    assert target.read_bytes() == before
    # the same file by another name (a link to it) is the same input
    link = tmp_path / "link.json"
    link.symlink_to(data)
    err = io.StringIO()
    argv = ["score", str(rules), str(link), "-o", str(data)]
    assert main(argv, stdout=io.StringIO(), stderr=err) == 2
    assert "输入" in err.getvalue() or "input" in err.getvalue()
