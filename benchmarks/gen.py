"""Synthetic rule sets and subject data for the benchmarks (deterministic, seeded)."""

from __future__ import annotations

import random
from typing import Any

KINDS = ("threshold", "proportional", "deduct", "bands", "formula")


def ruleset_text(
    n_indicators: int = 30, *, group_size: int = 5, checks: int = 2, distinct: bool = False
) -> str:
    """A rule set with ``n_indicators`` leaf indicators in groups of ``group_size``.

    Each leaf reads a ratio metric (``a_i / b_i``) or an input directly, and the scorers
    cycle through threshold, proportional, deduct, bands and formula.  Weights add up.
    ``distinct``: every metric and formula has its own shape (``a_i / b_i + i``, nested
    ``i`` levels of ``min``), so no generated code can be shared between them.
    """
    n_groups = max(1, (n_indicators + group_size - 1) // group_size)
    lines = [
        "perfscore: 1",
        f"id: bench_{n_indicators}",
        f"title: Benchmark rule set with {n_indicators} indicators",
        'version: "1"',
        "settings: {places: 2, missing: not_applicable, zero_division: not_applicable}",
        "inputs:",
    ]
    for i in range(n_indicators):
        lines.append(f"  a{i}: {{type: money, unit: 万元, title: 执行数{i}, min: 0}}")
        lines.append(f"  b{i}: {{type: money, unit: 万元, title: 预算数{i}, min: 0}}")
    lines.append("metrics:")
    for i in range(n_indicators):
        expr = f"a{i} / b{i}" if not distinct else _distinct(f"a{i} / b{i}", i)
        lines.append(f"  r{i}: {{expr: '{expr}', unit: '%', title: 执行率{i}}}")
    lines.append("indicators:")
    per_group: list[list[int]] = [[] for _ in range(n_groups)]
    for i in range(n_indicators):
        per_group[i // group_size].append(i)
    for g, members in enumerate(per_group):
        gw = 4 * len(members)
        lines += [f"  - id: g{g}", f"    title: 分组{g}", f"    weight: {gw}", "    children:"]
        for i in members:
            kind = KINDS[i % len(KINDS)]
            lines += [f"      - id: i{i}", f"        title: 指标{i}", "        weight: 4"]
            if kind == "threshold":
                lines += [
                    f"        value: r{i}",
                    "        scorer: {type: threshold, op: '>=', target: 0.9}",
                ]
            elif kind == "proportional":
                lines += [
                    f"        value: r{i}",
                    "        scorer: {type: proportional, target: 0.95, direction: higher}",
                ]
            elif kind == "deduct":
                lines += [
                    f"        value: r{i}",
                    "        scorer: {type: deduct, start: 0.95, direction: below, per: 0.01,"
                    " points: 0.5, count: exact}",
                ]
            elif kind == "bands":
                lines += [
                    f"        value: r{i}",
                    "        scorer:",
                    "          type: bands",
                    "          bands:",
                    "            - {range: '>= 0.9', points: 4}",
                    "            - {range: '[0.7, 0.9)', points: 2.5}",
                    "            - {range: '< 0.7', points: 0}",
                ]
            else:
                formula = f"min(4, 4 * a{i} / b{i})"
                if distinct:
                    formula = _distinct(formula, i + 1)
                lines += [f"        scorer: {{type: formula, expr: '{formula}'}}"]
    if checks:
        lines.append("checks:")
        for c in range(checks):
            lines += [
                f"  - id: c{c}",
                f"    title: 核对{c}",
                "    type: equal",
                f"    left: a{c} + b{c}",
                f"    right: b{c} + a{c}",
                "    tolerance: 0.01",
            ]
    lines += [
        "grades:",
        "  bands:",
        "    - {id: A, label: 优, min: 90}",
        "    - {id: B, label: 良, min: 80}",
        "    - {id: C, label: 中, min: 60}",
        "    - {id: D, label: 差, min: 0}",
    ]
    return "\n".join(lines) + "\n"


def _distinct(expr: str, i: int) -> str:
    """A shape of its own for each ``i``: the binary digits of ``i`` choose + or − terms."""
    terms = "".join(" + 0.5" if (i >> bit) & 1 else " - 0.25" for bit in range(i.bit_length()))
    return f"({expr}){terms}" if terms else expr


def columns(n_indicators: int, n_rows: int, seed: int = 1) -> dict[str, Any]:
    """numpy float64 columns a_i, b_i (a around 0.6–1.1 × b), values with 2 decimals."""
    import numpy as np

    rng = np.random.default_rng(seed)
    cols: dict[str, Any] = {}
    for i in range(n_indicators):
        b = np.round(rng.uniform(100, 10000, n_rows), 2)
        a = np.round(b * rng.uniform(0.6, 1.1, n_rows), 2)
        cols[f"a{i}"], cols[f"b{i}"] = a, b
    return cols


def records(n_indicators: int, n_rows: int, seed: int = 1) -> list[dict[str, Any]]:
    """Plain subject records ``{id, name, values}`` (floats with 2 decimals)."""
    rnd = random.Random(seed)
    out = []
    for r in range(n_rows):
        values: dict[str, Any] = {}
        for i in range(n_indicators):
            b = round(rnd.uniform(100, 10000), 2)
            values[f"a{i}"] = round(b * rnd.uniform(0.6, 1.1), 2)
            values[f"b{i}"] = b
        out.append({"id": f"dept-{r}", "name": f"部门{r}", "values": values})
    return out
