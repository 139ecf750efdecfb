"""``perfscore schema findings|rules``: the JSON Schema of the findings document (shipped in
``perfscore/schemas/``) or of the rule language (made from its pydantic model, for editor
autocompletion)."""

from __future__ import annotations

import argparse
import json
from importlib import resources
from typing import Any, TextIO

from ..export import write_atomic
from ..outputs import EXIT_OK
from ._options import help_text

__all__ = ["add_subcommand", "rules_schema", "run"]


def add_subcommand(sub: Any) -> None:
    sc = sub.add_parser("schema", help=help_text("schema"))
    sc.add_argument("what", choices=["findings", "rules"])
    sc.add_argument("-o", "--output", help=help_text("schema_output"))


def run(args: argparse.Namespace, stdout: TextIO) -> int:
    if args.what == "findings":
        text = (resources.files("perfscore") / "schemas" / "findings-1.json").read_text("utf-8")
    else:
        text = json.dumps(rules_schema(), ensure_ascii=False, indent=2) + "\n"
    if args.output:
        write_atomic(args.output, text.encode("utf-8"))
    else:
        stdout.write(text)
    return EXIT_OK


def rules_schema() -> dict[str, Any]:
    """JSON Schema of the rule language, from the pydantic model, for editor autocompletion.

    ``perfscore:`` and ``version:`` are read as text but may be written as numbers in YAML
    (``perfscore: 1``, ``version: 2024``), so the schema accepts both.
    """
    from ..model import RuleSetModel

    schema = RuleSetModel.model_json_schema()
    _exclusive_plugin_scorers(schema)
    props = schema.get("properties", {})
    for key in ("perfscore", "version"):
        if key in props:
            props[key] = {**props[key], "type": ["string", "integer", "number"]}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://perfscore.invalid/schemas/rules-1.json",
        **{k: v for k, v in schema.items() if k != "title"},
        "title": "perfscore rule set (rule language version 1)",
    }


def _exclusive_plugin_scorers(schema: dict[str, Any]) -> None:
    """A plugin scorer accepts any ``type``, so it would also match every built-in scorer and
    make pydantic's ``oneOf`` fail; give it every type except the built-in ones."""
    defs = schema.get("$defs", {})
    plugin = defs.get("PluginScorerModel")
    if plugin is None:
        return
    from ..scorers import builtin_scorers

    builtin = sorted(builtin_scorers().keys())
    plugin["properties"]["type"] = {**plugin["properties"]["type"], "not": {"enum": builtin}}
