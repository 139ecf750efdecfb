"""The ``perfscore`` command does not load pandas for pyarrow's sake (#18: a fixed 0.2–0.3 s
of CPU per run) and takes Arrow's buffers from malloc: run as the console script on a
Parquet file it writes the bytes the in-process command writes, without pandas in its
process; an ``import pandas`` written in code (a plug-in's, a bureau's) still loads it while
the guard is on; an allocator the user chose (``ARROW_DEFAULT_MEMORY_POOL``) is kept."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from cli_runner import run

pytest.importorskip("numpy")
pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")
pytest.importorskip("pandas")

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_ingest_arrowcols import RULES, _frame, _write  # noqa: E402


def _child(code: str, env: dict[str, str] | None = None) -> str:
    """``code`` run in a fresh interpreter (pandas not loaded yet); its stdout."""
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _console_run(tmp_path: Path, env: dict[str, str] | None = None) -> tuple[bytes, str]:
    """The Parquet findings ``perfscore score`` writes in-process (argv given) and as the
    console script in a fresh interpreter: that file's bytes must be the same; what the
    console run said (exit status, pandas loaded, Arrow's allocator)."""
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES, encoding="utf-8")
    data = _write(_frame(300, 11), tmp_path / "d.parquet")
    here, there = tmp_path / "here.parquet", tmp_path / "there.parquet"
    code, _, err = run("score", str(rules), str(data), "-o", str(here))
    argv = ["perfscore", "score", str(rules), str(data), "-o", str(there)]
    out = _child(
        "import sys\n"
        f"sys.argv = {argv!r}\n"
        "from perfscore.cli import main\n"
        "code = main()\n"
        "import pyarrow as pa\n"
        "print(code, 'pandas' in sys.modules, pa.default_memory_pool().backend_name)\n",
        env,
    )
    assert out.split()[0] == str(code), err
    assert there.read_bytes() == here.read_bytes()
    return there.read_bytes(), out


def test_the_console_command_writes_the_same_file_without_pandas(tmp_path: Path) -> None:
    _, out = _console_run(tmp_path)
    said = out.split()
    assert said[1:] == ["False", "system"]


def test_an_allocator_the_user_chose_is_kept(tmp_path: Path) -> None:
    chosen = [b for b in pa.supported_memory_backends() if b != "system"]
    if not chosen:
        pytest.skip("this pyarrow has only the system allocator")
    env = dict(os.environ, ARROW_DEFAULT_MEMORY_POOL=chosen[0])
    _, out = _console_run(tmp_path, env)
    assert out.split()[1:] == ["False", chosen[0]]


def test_pyarrow_alone_is_refused_and_code_that_imports_pandas_gets_it() -> None:
    out = _child(
        "import sys, importlib\n"
        "import pyarrow as pa\n"
        "from perfscore.cli.lean import without_pyarrow_pandas\n"
        "from perfscore.export.parquet import Dictionaries\n"
        "from perfscore.ingest.arrowcells import blanks\n"
        "with without_pyarrow_pandas() as guard:\n"
        "    ids = Dictionaries.of(pa, ['a', '', '-'], []).rules\n"  # pa.array in perfscore
        "    print(blanks(ids).tolist(), guard.refused > 0, 'pandas' in sys.modules)\n"
        "    pd = importlib.import_module('pandas')\n"
        "    import pandas\n"
        "    print(pandas is pd, pandas.Series([1, 2]).sum())\n"
        "with without_pyarrow_pandas() as again:\n"
        "    print(again is None)\n"
    )
    assert out.splitlines() == ["[False, True, True] True False", "True 3", "True"]


def test_a_library_call_leaves_pyarrow_as_it_is(tmp_path: Path) -> None:
    """``main([...])`` in a caller's process (argv given) installs nothing: pyarrow loads
    pandas as it always does."""
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES, encoding="utf-8")
    data = _write(_frame(50, 3), tmp_path / "d.parquet")
    argv = ["score", str(rules), str(data), "-o", str(tmp_path / "f.parquet")]
    out = _child(
        "import io, sys\n"
        "from perfscore.cli import main\n"
        f"main({argv!r}, stdout=io.StringIO(), stderr=io.StringIO())\n"
        "print(any(type(f).__name__ == '_Refuse' for f in sys.meta_path), 'pandas' in sys.modules)\n"
    )
    assert out.split() == ["False", "True"]


def test_the_pool_is_malloc_unless_the_user_chose_one(monkeypatch: pytest.MonkeyPatch) -> None:
    from perfscore import fastpath

    chosen: list[object] = []
    monkeypatch.setattr(pa, "set_memory_pool", chosen.append)
    monkeypatch.setenv(fastpath.POOL_ENV, "mimalloc")
    assert fastpath.arrow_pool() is None
    assert chosen == []
    monkeypatch.delenv(fastpath.POOL_ENV)
    assert fastpath.arrow_pool() == "system"
    assert [p.backend_name for p in chosen] == ["system"]  # type: ignore[attr-defined]
