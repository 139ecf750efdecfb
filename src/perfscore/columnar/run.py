"""Running a plan over columns, chunk by chunk — inputs and metrics
(:mod:`~perfscore.columnar.stages`), the indicator tree (:mod:`~perfscore.columnar.tree`),
checks and grade overrides (:mod:`~perfscore.columnar.checks`), total and grade; rows left
unsure — and every row of an unsupported rule set — are scored by the per-record path."""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from ..ingest.columns import Target
from ..ingest.yearcols import YearColumns
from .arrownums import arrow_numbers
from .bounds import F_ERROR, F_MISSING, Chunk, Unsupported
from .categories import absent_codes, category_codes
from .checks import apply_overrides, run_check
from .derived import derived_codes, number_codes
from .failures import code_where
from .frames import (
    OUTCOMES,
    ColumnarResult,
    all_null,
    as_column,
    cell_objects,
    cells_at,
    number_text,
    plain_cell,
    row_count,
    year_cells,
    year_series,
)
from .headers import HeaderMaps, frame_inputs
from .plan import Plan
from .planner import build_plan, grade_ids
from .rational import Q, from_floats
from .reasons import said_both
from .series import read_series
from .stages import read_inputs, run_metrics
from .tree import Arithmetic, aggregate, coverage_ok, run_node

if TYPE_CHECKING:  # annotations only: perfscore.ruleset routes frames here (perfscore.colbatch)
    from ..ruleset import RuleSet

__all__ = ["CHUNK", "PROBE", "ColumnarScorer", "FrameScorer", "score_columns", "score_frame"]

CHUNK = 1 << 16
#: the first chunk of a run: small, scored in float64 with the guard to learn which
#: indicators meet many ties (those then run in exact integers, see :class:`Arithmetic`)
PROBE = 2048
#: scored chunks a scorer keeps (what they made, never the caller's columns): each chunk's
#: memory is then freed under the next ones' and reused, not handed back to the system at
#: the top of the heap and faulted in again — 15 calls on 200,000 rows of dept30 took 3.6 s
#: CPU freeing each chunk at once, 2.3 s keeping two (2.4 s, and 750 MB held, while the
#: chunks were cyclic garbage)
WORKSPACE = 2
_CODE = {o: i for i, o in enumerate(OUTCOMES)}


class ColumnarScorer:
    """A rule set prepared for columns; ``score(columns)`` → :class:`ColumnarResult`."""

    def __init__(self, rs: RuleSet, *, arithmetic: str = "auto") -> None:
        """``arithmetic``: ``"auto"`` (float64 with the guard, exact integers for the
        indicators that meet many ties), ``"int"`` (exact integers wherever the columns
        allow) or ``"float"`` — the same results every way, only the speed differs."""
        if arithmetic not in ("auto", "int", "float"):
            raise ValueError(f"arithmetic must be auto, int or float, not {arithmetic!r}")
        self.arithmetic = arithmetic
        self._workspace: deque[Chunk] = deque(maxlen=WORKSPACE)
        self.rs = rs
        c = rs.compiled
        self.places = c.model.settings.places
        self.scale = 10**self.places
        self.reason: str | None = None
        self.inputs = dict(c.inputs)
        self._aliases = {
            n: tuple(m.aliases) for n, m in rs.model.inputs.items() if getattr(m, "aliases", None)
        }
        self._maps = HeaderMaps(self.inputs, self._aliases)  # header rows already mapped
        #: the series inputs: read from one column a year when no column names them
        self._series = tuple(n for n, spec in self.inputs.items() if spec.type == "series")
        self.rule_ids = tuple(r.id for r in c.rules if r.kind != "check")
        self.check_ids = tuple(ch.id for ch in c.checks)
        self.grade_ids = grade_ids(c)
        self.letter_ids = () if c.letters is None else c.letters.ordered()
        self.plan: Plan | None = None
        #: what runs per row inside a columnar run (a plug-in function), in both languages
        self.per_row: Any = None
        try:
            self.plan = build_plan(c, rs.evaluator.root.weight)
            self.per_row = self.plan.per_row
            self._series = tuple(self.plan.series)  # (only those the columns read)
        except SyntaxError as e:  # (the loader parsed it: a text the columns read otherwise)
            self.reason = said_both("syntax", text=e.text or "")
        except Unsupported as e:
            why = e.args[0] if e.args else None  # (a Bilingual reason keeps its Chinese)
            self.reason = why if isinstance(why, str) and why else type(e).__name__

    @property
    def supported(self) -> bool:
        return self.reason is None

    # -- running -----------------------------------------------------------------------------
    def score(self, data: Any) -> ColumnarResult:
        """Score every row of ``data``: a mapping of column name → 1-D array, a pandas or
        polars DataFrame, or a pyarrow Table/RecordBatch.  Null or NaN is a missing value; a
        column the rule set reads but ``data`` lacks is missing in every row.  A column is
        named by its input's id, title or an alias, with or without a unit, as
        ``rs.evaluate(frame)`` and the command read headers (:mod:`.headers`); two columns
        for one input raise :class:`~perfscore.errors.DataError`."""
        raw = frame_inputs(data, self.inputs, self._aliases, self._maps)  # ids, titles, units
        absent = [n for n in self._series if n not in raw]  # one column a year?
        if absent:  # (off the columns too: the per-record path reads the years the same way)
            raw.update(year_series(data, absent, self.inputs, self._aliases, self._maps))
        cols: dict[str, Any] = {}
        vocab: dict[str, list[Any]] = {}
        dirty: Any = None  # rows with a cell that is not a plain number (text, "1,234", "95%")
        plan = self.plan
        for name, col in raw.items():
            if plan is not None and name in plan.categorical:
                cols[name], vocab[name] = self._categories(name, col)
                continue
            if isinstance(col, YearColumns):  # one column a year: read per chunk (or per record)
                if plan is not None and name in plan.series:
                    cols[name] = col
                continue
            if plan is not None and name in plan.series:  # cells as given: read per chunk
                if all_null(col):
                    continue  # as if absent: every row blank, decided at once
                cells = cell_objects(col)
                cols[name] = np.empty(len(cells), object)
                cols[name][:] = cells
                continue
            if plan is not None and name not in plan.read:
                continue  # read by nothing: its cells do not matter
            arrow = arrow_numbers(col)
            if arrow is not None:  # Arrow's floats or integers: read a chunk at a time
                cols[name] = arrow
                if self.inputs[name].type == "percent":
                    vague = arrow.percent_vague()
                    if vague is not None:
                        dirty = vague if dirty is None else dirty | vague
                continue
            if number_text(col):  # "1234.56" (pd.read_csv(dtype=str)): read as a CSV's text
                col = year_cells(col, Target("input", name, name), self.inputs[name])
            cols[name], bad = as_column(col)
            if self.inputs[name].type == "percent":
                vague = (cols[name] > 0) & (cols[name] <= 1)  # 0.98 % or 98 %? the reader says
                if vague.any():
                    bad = vague if bad is None else bad | vague
            if bad is not None:
                dirty = bad if dirty is None else dirty | bad
        n = len(next(iter(cols.values()))) if cols else row_count(data)
        if plan is not None:
            for name in plan.categorical:
                if name not in cols:  # the column is absent: every row reads a blank
                    subject_type = self.rs.compiled.model.subject_type
                    spec = self.inputs[name]
                    cols[name], vocab[name] = absent_codes(name, spec, subject_type, n)
            numbers: dict[str, Any] = {}  # numeric inputs a derived value reads: as codes
            for d in plan.derived:  # a text value computed from inputs
                for name in d.numbers:
                    if name not in numbers:
                        col = np.asarray(cols.get(name, np.full(n, np.nan)))
                        pct = self.inputs[name].type == "percent"
                        numbers[name] = number_codes(col, pct, plan.defaults.get(name))
                codes = {**cols, **{k: v[0] for k, v in numbers.items()}}
                values = {**vocab, **{k: v[1] for k, v in numbers.items()}}
                cols[d.name], vocab[d.name], raised = derived_codes(d, codes, values)
                if raised is not None:  # the expression raised: the per-record path says
                    dirty = raised if dirty is None else dirty | raised
        res = ColumnarResult(
            self.places,
            self.rule_ids,
            {r: np.zeros(n, np.int64) for r in self.rule_ids},
            {r: np.full(n, self.supported) for r in self.rule_ids},
            {r: np.zeros(n, np.int8) for r in self.rule_ids},
            np.zeros(n, np.int64),
            np.zeros(n, bool),
            np.full(n, -1, np.int8),
            self.grade_ids,
            {cid: np.zeros(n, np.int8) for cid in self.check_ids},
            np.ones(n, bool) if not self.supported else np.zeros(n, bool),
            {r: np.full(n, -1, np.int8) for r in self.rule_ids} if self.letter_ids else {},
            self.letter_ids,
        )
        if self.plan is not None:
            prefer = Arithmetic(self.arithmetic)  # this run's choice per leaf
            lo = 0
            while lo < n:
                hi = min(n, lo + (PROBE if lo == 0 else CHUNK))
                self._span(self.plan, res, cols, vocab, lo, hi, prefer)
                lo = hi
        if dirty is not None:
            res.fallback |= dirty
        rows = np.flatnonzero(res.fallback)
        if len(rows):
            self._per_record(res, raw, rows)
        return res

    def _categories(self, name: str, col: Any) -> tuple[Any, list[Any]]:
        """A text or yes/no column as value codes (:func:`~.categories.category_codes`)."""
        subject_type = self.rs.compiled.model.subject_type
        return category_codes(name, self.inputs[name], subject_type, col)

    def _span(
        self,
        plan: Plan,
        res: ColumnarResult,
        cols: Mapping[str, Any],
        vocab: dict[str, list[Any]],
        lo: int,
        hi: int,
        prefer: Arithmetic,
    ) -> None:
        """Score rows ``lo:hi``.  Where float64 under- or overflowed (values such as 1e-200
        multiplied together), relative error bounds no longer hold: the span is split and
        scored again, down to 64 rows, which then take the per-record path."""
        trouble: list[str] = []
        with np.errstate(
            divide="ignore", invalid="ignore", over="call", under="call",
            call=lambda kind, _flag: trouble.append(kind),
        ):  # fmt: skip
            self._chunk(plan, res, {k: v[lo:hi] for k, v in cols.items()}, vocab, lo, hi, prefer)
        if not trouble:
            return
        if hi - lo <= 64:
            res.fallback[lo:hi] = True
            return
        step = max(64, -(-(hi - lo) // 16))
        for start in range(lo, hi, step):
            self._span(plan, res, cols, vocab, start, min(hi, start + step), prefer)

    def _chunk(
        self,
        plan: Plan,
        res: ColumnarResult,
        cols: dict[str, Any],
        vocab: dict[str, list[Any]],
        lo: int,
        hi: int,
        prefer: Arithmetic,
    ) -> None:
        ctx = Chunk(cols, hi - lo, self.places, self)
        try:
            self._score_chunk(plan, res, ctx, cols, vocab, lo, hi, prefer)
        finally:
            ctx.detach()
            self._workspace.append(ctx)  # the oldest one is freed here

    def _score_chunk(
        self,
        plan: Plan,
        res: ColumnarResult,
        ctx: Chunk,
        cols: dict[str, Any],
        vocab: dict[str, list[Any]],
        lo: int,
        hi: int,
        prefer: Arithmetic,
    ) -> None:
        n = hi - lo
        ctx.vocab = vocab
        ctx.prefer = prefer
        use_ints = prefer.any()
        for name in plan.categorical:  # blanks and unreadable cells: failure codes
            cats = cols[name]
            if cats.min() < 0:
                code = code_where(cats == -1, F_MISSING)
                code += code_where(cats == -2, F_ERROR)
                ctx.codes[name] = code
        if plan.series:
            read_series(plan.series, ctx, cols, self.inputs, plan.series_pad)
        read_inputs(plan, ctx, cols, self.inputs)
        run_metrics(plan, ctx, use_ints)
        sl = slice(lo, hi)
        kids = [run_node(node, ctx, res, lo, hi) for node in plan.tree]
        grade = np.full(n, -1, np.int8)
        cov_ok: Any
        if not kids or not plan.has_total:  # checks or letters only: no total, no grade
            total = np.zeros(n, np.int64)
            res.has_total[sl] = False
            cov_ok = np.zeros(n, bool)
        elif all(k[3] for k in kids):  # nothing failed: the total is the sum
            total = kids[0][0] if len(kids) == 1 else kids[0][0] + kids[1][0]
            for k in kids[2:]:
                total += k[0]
            res.has_total[sl] = True
            cov_ok = None if plan.min_cov_ok else np.zeros(n, bool)
        else:
            assert plan.root is not None
            total, codes, cov, _ = aggregate(plan.root, kids, ctx, plan.min_cov4)
            has = codes <= 1
            res.has_total[sl] = has
            total = np.multiply(total, has)
            cov_ok = None if plan.min_cov4 is None else has & coverage_ok(cov, plan)
            if cov_ok is None and not has.all():
                cov_ok = has
        res.total[sl] = total  # rows that fall back may hold NaN here: replaced later
        if plan.bands_min:  # the first band (best first) whose minimum the total reaches
            top = len(plan.bands_min)
            found = top - np.searchsorted(plan.bands_min[::-1], total, side="right")
            grade = np.where(found == top, -1, found).astype(np.int8)
        if cov_ok is not None:
            grade[~cov_ok] = -1
        if plan.overrides and plan.bands_min:
            apply_overrides(plan, ctx, total, res.has_total[sl], cov_ok, grade, self.scale)
        res.grade[sl] = grade
        for ch in plan.checks:
            res.checks[ch.rule_id][sl] = run_check(ctx, ch)
        res.fallback[sl] = ctx.unsure

    # -- exact values for undecided rows ----------------------------------------------------
    def exact_q(self, ctx: Chunk, name: str, rows: Any) -> Q:
        """Exact values of input or metric ``name`` in ``rows`` of the chunk ``ctx``: inputs
        as the per-record reader reads the cells, metrics by their expressions over exact
        rationals (bad where there is none: a missing cell, a zero denominator)."""
        if name == "total" and name not in self.inputs:  # a grade override reads it
            return Q(ctx.total[rows].astype(np.int64), self.scale, len(rows))
        # integer columns: when made already, or worth making for this many rows
        ints = ctx.ints.get(name) if name in ctx.ints or len(rows) * 8 >= ctx.n else None
        if ints is not None:
            d = ints.d if isinstance(ints.d, int) else ints.d[rows]
            bad = ctx.int_bad.get(name)
            return Q(ints.n[rows], d, len(rows), None if bad is None else bad[rows])
        whole = ctx.exact_cache.get(name)
        if whole is None and len(rows) * 8 >= ctx.n:  # many rows on an edge: the whole chunk
            whole = ctx.exact_cache[name] = self._exact_q(ctx, name, np.arange(ctx.n))
        if whole is not None:
            return whole.take(rows)
        return self._exact_q(ctx, name, rows)

    def _exact_q(self, ctx: Chunk, name: str, rows: Any) -> Q:
        spec = self.inputs.get(name)
        if spec is not None:
            col = ctx.cols.get(name)
            if col is None:
                return Q(0, 1, len(rows), np.ones(len(rows), bool))
            return from_floats(col[rows], percent=spec.type == "percent")
        assert self.plan is not None
        return self.plan.metric_exprs[name].exact(ctx, rows)

    # -- fallback ----------------------------------------------------------------------------
    def _per_record(self, res: ColumnarResult, raw: Mapping[str, Any], rows: Any) -> None:
        """Score ``rows`` with the per-record path, from the cells as the data holds them (text
        stays text, so a dirty cell is an error finding for its row, as in any other input)."""
        values = {name: cells_at(col, rows) for name, col in raw.items()}  # those rows only
        ev = self.rs
        ids = self.letter_ids
        for k, i in enumerate(rows.tolist()):
            record = {name: plain_cell(cells[k]) for name, cells in values.items()}
            r = ev.evaluate_subject(record, index=i)
            for sc in r.scores:
                if res.letters:
                    g = sc.grade
                    res.letters[sc.rule_id][i] = ids.index(g) if g in ids else -1
                res.outcome[sc.rule_id][i] = _CODE[sc.outcome]
                res.has_points[sc.rule_id][i] = sc.points is not None
                res.points[sc.rule_id][i] = (
                    0 if sc.points is None else int(sc.points.scaleb(self.places))
                )
            for f in r.findings:
                if f.kind == "check":
                    res.checks[f.rule_id][i] = _CODE[f.outcome]
            res.has_total[i] = r.total is not None
            res.total[i] = 0 if r.total is None else int(r.total.scaleb(self.places))
            res.grade[i] = self.grade_ids.index(r.grade) if r.grade in self.grade_ids else -1
        res.fallback[rows] = True


def score_columns(rs: RuleSet, data: Any) -> ColumnarResult:
    """``ColumnarScorer(rs).score(data)``."""
    return ColumnarScorer(rs).score(data)


def score_frame(rs: RuleSet, df: Any) -> Any:
    """Score a pandas DataFrame (one subject per row) → a DataFrame with the same index:
    ``total``, ``grade``, ``<rule>.points`` (exact Decimals) and ``<rule>.outcome``.

    This is the partition function for Dask (``ddf.map_partitions(score_frame_for(rs))``) and
    Spark (``mapInPandas``); the rule set travels to the workers by pickle."""
    out = ColumnarScorer(rs).score(df).to_pandas()
    out.index = df.index
    return out


class FrameScorer:
    """``FrameScorer(rs)(df)`` = ``score_frame(rs, df)``: a picklable partition function,
    e.g. ``ddf.map_partitions(FrameScorer(rs), meta=...)``; prepared once per worker."""

    def __init__(self, rs: RuleSet) -> None:
        self.rs = rs
        self._scorer: ColumnarScorer | None = None

    def __getstate__(self) -> dict[str, Any]:
        return {"rs": self.rs}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.rs, self._scorer = state["rs"], None

    def __call__(self, df: Any) -> Any:
        if self._scorer is None:
            self._scorer = ColumnarScorer(self.rs)
        out = self._scorer.score(df).to_pandas()
        out.index = df.index
        return out
