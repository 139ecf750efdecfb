"""Rows as the store writes them (a subject, a finding; numbers as exact text, the content hash
fed row by row) and as it reads them back (:class:`RunInfo`, :class:`StoredSubject`,
:class:`StoredFinding`)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from ..numbers import json_number
from ..subjects import Subject
from ._model import (
    Method,
    RunInfo,
    StoredFinding,
    StoredSubject,
    StoreError,
    _json,
    _load,
)


def _num(x: Any) -> str | None:
    """A number as the findings document writes it (``json_number``), with a fast path for
    the plain decimals a parsed document holds."""
    if x is None:
        return None
    t = type(x)
    if t is Decimal:
        text = str(x)
        if "E" not in text:
            _, dot, tail = text.partition(".")
            if not dot:
                return "0" if text == "-0" else text
            if len(tail) <= 10:
                text = text.rstrip("0").rstrip(".")
                return "0" if text in ("-0", "") else text
        return json_number(x)
    if t is int:
        return str(x)
    if isinstance(x, bool):
        raise StoreError(f"expected a number, got {x!r}")
    if isinstance(x, int):
        return str(int(x))
    if isinstance(x, float):
        return json_number(Decimal(float.__repr__(x)))
    if isinstance(x, Decimal):
        return json_number(x)
    raise StoreError(f"expected a number, got {x!r}")


def _dec(x: str | None) -> Decimal | None:
    return None if x is None else Decimal(x)


def _plain(x: Any) -> Any:
    """Input records as JSON-ready data (dates as ISO text); Decimals stay exact."""
    if isinstance(x, Mapping):
        return {str(k): _plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_plain(v) for v in x]
    if x is None or isinstance(x, (str, bool, int, Decimal)):
        return x
    if isinstance(x, float):
        finite = x == x and x not in (float("inf"), float("-inf"))
        return Decimal(float.__repr__(x)) if finite else str(x)
    if isinstance(x, (dt.date, dt.datetime)):
        return x.isoformat()
    return str(x)


def _hash_row(h: Any, row: Iterable[Any]) -> None:
    h.update(("\x1f".join("\x00" if v is None else str(v) for v in row) + "\x1e").encode())


def _subject_row(pk: int, idx: int, s: Mapping[str, Any], record: Any | None) -> tuple[Any, ...]:
    subj = s.get("subject")
    if not isinstance(subj, Mapping) or "id" not in subj:
        raise StoreError(f"subject #{idx + 1} has no subject id")
    sid = str(subj["id"])
    period = subj.get("period")
    if period is not None and (isinstance(period, bool) or not isinstance(period, int)):
        raise StoreError(f"subject {sid!r}: period {period!r} is not a year")
    scores = {
        str(x["rule_id"]): _num(x.get("points")) for x in s.get("scores") or () if "rule_id" in x
    }
    row = (
        pk,
        idx,
        sid,
        str(subj.get("key") or sid),
        str(subj.get("type") or "department"),
        subj.get("name"),
        period,
        _num(s.get("total")),
        _num(s.get("max")),
        s.get("grade"),
        s.get("grade_label"),
        s.get("grade_reason_en", s.get("grade_reason")),
        _num(s.get("coverage")),
        bool(s.get("complete", True)),
        json.dumps(scores, ensure_ascii=False, separators=(",", ":")),
        subj.get("parent"),
        None if record is None else _json(_plain(record)),
        _reason_zh(s),
    )
    return row


#: The part of a subject's row the run's content hash reads: all but the run, the input record
#: and the Chinese grade reason (which follows from the English one), so a document stored by
#: an older perfscore is still recognised as the same content.
HASHED = slice(1, 16)


def _reason_zh(s: Mapping[str, Any]) -> str | None:
    """The grade reason in Chinese, when the document gives one that differs from the English
    (a Chinese run's ``grade_reason`` beside its ``grade_reason_en``, else
    ``not_ranked_reason``, findings 1.1); None otherwise (the English one is shown)."""
    if isinstance(s.get("grade_reason_en"), str):
        reason, zh = s["grade_reason_en"], s.get("grade_reason")
    else:
        reason, zh = s.get("grade_reason"), s.get("not_ranked_reason")
    return zh if reason is not None and isinstance(zh, str) and zh != reason else None


def _finding_row(pk: int, idx: int, f: Mapping[str, Any]) -> tuple[Any, ...]:
    m = f.get("measurement") or {}
    value = m.get("value")
    if value is not None:
        value = _num(value) if type(value) in (Decimal, int) else _json(value)
    return (
        pk,
        idx,
        str(f["rule_id"]),
        str(f.get("kind") or "indicator"),
        str(f["outcome"]),
        str(f.get("severity") or "none"),
        str(f["fingerprint"]),
        _num(m.get("points")),
        _num(m.get("weight")),
        m.get("grade"),
        value,
        m.get("display"),
        str(f.get("message") or ""),
        f.get("reason"),
    )


def _run_info(r: Mapping[Any, Any], periods: tuple[int, ...]) -> RunInfo:
    return RunInfo(
        number=r["pk"],
        content_sha256=r["content_sha256"],
        run_id=r["run_id"],
        method=Method(r["ruleset_id"], r["ruleset_version"], r["ruleset_sha256"]),
        tool_version=r["tool_version"],
        format_version=r["format_version"],
        complete=bool(r["complete"]),
        subjects=r["subject_count"],
        findings=r["finding_count"],
        source=r["source"],
        ingested_at=r["ingested_at"],
        periods=periods,
    )


def _stored_subject(r: Mapping[Any, Any]) -> StoredSubject:
    scores = r.get("scores_json")
    points = {} if scores is None else {k: _dec(v) for k, v in json.loads(scores).items()}
    return StoredSubject(
        run=r["run_pk"],
        index=r["idx"],
        subject=Subject(
            r["subject_id"],
            r["name"],
            r["type"],
            key=r["key"],
            period=r["period"],
            parent=r["parent"],
        ),
        method=Method(r["ruleset_id"], r["ruleset_version"], r["ruleset_sha256"]),
        total=_dec(r["total"]),
        max=_dec(r["max"]),
        grade=r["grade"],
        grade_label=r["grade_label"],
        grade_reason=r["grade_reason"],
        grade_reason_zh=r["grade_reason_zh"],
        coverage=_dec(r["coverage"]),
        complete=bool(r["complete"]),
        points=points,
        has_record=bool(r["has_record"]),
    )


def _stored_finding(r: Mapping[Any, Any]) -> StoredFinding:
    return StoredFinding(
        rule_id=r["rule_id"],
        kind=r["kind"],
        outcome=r["outcome"],
        severity=r["severity"],
        fingerprint=r["fingerprint"],
        points=_dec(r["points"]),
        weight=_dec(r["weight"]),
        grade=r["grade"],
        value=None if r["value"] is None else _load(r["value"]),
        display=r["display"],
        message=r["message"],
        reason=r["reason"],
    )
