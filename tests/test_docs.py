"""The documentation's examples are executable: every rule set in docs/*.md loads, every data
example is scored, and the results the prose promises are asserted.

Conventions in the Markdown files (see docs/rule-language.md):

* ```` ```yaml rules ```` — a COMPLETE rule set; it must load with ``perfscore.load_ruleset_text``.
* ```` ```yaml data ```` — subject data for the closest ``yaml rules`` block above it.  An
  optional comment line ``# expect: key=value ...`` (several allowed) states the result:
  ``total=90``, ``grade=excellent``, ``coverage=0.6``, ``complete=true``, or per rule
  ``<rule_id>.outcome=pass``, ``<rule_id>.points=10``, ``<rule_id>.grade=B``,
  ``<rule_id>.severity=warning``, ``<rule_id>.value=0.95``, ``<rule_id>.display=99.44%``;
  ``none`` means no value (e.g. ``total=none``, ``grade=none``).
* ```` ```yaml rules-warned ```` — a rule set that loads with warnings; each ```` ```console ````
  block right after it runs ``perfscore [--lang zh] validate FILE``, exits 0 and prints exactly
  what the block shows.
* ```` ```yaml rules-broken ```` — a rule set that must NOT load.  In getting-started.md it is
  followed by a ```` ```console ```` block running ``perfscore validate FILE``; the test writes
  the block to FILE and compares what the CLI prints, line for line.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import perfscore
from perfscore._yaml import load_yaml_text
from perfscore.cli import main as cli_main

DOCS = Path(__file__).resolve().parent.parent / "docs"
FENCE = re.compile(r"^```([^\n`]*)\n(.*?)^```[ \t]*$", re.DOTALL | re.MULTILINE)
EXPECT = re.compile(r"^\s*#\s*expect:\s*(.+?)\s*$", re.MULTILINE)
DECIMAL_KEYS = {"points", "total", "coverage", "max", "weight", "value"}


@dataclass
class Block:
    doc: str
    line: int
    info: str
    text: str


@dataclass
class Example:
    rules: Block
    data: list[Block] = field(default_factory=list)


def _blocks(path: Path) -> list[Block]:
    text = path.read_text(encoding="utf-8")
    out = []
    for m in FENCE.finditer(text):
        line = text.count("\n", 0, m.start()) + 1
        out.append(Block(path.name, line, m.group(1).strip(), m.group(2)))
    return out


def _examples() -> list[Example]:
    examples: list[Example] = []
    for path in sorted(DOCS.glob("*.md")):
        current: Example | None = None
        for b in _blocks(path):
            if b.info == "yaml rules":
                current = Example(b)
                examples.append(current)
            elif b.info == "yaml data":
                assert current is not None, (
                    f"{b.doc}:{b.line}: a yaml data block before any yaml rules block"
                )
                current.data.append(b)
    return examples


EXAMPLES = _examples()
DATA = [(ex, d) for ex in EXAMPLES for d in ex.data]


def test_docs_have_examples() -> None:
    assert len(EXAMPLES) >= 20, "the rule-language reference should carry its worked examples"
    assert len(DATA) >= 20
    assert sum(1 for _, d in DATA if EXPECT.search(d.text)) >= 20


@pytest.mark.parametrize("ex", EXAMPLES, ids=lambda e: f"{e.rules.doc}:{e.rules.line}")
def test_rule_set_loads(ex: Example) -> None:
    rs = perfscore.load_ruleset_text(ex.rules.text, source=f"{ex.rules.doc}:{ex.rules.line}")
    assert rs.id


def _parse_expect(text: str) -> list[tuple[str, str]]:
    pairs = []
    for line in EXPECT.findall(text):
        for token in line.split():
            key, sep, value = token.partition("=")
            assert sep, f"expect token {token!r} is not key=value"
            pairs.append((key, value))
    return pairs


def _want(key: str, value: str) -> Any:
    if value == "none":
        return None
    if key in ("complete",):
        return {"true": True, "false": False}[value]
    if key in DECIMAL_KEYS:
        return Decimal(value)
    return value


def _check_one(result: perfscore.SubjectResult, key: str, value: str, where: str) -> None:
    if "." not in key:
        attr = key
        got = getattr(result, attr)
    else:
        rule_id, attr = key.split(".", 1)
        finding = next((f for f in result.findings if f.rule_id == rule_id), None)
        score = next((s for s in result.scores if s.rule_id == rule_id), None)
        assert finding is not None or score is not None, f"{where}: no result for rule {rule_id!r}"
        if attr in ("points", "coverage", "weight") and score is not None:
            got = getattr(score, attr)
        elif finding is not None:
            got = getattr(finding, attr)
        else:
            got = getattr(score, attr)
    want = _want(attr, value)
    if isinstance(want, Decimal):
        assert got is not None and Decimal(got) == want, (
            f"{where}: {key} is {got}, the doc says {value}"
        )
    else:
        assert got == want, f"{where}: {key} is {got!r}, the doc says {value}"


@pytest.mark.parametrize(("ex", "data"), DATA, ids=[f"{d.doc}:{d.line}" for _, d in DATA])
def test_data_example(ex: Example, data: Block) -> None:
    rs = perfscore.load_ruleset_text(ex.rules.text)
    record = load_yaml_text(data.text, source=f"{data.doc}:{data.line}").data
    report = rs.evaluate(record)
    assert len(report.subjects) == 1
    result = report.subjects[0]
    where = f"docs/{data.doc}:{data.line}"
    for key, value in _parse_expect(data.text):
        _check_one(result, key, value, where)


def _broken_with_console() -> list[tuple[Block, Block]]:
    pairs = []
    for path in sorted(DOCS.glob("*.md")):
        blocks = _blocks(path)
        for i, b in enumerate(blocks):
            if b.info == "yaml rules-broken":  # the console blocks right after it
                for c in blocks[i + 1 :]:  # (the fixed rule set's "ok" is not this one's)
                    if c.info != "console" or not re.search(r"problem\(s\)|个问题", c.text):
                        break
                    pairs.append((b, c))
    return pairs


def test_every_broken_example_is_refused() -> None:
    broken = [
        b for p in sorted(DOCS.glob("*.md")) for b in _blocks(p) if b.info == "yaml rules-broken"
    ]
    assert broken, "getting-started shows a broken rule set"
    for b in broken:
        with pytest.raises(perfscore.RuleSetError):
            perfscore.load_ruleset_text(b.text)


@pytest.mark.parametrize(
    ("broken", "console"), _broken_with_console(), ids=lambda b: f"{b.doc}:{b.line}"
)
def test_validate_output_matches_the_doc(
    broken: Block, console: Block, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = console.text.splitlines()
    args = lines[0].removeprefix("$ perfscore ").split()  # validate FILE, or --lang zh validate
    expected = lines[1:]
    (tmp_path / args[-1]).write_text(broken.text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PERFSCORE_LANG", "en")  # --lang, when the doc gives it, still wins
    out, err = io.StringIO(), io.StringIO()
    status = cli_main(args, stdout=out, stderr=err)
    assert status == 2
    actual = out.getvalue().splitlines() + err.getvalue().splitlines()
    assert actual == expected


def _warned_with_consoles() -> list[tuple[Block, Block]]:
    pairs = []
    for path in sorted(DOCS.glob("*.md")):
        blocks = _blocks(path)
        for i, b in enumerate(blocks):
            if b.info == "yaml rules-warned":
                for c in blocks[i + 1 :]:
                    if c.info != "console":
                        break
                    pairs.append((b, c))
    return pairs


@pytest.mark.parametrize(
    ("warned", "console"), _warned_with_consoles(), ids=lambda b: f"{b.doc}:{b.line}"
)
def test_validate_warnings_match_the_doc(
    warned: Block, console: Block, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = console.text.splitlines()
    args = lines[0].removeprefix("$ perfscore ").split()
    expected = lines[1:]
    (tmp_path / args[-1]).write_text(warned.text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PERFSCORE_LANG", "en")  # --lang, when the doc gives it, still wins
    out, err = io.StringIO(), io.StringIO()
    assert cli_main(args, stdout=out, stderr=err) == 0
    assert out.getvalue().splitlines() + err.getvalue().splitlines() == expected
    assert any("warning" in line or "警告" in line for line in expected)


def test_getting_started_shows_warnings() -> None:
    quoted = [w for w, _ in _warned_with_consoles() if w.doc == "getting-started.md"]
    assert len(quoted) == 2, "getting-started.md quotes validate's warnings"


def test_getting_started_covers_validate() -> None:
    assert _broken_with_console(), "getting-started.md quotes a `perfscore validate` error"
