"""What several commands' parsers share: help texts in the command's language, and the
``--allow-extends-anywhere`` option (``score``, ``show``, ``validate``)."""

from __future__ import annotations

import argparse

from ..outputs import cli_lang
from ..words import HELP

__all__ = ["allow_extends_anywhere", "help_text"]


def help_text(key: str) -> str:
    """A ``--help`` text (:data:`perfscore.words.HELP`) in the command's language."""
    return HELP[cli_lang()][key]


def allow_extends_anywhere(command: argparse.ArgumentParser) -> None:
    """``--allow-extends-anywhere``: ``extends:`` may name a rule set outside the rule set's
    folder and the bundled catalogue (see docs/security.md)."""
    command.add_argument(
        "--allow-extends-anywhere",
        action="store_true",
        help=help_text("allow_extends_anywhere"),
    )
