"""Rule-set tests: cases written in YAML next to a rule set prove that it scores as intended.

``rules/x.yaml`` is tested by ``rules/x.tests.yaml``::

    cases:
      - name: 执行率刚好 95% 得满分
        data: {id: c1, values: {budget: 100, executed: 95}}
        expect:
          total: 100
          grade: excellent
          rules:
            execution_rate_score: {outcome: pass, points: 10}

``perfscore test RULES...`` runs them, prints a diff of expected vs actual for each failure,
and reports coverage: indicators no case scored, outcomes no case reached, and bands or tiers no
case landed in.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from decimal import Decimal
from pathlib import Path
from typing import Any

from ._yaml import load_yaml_file
from .errors import DataError, Problem, did_you_mean
from .findings import Finding, IndicatorScore, SubjectResult
from .ruleset import RuleSet, load_ruleset

__all__ = ["CaseResult", "Coverage", "SuiteResult", "case_file_for", "run_tests"]


@dataclass(frozen=True)
class CaseResult:
    name: str
    diffs: tuple[tuple[str, str, str], ...]  # (what, expected, actual)

    @property
    def passed(self) -> bool:
        return not self.diffs


@dataclass
class Coverage:
    """What the cases exercised: outcomes per rule, and bands/tiers landed in."""

    outcomes: dict[str, set[str]] = field(default_factory=dict)
    branches: dict[str, set[str]] = field(default_factory=dict)  # rule id → band/tier names hit
    declared: dict[str, list[str]] = field(default_factory=dict)  # rule id → all band/tier names

    def gaps(self) -> list[str]:
        """Plain sentences for what no case reached."""
        out: list[str] = []
        for rid, seen in self.outcomes.items():
            if not seen & {"pass", "fail"}:
                out.append(f"{rid}: never scored (only {', '.join(sorted(seen)) or 'nothing'})")
            elif "pass" not in seen:
                out.append(f"{rid}: no case passes it")
            elif "fail" not in seen:
                out.append(f"{rid}: no case fails it")
        for rid, names in self.declared.items():
            missed = [n for n in names if n not in self.branches.get(rid, set())]
            if missed:
                out.append(f"{rid}: no case lands in {', '.join(missed)}")
        return out

    def ratio(self) -> tuple[int, int]:
        scored = sum(1 for s in self.outcomes.values() if s & {"pass", "fail"})
        return scored, len(self.outcomes)


@dataclass
class SuiteResult:
    ruleset: RuleSet
    source: str
    cases: list[CaseResult]
    coverage: Coverage

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.cases)

    def render(self) -> str:
        lines = []
        n_pass = sum(c.passed for c in self.cases)
        lines.append(
            f"{self.source}: {len(self.cases)} case(s), {n_pass} passed, "
            f"{len(self.cases) - n_pass} failed"
        )
        for c in self.cases:
            if c.passed:
                continue
            lines.append(f"FAIL {c.name}")
            for what, want, got in c.diffs:
                lines.append(f"  {what}: expected {want}, got {got}")
        scored, total = self.coverage.ratio()
        lines.append(f"coverage: {scored} of {total} indicators and checks scored by some case")
        lines.extend(f"  not covered: {g}" for g in self.coverage.gaps())
        return "\n".join(lines) + "\n"


def case_file_for(rules: str | os.PathLike[str]) -> Path:
    p = Path(rules)
    return p.with_name(p.name.removesuffix(".yaml").removesuffix(".yml") + ".tests.yaml")


def _text(x: Any) -> str:
    if isinstance(x, Decimal):
        return format(x.normalize(), "f") if x == x.to_integral_value() else str(x)
    return "null" if x is None else str(x)


def _same(want: Any, got: Any) -> bool:
    if isinstance(got, Decimal) and isinstance(want, (int, Decimal)) and not isinstance(want, bool):
        return got == Decimal(want)
    return bool(want == got)


def _check_case(name: str, expect: Mapping[str, Any], result: SubjectResult) -> CaseResult:
    diffs: list[tuple[str, str, str]] = []
    for key in ("total", "grade", "coverage", "complete"):
        if key in expect:
            got = getattr(result, key)
            if not _same(expect[key], got):
                diffs.append((key, _text(expect[key]), _text(got)))
    for rid, props in (expect.get("rules") or {}).items():
        score = next((s for s in result.scores if s.rule_id == rid), None)
        finding = next((f for f in result.findings if f.rule_id == rid), None)
        if score is None and finding is None:
            diffs.append((rid, "a rule of this rule set", "no such rule"))
            continue
        for prop, want in (props or {}).items():
            source: Any = finding if finding is not None and hasattr(finding, prop) else score
            got = getattr(source, prop, None)
            if not _same(want, got):
                diffs.append((f"{rid}.{prop}", _text(want), _text(got)))
    return CaseResult(name, tuple(diffs))


def _declared_branches(rs: RuleSet) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}

    def walk(nodes: Any) -> None:
        for n in nodes:
            if n.children:
                walk(n.children)
            elif n.scorer is not None:
                branches = getattr(n.scorer, "branches", None)
                named = branches() if branches is not None else None
                if named is not None:
                    out[n.id] = named

    walk(rs.compiled.indicators)
    return out


_FILE_KEYS = ("cases",)
_CASE_KEYS = ("name", "data", "expect")
_EXPECT_KEYS = ("total", "grade", "coverage", "complete", "rules")
_RULE_KEYS = tuple(
    sorted({f.name for f in fields(Finding)} | {f.name for f in fields(IndicatorScore)})
)


def _unknown_keys(doc: Any, data: Any, cases: Any) -> list[Problem]:
    """A misspelt key (``expcet:``) would make a case assert nothing: refused, with a guess."""
    out: list[Problem] = []

    def check(value: Any, known: Sequence[str], path: tuple[str | int, ...]) -> None:
        if not isinstance(value, Mapping):
            return
        for key in value:
            if key not in known:
                out.append(
                    doc.problem(
                        (*path, key),
                        f"unknown key {key!r}; known here: {', '.join(known)}"
                        if len(known) < 8
                        else f"unknown key {key!r}",
                        suggestion=did_you_mean(str(key), known),
                        key=True,
                    )
                )

    check(data, _FILE_KEYS, ())
    for i, case in enumerate(cases if isinstance(cases, list) else ()):
        check(case, _CASE_KEYS, ("cases", i))
        expect = case.get("expect") if isinstance(case, Mapping) else None
        check(expect, _EXPECT_KEYS, ("cases", i, "expect"))
        rules = expect.get("rules") if isinstance(expect, Mapping) else None
        for rid, props in rules.items() if isinstance(rules, Mapping) else ():
            check(props, _RULE_KEYS, ("cases", i, "expect", "rules", rid))
    return out


def run_tests(
    rules: str | os.PathLike[str], tests: str | os.PathLike[str] | None = None
) -> SuiteResult:
    """Run the test cases of one rule set."""
    rs = load_ruleset(rules)
    path = Path(tests) if tests is not None else case_file_for(rules)
    doc = load_yaml_file(path, error=DataError)
    data = doc.data
    cases = data.get("cases") if isinstance(data, Mapping) else None
    problems = _unknown_keys(doc, data, cases)
    if problems:
        raise DataError(problems)
    if not isinstance(cases, list):
        raise DataError(
            [
                Problem(
                    "a rule-set test file is a mapping with 'cases: [...]'",
                    source=doc.source,
                    line=1,
                    column=1,
                )
            ]
        )
    coverage = Coverage(declared=_declared_branches(rs))
    for r in rs.rules:
        if r.kind != "group":
            coverage.outcomes[r.id] = set()
    results: list[CaseResult] = []
    for i, case in enumerate(cases):
        if not isinstance(case, Mapping) or "data" not in case:
            raise DataError(
                [doc.problem(("cases", i), "a case needs 'data' (and usually 'expect')")]
            )
        name = str(case.get("name") or f"case {i + 1}")
        result = rs.evaluate_subject(case["data"], index=i)
        for f in result.findings:
            coverage.outcomes.setdefault(f.rule_id, set()).add(f.outcome)
            if f.threshold and f.rule_id in coverage.declared:
                hits = {str(f.threshold[k]) for k in ("range", "name") if k in f.threshold}
                coverage.branches.setdefault(f.rule_id, set()).update(hits)
        results.append(_check_case(name, case.get("expect") or {}, result))
    return SuiteResult(rs, doc.source, results, coverage)
