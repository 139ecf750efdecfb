"""Reading a findings document for the store: a JSON document (parsed, or a :class:`Report`'s) or
a JSON Lines file, as a header (the run, its rule set) and its subjects with their findings; the
input records a document names, when they are still there unchanged."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import PerfscoreError
from ._model import (
    StoreError,
    _load,
)


@dataclass
class _Header:
    run_id: str
    format_version: str
    tool_version: str
    ruleset: Mapping[str, Any]
    rules: list[Any]
    inputs: list[Any]
    complete: bool | None


_SubjectIn = tuple[Mapping[str, Any], list[Mapping[str, Any]]]


def _header(run: Mapping[str, Any], tool: Any, fmt: Any, rules: Any) -> _Header:
    rs = run.get("ruleset")
    if not isinstance(rs, Mapping) or not all(isinstance(rs.get(k), str) for k in ("id", "sha256")):
        raise StoreError("the document's run has no rule set (id, version, sha256)")
    return _Header(
        run_id=str(run.get("id") or run.get("run_id") or ""),
        format_version=str(fmt or "1.0"),
        tool_version=str(tool.get("version") if isinstance(tool, Mapping) else "") or "unknown",
        ruleset=rs,
        rules=list(rules or []),
        inputs=list(run.get("inputs") or []),
        complete=run.get("complete") if isinstance(run.get("complete"), bool) else None,
    )


def _from_document(doc: Mapping[str, Any]) -> tuple[_Header, Iterator[_SubjectIn]]:
    if doc.get("format") != "perfscore.findings":
        raise StoreError("not a perfscore findings document (format is not perfscore.findings)")
    run = doc.get("run") or {}
    header = _header(run, doc.get("tool"), doc.get("format_version"), doc.get("rules"))
    subjects = list(doc.get("subjects") or [])

    def pairs() -> Iterator[_SubjectIn]:
        # findings are written subject by subject; a subject's block ends when its id changes
        # or a rule repeats (two subjects with one id stay apart)
        by_pos: list[list[Mapping[str, Any]]] = [[] for _ in subjects]
        positions: dict[str, list[int]] = {}
        for i, s in enumerate(subjects):
            positions.setdefault(str(s["subject"]["id"]), []).append(i)
        cursor: dict[str, int] = {}
        seen: dict[int, set[str]] = {}
        for f in doc.get("findings") or []:
            sid = str(f["subject"]["id"])
            slots = positions.get(sid)
            if not slots:
                raise StoreError(f"finding {f.get('rule_id')!r} names unknown subject {sid!r}")
            c = cursor.get(sid, 0)
            if f["rule_id"] in seen.setdefault(slots[c], set()) and c + 1 < len(slots):
                c += 1
                cursor[sid] = c
            seen.setdefault(slots[c], set()).add(f["rule_id"])
            by_pos[slots[c]].append(f)
        for s, fs in zip(subjects, by_pos, strict=True):
            yield s, fs

    return header, pairs()


def _from_jsonl(path: Path) -> tuple[_Header, Iterator[_SubjectIn], dict[str, Any]]:
    fh = path.open("r", encoding="utf-8")
    first = fh.readline()
    head = _load(first) if first.strip() else {}
    if not isinstance(head, Mapping) or head.get("record") != "run":
        fh.close()
        raise StoreError(f"{path}: the first line is not a perfscore JSON Lines 'run' record")
    run = {**head, "id": head.get("run_id")}
    header = _header(run, head.get("tool"), head.get("format_version"), head.get("rules"))
    tail: dict[str, Any] = {}

    def pairs() -> Iterator[_SubjectIn]:
        current: tuple[Mapping[str, Any], list[Mapping[str, Any]]] | None = None
        with fh:
            for n, line in enumerate(fh, start=2):
                if not line.strip():
                    continue
                try:
                    rec = _load(line)
                except ValueError as e:
                    raise StoreError(f"{path}:{n}: not JSON: {e}") from None
                kind = rec.get("record")
                if kind == "subject":
                    if current is not None:
                        yield current
                    current = (rec, [])
                elif kind == "finding":
                    if current is None:
                        raise StoreError(f"{path}:{n}: a finding before any subject")
                    current[1].append(rec)
                elif kind == "summary":
                    tail.update(rec)
            if current is not None:
                yield current
        if not tail:
            raise StoreError(f"{path}: no summary line: the file is truncated")

    return header, pairs(), tail


def _input_records(inputs: Sequence[Any], base: Path) -> list[Any] | None:
    """The records of the data files a document names, when they are still there unchanged."""
    from ..ruleset import load_subjects

    records: list[Any] = []
    if not inputs:
        return None
    for i in inputs:
        if not isinstance(i, Mapping) or not isinstance(i.get("uri"), str):
            return None
        for cand in (Path(i["uri"]), base / i["uri"]):
            if cand.is_file() and hashlib.sha256(cand.read_bytes()).hexdigest() == i.get("sha256"):
                try:
                    records.extend(load_subjects(cand).records)
                except PerfscoreError:
                    return None
                break
        else:
            return None
    return records
