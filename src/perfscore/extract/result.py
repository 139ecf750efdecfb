"""The result of an extraction, and the subject-data file written from it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from perfscore._version import __version__

__all__ = ["ExtractResult", "dump_subjects"]


@dataclass(frozen=True)
class ExtractResult:
    """Values, facts and where each came from, for one report.

    * ``values`` — the template's figures for scoring (``output: values``), e.g. ``budget``;
    * ``checks`` — report-level inputs for ``rules/cn-report-checks.yaml`` (sections present,
      doubled characters, ...);
    * ``facts`` — other figures, each ``{value, unit, qualifier, title}``;
    * ``meta`` — the department's ``name`` and the report's ``year`` when the template finds them;
    * ``declared`` — the department's own claims (``output: declared``): ``total`` (自评得分),
      ``grade`` (优/良/中/差), ``points`` / ``weights`` per indicator, as printed;
    * ``qualifiers`` — ``{field: 近}`` for values written approximately ("近30场次");
    * ``provenance`` — ``{field: {line, column, end_line, end_column, text}}`` in the original
      report (1-based; ``end_column`` is one past the last character), plus ``matches`` when a
      count or list found several places;
    * ``sections`` — the headings found, located the same way;
    * ``warnings`` — figures not found, units that could not be converted, ...;
    * ``errors`` — why the report could not be read at all (then everything else is empty).
    """

    id: str
    source: str
    template: str
    values: dict[str, Any]
    checks: dict[str, Any]
    facts: dict[str, dict[str, Any]]
    meta: dict[str, Any]
    declared: dict[str, Any]
    qualifiers: dict[str, str]
    provenance: dict[str, dict[str, Any]]
    sections: dict[str, dict[str, Any]]
    warnings: tuple[str, ...]
    kind: str = field(default="text")
    errors: tuple[str, ...] = ()

    def with_kind(self, kind: str) -> ExtractResult:
        return replace(self, kind=kind)

    @classmethod
    def failed(cls, id: str, source: str, template: str, errors: tuple[str, ...]) -> ExtractResult:
        """The result for a report that could not be read: no values, the reasons in ``errors``."""
        kind = Path(source).suffix.lower().lstrip(".") or "text"
        return cls(
            id=id, source=source, template=template, values={}, checks={}, facts={}, meta={},
            declared={}, qualifiers={}, provenance={}, sections={}, warnings=(),
            kind="text" if kind in ("txt", "text") else kind, errors=errors,
        )  # fmt: skip

    @property
    def name(self) -> str | None:
        name = self.meta.get("name")
        return name if isinstance(name, str) else None

    def to_subject(self, *, include_checks: bool = True) -> dict[str, Any]:
        """A subject record ``{id, name, values, ...}`` that ``RuleSet.evaluate`` accepts.

        With ``include_checks`` (the default) the report-level check inputs are added to
        ``values`` so that ``rules/cn-report-checks.yaml`` can score the same record.
        """
        values = dict(self.values)
        if include_checks:
            for key, value in self.checks.items():
                values.setdefault(key, value)
        subject: dict[str, Any] = {"id": self.id}
        if self.name:
            subject["name"] = self.name
        subject["type"] = "department"
        if "year" in self.meta:
            subject["year"] = self.meta["year"]
        subject["source"] = {
            "document": self.source,
            "format": self.kind,
            "template": self.template,
            "extracted_by": f"perfscore {__version__} extract",
        }
        subject["values"] = values
        if self.declared:
            subject["declared"] = {
                k: dict(v) if isinstance(v, dict) else v for k, v in self.declared.items()
            }
        if self.qualifiers:
            subject["qualifiers"] = dict(self.qualifiers)
        if self.facts:
            subject["facts"] = {k: dict(v) for k, v in self.facts.items()}
        subject["provenance"] = {k: dict(v) for k, v in self.provenance.items()}
        subject["sections"] = {k: dict(v) for k, v in self.sections.items()}
        if self.warnings:
            subject["warnings"] = list(self.warnings)
        if self.errors:
            subject["errors"] = list(self.errors)
        return subject


class _Dumper(yaml.SafeDumper):
    """SafeDumper that writes Decimals as plain numbers (from their text, never via float)."""


def _represent_decimal(dumper: yaml.SafeDumper, value: Decimal) -> yaml.ScalarNode:
    text = format(value, "f")
    tag = "tag:yaml.org,2002:int" if "." not in text else "tag:yaml.org,2002:float"
    return dumper.represent_scalar(tag, text)


_Dumper.add_representer(Decimal, _represent_decimal)


def _json_default(value: object) -> object:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def dump_subjects(subjects: list[dict[str, Any]], fmt: str = "yaml") -> str:
    """Write subject records as a YAML or JSON subject-data file (one subject, or a batch)."""
    doc: Any = subjects[0] if len(subjects) == 1 else {"subjects": subjects}
    if fmt == "json":
        return json.dumps(doc, ensure_ascii=False, indent=2, default=_json_default) + "\n"
    return yaml.dump(doc, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=1000)
