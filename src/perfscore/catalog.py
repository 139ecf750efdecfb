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
from .rulesdir import bundled_rules_dir, default_rules_dir
from .ruleset import load_ruleset

__all__ = [
    "CatalogEntry",
    "bundled_rulesets",
    "default_rules_dir",
    "format_catalog",
    "resolve_rules",
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


def resolve_rules(name: str | Path) -> Path:
    """A rule-set argument as a file: an existing path is itself; otherwise a bundled rule set
    named by its file name (``cn-dept-overall.yaml``), file stem (``cn-dept-overall``) or id
    (``cn_dept_overall``).  Anything else is returned unchanged (loading it then says that the
    file cannot be read)."""
    path = Path(name)
    if path.exists() or len(path.parts) != 1:
        return path
    wanted = str(name)
    folders = [bundled_rules_dir()]
    if default_rules_dir() != folders[0]:
        folders.insert(0, default_rules_dir())
    for folder in folders:
        for candidate in rule_files(folder):
            if wanted in (candidate.name, candidate.stem, candidate.stem.replace("-", "_")):
                return candidate
    for folder in folders:  # by the id declared inside (reads the files' heads)
        for candidate in rule_files(folder):
            if _declared_id(candidate) == wanted:
                return candidate
    return path


def _declared_id(path: Path) -> str | None:
    try:
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("id:"):
                    return line[3:].split("#")[0].strip().strip("'\"") or None
    except OSError:
        return None
    return None


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
