"""The ``perfscore`` command run in the test's own process: its exit status and what it wrote
on stdout and stderr."""

from __future__ import annotations

import io
from collections.abc import Collection
from pathlib import Path

from perfscore.cli import main


def run(*argv: str) -> tuple[int, str, str]:
    """``perfscore ARGV...`` → (exit status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def columnar_bytes_agree(
    rules: Path, data: Path, tmp: Path, *, codes: Collection[int] = (0,)
) -> bytes:
    """``perfscore score RULES DATA -o f.parquet`` with and without ``--no-columnar``: the exit
    status one of ``codes`` both times and the two findings files byte-identical (returned)."""
    out = []
    for flag in ([], ["--no-columnar"]):
        target = tmp / f"{data.name}{len(flag)}.parquet"
        code, _, err = run("score", str(rules), str(data), "-o", str(target), "--no-summary", *flag)
        assert code in codes, err
        out.append(target.read_bytes())
    assert out[0] == out[1], data.name
    return out[0]
