"""Which language the command speaks: ``--lang``, else the rule set's ``locale`` (for
``score``), else the environment — and ``--help`` in that language.

Order, first that says something wins:

1. ``--lang zh|en`` anywhere on the command line (``perfscore --lang zh --help``);
2. for ``perfscore score``: the rule set's ``locale`` (``zh-CN`` → zh, ``en-US`` → en; a rule
   set without one: zh when its title is Chinese) — see :attr:`perfscore.RuleSet.language`;
3. ``$PERFSCORE_LANG``, then the locale of the environment (``$LC_ALL``, ``$LC_MESSAGES``,
   ``$LANG``: ``zh_CN.UTF-8`` → zh);
4. English.

The help texts are :data:`perfscore.words.HELP`; argparse's own words (usage, options, the
``-h`` line) are replaced here too, so a Chinese ``--help`` has no English headings.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping, Sequence
from typing import Any

from .words import HELP, Lang, language

__all__ = ["localise", "requested"]


def requested(argv: Sequence[str], environ: Mapping[str, str] | None = None) -> Lang | None:
    """The language asked for on the command line or in the environment (None: nothing said)."""
    args = list(argv)
    for i, a in enumerate(args):
        if a == "--":
            break
        if a == "--lang" and i + 1 < len(args) and args[i + 1] in ("zh", "en"):
            return language(args[i + 1])
        if a.startswith("--lang=") and a[7:] in ("zh", "en"):
            return language(a[7:])
    env = os.environ if environ is None else environ
    explicit = env.get("PERFSCORE_LANG", "").strip().lower()
    if explicit in ("zh", "en"):
        return language(explicit)
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name, "").strip().lower()
        if value:
            if value.startswith("zh"):
                return "zh"
            if value not in ("c", "posix", "c.utf-8"):
                return "en"
            return None
    return None


#: Commands whose options take their help from words.HELP directly (perfscore.cli).
_OWN = frozenset({"perfscore", "score", "test", "show", "list_rules", "validate", "schema"})


def _formatter(prefix: str) -> type[argparse.HelpFormatter]:
    class Formatter(argparse.HelpFormatter):
        def add_usage(
            self, usage: str | None, actions: Any, groups: Any, prefix_: str | None = None
        ) -> None:
            super().add_usage(usage, actions, groups, prefix if prefix_ is None else prefix_)

    return Formatter


def localise(parser: argparse.ArgumentParser, lang: Lang) -> None:
    """``parser`` and every subcommand's parser speak ``lang``: headings, the usage prefix, the
    ``-h``/``--version`` lines and the summary of commands added by other modules."""
    words = HELP[lang]
    stack = [parser]
    while stack:
        p = stack.pop()
        command = p.prog.split()[-1].replace("-", "_")
        p.formatter_class = _formatter(words["usage"])
        p._positionals.title = words["positionals"]
        p._optionals.title = words["options"]
        for action in p._actions:
            if isinstance(action, argparse._HelpAction):
                action.help = words["help"]
            elif isinstance(action, argparse._VersionAction):
                action.help = words["version"]
            elif isinstance(action, argparse._SubParsersAction):
                for choice in action._choices_actions:
                    key = f"cmd_{choice.dest.replace('-', '_')}"
                    if key in words and lang == "zh":  # in English, the module's own words
                        choice.help = words[key]
                stack.extend(action.choices.values())
            elif lang == "zh" and action.help is not argparse.SUPPRESS:
                # an option another module adds: its own words, else the shared ones
                keys = [f"opt_{command}_{action.dest}"]
                if command not in _OWN:
                    keys.append(f"opt_{action.dest}")
                for key in keys:
                    if key in words:
                        action.help = words[key]
                        break
        description = words.get(f"desc_{command}")
        if lang == "zh" and description is not None and p.description:
            p.description = description
