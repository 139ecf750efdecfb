"""The catalogue of bundled rule sets: what is in ``rules/``, and where each standard comes from.

``bundled_rulesets()`` loads every ``rules/*.yaml`` with :func:`perfscore.load_ruleset` (so a
listed rule set is one that really loads) and reports its id, title, version and the rule set's
own ``source`` (document and evidence label). A file that does not load is listed with its
error instead of stopping the listing. ``format_catalog()`` renders the entries as a text table
(CJK-width aware) for a ``list-rules`` command.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import PerfscoreError
from .rulesdir import default_rules_dir
from .ruleset import load_ruleset

__all__ = [
    "CatalogEntry",
    "bundled_rulesets",
    "default_rules_dir",
    "format_catalog",
    "rule_files",
]


@dataclass(frozen=True)
class CatalogEntry:
    """One rule-set file; ``error`` is set (and the metadata empty) when it does not load."""

    path: Path
    id: str | None = None
    title: str | None = None
    version: str | None = None
    document: str | None = None
    evidence: str | None = None
    indicators: int = 0
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def bundled_rulesets(root: Path | None = None) -> list[CatalogEntry]:
    """Every ``*.yaml`` rule set directly under ``root`` (default :func:`default_rules_dir`),
    sorted by file name; rule-set test files (``x.tests.yaml``) are not rule sets."""
    folder = Path(root) if root is not None else default_rules_dir()
    entries: list[CatalogEntry] = []
    for path in rule_files(folder):
        try:
            rs = load_ruleset(path)
        except PerfscoreError as exc:
            entries.append(CatalogEntry(path=path, error=str(exc)))
            continue
        source = rs.model.source
        entries.append(
            CatalogEntry(
                path=path,
                id=rs.id,
                title=rs.title,
                version=rs.version,
                document=source.document if source is not None else None,
                evidence=source.evidence if source is not None else None,
                indicators=sum(1 for r in rs.rules if r.kind != "check"),
            )
        )
    return entries


def rule_files(folder: Path) -> list[Path]:
    """The rule-set files directly under ``folder``, sorted by name (``*.tests.yaml`` left out)."""
    return sorted(p for p in folder.glob("*.yaml") if not p.name.endswith(".tests.yaml"))


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _fit(text: str, width: int) -> str:
    """``text`` cut to ``width`` display columns (with … when cut), padded to exactly that."""
    if _width(text) > width:
        out, used = [], 0
        for ch in text:
            w = _width(ch)
            if used + w > width - 1:
                break
            out.append(ch)
            used += w
        text = "".join(out) + "…"
    return text + " " * (width - _width(text))


_COLUMNS = (("file", 30), ("id", 24), ("version", 8), ("evidence", 12), ("title", 52))


def format_catalog(entries: Sequence[CatalogEntry], *, source_width: int = 80) -> str:
    """A plain-text table: file, id, version, evidence, title, then the source document."""
    header = "  ".join(_fit(name, width) for name, width in _COLUMNS).rstrip()
    lines = [header, "-" * _width(header)]
    for e in entries:
        if not e.ok:
            cells = (e.path.name, "(does not load)", "", "", e.error or "")
        else:
            cells = (e.path.name, e.id or "", e.version or "", e.evidence or "—", e.title or "")
        row = "  ".join(_fit(c, w) for c, (_, w) in zip(cells, _COLUMNS, strict=True))
        lines.append(row.rstrip())
        if e.ok and e.document:
            lines.append("    source: " + _fit(e.document, source_width).rstrip())
    lines.append(f"{len(entries)} rule set(s), {sum(1 for e in entries if not e.ok)} not loading")
    return "\n".join(lines)
