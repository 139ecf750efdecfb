"""The bundled rule sets are package data: a wheel carries them, and a normal (non-editable)
install lists them and scores by name — from a folder without any ``rules/``."""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RULES = sorted(p.name for p in (ROOT / "rules").glob("*.yaml"))


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    src = tmp_path_factory.mktemp("src")
    for name in ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md"):
        shutil.copy(ROOT / name, src / name)
    shutil.copytree(ROOT / "rules", src / "rules")
    shutil.copytree(
        ROOT / "src", src / "src", ignore=shutil.ignore_patterns("*.egg-info", "__pycache__")
    )
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(out),
            str(src),
        ],
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("perfscore-*.whl")
    return built


def test_wheel_carries_every_bundled_rule_set(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    packaged = sorted(n.split("/")[-1] for n in names if n.startswith("perfscore/rules/"))
    assert packaged == RULES
    assert "perfscore/schemas/findings-1.json" in names


def test_non_editable_install_lists_and_scores_by_name(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    work = tmp_path / "elsewhere"  # no rules/ here, no source tree on the path
    work.mkdir()
    shutil.copy(ROOT / "examples" / "liwan-npc-office-2023.yaml", work / "data.yaml")
    # -S: the editable install's .pth finder must not shadow the installed copy; the
    # dependencies come from this interpreter's site-packages, after the installed package.
    env = {
        "PYTHONPATH": f"{target}:{sysconfig.get_paths()['purelib']}",
        "PYTHONIOENCODING": "utf-8",
    }
    run = [
        sys.executable,
        "-S",
        "-c",
        "import sys, perfscore.cli as c; print(c.__file__, file=sys.stderr); sys.exit(c.main())",
    ]

    listed = subprocess.run([*run, "list-rules"], cwd=work, env=env, capture_output=True, text=True)
    assert listed.returncode == 0, listed.stderr
    assert str(target) in listed.stderr  # the installed copy ran
    assert "cn_dept_overall" in listed.stdout
    assert (
        f"{len([r for r in RULES if not r.endswith('.tests.yaml')])} rule set(s), 0 not loading"
        in listed.stdout
    )

    scored = subprocess.run(
        [*run, "score", "cn-dept-overall", "data.yaml", "--format", "json"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
    )
    assert scored.returncode == 0, scored.stderr
    assert '"id": "cn_dept_overall"' in scored.stdout
    assert str(target) in scored.stdout  # the rule set's uri is the installed file

    by_id = subprocess.run(
        [*run, "validate", "omb_part"], cwd=work, env=env, capture_output=True, text=True
    )
    assert by_id.returncode == 0 and "omb_part" in by_id.stdout
