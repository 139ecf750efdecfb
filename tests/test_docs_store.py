"""docs/store.md runs as written: every ``console`` block's commands are run in a fresh folder
(in order, one store), and what they print is compared with the document line by line (a line
``…`` stands for any number of lines; trailing spaces are ignored).  The ``python`` block runs
against the same store, and the SQL for DuckDB is checked on the same file with SQLite's own
dialect where the two agree (the query itself, without DuckDB's ATTACH lines)."""

from __future__ import annotations

import io
import os
import re
import shlex
import sqlite3
import sys
from pathlib import Path

import pytest

from perfscore.cli import main

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "store.md"
FENCE = re.compile(r"^```([^\n`]*)\n(.*?)^```[ \t]*$", re.DOTALL | re.MULTILINE)
sys.path.insert(0, str(ROOT / "examples" / "bureau"))
import generate  # noqa: E402


def blocks(kind: str) -> list[str]:
    text = DOC.read_text(encoding="utf-8")
    return [m.group(2) for m in FENCE.finditer(text) if m.group(1).strip() == kind]


def matches(expected: list[str], got: list[str]) -> bool:
    """``expected`` lines in order, ``…`` skipping any number of lines of ``got``."""
    if not expected:
        return not got
    if expected[0] == "…":
        return any(matches(expected[1:], got[i:]) for i in range(len(got) + 1))
    return bool(got) and got[0] == expected[0] and matches(expected[1:], got[1:])


def run_command(line: str) -> str:
    argv = shlex.split(line)
    if argv[:2] == ["python", "examples/bureau/generate.py"]:
        return "".join(f"{p}\n" for p in generate.write(Path(argv[2])))
    assert argv[0] == "perfscore", line
    out, err = io.StringIO(), io.StringIO()
    code = main(argv[1:], stdout=out, stderr=err)
    assert code == 0, (line, err.getvalue())
    return out.getvalue()


@pytest.fixture(scope="module")
def walkthrough(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("walkthrough")
    (folder / "rules").symlink_to(ROOT / "rules")
    cwd = os.getcwd()
    os.chdir(folder)
    os.environ.pop("PERFSCORE_DB", None)
    try:
        for block in blocks("console"):
            lines = block.splitlines()
            i = 0
            while i < len(lines):
                assert lines[i].startswith("$ "), lines[i]
                cmd = lines[i][2:]
                i += 1
                expected = []
                while i < len(lines) and not lines[i].startswith("$ "):
                    expected.append(lines[i].rstrip())
                    i += 1
                got = [x.rstrip() for x in run_command(cmd).splitlines()]
                assert matches(expected, got), f"{cmd}\n--- got:\n" + "\n".join(got)
    finally:
        os.chdir(cwd)
    return folder


def test_the_console_walkthrough_prints_what_the_document_says(walkthrough: Path) -> None:
    assert (walkthrough / "perfscore.db").exists()
    assert len(blocks("console")) >= 5


def test_the_python_example_runs(walkthrough: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(walkthrough)
    [code] = blocks("python")
    exec(compile(code, str(DOC), "exec"), {})


def test_the_sql_example_reads_the_store(walkthrough: Path) -> None:
    [sql] = blocks("sql")
    query = sql.split("(TYPE sqlite);", 1)[1].replace("ps.subjects", "subjects")
    query = query.replace("DECIMAL(9, 2)", "REAL")  # SQLite's nearest type
    with sqlite3.connect(walkthrough / "perfscore.db") as conn:
        rows = conn.execute(query).fetchall()
    assert len(rows) == 3 * 4
    assert {(r[0], r[2]) for r in rows} == {(y, 5) for y in (2021, 2022, 2023)}  # 5 a group
