"""The ``perfscore`` command run in the test's own process: its exit status and what it wrote
on stdout and stderr."""

from __future__ import annotations

import io

from perfscore.cli import main


def run(*argv: str) -> tuple[int, str, str]:
    """``perfscore ARGV...`` → (exit status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()
