"""Where the bundled rule-set catalogue lives (read by the catalogue and by ``extends:``, which
may always reach it), in a module of its own so that neither imports the other."""

from __future__ import annotations

from pathlib import Path

__all__ = ["bundled_rules_dir", "default_rules_dir"]


def default_rules_dir() -> Path:
    """``./rules`` when the working directory has one; else the bundled rule sets
    (:func:`bundled_rules_dir`)."""
    here = Path.cwd() / "rules"
    if here.is_dir():
        return here
    return bundled_rules_dir()


def bundled_rules_dir() -> Path:
    """The rule sets installed with the package (``perfscore/rules/``, copied there when the
    wheel is built, see setup.py), or the source tree's ``rules/`` (an editable install)."""
    packaged = Path(__file__).resolve().parent / "rules"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "rules"
