"""Inline SVG charts generated in Python: no JavaScript, no fonts or libraries from a CDN.

Each function returns one ``<svg>`` element as text, sized by its ``viewBox`` so it scales with
the page.  Coordinates are written with one decimal, so the same data gives the same bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..textsafe import html as escape

__all__ = ["Bar", "hbars", "vbars"]

COLOURS = {
    "pass": "#2e7d32",
    "fail": "#ef6c00",
    "error": "#c62828",
    "not_applicable": "#9e9e9e",
    "bar": "#1565c0",
    "track": "#e8eaf0",
}


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    limit: float | None = None  # a grey track behind the bar (e.g. the weight)
    colour: str = COLOURS["bar"]
    text: str = ""  # what to print at the end of the bar


def _f(x: float) -> str:
    return f"{x:.1f}"


def _fit(label: str, room: float, size: int = 13) -> str:
    """Shorten a label to the pixels it has (CJK glyphs are about a full em wide)."""
    used = 0.0
    for i, ch in enumerate(label):
        used += size if ord(ch) > 0x2E7F else size * 0.55
        if used > room - size:
            return label[:i] + "…"
    return label


def _open(width: int, height: int, title: str) -> str:
    t = escape(title)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{t}"><title>{t}</title>'
    )


def hbars(bars: Sequence[Bar], *, title: str, width: int = 640, label_width: int = 200) -> str:
    """Horizontal bars with labels on the left: an indicator profile, a top-N list."""
    row, pad = 26, 8
    height = pad * 2 + row * max(len(bars), 1)
    scale_max = max([b.limit or 0.0 for b in bars] + [b.value for b in bars] + [1e-9])
    plot = width - label_width - 90
    parts = [_open(width, height, title)]
    for i, b in enumerate(bars):
        y = pad + i * row
        parts.append(
            f'<text x="{label_width - 6}" y="{_f(y + 17)}" text-anchor="end" '
            f'font-size="13"><title>{escape(b.label)}</title>'
            f"{escape(_fit(b.label, label_width - 6))}</text>"
        )
        if b.limit is not None:
            w = plot * b.limit / scale_max
            parts.append(
                f'<rect x="{label_width}" y="{_f(y + 4)}" width="{_f(w)}" height="18" '
                f'fill="{COLOURS["track"]}" rx="2"/>'
            )
        w = plot * b.value / scale_max
        parts.append(
            f'<rect x="{label_width}" y="{_f(y + 4)}" width="{_f(w)}" height="18" '
            f'fill="{b.colour}" rx="2"/>'
        )
        end = label_width + plot * max(b.value, b.limit or 0.0) / scale_max
        parts.append(
            f'<text x="{_f(end + 6)}" y="{_f(y + 17)}" font-size="12" '
            f'fill="#333">{escape(b.text)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def vbars(
    bars: Sequence[Bar], *, title: str, width: int = 480, height: int = 220, axis: str = ""
) -> str:
    """Vertical bars with a label under each: a histogram of totals, counts per grade."""
    top, bottom, left = 20, 44, 10
    n = max(len(bars), 1)
    slot = (width - left * 2) / n
    plot_h = height - top - bottom
    scale_max = max([b.value for b in bars] + [1e-9])
    parts = [_open(width, height, title)]
    base = top + plot_h
    parts.append(
        f'<line x1="{left}" y1="{_f(base)}" x2="{width - left}" y2="{_f(base)}" stroke="#999"/>'
    )
    for i, b in enumerate(bars):
        x = left + i * slot
        h = plot_h * b.value / scale_max
        parts.append(
            f'<rect x="{_f(x + slot * 0.15)}" y="{_f(base - h)}" width="{_f(slot * 0.7)}" '
            f'height="{_f(h)}" fill="{b.colour}" rx="2"/>'
        )
        cx = x + slot / 2
        parts.append(
            f'<text x="{_f(cx)}" y="{_f(base - h - 4)}" text-anchor="middle" '
            f'font-size="12">{escape(b.text)}</text>'
        )
        parts.append(
            f'<text x="{_f(cx)}" y="{_f(base + 16)}" text-anchor="middle" '
            f'font-size="11">{escape(b.label)}</text>'
        )
    if axis:
        parts.append(
            f'<text x="{_f(width / 2)}" y="{height - 6}" text-anchor="middle" font-size="11" '
            f'fill="#666">{escape(axis)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
