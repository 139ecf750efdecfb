"""The YAML example in a scorer module's docstring (``Example::``): the rule set it shows and
the cases it lists — read by the scorer tests and the explanation tests alike."""

from __future__ import annotations

import textwrap
from typing import Any

import yaml

HEADER = {"perfscore": "1", "id": "example", "title": "示例", "version": "1"}


def scorer_example(module: Any) -> tuple[str, list[dict[str, Any]]]:
    """The example of ``module`` (a scorer module): its rule set as YAML text, and its cases."""
    doc = module.__doc__ or ""
    assert "Example::" in doc, f"{module.__name__}: the docstring has no 'Example::' block"
    block = doc.split("Example::", 1)[1]
    lines = []
    for line in block.splitlines()[1:]:
        if line.strip() and not line.startswith("    "):
            break
        lines.append(line)
    data = yaml.safe_load(textwrap.dedent("\n".join(lines)))
    assert isinstance(data, dict) and data.get("cases"), f"{module.__name__}: no cases"
    cases = data.pop("cases")
    return yaml.safe_dump({**HEADER, **data}, allow_unicode=True, sort_keys=False), cases
