"""Coverage is part of every score: earned / scorable / maximum, and rankings of graded subjects.

The acceptance case is a generated batch of 20 departments with mixed coverage — the way
departments report: some give every figure, some only 预算数 and 执行数 (often spent exactly
to the budget), figures with 万元 suffixes, blank cells — scored, exported to HTML and xlsx,
and the HTML read back from a real headless Chromium.
"""

from __future__ import annotations

import io
import random
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

import headless
import perfscore
from perfscore.export import export
from perfscore.findings import Report
from perfscore.standing import rank, score_text, standing, standings

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules" / "cn-dept-overall.yaml"
TIERS = ("achieved", "partial", "not_achieved")


def department(rng: random.Random, i: int, share: float) -> dict[str, Any]:
    """One department's record; ``share`` is the chance each optional figure is reported."""
    budget = rng.choice([500, 1000, 1234.56, 3435.02, 80])
    executed = budget if rng.random() < 0.3 else round(budget * rng.uniform(0.7, 1.0), 2)
    values: dict[str, Any] = {"budget": budget, "executed": f"{executed}万元"}
    optional: dict[str, Any] = {
        "initial_budget": budget * 0.9,
        "supplementary_budget": round(budget * rng.uniform(0, 0.2), 2),
        "staff_actual": rng.randint(18, 22),
        "staff_authorised": 20,
        "three_public_current": rng.choice([10, 12, 0]),
        "three_public_previous": 12,
        "public_funds_actual": rng.randint(80, 110),
        "public_funds_budget": 100,
        "key_tasks_planned": 10,
        "key_tasks_completed": rng.randint(7, 10),
        "targets_reasonable_tier": rng.choice(TIERS),
        "targets_clear_tier": rng.choice(TIERS),
        "rules_sound_tier": rng.choice(TIERS),
        "compliance_tier": rng.choice(TIERS),
        "disclosed_budget": True,
        "disclosed_final_accounts": rng.random() < 0.8,
        "disclosed_performance": rng.random() < 0.8,
        "benefit_tier": rng.choice(TIERS),
        "satisfaction": rng.randint(80, 99),
    }
    for name, value in optional.items():
        if rng.random() < share:
            values[name] = value
        elif rng.random() < 0.3:
            values[name] = None  # a blank cell
    return {"id": f"dept-{i:02d}", "name": f"某区第{i}局", "values": values}


def batch(seed: int = 14) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    shares = [1.0] * 6 + [0.8] * 4 + [0.5] * 4 + [0.2] * 3 + [0.0] * 3
    records = [department(rng, i, share) for i, share in enumerate(shares, 1)]
    # the case from the issue: only 预算数 = 执行数 → 100 / 100 on 10% of the weight
    records[-1]["values"] = {"budget": 1000, "executed": 1000}
    return records


@pytest.fixture(scope="module")
def report() -> Report:
    return perfscore.load_ruleset(RULES).evaluate(batch())


def test_the_generated_batch_mixes_graded_and_ungraded(report: Report) -> None:
    graded = [s for s in report.subjects if s.grade is not None]
    ungraded = [s for s in report.subjects if s.grade is None]
    assert len(report.subjects) == 20 and len(graded) >= 5 and len(ungraded) >= 5
    top = report["dept-20"]
    assert (top.total, top.max, top.coverage, top.grade) == (100, 100, Decimal("0.1"), None)


def test_earned_and_scorable_are_the_weight_behind_the_total(report: Report) -> None:
    for st in standings(report):
        s = st.result
        assert st.earned is not None and st.scorable is not None
        assert Decimal(0) <= st.earned <= st.scorable <= s.max
        if s.total is not None:
            assert st.scorable == s.max * s.coverage  # coverage is the scored share of weight
            if s.coverage == 1:
                assert abs(st.earned - s.total) <= Decimal("0.05")  # rounding per indicator
    st = standing(report["dept-20"], report.rules)
    assert (st.earned, st.scorable) == (10, 10)
    assert score_text(st) == "100 / 100（实得 10 / 可评 10 / 满分 100，数据覆盖 10%）"
    assert score_text(st, "en") == "100 / 100 (earned 10 / scorable 10 / max 100, coverage 10%)"


def test_rank_takes_graded_subjects_only(report: Report) -> None:
    ranking = rank(report)
    ranked = [st.result for _, st in ranking.ranked]
    assert all(s.grade is not None for s in ranked)
    assert all(st.result.grade is None and st.reason for st in ranking.unranked)
    assert len(ranked) + len(ranking.unranked) == 20
    totals = [s.total for s in ranked]
    assert totals == sorted(totals, reverse=True)  # type: ignore[type-var]
    assert ranking.rank_of("dept-20") is None
    assert ranking.ranked[0][0] == 1


def test_xlsx_ranks_only_graded_departments(report: Report) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    rows = list(openpyxl.load_workbook(io.BytesIO(export(report, "xlsx")))["汇总"].values)
    head, body = rows[0], rows[1:]
    col = {name: i for i, name in enumerate(head)}
    assert len(body) == 20
    ranked = [r for r in body if r[col["排名"]] is not None]
    apart = [r for r in body if r[col["排名"]] is None]
    assert body == ranked + apart  # the ungraded are listed after, apart
    assert {r[col["评价对象"]] for r in ranked} == {
        s.subject.id for s in report.subjects if s.grade is not None
    }
    assert all(r[col["等级"]] for r in ranked)
    assert all(r[col["不评级原因（不参与排名）"]] for r in apart)
    assert all(not r[col["不评级原因（不参与排名）"]] for r in ranked)
    by_id = {r[col["评价对象"]]: r for r in body}
    assert by_id["dept-20"][col["排名"]] is None  # 100 / 100 on 10% data is not #1
    assert by_id["dept-20"][col["总分"]] == 100
    assert by_id["dept-20"][col["实得"]] == 10 and by_id["dept-20"][col["可评"]] == 10
    assert "10%" in by_id["dept-20"][col["不评级原因（不参与排名）"]]


class _Dom(HTMLParser):
    """The rendered page's tables (by class) and figures, as text."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.figures: list[tuple[list[str], str]] = []  # (svg texts, caption)
        self.cards: list[str] = []
        self._table: str | None = None
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._figure: list[str] | None = None
        self._caption: list[str] | None = None
        self._svg_text: list[str] | None = None
        self._card: list[str] | None = None
        self._depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        cls = dict(attrs).get("class") or ""
        if tag == "table":
            self._table = cls
            self.tables.setdefault(cls, [])
        elif tag == "tr" and self._table is not None:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        elif tag == "figure":
            self._figure = []
        elif tag == "figcaption":
            self._caption = []
        elif tag == "text" and self._figure is not None:
            self._svg_text = []
        elif tag == "div" and "card" in cls.split():
            self._card = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None and self._table is not None:
            self.tables[self._table].append(self._row)
            self._row = None
        elif tag == "table":
            self._table = None
        elif tag == "text" and self._svg_text is not None and self._figure is not None:
            self._figure.append("".join(self._svg_text))
            self._svg_text = None
        elif tag == "figcaption" and self._caption is not None and self._figure is not None:
            self.figures.append((self._figure, "".join(self._caption)))
            self._caption = None
        elif tag == "figure":
            self._figure = None
        elif tag == "div" and self._card is not None:
            self.cards.append(" ".join(x for x in self._card if x.strip()))
            self._card = None

    def handle_data(self, data: str) -> None:
        for buf in (self._cell, self._caption, self._svg_text, self._card):
            if buf is not None:
                buf.append(data)


def _id(cell: str) -> str:
    """The subject id closing a ``name<br><code>id</code>`` cell."""
    return cell[cell.index("dept-") :]


def test_html_in_chromium_ranks_only_graded_departments(report: Report, tmp_path: Path) -> None:
    page = tmp_path / "batch.html"
    page.write_bytes(export(report, "html"))
    dom = _Dom()
    dom.feed(headless.dump_dom(page))
    graded = [s for s in report.subjects if s.grade is not None]
    ungraded = [s for s in report.subjects if s.grade is None]

    ranking = dom.tables["ranking"][1:]  # the header row first
    assert [_id(r[1]) for r in ranking] == [st.result.subject.id for _, st in rank(report).ranked]
    assert {_id(r[1]) for r in ranking} == {s.subject.id for s in graded}
    assert [int(r[0]) for r in ranking] == sorted(int(r[0]) for r in ranking)
    apart = {_id(r[0]): r for r in dom.tables["unranked"][1:]}
    assert set(apart) == {s.subject.id for s in ungraded}
    assert all(r[3] for r in apart.values())  # each with why
    assert "评级至少需要 60%" in apart["dept-20"][3]
    assert apart["dept-20"][1] == "100 / 100（实得 10 / 可评 10 / 满分 100，数据覆盖 10%）"

    hist_texts, caption = next(f for f in dom.figures if "总分分布" in f[1])
    assert f"仅含参与排名的 {len(graded)} 个评价对象；{len(ungraded)} 个不评级的另列" in caption
    counts = [int(x) for x in hist_texts[::2] if x.isdigit()]
    assert sum(counts) == len(graded)  # the histogram counts graded departments only
    grade_texts, _ = next(f for f in dom.figures if "等级分布" in f[1])
    assert "不评级" not in grade_texts
    # the headline tile of the 10% department carries the weight behind its 100 / 100
    tile = next(c for c in dom.cards if c.startswith("100 / 100") and "实得 10 " in c)
    assert "可评 10 / 满分 100" in tile and "数据覆盖 10%" in tile

    shot = headless.screenshot(page, tmp_path / "batch.png")
    assert len(shot) > 10_000  # a rendered page, not a blank one


def test_a_subjects_coverage_is_the_share_its_earned_and_scorable_points_cover() -> None:
    """With or without a total: a department with a refused cell used to show coverage 0 beside
    earned 15 / scorable 15 (rev10); its coverage is the weight scored from data, like any
    other department's."""
    rs = perfscore.load_ruleset(RULES)
    rng = random.Random(7)
    records = []
    for i in range(300):
        values: dict[str, Any] = {
            k: rng.choice(choices)
            for k, choices in {
                "budget": [100, 0, None, "待补"],
                "executed": [96, 80, None, "abc"],
                "satisfaction": [95, 80, None, 120],
                "staff_actual": [10, None],
                "staff_authorised": [10, 0, None],
                "targets_reasonable_tier": ["achieved", "partial", None, "达成"],
            }.items()
        }
        records.append({"id": f"d{i}", "values": values})
    report = rs.evaluate(records)
    errors = 0
    for st in standings(report):
        assert st.scorable is not None
        want = (st.scorable / st.max).quantize(Decimal("0.0001"))
        assert st.coverage == want, (st.result.subject.id, st.coverage, st.scorable)
        errors += st.total is None and st.scorable > 0
    assert errors > 20  # subjects without a total, with weight scored beside the error
