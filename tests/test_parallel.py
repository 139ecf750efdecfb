"""evaluate_parallel: several processes, output identical to one."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest

import perfscore
from perfscore.errors import EvaluationError
from perfscore.parallel import evaluate_parallel, imap_subjects

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
import gen  # noqa: E402


@pytest.fixture(scope="module")
def bench() -> perfscore.RuleSet:
    return perfscore.load_ruleset_text(gen.ruleset_text(10), source="bench.yaml")


def _records(n: int) -> list[dict]:
    recs = gen.records(10, n, seed=7)
    recs[3]["values"]["a1"] = "not a number"  # a bad record stays a finding, in place
    recs[5]["values"].pop("b2")  # missing data
    recs[8] = ["not", "a", "mapping"]  # type: ignore[call-overload]
    return recs


def test_jobs_2_is_byte_identical_to_jobs_1(bench: perfscore.RuleSet) -> None:
    recs = _records(230)
    one = evaluate_parallel(bench, recs, jobs=1).to_json()
    two = evaluate_parallel(bench, recs, jobs=2, chunk_size=17).to_json()
    assert two == one == bench.evaluate(recs).to_json()


def test_spawned_workers_unpickle_the_rule_set(bench: perfscore.RuleSet) -> None:
    recs = _records(120)
    two = evaluate_parallel(bench, recs, jobs=2, chunk_size=25, mp_context="spawn")
    assert two.to_json() == bench.evaluate(recs).to_json()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fork is chosen on Linux")
def test_workers_are_forked_unless_another_thread_runs(bench: perfscore.RuleSet) -> None:
    """Workers start by ``fork`` by default (with this process's imports and compiled rule
    set), whatever Python's own default (``forkserver`` from 3.14); a start method asked for
    is kept, and with another thread running Python's default is (a fork could copy a lock
    that thread holds) — the report the same either way."""
    import threading

    from perfscore import parallel

    assert parallel._context(None).get_start_method() == "fork"
    assert parallel._context("spawn").get_start_method() == "spawn"
    recs = _records(120)
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert parallel._context(None) is None
        two = evaluate_parallel(bench, recs, jobs=2, chunk_size=25)
    finally:
        stop.set()
        other.join()
    assert two.to_json() == bench.evaluate(recs).to_json()


def test_waivers_and_subject_batch() -> None:
    rs = perfscore.load_ruleset(ROOT / "rules/cn-dept-overall.yaml")
    batch = perfscore.load_subjects(ROOT / "examples/liwan-npc-office-2023.yaml")
    many = perfscore.ruleset.SubjectBatch(batch.records * 120, batch.uri, batch.sha256)
    from perfscore.waivers import load_waivers

    waivers = load_waivers(ROOT / "examples/waivers-2023.yaml")
    day = dt.date(2024, 1, 1)
    a = rs.evaluate(many, waivers=waivers, as_of=day).to_json()
    b = evaluate_parallel(rs, many, jobs=2, waivers=waivers, as_of=day).to_json()
    assert a == b


def test_strict_raises_the_first_error_in_input_order(bench: perfscore.RuleSet) -> None:
    recs = _records(200)
    with pytest.raises(EvaluationError) as serial:
        bench.evaluate(recs, strict=True)
    with pytest.raises(EvaluationError) as parallel:
        evaluate_parallel(bench, recs, jobs=2, strict=True, chunk_size=10)
    assert str(parallel.value) == str(serial.value)


def test_imap_streams_in_order(bench: perfscore.RuleSet) -> None:
    recs = _records(150)
    got = [r.subject.id for r in imap_subjects(bench, iter(recs), jobs=2, chunk_size=7)]
    assert got == [r.subject.id for r in bench.evaluate(recs).subjects]


def test_small_batches_stay_in_process(bench: perfscore.RuleSet) -> None:
    recs = _records(20)
    assert evaluate_parallel(bench, recs, jobs=8).to_json() == bench.evaluate(recs).to_json()


# --- perfscore score --jobs N: workers encode, the parent concatenates bytes -------------------

import io  # noqa: E402
import json  # noqa: E402
from dataclasses import replace  # noqa: E402

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from perfscore.cli import main  # noqa: E402
from perfscore.export import EXPORTERS, ExportOptions, render  # noqa: E402
from perfscore.findings import Report  # noqa: E402
from perfscore.parallel import encode_parallel  # noqa: E402

SHARDED = [f.name for f in EXPORTERS if f.shards is not None]


def test_the_findings_formats_can_be_written_in_pieces() -> None:
    assert {"json", "jsonl", "csv"} <= set(SHARDED)


def _cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def _dirty_batch(tmp_path: Path, n: int) -> tuple[Path, Path]:
    rules = tmp_path / "bench.yaml"
    rules.write_text(gen.ruleset_text(10), encoding="utf-8")
    recs: list = _records(n)
    recs[9] = dict(recs[10])  # a duplicate id: a run-level error notification
    recs[11]["values"] = {}  # nothing to score: not ranked, no total
    data = tmp_path / "batch.json"
    data.write_text(json.dumps({"subjects": recs}, ensure_ascii=False), encoding="utf-8")
    return rules, data


@pytest.mark.parametrize(
    "outputs",
    [
        ("out.json",),
        ("out.jsonl",),
        ("out.csv",),
        ("out.json", "out.csv", "out.jsonl"),
    ],
)
def test_cli_jobs_writes_the_bytes_of_one_process(tmp_path: Path, outputs: tuple[str, ...]) -> None:
    """250 subjects are 3 chunks of 100 on 2 workers; bad records, a duplicate id and a
    subject without a total included: same files, same exit status, same messages."""
    rules, data = _dirty_batch(tmp_path, 250)
    runs = {}
    for jobs in ("1", "2"):
        folder = tmp_path / jobs
        folder.mkdir()
        argv = ["score", str(rules), str(data), "--jobs", jobs, "--fail-on", "warning"]
        for name in outputs:
            argv += ["-o", str(folder / name)]
        code, out, err = _cli(*argv)
        runs[jobs] = (code, out, err, {n: (folder / n).read_bytes() for n in outputs})
    assert runs["1"] == runs["2"]
    assert runs["1"][0] != 0  # findings and errors: not a clean run


@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv"])
def test_cli_jobs_to_standard_output(tmp_path: Path, fmt: str) -> None:
    rules, data = _dirty_batch(tmp_path, 120)
    one = _cli("score", str(rules), str(data), "--format", fmt, "--jobs", "1", "--bom")
    two = _cli("score", str(rules), str(data), "--format", fmt, "--jobs", "2", "--bom")
    assert one == two and one[1]


def test_the_run_summary_adds_up_across_workers(tmp_path: Path) -> None:
    rules, data = _dirty_batch(tmp_path, 250)
    base = ["score", str(rules), str(data), "--summary", "-o", str(tmp_path / "x.json")]
    one = _cli(*base, "--jobs", "1")
    two = _cli(*base, "--jobs", "2")
    assert one[2] == two[2] and "250 subject(s) scored" in one[2]


@pytest.fixture(scope="module")
def dirty_report(bench: perfscore.RuleSet) -> tuple[list, Report]:
    recs: list = _records(60)
    recs[9] = dict(recs[10])
    recs[11]["values"] = {}
    return recs, bench.evaluate(recs)


@settings(max_examples=25, deadline=None)
@given(fmt=st.sampled_from(SHARDED), chunk=st.integers(1, 70), bom=st.booleans())
def test_pieces_assemble_to_the_whole_report(
    bench: perfscore.RuleSet, dirty_report: tuple[list, Report], fmt: str, chunk: int, bom: bool
) -> None:
    """Whatever the chunk size, head + pieces + tail are the exporter's bytes for the report."""
    recs, report = dirty_report
    form = EXPORTERS[fmt].shards
    assert form is not None
    options = ExportOptions(lang="en", bom=bom)
    head = Report(report.ruleset, report.rules, (), report.inputs)
    run = encode_parallel(bench, enumerate(recs), head, [(form, options)], jobs=1, chunk_size=chunk)
    try:
        out = io.BytesIO()
        run.write(0, replace(head, notifications=report.notifications), out)
    finally:
        run.close()
    assert out.getvalue() == render(EXPORTERS[fmt], report, options)


def test_the_json_lines_stream_keeps_counters_not_subjects(bench: perfscore.RuleSet) -> None:
    """Streaming a batch to JSON Lines holds no per-subject state (its summary needs counts)."""
    from perfscore.export import JsonlWriter

    recs = _records(80)
    writer = JsonlWriter(io.BytesIO(), bench.provenance(), bench.rules)
    for r in bench.iter_evaluate(recs):
        writer.subject(r)
    summary = writer.finish()
    assert summary["subjects"] == 80 and writer.totals.count == 80
    assert writer.totals.subjects == [] and writer.totals.without_total == []


def test_the_json_lines_summary_lists_every_subject_not_ranked_from_disk(
    bench: perfscore.RuleSet,
) -> None:
    """250 subjects without a total: the summary line lists all 250 (as the findings
    document's summary does), while the writer holds the first 100 — the rest are read back
    from a temporary file as the line is written."""
    import json

    from perfscore.export import JsonlWriter

    recs = [{"id": f"部门-{i}", "values": {}} for i in range(250)]  # nothing to total
    results = list(bench.iter_evaluate(recs))
    out = io.BytesIO()
    writer = JsonlWriter(out, bench.provenance(), bench.rules)
    for r in results:
        writer.subject(r)
    returned = writer.finish()
    line = json.loads(out.getvalue().decode("utf-8").splitlines()[-1])
    whole = json.loads(bench.evaluate(recs).to_json())["summary"]
    assert line["record"] == "summary" and line["ranked"] == whole["ranked"] == 0
    assert len(line["not_ranked"]) == 250 and line["not_ranked"] == whole["not_ranked"]
    assert returned["not_ranked"] == whole["not_ranked"][:100]
    assert len(writer.totals.not_ranked.items) == 100  # type: ignore[union-attr]


# --- --jobs N on every input format a bureau hands over, around the shards' edges ---------

import jobs_bench  # noqa: E402


def _shard_records(n: int) -> list[dict]:
    """``n`` subjects (chunks of 100 go to the workers): a bad cell in the second chunk, a
    missing value, a subject with nothing to score, one without an id, a 合计 row (a table
    leaves it out) and an id given again two chunks later."""
    recs = gen.records(10, n, seed=11)
    if n > 150:
        recs[150]["values"]["a1"] = "不是数字"
        recs[151]["values"]["b2"] = None
        recs[120]["values"] = {k: None for k in recs[120]["values"]}
        recs[130]["id"] = None
        recs[140]["id"], recs[140]["name"] = "合计", ""
    if n > 220:
        recs[220]["id"] = recs[40]["id"]  # a duplicate id across shards
    return recs


@pytest.mark.parametrize("kind", jobs_bench.INPUTS)
@pytest.mark.parametrize("n", [1, 100, 230])
@pytest.mark.parametrize("outputs", [("out.json", "out.jsonl", "out.csv"), ("out.sarif",)])
def test_cli_jobs_on_every_input_format(
    tmp_path: Path, kind: str, n: int, outputs: tuple[str, ...]
) -> None:
    """CSV, Excel, JSON Lines, a YAML list, a JSON document: 1 subject for 3 workers, exactly
    one full chunk, and 3 chunks with a bad cell, a blank, an empty subject and a duplicate id
    in another shard — every file, the exit status and the messages as one process writes
    (JSON, JSON Lines and CSV written in pieces by the workers; SARIF from their results)."""
    rules = tmp_path / "bench.yaml"
    rules.write_text(gen.ruleset_text(10), encoding="utf-8")
    data = tmp_path / f"batch.{kind}"
    jobs_bench.write_data(str(data), _shard_records(n), kind)
    runs = {}
    for jobs in ("1", "3"):
        folder = tmp_path / jobs
        folder.mkdir()
        argv = ["score", str(rules), str(data), "--jobs", jobs, "--summary", "--fail-on", "error"]
        for name in outputs:
            argv += ["-o", str(folder / name)]
        code, out, err = _cli(*argv)
        runs[jobs] = (code, out, err, {o: (folder / o).read_bytes() for o in outputs})
    assert runs["3"] == runs["1"]
    code, _, err, files = runs["1"]
    total_row = kind in ("csv", "xlsx") and n > 150  # a table's 合计 row is left out
    assert f"{n - total_row} subject(s) scored" in err
    if n == 230:
        whole = b"".join(files.values())
        assert code != 0 and b"duplicate" in whole and "不是数字".encode() in whole


@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv"])
def test_cli_jobs_with_no_subjects(tmp_path: Path, fmt: str) -> None:
    """An empty batch: no chunk at all reaches a worker, the outputs are still whole."""
    rules = tmp_path / "bench.yaml"
    rules.write_text(gen.ruleset_text(10), encoding="utf-8")
    data = tmp_path / "empty.json"
    data.write_text('{"subjects": []}', encoding="utf-8")
    runs = [
        _cli("score", str(rules), str(data), "--format", fmt, "--jobs", jobs) for jobs in ("1", "2")
    ]
    assert runs[0] == runs[1]


def test_the_workers_files_are_deleted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The pieces the workers wrote live in one temporary folder, gone once the outputs are
    written; the outputs hold them, copied in input order."""
    import tempfile

    spool = tmp_path / "tmp"
    spool.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spool))
    made: list[str] = []
    mkdtemp = tempfile.mkdtemp

    def recorded(*args: object, **kwargs: object) -> str:
        made.append(mkdtemp(*args, **kwargs))  # type: ignore[call-overload]
        return made[-1]

    monkeypatch.setattr(tempfile, "mkdtemp", recorded)
    rules, data = _dirty_batch(tmp_path, 250)
    _cli("score", str(rules), str(data), "--jobs", "2", "-o", str(tmp_path / "x.csv"))
    assert len(made) == 1 and Path(made[0]).parent == spool
    assert list(spool.iterdir()) == []
    assert (tmp_path / "x.csv").read_bytes().count(b"\n") > 250 * 10


def test_a_worker_scores_its_chunk_with_the_collector_paused(
    bench: perfscore.RuleSet, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A chunk's results are all kept until it is encoded: a collector pass then only re-scans
    them (bureau35: 1.2 s of 13 s CPU in the workers).  Paused for the chunk, on again after;
    the output is unchanged."""
    import gc

    from perfscore import parallel

    seen: list[bool] = []
    real = parallel.measure

    def watching(rules: object) -> object:
        of = real(rules)  # type: ignore[arg-type]

        def standing(result: object) -> object:
            seen.append(gc.isenabled())
            return of(result)  # type: ignore[arg-type]

        return standing

    monkeypatch.setattr(parallel, "measure", watching)
    recs = _records(120)
    report = bench.evaluate(recs)
    form = EXPORTERS["jsonl"].shards
    assert form is not None and gc.isenabled()
    head = Report(report.ruleset, report.rules, (), report.inputs)
    run = encode_parallel(bench, enumerate(recs), head, [(form, ExportOptions())], jobs=1)
    try:
        assert len(seen) == 120 and not any(seen)
        assert gc.isenabled()
        out = io.BytesIO()
        run.write(0, replace(head, notifications=report.notifications), out)
    finally:
        run.close()
    assert out.getvalue() == render(EXPORTERS["jsonl"], report, ExportOptions())
