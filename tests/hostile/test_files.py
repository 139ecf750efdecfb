"""Class 5 of #19: files and paths — ``extends`` confined and never hanging, ``-o`` targets
checked before anything is written, temporary files unpredictable and always removed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

from perfscore import ExportError, RuleSetError, load_ruleset
from perfscore.cli import main
from perfscore.export import atomic_writer, write_atomic

from ._harness import data_file

CASES = data_file("files.yaml")
SECRET = "root:x:0:0:SECRET-CONTENT"
BASE = 'perfscore: 1\nid: base\ntitle: base\nversion: "1"\ninputs: {x: {type: number}}\n'
OVERLAY = 'perfscore: 1\nextends: {target}\nid: overlay\ntitle: overlay\nversion: "2"\n'


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """``here/`` (the rule set's folder) beside ``outside/`` (somebody else's files)."""
    here, outside = tmp_path / "here", tmp_path / "outside"
    (here / "sub").mkdir(parents=True)
    (here / "folder").mkdir()
    outside.mkdir()
    (outside / "secret.txt").write_text(SECRET)
    (outside / "rules.yaml").write_text(BASE)
    (here / "base.yaml").write_text(BASE)
    (here / "sub" / "base.yaml").write_text(BASE)
    (here / "list.yaml").write_text("- a\n- b\n")
    (here / "scalar.yaml").write_text(f"{SECRET}\n")
    (here / "empty.yaml").write_text("")
    (here / "no-marker.yaml").write_text(f"id: x\nsecret: {SECRET}\n")
    (here / "secret-here.txt").write_text(f"{SECRET}\n")
    (here / "link-to-outside.yaml").symlink_to(outside / "rules.yaml")
    os.mkfifo(here / "fifo.yaml")
    return here


def _overlay(here: Path, target: Any) -> Path:
    import yaml

    if isinstance(target, str):
        target = target.replace("{outside}", str(here.parent / "outside"))
    path = here / "self.yaml"
    text = OVERLAY.replace("{target}", yaml.safe_dump(target, default_flow_style=True).strip())
    text = text.replace("\n...", "")
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    "case", CASES["extends"], ids=[repr(c["target"])[:40] for c in CASES["extends"]]
)
def test_extends_is_confined(tree: Path, case: dict[str, Any]) -> None:
    path = _overlay(tree, case["target"])
    start = time.perf_counter()
    try:
        rs = load_ruleset(path)
    except RuleSetError as exc:
        assert case["expect"] is not None, str(exc)
        problem = exc.problems[0]
        assert case["expect"] in problem.message, str(exc)
        assert problem.line == 2 and problem.column is not None  # at the 'extends' line
        assert "SECRET" not in str(exc)  # never the content of what it named
    else:
        assert case["expect"] is None, f"{case['target']!r} was accepted"
        assert rs.id == "overlay"
    assert time.perf_counter() - start < 5  # a FIFO or /dev/stdin never blocks


def test_extends_anywhere_needs_the_flag_and_still_reads_only_rule_sets(tree: Path) -> None:
    path = _overlay(tree, str(tree.parent / "outside" / "rules.yaml"))
    with pytest.raises(RuleSetError, match="may name only"):
        load_ruleset(path)
    assert load_ruleset(path, allow_extends_anywhere=True).id == "overlay"
    path = _overlay(tree, str(tree.parent / "outside" / "secret.txt"))
    with pytest.raises(RuleSetError, match="not a rule set") as info:
        load_ruleset(path, allow_extends_anywhere=True)
    assert "SECRET" not in str(info.value)
    path = _overlay(tree, "/dev/stdin")
    with pytest.raises(RuleSetError, match="not a regular file"):
        load_ruleset(path, allow_extends_anywhere=True)
    code = main(["validate", "--allow-extends-anywhere", str(_overlay(tree, "fifo.yaml"))])
    assert code != 0


def test_the_bundled_catalogue_may_always_be_extended() -> None:
    example = Path(__file__).parents[2] / "examples" / "overlay-district.yaml"
    assert load_ruleset(example).id == "district_dept_overall"


@pytest.mark.parametrize("n", [1000, 3000])
def test_long_metric_chains_load_and_score(tmp_path: Path, n: int) -> None:
    lines = [BASE.rstrip("\n"), "metrics:", "  m0: {expr: x}"]
    lines += [f"  m{i}: {{expr: m{i - 1} + 1}}" for i in range(1, n)]
    lines += [
        "indicators:",
        f"  - {{id: a, title: a, weight: 10, value: m{n - 1}, "
        "scorer: {type: threshold, op: '>=', target: 1}}",
    ]
    path = tmp_path / "chain.yaml"
    path.write_text("\n".join(lines) + "\n")
    report = load_ruleset(path).evaluate({"x": 1})
    (finding,) = report.findings
    assert finding.value == n


# --- -o targets -----------------------------------------------------------------------------

DATA = '{"id": "d1", "x": 5}'
RULES = BASE + (
    "indicators:\n  - {id: a, title: a, weight: 10, value: x, "
    "scorer: {type: threshold, op: '>=', target: 1}}\n"
)


def _setup(tmp_path: Path, kind: str) -> tuple[Path, Path]:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    out = tmp_path / "out.json"
    if kind == "symlink-to-victim":
        out.symlink_to(victim)
    elif kind == "dangling-symlink":
        out.symlink_to(tmp_path / "nowhere" / "x")
    elif kind == "fifo":
        os.mkfifo(out)
    elif kind == "folder":
        out.mkdir()
    elif kind == "missing-folder":
        out = tmp_path / "missing" / "out.json"
    elif kind == "existing-file":
        out.write_text("old")
    return out, victim


@pytest.mark.parametrize("case", CASES["outputs"], ids=[c["kind"] for c in CASES["outputs"]])
def test_output_targets(tmp_path: Path, case: dict[str, Any]) -> None:
    out, victim = _setup(tmp_path, case["kind"])
    rules, data = tmp_path / "r.yaml", tmp_path / "d.json"
    rules.write_text(RULES)
    data.write_text(DATA)
    good = tmp_path / "first.csv"
    start = time.perf_counter()
    code = main(["score", str(rules), str(data), "-o", str(good), "-o", str(out)])
    assert time.perf_counter() - start < 10
    assert victim.read_text() == "precious"
    if case["refused"]:
        assert code != 0
        assert not good.exists()  # every -o is checked before any is written
    else:
        assert code == 0, code
        assert good.exists() and out.read_text().startswith("{")
    assert not [p for p in tmp_path.rglob(".*.tmp")]


def test_a_planted_temp_name_is_never_followed(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    out = tmp_path / "report.json"
    for name in (".report.json.tmp", "report.json.tmp", ".report.json.tmp.0"):
        (tmp_path / name).symlink_to(victim)
    write_atomic(out, b"{}\n")
    assert out.read_bytes() == b"{}\n"
    assert victim.read_text() == "precious"


def test_a_failing_writer_leaves_the_old_file_and_no_temp(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    out.write_text("old")
    with pytest.raises(RuntimeError), atomic_writer(out) as fh:
        fh.write(b"partial")
        raise RuntimeError("exporter failed midway")
    assert out.read_text() == "old"
    assert os.listdir(tmp_path) == ["report.json"]


def test_writing_onto_a_symlink_is_refused_by_the_writer_itself(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_text("precious")
    (tmp_path / "link").symlink_to(victim)
    with pytest.raises(ExportError, match="symbolic link"):
        write_atomic(tmp_path / "link", b"x")
    assert victim.read_text() == "precious"


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_mid_write_removes_the_temp_file(tmp_path: Path, signum: int) -> None:
    script = textwrap.dedent(
        f"""
        import sys, time
        from perfscore.export import atomic_writer
        with atomic_writer({str(tmp_path / "big.json")!r}) as fh:
            fh.write(b"x" * 1000)
            fh.flush()
            print("writing", flush=True)
            time.sleep(30)
        """
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == b"writing"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    proc.send_signal(signum)
    proc.wait(timeout=20)
    assert proc.returncode != 0
    assert list(tmp_path.iterdir()) == []
