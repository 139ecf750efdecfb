"""A deep columnar set like session 17's outside reviewer's (issue #18, ``run.py --only
columnar-deep``): 53 leaves in 22 groups three levels deep — the team's 44-leaf department tree
(:mod:`families`: rates, counts, survey bands, formulas, ties and blanks) and a group of the
kinds rev17's set added: four series given one column a year (``rev_a_2023``, ``rev_a_2024``)
read with ``year(s, y)`` in growth and execution rates, three 评审等次 text columns scored by
``tier``, a leaf whose ``when`` reads a text column (``level == 'county'``) and a leaf whose
value is a bureau's own plug-in function (``capped(x)``, registered ``pure=True``).

:func:`numpy_chunked` is the hand-written exact numpy baseline, written from the spec (the
family's own :func:`family_baselines.numpy_exact` for the 44 leaves): it reads the Arrow table in
131,072-row slices, as a programmer keeping temporaries small would, and decides every
comparison and rounding in integers.  :func:`object_frame` gives the same data as a pandas
frame whose number columns hold text (``"1234.56"``, what ``pd.read_csv(dtype=str)`` gives).
"""

from __future__ import annotations

import os
import random
from decimal import Decimal
from typing import Any

import families
from families import Family, Group, Leaf

#: the baseline's slice of rows (rev17's: a fair numpy keeps its temporaries small)
SLICE = 131_072
SERIES = ("rev_a", "rev_b", "rev_c", "rev_d")
YEARS = (2023, 2024)
TIERS = ("t_target", "t_effect", "t_social")
CHOICES = ("achieved", "partial", "not_achieved")
LEVELS = ("province", "city", "county")
#: the extra leaves: (id, kind, weight ×100, what it reads)
EXTRA = (
    ("e_grow_a", "growth", 400, "rev_a"),
    ("e_grow_b", "growth", 400, "rev_b"),
    ("e_exec_c", "yexec", 300, "rev_c"),
    ("e_exec_d", "yexec", 300, "rev_d"),
    ("e_tier_0", "tier", 400, "t_target"),
    ("e_tier_1", "tier", 400, "t_effect"),
    ("e_tier_2", "tier", 300, "t_social"),
    ("e_county", "county", 300, "rev_c"),
    ("e_plugin", "plugin", 400, ""),  # its input: the first survey leaf's (set below)
)
_TITLE = {
    "growth": "收入增长率",
    "yexec": "当年预算执行率",
    "tier": "评审等次",
    "county": "县级执行率",
    "plugin": "满意度（封顶）",
}


def family() -> Family:
    root, leaves = _tree(44, (4, 3), seed=53)
    return Family("coldeep", root, leaves)


def _tree(n_leaves: int, fanout: tuple[int, ...], seed: int) -> tuple[list[Group], list[Leaf]]:
    """Groups nested ``len(fanout)`` levels deep over leaves of the family kinds in turn (as
    :mod:`families` builds its trees)."""
    rnd = random.Random(seed)
    kinds = families.LEAF_KINDS
    weights = (Decimal(2), Decimal(3), Decimal(4), Decimal(5), Decimal("2.5"))
    leaves = [
        Leaf(f"i{i}", kinds[i % len(kinds)], rnd.choice(weights), (f"x{i}", f"y{i}")[:width],
             families.COUNTS[i % 3])
        for i in range(n_leaves)
        for width in [1 if kinds[i % len(kinds)] == "survey_bands" else 2]
    ]  # fmt: skip
    number = iter(range(10**6))
    items: list[Any] = list(leaves)
    for k in reversed(fanout):
        items = [
            Group(f"g{next(number)}", sum((c.weight for c in part), Decimal(0)), part)
            for part in (items[j : j + k] for j in range(0, len(items), k))
        ]
    return items, leaves


def _survey_input(fam: Family) -> str:
    return next(leaf.inputs[0] for leaf in fam.leaves if leaf.kind == "survey_bands")


def functions() -> Any:
    """The functions the set may call: the defaults and the bureau's own ``capped(x)``
    (``x``, at most 100; pure) — a registry of its own, not the process-wide one."""
    from perfscore.functions import Function
    from perfscore.plugins import default_functions

    reg = default_functions()
    reg.add(Function("capped", lambda x: min(x, Decimal(100)), 1, 1, "number", "min(x, 100)", True))
    return reg


def load(fam: Family) -> Any:
    """The rule set, loaded with :func:`functions`."""
    import perfscore

    text = ruleset_text(fam)
    return perfscore.load_ruleset_text(text, source="coldeep.yaml", functions=functions())


def ruleset_text(fam: Family) -> str:
    text = families.ruleset_text(fam)
    inputs = [f"  {s}: {{type: series, of: money, unit: 万元, min: 0}}" for s in SERIES]
    inputs += [f"  {t}: {{type: text, choices: [{', '.join(CHOICES)}]}}" for t in TIERS]
    inputs.append(f"  level: {{type: text, choices: [{', '.join(LEVELS)}]}}")
    metrics = [
        f"  g_{s}: {{expr: '(year({s}, 2024) - year({s}, 2023)) / year({s}, 2023)', unit: '%'}}"
        for s in SERIES[:2]
    ] + [f"  x_{s}: {{expr: 'year({s}, 2024) / year({s}, 2023)', unit: '%'}}" for s in SERIES[2:]]
    leaves: list[str] = []
    survey = _survey_input(fam)
    for rid, kind, w100, src in EXTRA:
        w = Decimal(w100) / 100
        title = f"{_TITLE[kind]}{rid[-1]}"
        head = f"          - {{id: {rid}, title: {title}, weight: {w}, "
        if kind == "growth":
            scorer = "{type: threshold, op: '>=', target: 0.05}"
            leaves.append(head + f"value: g_{src}, scorer: {scorer}}}")
        elif kind == "yexec":
            leaves.append(head + f"value: x_{src}, scorer: {{type: proportional, target: 1}}}}")
        elif kind == "county":
            leaves.append(
                head + f"when: \"level == 'county'\", value: x_{src},"
                " scorer: {type: threshold, op: '>=', target: 0.95}}"
            )
        elif kind == "tier":
            leaves += [
                f"          - id: {rid}",
                f"            title: {title}",
                f"            weight: {w}",
                "            scorer:",
                "              type: tier",
                f"              tier: {src}",
                "              pass_at: 0.8",
                "              tiers:",
                "                - {id: achieved, range: '[0.8, 1]'}",
                "                - {id: partial, range: '[0.6, 0.8)', default: 0.7}",
                "                - {id: not_achieved, range: '[0, 0.6)', default: 0.3}",
            ]
        else:  # plugin
            leaves += [
                f"          - id: {rid}",
                f"            title: {title}",
                f"            weight: {w}",
                f"            value: capped({survey})",
                "            scorer:",
                "              type: bands",
                "              bands:",
                f"                - {{range: '>= 95', points: {w}}}",
                f"                - {{range: '[90, 95)', points: {w * Decimal('0.8')}}}",
                f"                - {{range: '[80, 90)', points: {w * Decimal('0.6')}}}",
                "                - {range: '< 80', points: 0}",
            ]
    w_years = sum(Decimal(x[2]) for x in EXTRA[:4]) / 100
    w_text = sum(Decimal(x[2]) for x in EXTRA[4:]) / 100
    group = [
        "  - id: g_extra",
        "    title: 多年与评审",
        f"    weight: {w_years + w_text}",
        "    children:",
        "      - id: g_years",
        "        title: 多年数据",
        f"        weight: {w_years}",
        "        children:",
        *leaves[:4],
        "      - id: g_texts",
        "        title: 评审等次",
        f"        weight: {w_text}",
        "        children:",
        *leaves[4:],
    ]
    text = text.replace("inputs:\n", "inputs:\n" + "\n".join(inputs) + "\n", 1)
    text = text.replace("metrics:\n", "metrics:\n" + "\n".join(metrics) + "\n", 1)
    return text.replace("grades:\n", "\n".join(group) + "\ngrades:\n", 1)


# --- the data ----------------------------------------------------------------------------------


def table(fam: Family, n: int, seed: int = 11) -> Any:
    """The departments as a pyarrow Table: the family's columns (float64, NaN as null), two
    year columns per series (2 % blank years, a tenth with no growth, some exactly 5 %, a few
    zero first years), the tier and level text columns (2 % blank)."""
    import numpy as np
    import pyarrow as pa

    rng = np.random.default_rng(seed)
    cols: dict[str, Any] = {}
    for name, col in families.columns(fam, n, seed).items():
        cols[name] = pa.array(col, from_pandas=True)  # NaN → null, as a Parquet file has it
    for s in SERIES:
        u = rng.random(n)
        b = np.where(u < 0.4, rng.integers(1, 501, n) * 10_00, rng.integers(10_00, 5000_01, n))
        b[u < 0.01] = 0
        v = rng.random(n)
        g = np.rint(b * rng.uniform(0.85, 1.2, n))
        g = np.where(v < 0.1, b, g)
        g = np.where((v >= 0.1) & (v < 0.2) & (b % 20 == 0), b * 105 // 100, g)
        for year, cents in zip(YEARS, (b, g), strict=True):
            blank = rng.random(n) < 0.02
            cols[f"{s}_{year}"] = pa.array(cents / 100, mask=blank)
    for t in (*TIERS, "level"):
        words = np.array(LEVELS if t == "level" else CHOICES, dtype=object)
        cells = words[rng.integers(0, 3, n)]
        cells[rng.random(n) < 0.02] = None
        cols[t] = pa.array(cells, pa.string())
    return pa.table(cols)


def object_frame(tbl: Any) -> Any:
    """The table as pandas, every number column as text cells (``"1234.56"``; a blank None) —
    what ``pd.read_csv(path, dtype=str)`` holds."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    data: dict[str, Any] = {}
    for name in tbl.column_names:
        col = tbl.column(name)
        if pa.types.is_floating(col.type):
            whole = pc.equal(pc.floor(col), col)
            ints = pc.cast(pc.if_else(whole, col, 0), pa.int64()).cast(pa.string())
            texts = pc.if_else(whole, ints, col.cast(pa.string()))
            out = np.empty(len(col), object)
            out[:] = texts.to_pylist()
            data[name] = out
        else:
            data[name] = col.to_pandas()
    return pd.DataFrame(data)


def float_frame(tbl: Any) -> Any:
    """The table as pandas (float64 columns, the text columns as objects)."""
    return tbl.to_pandas()


# --- the hand-written exact numpy baseline ------------------------------------------------------


def _floats(np: Any, col: Any) -> Any:
    return np.asarray(col.to_numpy(zero_copy_only=False), np.float64)


def numpy_chunked(fam: Family, tbl: Any) -> dict[str, Any]:
    """Points ×100 (int64), outcome codes (0 pass, 1 fail, 2 n/a) and the total ×100 (−1:
    none) for every row, computed :data:`SLICE` rows at a time from the table."""
    import numpy as np

    n = tbl.num_rows
    names = [name for name, _ in fam.inputs]
    parts: list[dict[str, Any]] = []
    for lo in range(0, n, SLICE):
        part = tbl.slice(lo, SLICE)
        cols = {name: _floats(np, part.column(name)) for name in names}
        for s in SERIES:
            for y in YEARS:
                cols[f"{s}_{y}"] = _floats(np, part.column(f"{s}_{y}"))
        for t in (*TIERS, "level"):
            cols[t] = part.column(t)
        parts.append(_score(np, fam, cols))
    out: dict[str, Any] = {"points": {}, "outcome": {}}
    for key in ("points", "outcome"):
        for rid in parts[0][key]:
            out[key][rid] = np.concatenate([p[key][rid] for p in parts])
    out["total"] = np.concatenate([p["total"] for p in parts])
    return out


def _hu(n: Any, d: Any) -> Any:
    return (2 * n + d) // (2 * d)


def _score(np: Any, fam: Family, cols: dict[str, Any]) -> dict[str, Any]:
    import pyarrow.compute as pc
    from family_baselines import numpy_exact

    pts: dict[str, Any] = {}
    code: dict[str, Any] = {}

    def cents(name: str) -> tuple[Any, Any]:
        x = cols[name]
        ok = ~np.isnan(x)
        return np.rint(np.where(ok, x, 0) * 100).astype(np.int64), ok

    def put(rid: str, valid: Any, ok: Any, p: Any) -> None:
        pts[rid] = np.where(valid, p, 0)
        code[rid] = np.where(valid, np.where(ok, 0, 1), 2).astype(np.int8)

    def text_is(name: str, word: str) -> Any:
        return np.asarray(
            pc.equal(cols[name], word).fill_null(False).to_numpy(zero_copy_only=False), bool
        )

    survey = _survey_input(fam)
    for rid, kind, w, src in EXTRA:
        if kind in ("growth", "yexec", "county"):
            B, vB = cents(f"{src}_2023")
            A, vA = cents(f"{src}_2024")
            valid = vA & vB & (B != 0)
            Bs = np.where(B == 0, 1, B)
            if kind == "growth":  # (A − B) / B ≥ 5 %
                ok = 100 * (A - B) >= 5 * B
                put(rid, valid, ok, np.where(ok, w, 0))
            elif kind == "yexec":  # A / B, proportional to 100 %
                ok = A >= B
                put(rid, valid, ok, np.where(ok, w, _hu(w * A, Bs)))
            else:  # county only: A / B ≥ 95 %
                ok = 100 * A >= 95 * B
                put(rid, valid & text_is("level", "county"), ok, np.where(ok, w, 0))
        elif kind == "tier":
            full, part = text_is(src, "achieved"), text_is(src, "partial")
            given = full | part | text_is(src, "not_achieved")
            p = np.where(full, w, np.where(part, w * 7 // 10, w * 3 // 10))
            put(rid, given, full, p)
        else:  # plugin: capped(x) in the survey's bands
            x = cols[survey]
            valid = ~np.isnan(x)
            s = np.minimum(np.rint(np.nan_to_num(x) * 10).astype(np.int64), 1000)
            p = np.where(
                s >= 950, w, np.where(s >= 900, w * 8 // 10, np.where(s >= 800, w * 6 // 10, 0))
            )
            put(rid, valid, p >= w, p)
    extra = Group(
        "g_extra",
        Decimal(sum(x[2] for x in EXTRA)) / 100,
        [
            Group("g_years", Decimal(sum(x[2] for x in EXTRA[:4])) / 100, _stubs(EXTRA[:4])),
            Group("g_texts", Decimal(sum(x[2] for x in EXTRA[4:])) / 100, _stubs(EXTRA[4:])),
        ],
    )
    tree = numpy_exact(fam, cols)  # the family's 44 leaves and 19 groups, by its baseline
    pts.update(tree["points"])
    code.update(tree["outcome"])
    for node in _post_order([extra]):
        if isinstance(node, Leaf):
            continue
        got = base = bad = None
        for c in node.children:
            valid = code[c.id] != 2
            p = np.where(valid, pts[c.id], 0)
            wc = np.where(valid, int(c.weight * 100), 0)
            f = code[c.id] == 1
            got = p if got is None else got + p
            base = wc if base is None else base + wc
            bad = f if bad is None else bad | f
        gw = int(node.weight * 100)
        safe = np.maximum(base, 1)
        pts[node.id] = np.where(base == gw, got, (2 * got * gw + safe) // (2 * safe))
        code[node.id] = np.where(base == 0, 2, np.where(bad, 1, 0)).astype(np.int8)
    seen = tree["total"] >= 0  # (−1: no top group scored)
    total = np.where(seen, tree["total"], 0)
    valid = code[extra.id] != 2
    total += np.where(valid, pts[extra.id], 0)
    seen |= valid
    return {"points": pts, "outcome": code, "total": np.where(seen, total, -1)}


def _stubs(extra: Any) -> list[Leaf]:
    return [Leaf(rid, kind, Decimal(w) / 100, ()) for rid, kind, w, _ in extra]


def _post_order(nodes: list[Any]) -> list[Any]:
    out: list[Any] = []
    for node in nodes:
        if isinstance(node, Group):
            out += _post_order(node.children)
        out.append(node)
    return out


# --- the measurement -----------------------------------------------------------------------------


def differs(np: Any, res: Any, base: dict[str, Any], rule_ids: Any) -> int:
    """Rows where the engine's points, outcome or total differ from the baseline's."""
    diff = np.where(res.has_total, res.total, -1) != base["total"]
    for rid in rule_ids:
        diff |= res.outcome[rid] != base["outcome"][rid]
        diff |= res.has_points[rid] & (res.points[rid] != base["points"][rid])
    return int(diff.sum())


def per_record_differs(rs: Any, cs: Any, fam: Family, data: Any, rows: int) -> tuple[int, int]:
    """Cells (points and outcome per rule; total; grade) where the columnar result of the
    first ``rows`` rows differs from ``rs.evaluate`` on the per-record path, and how many of
    those the exact numpy baseline decides as the columns do (a half behind a quotient that
    does not end: the per-record path's 28 digits round it the other way)."""
    from perfscore.columnar import OUTCOMES

    pandas = hasattr(data, "iloc")
    head = data.iloc[:rows] if pandas else data.slice(0, rows)
    res = cs.score(head)
    base = numpy_chunked(fam, _arrow(head) if pandas else head)
    before = os.environ.get("PERFSCORE_COLUMNAR")
    os.environ["PERFSCORE_COLUMNAR"] = "0"
    try:
        subjects = rs.evaluate(head).subjects
    finally:
        if before is None:
            del os.environ["PERFSCORE_COLUMNAR"]
        else:
            os.environ["PERFSCORE_COLUMNAR"] = before
    bad = exact = 0
    totals, grades = res.totals_decimal(), res.grades()
    for i, r in enumerate(subjects):
        got = None if totals[i] is None else int(totals[i].scaleb(res.places))
        if r.total != totals[i]:
            bad += 1
            exact += got == int(base["total"][i])
        bad += r.grade != grades[i]
        for sc in r.scores:
            code = OUTCOMES[int(res.outcome[sc.rule_id][i])]
            has = bool(res.has_points[sc.rule_id][i])
            p = int(res.points[sc.rule_id][i]) if has else None
            want = None if sc.points is None else int(sc.points.scaleb(res.places))
            bad += (code != sc.outcome) + (p != want)
            if p != want and sc.rule_id in base["points"]:
                exact += p == int(base["points"][sc.rule_id][i])
    return bad, exact


def _arrow(frame: Any) -> Any:
    """A pandas frame of number text back as the Arrow table it was made from."""
    import pyarrow as pa

    cols = {}
    for name in frame.columns:
        col = frame[name]
        if name in (*TIERS, "level"):
            cols[name] = pa.array(col, pa.string(), from_pandas=True)
        else:
            cols[name] = pa.array(col, pa.string(), from_pandas=True).cast(pa.float64())
    return pa.table(cols)


def run(
    row: Any, ratio: Any, sizes: list[int], rounds: int, text_rows: int, check_rows: int = 2000
) -> None:
    """The Arrow table at each size against the chunked numpy (and the first ``check_rows``
    rows against the per-record path), then ``text_rows`` rows as a pandas frame of number
    text against the same frame of float64 columns (0: not measured)."""
    import numpy as np

    from perfscore.columnar import ColumnarScorer

    fam = family()
    rs = load(fam)
    cs = ColumnarScorer(rs)
    leaves = len(list(rs.compiled.leaves()))
    groups = sum(1 for r in rs.rules if r.kind == "group")
    ids = [*(x.id for x in fam.leaves), *(x[0] for x in EXTRA)]
    for n in sizes:
        tbl = table(fam, n)
        res, base = cs.score(tbl), numpy_chunked(fam, tbl)
        diff = differs(np, res, base, ids)
        fell = int(res.fallback.sum())
        del res, base
        r, a, b = ratio(lambda t=tbl: cs.score(t), lambda t=tbl: numpy_chunked(fam, t), rounds)
        row(
            f"[columnar-deep] {n:,} rows (Arrow) vs numpy in {SLICE:,}-row slices",
            f"{r:.2f}×",
            f"{a:.2f} s vs {b:.2f} s; {leaves} leaves, {groups} groups; differs on {diff} rows;"
            f" {fell} rows ({fell / n:.3%}) on the per-record path"
            + ("" if cs.supported else f"; not columnar: {cs.reason}"),
        )
        if n == sizes[0] and check_rows:
            bad, exact = per_record_differs(rs, cs, fam, tbl, check_rows)
            row(
                f"[columnar-deep] first {check_rows:,} rows vs the per-record path",
                f"{bad} cells",
                f"points, outcome per rule; total; grade (Arrow table); {exact} of them where"
                " the exact numpy agrees with the columns",
            )
        del tbl
    if not text_rows:
        return
    tbl = table(fam, text_rows)
    text, floats = object_frame(tbl), float_frame(tbl)
    rt, rf = cs.score(text), cs.score(floats)
    same = all(
        np.array_equal(rt.has_points[k], rf.has_points[k])
        and np.array_equal(rt.points[k][rt.has_points[k]], rf.points[k][rf.has_points[k]])
        and np.array_equal(rt.outcome[k], rf.outcome[k])
        for k in cs.rule_ids
    ) and np.array_equal(rt.total[rt.has_total], rf.total[rf.has_total])
    fell = int(rt.fallback.sum())
    del rt, rf
    r, a, b = ratio(lambda f=text: cs.score(f), lambda f=floats: cs.score(f), rounds)
    row(
        f"[columnar-deep] {text_rows:,} rows, pandas object number text vs float64",
        f"{r:.2f}×",
        f"{a:.2f} s vs {b:.2f} s; same results={same}; {fell} rows ({fell / text_rows:.3%})"
        " on the per-record path",
    )
    if check_rows:
        bad, exact = per_record_differs(rs, cs, fam, text, check_rows)
        row(
            f"[columnar-deep] first {check_rows:,} text-number rows vs the per-record path",
            f"{bad} cells",
            f"pandas object columns of number text; {exact} of them where the exact numpy"
            " agrees with the columns",
        )
