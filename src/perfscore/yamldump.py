"""Write rule-set data back as YAML (``perfscore show --resolved``), decimals exact, 中文 as is."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import yaml

__all__ = ["dump_yaml"]


class _Dumper(yaml.SafeDumper):
    pass


def _decimal(dumper: yaml.SafeDumper, value: Decimal) -> yaml.ScalarNode:
    text = format(value, "f")
    if value == value.to_integral_value() and "." not in text:
        return dumper.represent_scalar("tag:yaml.org,2002:int", text)
    return dumper.represent_scalar("tag:yaml.org,2002:float", text)


_Dumper.add_representer(Decimal, _decimal)


def dump_yaml(data: Any) -> str:
    """YAML text that perfscore's loader reads back to the same data."""
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)
