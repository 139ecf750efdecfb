"""A real headless Chromium for tests that check what a person sees in the HTML report.

Locally a missing browser skips the test (with the command that installs it); in CI
(``CI=true``, which ``.ci/run`` sets and which installs the browser) it is a failure.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

INSTALL = "apt-get install -y chromium fonts-noto-cjk"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--hide-scrollbars",
)


def chromium() -> str:
    """The browser's path; skips locally, fails in CI when it is missing."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        message = f"chromium is not on PATH ({INSTALL})"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"{message}: CI must run the browser tests, not skip them")
        pytest.skip(message)
    return found


def run(page: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run Chromium headless on a local page with a throw-away profile."""
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run(
            [chromium(), *FLAGS, f"--user-data-dir={profile}", *args, page.as_uri()],
            check=False,
            capture_output=True,
            text=True,
            timeout=120,
        )


def dump_dom(page: Path) -> str:
    """The DOM after Chromium has loaded and laid out the page (``--dump-dom``)."""
    done = run(page, "--dump-dom")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "<html" in done.stdout, f"chromium printed no DOM: {done.stderr[-2000:]}"
    return done.stdout


def screenshot(page: Path, shot: Path, size: tuple[int, int] = (1200, 1600)) -> bytes:
    """A PNG of the page at ``size`` (width, height)."""
    run(page, f"--screenshot={shot}", f"--window-size={size[0]},{size[1]}")
    assert shot.exists(), "chromium wrote no screenshot"
    return shot.read_bytes()
