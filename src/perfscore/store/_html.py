"""``perfscore history KEY --format html``: the trend as a self-contained page (a line chart of
the total, in inline SVG, above the table of indicators by period).  Every text is escaped."""

from __future__ import annotations

from decimal import Decimal

from .. import words
from ..numbers import json_number
from ..textsafe import html
from ._analysis import History

__all__ = ["history_html"]

_W, _H, _PAD = 640, 260, 40


def _e(x: object) -> str:
    return html("" if x is None else str(x))  # the one HTML sanitiser (perfscore.textsafe)


def _n(x: Decimal | None) -> str:
    return "—" if x is None else json_number(x)


def _chart(h: History) -> str:
    pts = [(i, e.total, e.max) for i, e in enumerate(h.entries)]
    top = max((m for _, _, m in pts if m is not None), default=Decimal(100)) or Decimal(100)
    n = max(1, len(pts) - 1)

    def x(i: int) -> float:
        return _PAD + (_W - 2 * _PAD) * i / n if len(pts) > 1 else _W / 2

    def y(v: Decimal) -> float:
        return _H - _PAD - (_H - 2 * _PAD) * float(v / top)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_W} {_H}" width="{_W}" '
        f'height="{_H}" role="img" aria-label="total by period">',
        f'<line x1="{_PAD}" y1="{_H - _PAD}" x2="{_W - _PAD}" y2="{_H - _PAD}" stroke="#888"/>',
        f'<line x1="{_PAD}" y1="{_PAD}" x2="{_PAD}" y2="{_H - _PAD}" stroke="#888"/>',
        f'<text x="{_PAD - 6}" y="{_PAD + 4}" text-anchor="end" font-size="11">{_n(top)}</text>',
        f'<text x="{_PAD - 6}" y="{_H - _PAD + 4}" text-anchor="end" font-size="11">0</text>',
    ]
    line = [(x(i), y(t)) for i, t, _ in pts if t is not None]
    if len(line) > 1:
        d = " ".join(f"{a:.1f},{b:.1f}" for a, b in line)
        parts.append(f'<polyline fill="none" stroke="#1f6feb" stroke-width="2" points="{d}"/>')
    for (i, t, _), e in zip(pts, h.entries, strict=True):
        label = _e(e.subject.period if e.subject.period is not None else f"run {e.run}")
        parts.append(
            f'<text x="{x(i):.1f}" y="{_H - _PAD + 16}" text-anchor="middle" '
            f'font-size="11">{label}</text>'
        )
        if t is not None:
            parts.append(f'<circle cx="{x(i):.1f}" cy="{y(t):.1f}" r="4" fill="#1f6feb"/>')
            parts.append(
                f'<text x="{x(i):.1f}" y="{y(t) - 8:.1f}" text-anchor="middle" '
                f'font-size="11">{_n(t)} {_e(e.grade_label or e.grade or "")}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


def history_html(h: History) -> str:
    titles = {str(r["id"]): r for r in h.rules}
    head = "".join(
        f"<th>{_e(e.subject.period if e.subject.period is not None else f'run {e.run}')}</th>"
        for e in h.entries
    )
    zh, en = words.STORE["zh"], words.STORE["en"]
    rows = [
        f"<tr><th>{zh['total']} {en['total']}</th>"
        + "".join(f"<td>{_n(e.total)}</td>" for e in h.entries)
        + "</tr>",
        f"<tr><th>{zh['grade']} {en['grade']}</th>"
        + "".join(f"<td>{_e(e.grade_label or e.grade or '—')}</td>" for e in h.entries)
        + "</tr>",
    ]
    for rid in h.indicators():
        r = titles.get(rid, {})
        depth = max(0, int(r.get("level") or 1) - 1)
        rows.append(
            f'<tr><th style="padding-left:{0.3 + depth}em">{_e(r.get("title") or rid)}</th>'
            + "".join(f"<td>{_n(v)}</td>" for v in h.indicator(rid))
            + "</tr>"
        )
    method = _e(h.method) + (f" · {zh['rescored']} · {en['rescored']}" if h.rescored else "")
    return (
        '<!DOCTYPE html>\n<html lang="zh"><head><meta charset="utf-8">'
        f"<title>{_e(h.name or h.key)}</title>"
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
        "th,td{border:1px solid #ddd;padding:.2em .6em}td{text-align:right}"
        "th{text-align:left}</style></head><body>"
        f"<h1>{_e(h.name or h.key)} <small>{_e(h.key)}</small></h1><p>{method}</p>"
        f"{_chart(h)}<table><thead><tr><th></th>{head}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></body></html>\n"
    )
