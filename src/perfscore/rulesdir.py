"""Where the bundled rule-set catalogue lives (read by the catalogue and by ``extends:``, which
may always reach it), in a module of its own so that neither imports the other."""

from __future__ import annotations

from pathlib import Path

__all__ = ["default_rules_dir"]


def default_rules_dir() -> Path:
    """``./rules`` when the working directory has one, else the source tree's ``rules/``."""
    here = Path.cwd() / "rules"
    if here.is_dir():
        return here
    return Path(__file__).resolve().parents[2] / "rules"
