"""The Parquet findings file written a chunk at a time (perfscore.export.parquet_stream): byte
for byte the file of the whole table, however the rows are chunked and cut into row groups —
the grade dictionary and the points' places are still decided by the whole run — and, from
the command line, a peak memory that does not grow with the rows."""

from __future__ import annotations

import math
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")
np = pytest.importorskip("numpy")

import perfscore  # noqa: E402
from perfscore.columnar import ColumnarScorer  # noqa: E402
from perfscore.export import parquet  # noqa: E402
from perfscore.export.parquet import columnar_table, parquet_bytes  # noqa: E402
from perfscore.export.parquet_stream import FindingsSpool  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
import families  # noqa: E402

from test_fastpath import TINY  # noqa: E402  (the one-indicator rule set)


def _family(n: int) -> tuple[perfscore.RuleSet, dict[str, Any]]:
    fam = families.family("dept30")
    rs = perfscore.load_ruleset_text(families.ruleset_text(fam), source="dept30.yaml")
    return rs, families.columns(fam, n, seed=3)


def _streamed(rs: perfscore.RuleSet, cols: dict[str, Any], n: int, ids: list[str], k: int) -> bytes:
    """The file from chunks of ``k`` rows, each scored on its own."""
    scorer = ColumnarScorer(rs)
    sink = pa.BufferOutputStream()
    with FindingsSpool(rs.rules) as spool:
        for lo in range(0, n, k):
            res = scorer.score({name: col[lo : lo + k] for name, col in cols.items()})
            spool.add_columnar(res, ids[lo : lo + k])
        spool.write(sink, places=res.places, ruleset=rs.provenance())
    return bytes(sink.getvalue().to_pybytes())


@pytest.mark.parametrize("row_group", [1 << 20, 1_000, 31])
def test_any_chunking_gives_the_whole_tables_bytes(
    row_group: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """300 departments (the first chunks hold only some of the grades: the dictionary is the
    whole run's) in chunks of 1, 7, 64 and 300 rows, into row groups of 2**20, 1,000 and 31
    rows (cut inside a subject's rows): the same bytes as the whole table."""
    monkeypatch.setattr(parquet, "ROW_GROUP", row_group)
    rs, cols = _family(300)
    ids = [f"部门-{i:04d}" for i in range(300)]
    whole_res = ColumnarScorer(rs).score(cols)
    grades = whole_res.grade.tolist()
    assert len(set(grades[:7])) < len(set(grades))  # a later chunk brings a new grade
    whole = parquet_bytes(
        columnar_table(whole_res, rules=rs.rules, ruleset=rs.provenance(), subjects=ids)
    )
    for k in (1, 7, 64, 300):
        assert _streamed(rs, cols, 300, ids, k) == whole, k
    meta = pq.ParquetFile(pa.BufferReader(whole)).metadata
    assert meta.num_row_groups == -(-300 * (len(rs.rules) + 1) // row_group)


def test_places_come_from_the_whole_run() -> None:
    """100 blank rows (no points) first, then one scored: chunks of 10 write 84.99, as the
    whole table does — and a run with no points at all writes 0 places, as it does."""
    rs = perfscore.load_ruleset(ROOT / "rules" / "omb-part.yaml")
    row = {"purpose_design": 85, "strategic_planning": 85, "program_management": 85}
    row |= {"results_accountability": 84.98, "has_performance_measures": True}
    row |= {"has_baseline_data": True}
    for n, scored in ((101, True), (40, False)):
        cols: dict[str, Any] = {}
        for name, spec in rs.compiled.inputs.items():
            cells = [None] * (n - 1) + [row.get(name) if scored else None]
            if spec.type in ("text", "boolean"):
                cols[name] = np.array(cells, dtype=object)
            else:
                cols[name] = np.array([math.nan if c is None else float(c) for c in cells])
        ids = [f"row-{i + 1}" for i in range(n)]
        whole = columnar_table(
            ColumnarScorer(rs).score(cols), rules=rs.rules, ruleset=rs.provenance()
        )
        streamed = _streamed(rs, cols, n, ids, 10)
        assert streamed == parquet_bytes(whole)
        table = pq.read_table(pa.BufferReader(streamed))
        assert table.schema.field("points").type.scale == (2 if scored else 0)


def test_nothing_scored_writes_the_empty_table() -> None:
    rs, _ = _family(1)
    empty = ColumnarScorer(rs).score({k: v[:0] for k, v in _family(1)[1].items()})
    sink = pa.BufferOutputStream()
    with FindingsSpool(rs.rules) as spool:
        spool.write(sink, places=2, ruleset=rs.provenance())
    whole = columnar_table(empty, rules=rs.rules, ruleset=rs.provenance(), subjects=[])
    assert bytes(sink.getvalue().to_pybytes()) == parquet_bytes(whole)


def test_ids_a_surrogate_cannot_encode_are_cleaned_as_in_the_whole_table() -> None:
    rs, cols = _family(6)
    ids = ["a", "b\ud800", "c", "\ud83d\ude00", "e", "f"]  # a lone surrogate, a pair
    whole = columnar_table(
        ColumnarScorer(rs).score(cols), rules=rs.rules, ruleset=rs.provenance(), subjects=ids
    )
    assert _streamed(rs, cols, 6, ids, 2) == parquet_bytes(whole)
    got = pq.read_table(pa.BufferReader(parquet_bytes(whole))).column("subject").to_pylist()
    assert "b\ufffd" in got and "\U0001f600" in got


def test_the_spool_is_deleted_on_leaving() -> None:
    rs, cols = _family(5)
    with FindingsSpool(rs.rules) as spool:
        spool.add_columnar(ColumnarScorer(rs).score(cols), list("abcde"))
        where = Path(spool._tmp.name)
        assert where.is_dir()
    assert not where.exists()


_RSS = """
import functools, sys
sys.path.insert(0, {src!r})
from perfscore.export import parquet
from perfscore.ingest import arrowcols, seenfile
parquet.ROW_GROUP = {row_group}
arrowcols.IdLog = functools.partial(seenfile.IdLog, spill=1024)
from perfscore.cli import main
code = main(["score", {rules!r}, {data!r}, "-o", {out!r}])
with open("/proc/self/status") as fh:
    print(code, next(int(x.split()[1]) for x in fh if x.startswith("VmHWM:")))
"""


def _peak_kb(tmp_path: Path, n: int, *, columnar: bool) -> int:
    """Peak RSS (kB) of a fresh ``perfscore score`` of ``n`` rows of TINY to Parquet, row
    groups of 4,096 rows, by columns or record by record (``--no-columnar``)."""
    rules = tmp_path / "tiny.yaml"
    rules.write_text(TINY, encoding="utf-8")
    data = tmp_path / f"d{n}.csv"
    lines = ["id,a,b", *(f"DEPT-{i:07d},{95 + i % 11},{100 + i % 7}" for i in range(n))]
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / f"f{n}.parquet"
    code = _RSS.format(
        src=str(ROOT / "src"), row_group=4096, rules=str(rules), data=str(data), out=str(out)
    )
    if not columnar:
        code = code.replace('"-o", ', '"--no-columnar", "-o", ')
    got = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert got.returncode == 0, got.stderr
    status, peak = got.stdout.split()
    assert status == "0", got.stderr
    assert not columnar or "record by record" not in got.stderr, got.stderr
    assert pq.ParquetFile(out).metadata.num_rows == 2 * n
    return int(peak)


def test_a_routed_parquet_run_holds_what_a_tenth_of_it_holds(tmp_path: Path) -> None:
    """Fresh processes, ``perfscore score`` to Parquet by columns with row groups of 4,096
    rows, the ids for the duplicate check on disk past 1,024 (both runs hold the same there,
    as 65,536 ids, ~2.5 MB, before the spill would not): peak RSS after 80,000 rows is within
    6 MB of that after 8,000.  Built whole, the findings table and every record read took
    about 1.6 kB a row more."""
    peaks = [_peak_kb(tmp_path, n, columnar=True) for n in (8_000, 80_000)]
    assert peaks[1] - peaks[0] < 6 * 1024, peaks  # kB


RULES = sorted(p for p in (ROOT / "rules").glob("*.yaml") if not p.name.endswith(".tests.yaml"))


def _whole_and_streamed(
    argv: list[str], out: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[bytes, str]:
    """``argv`` run record by record twice — streamed, then with the whole report built
    (as before) — giving the same bytes, exit status and stderr; the streamed file and its
    stderr."""
    from cli_runner import run
    from perfscore.cli import score

    code, _, err = run(*argv, "--no-columnar")
    streamed = out.read_bytes()
    with monkeypatch.context() as m:
        m.setattr(score, "_parquet_files", lambda plan: False)
        code_whole, _, err_whole = run(*argv, "--no-columnar")
    assert out.read_bytes() == streamed
    assert (code, err) == (code_whole, err_whole)
    return streamed, err


@pytest.mark.parametrize("rules", RULES, ids=[p.stem for p in RULES])
def test_record_by_record_streamed_is_the_whole_reports_file(
    rules: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every bundled rule set (the one the columns cannot score too), dirty rows and an id
    seen twice, results spooled 5 at a time into row groups of 97 rows: the file the whole
    report gives, byte for byte, with the same exit status and stderr."""
    import test_fastpath
    from perfscore.export.parquet_stream import ResultsSpool

    monkeypatch.setattr(parquet, "ROW_GROUP", 97)
    monkeypatch.setattr(ResultsSpool, "BATCH", 5)
    rs = perfscore.load_ruleset(rules)
    data = tmp_path / "data.csv"
    test_fastpath._csv(rs, data, 60, seed=5 + len(rules.stem))
    lines = data.read_text(encoding="utf-8").splitlines(keepends=True)
    data.write_text("".join([*lines, lines[2]]), encoding="utf-8")
    out = tmp_path / "f.parquet"
    argv = ["score", str(rules), str(data), "-o", str(out), "--fail-on", "note", "--summary"]
    streamed, err = _whole_and_streamed([*argv, "--lang", "en"], out, monkeypatch)
    assert "was already used at" in err and "appears 2 times" not in err  # said once
    assert pq.ParquetFile(pa.BufferReader(streamed)).metadata.num_rows == 61 * (len(rs.rules) + 1)


def test_record_by_record_places_are_read_after_a_hundred_rows_without_points(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """130 blank rows, then scored ones: the places come from the scored rows (17.00, not
    17), the held results are written in order, as the whole report writes them."""
    from perfscore.export.parquet_stream import ResultsSpool

    monkeypatch.setattr(ResultsSpool, "BATCH", 7)
    rules = ROOT / "rules" / "omb-part.yaml"
    names = list(perfscore.load_ruleset(rules).inputs)
    row = {"purpose_design": "85", "strategic_planning": "85", "program_management": "85"}
    row |= {"results_accountability": "84.98", "has_performance_measures": "yes"}
    row |= {"has_baseline_data": "yes"}
    lines = ["id," + ",".join(names)]
    lines += [f"blank-{i}," + "," * (len(names) - 1) for i in range(130)]
    lines += [f"p-{i}," + ",".join(row.get(n, "") for n in names) for i in range(20)]
    data = tmp_path / "d.csv"
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "f.parquet"
    streamed, _ = _whole_and_streamed(
        ["score", str(rules), str(data), "-o", str(out)], out, monkeypatch
    )
    table = pq.read_table(pa.BufferReader(streamed))
    assert table.schema.field("points").type.scale == 2
    got = {(r["subject"], r["rule_id"]): r["points"] for r in table.to_pylist()}
    assert got[("p-19", "@total")] is not None and got[("blank-0", "@total")] is None


def test_record_by_record_points_too_wide_are_text_in_every_row_group(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A weight of 1e17 (points past 18 digits): every point as exact text, as the whole
    report writes it — the held rows, and the rows of later row groups."""
    from perfscore.export.parquet_stream import ResultsSpool

    monkeypatch.setattr(ResultsSpool, "BATCH", 3)
    monkeypatch.setattr(parquet, "ROW_GROUP", 5)
    rules = tmp_path / "wide.yaml"
    rules.write_text(
        "perfscore: 1\nid: wide\ntitle: wide\nversion: '1'\n"
        "inputs: {x: {type: number}}\n"
        "indicators:\n"
        "  - {id: a, title: a, weight: 1e17, value: x,"
        " scorer: {type: threshold, op: '>=', target: 1}}\n"
        "  - {id: b, title: b, weight: 1, value: x,"
        " scorer: {type: threshold, op: '>=', target: 1}}\n",
        encoding="utf-8",
    )
    data = tmp_path / "d.csv"
    data.write_text("id,x\n" + "".join(f"s{i},{i % 3}\n" for i in range(140)), encoding="utf-8")
    out = tmp_path / "f.parquet"
    streamed, _ = _whole_and_streamed(
        ["score", str(rules), str(data), "-o", str(out)], out, monkeypatch
    )
    table = pq.read_table(pa.BufferReader(streamed))
    assert table.schema.field("points").type == pa.string()
    got = {(r["subject"], r["rule_id"]): r["points"] for r in table.to_pylist()}
    assert got[("s139", "a")] is not None and Decimal(got[("s139", "a")]) == Decimal("1e17")
    assert Decimal(got[("s139", "b")]) == 1 and Decimal(got[("s0", "b")]) == 0


def test_a_record_by_record_parquet_run_holds_what_a_tenth_of_it_holds(tmp_path: Path) -> None:
    """As above, record by record (``--no-columnar``): 2,000 and 20,000 rows. Built from the
    whole report, every result was held: about 4 kB a row here."""
    peaks = [_peak_kb(tmp_path, n, columnar=False) for n in (2_000, 20_000)]
    assert peaks[1] - peaks[0] < 6 * 1024, peaks  # kB
