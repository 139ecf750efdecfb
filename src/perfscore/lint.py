"""Warnings about a rule set that loads: what it leaves to a default a reviewer should see, and
the slips a legitimate rule set could still mean (so they are said, not refused).

``perfscore validate`` prints them (``file:line:col: path: warning: ...``, in the command's
language) and still exits 0; they never stop a rule set from scoring.  Slips no rule set can
mean are refused when it loads instead (:mod:`perfscore.compile`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal

from . import model as m
from .compile import Compiled, IndicatorNode
from .errors import Problem
from .intervals import parse_interval
from .lintlogic import leaf_indicators, logic_warnings
from .lintscale import scale_warnings
from .lintslips import Rates, slip_warnings
from .linttitles import title_warnings
from .model import DEFAULT_MIN_COVERAGE
from .numbers import json_number
from .ruleset import RuleSet
from .words import LINT, said

__all__ = ["HUNDRED", "RATE_SLIP", "RATE_STEP_SLIP", "ruleset_warnings"]

#: The total a points rule set is read against unless it declares ``settings: {total: ...}``
#: (满分 100 分: 财预〔2020〕10号 and every bundled points set).
HUNDRED = Decimal(100)
#: A bare number this far from 0 on a rate is taken for percentage points (95 for 0.95):
#: 200% and more is not a standard a bureau sets on a rate; 1.05 (105%) is, and is left alone.
RATE_SLIP = Decimal(2)
#: A deduction step this large on a rate is taken for percentage points (``per: 1`` for one
#: point, 0.01): a step of 100 points is the whole scale and more.
RATE_STEP_SLIP = Decimal(1)

Path = tuple[str | int, ...]


def ruleset_warnings(rs: RuleSet) -> list[Problem]:
    """Every warning for ``rs``, in file order."""
    c = rs.compiled
    out = [*_floor(c), *_total(c)]
    deep = False
    for lint in (scale_warnings, logic_warnings, slip_warnings):
        found = _guarded(c, lint)
        deep = deep or found is None
        out.extend(found or ())
    if deep:
        out.append(_warn(c, (), "too_deep"))
    out.extend(title_warnings(c))
    out.extend(c.cautions)
    nodes = {n.id: n for n in _walk(c.indicators)}
    for path, ind in leaf_indicators(c.model.indicators, ("indicators",)):
        node = nodes.get(ind.id)
        if node is not None and ind.scorer is not None:
            out.extend(_leaf(c, path, ind, node))
    return sorted(out, key=lambda p: (p.line or 0, p.column or 0))


def _guarded(c: Compiled, lint: Callable[[Compiled], Iterable[Problem]]) -> list[Problem] | None:
    """``lint``'s warnings, or ``None`` when they could not be looked for: these lints read an
    expression by recursion, and a chain of about a thousand operations (which loads and
    scores: the engine reads it flat) is too deep for that.  The caller says so in a warning
    rather than ``perfscore validate`` crashing."""
    try:
        return list(lint(c))
    except RecursionError:
        return None


def _warn(c: Compiled, path: Path, key: str, *, at_key: bool = False, **fields: object) -> Problem:
    message = said(LINT, "warning", message=said(LINT, key, **fields))
    return c.document.problem(path, message, code="warning", key=at_key)


def _floor(c: Compiled) -> Iterator[Problem]:
    grades = c.model.grades
    if grades is not None and grades.min_coverage is None:
        pct = json_number(DEFAULT_MIN_COVERAGE * 100)
        floor = json_number(DEFAULT_MIN_COVERAGE)
        yield _warn(c, ("grades",), "no_floor", at_key=True, pct=pct, floor=floor)


def _total(c: Compiled) -> Iterator[Problem]:
    """Top-level weights that do not add up to 100, when the rule set does not say its total
    (a declared ``total`` that differs is refused at load)."""
    top = c.indicators
    if c.model.settings.total is not None or not top or any(n.yields != "points" for n in top):
        return
    weights = sum((n.weight or Decimal(0) for n in top), Decimal(0))
    if weights != HUNDRED:
        yield _warn(c, ("indicators",), "total", at_key=True, sum=json_number(weights), total=100)


def _walk(nodes: list[IndicatorNode]) -> Iterator[IndicatorNode]:
    for n in nodes:
        yield n
        yield from _walk(n.children)


def _leaf(c: Compiled, path: Path, ind: m.IndicatorModel, node: IndicatorNode) -> Iterator[Problem]:
    scorer = ind.scorer
    target = getattr(scorer, "target", None)
    direction = getattr(scorer, "direction", None)
    proportional = scorer is not None and scorer.type == "proportional"
    if proportional and isinstance(target, Decimal) and target <= 0:
        # all or nothing, never a share: a signed value could mean it (结余率 ≥ 0), so said
        said_as = "target_zero" if direction == "higher" else "all_or_nothing"
        yield _warn(
            c,
            (*path, "scorer", "target"),
            said_as,
            target=json_number(target),
            direction=direction,
        )
    name = (ind.value or "").strip()
    if scorer is None or not (node.unit == "%" or _percent_series(c, name) or _ratio(c, name)):
        return
    title = c.model.metrics[name].title if name in c.model.metrics else None
    if title is None and name in c.model.inputs:
        title = c.model.inputs[name].title
    per = getattr(scorer, "per", None)
    if scorer.type == "deduct" and isinstance(per, Decimal) and per >= RATE_STEP_SLIP:
        yield _warn(
            c,
            (*path, "scorer", "per"),
            "step_on_rate",
            title=title or name,
            name=name,
            number=json_number(per),
            percent=json_number(per * 100),
            ratio=json_number(per / 100),
        )
    for at, number in _rate_numbers(scorer):
        if abs(number) >= RATE_SLIP:
            yield _warn(
                c,
                (*path, "scorer", *at),
                "points_on_rate",
                title=title or name,
                name=name,
                setting=at[-1],
                number=json_number(number),
                percent=json_number(number * 100),
                ratio=json_number(number / 100),
            )


def _ratio(c: Compiled, name: str) -> bool:
    """A number input declared as a rate (``max: 1``, or ``unit: ratio``): its bounds and
    bands are on the rate's scale, as a ``percent`` input's are."""
    spec = c.model.inputs.get(name)
    return spec is not None and spec.type == "number" and Rates(c.model).of_text(name) == "ratio"


def _percent_series(c: Compiled, name: str) -> bool:
    """A ``series`` of percents is read year by year: its ``series_bands`` edges are on the
    rate's scale (ratios), as a ``percent`` input's bands are."""
    spec = c.model.inputs.get(name)
    return spec is not None and spec.type == "series" and spec.of == "percent"


def _rate_numbers(scorer: object) -> Iterator[tuple[Path, Decimal]]:
    """The bare numbers a scorer compares its value with: ``start``/``target``, and band edges
    written without ``%`` (``[90%, 95%)`` is already a ratio)."""
    for key in ("start", "target"):
        value = getattr(scorer, key, None)
        if isinstance(value, Decimal):
            yield (key,), value
    for i, band in enumerate(getattr(scorer, "bands", None) or ()):
        text = getattr(band, "range", "")
        if "%" in text:
            continue
        try:
            interval = parse_interval(text)
        except ValueError:
            continue
        edges = [e for e in (interval.low, interval.high) if e.is_finite()]
        worst = max(edges, key=abs, default=None)
        if worst is not None:
            yield ("bands", i, "range"), worst
