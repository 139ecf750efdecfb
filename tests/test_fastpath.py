"""``perfscore score RULES DATA -o f.parquet`` takes the columnar path by itself when it may,
and writes exactly the bytes the per-record path (``--no-columnar``) writes."""

from __future__ import annotations

import csv
import io
import random
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from perfscore import fastpath, load_ruleset
from perfscore.cli import main
from perfscore.columnar import ColumnarScorer

pytest.importorskip("pyarrow")
pytest.importorskip("numpy")

RULES = sorted((Path(__file__).resolve().parent.parent / "rules").glob("*.yaml"))
RULES = [p for p in RULES if not p.name.endswith(".tests.yaml")]
ELIGIBLE = [p for p in RULES if ColumnarScorer(load_ruleset(p)).supported]


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def _number(spec: Any, base: str, rng: random.Random, blanks: bool) -> str:
    """Cells as departments write them: blanks (in some rows), zeros, the row's shared amount
    (spent exactly the budget), an edge such as 95 or 100, a cent amount."""
    pick = rng.random()
    if blanks and pick < 0.08:
        return ""
    if pick < 0.2:
        return "0"
    if spec.type == "percent":
        return rng.choice(["95", "100", "90", "60", f"{rng.uniform(1.5, 120):.2f}"])
    if spec.type == "integer":
        return rng.choice(["1", "3", "10", str(rng.randint(0, 500))])
    if pick < 0.6:
        return base
    return f"{rng.uniform(0, 2 * float(base) + 1):.2f}"


def _bounded(spec: Any, cell: str, rng: random.Random) -> str:
    """Mostly within the input's declared range (often exactly on its bound)."""
    if not cell or spec.max is None or Decimal(cell) <= spec.max or rng.random() < 0.1:
        return cell
    low = spec.min if spec.min is not None else Decimal(0)
    return rng.choice([str(spec.max), str(low), f"{rng.uniform(float(low), float(spec.max)):.2f}"])


def _csv(rs: Any, path: Path, n: int, seed: int) -> None:
    rng = random.Random(seed)
    specs = list(rs.inputs.values())
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", *(s.name for s in specs)])
        for i in range(n):
            base = rng.choice(["100", "123.45", "95", "1000", "0.1", "2500.00"])
            row = [f"部门-{i + 1:04d}"]
            blanks = rng.random() < 0.3
            for s in specs:
                if s.kind == "number":
                    row.append(_bounded(s, _number(s, base, rng, blanks), rng))
                elif s.choices:
                    row.append(rng.choice(["", *s.choices]))
                elif s.kind == "boolean":
                    row.append(rng.choice(["", "是", "否"]))
                else:
                    row.append(rng.choice(["", "说明"]))
            w.writerow(row)


def test_the_bundled_columnar_rule_sets_include_the_named_ones() -> None:
    names = {p.stem for p in ELIGIBLE}
    assert {"cn-dept-overall", "cn-project-10", "omb-part"} <= names


@pytest.mark.parametrize("rules", ELIGIBLE, ids=[p.stem for p in ELIGIBLE])
def test_routed_and_per_record_parquet_are_the_same_bytes(
    rules: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rs = load_ruleset(rules)
    data = tmp_path / "data.csv"
    _csv(rs, data, 300, seed=len(rules.stem))
    taken: list[int] = []
    real = fastpath.run

    def spy(*a: Any, **k: Any) -> Any:
        done = real(*a, **k)
        taken.append(-1 if done is None else done.per_record)
        return done

    monkeypatch.setattr(fastpath, "run", spy)
    fast, slow = tmp_path / "fast.parquet", tmp_path / "slow.parquet"
    common = ("--no-summary", "--fail-on", "note", "--lang", "en")
    code_fast, _, err_fast = run("score", str(rules), str(data), "-o", str(fast), *common)
    assert len(taken) == 1 and 0 <= taken[0] < 300, taken  # the columnar path scored
    assert "record by record" not in err_fast
    code_slow, _, err_slow = run(
        "score", str(rules), str(data), "-o", str(slow), "--no-columnar", *common
    )
    assert len(taken) == 1  # --no-columnar: not asked
    assert "as --no-columnar asks" in err_slow
    assert fast.read_bytes() == slow.read_bytes()
    assert code_fast == code_slow
    assert err_slow.replace(err_slow.splitlines()[0] + "\n", "", 1) == err_fast


def test_the_environment_forces_the_per_record_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rules = next(p for p in ELIGIBLE if p.stem == "cn-dept-overall")
    data = tmp_path / "data.csv"
    _csv(load_ruleset(rules), data, 20, seed=1)
    monkeypatch.setenv(fastpath.ENV, "0")
    monkeypatch.setattr(fastpath, "run", None)  # would fail if called
    code, _, err = run("score", str(rules), str(data), "-o", str(tmp_path / "f.parquet"))
    assert "逐条评分" in err and "--no-columnar" in err
    assert (tmp_path / "f.parquet").stat().st_size > 0
    assert code in (0, 1)


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        (("--jobs", "2"), "--jobs"),
        (("--summary",), "run summary"),
    ],
)
def test_options_that_need_per_record_findings_say_why(
    tmp_path: Path, extra: tuple[str, ...], words: str
) -> None:
    rules = next(p for p in ELIGIBLE if p.stem == "omb-part")
    data = tmp_path / "data.csv"
    _csv(load_ruleset(rules), data, 20, seed=2)
    out = tmp_path / "f.parquet"
    _, _, err = run("score", str(rules), str(data), "-o", str(out), "--lang", "en", *extra)
    line = next(x for x in err.splitlines() if "record by record" in x)
    assert words in line
    assert out.stat().st_size > 0


def test_a_rule_set_the_columns_cannot_score_says_why(tmp_path: Path) -> None:
    rules = next(p for p in RULES if p not in ELIGIBLE)
    data = tmp_path / "data.csv"
    _csv(load_ruleset(rules), data, 5, seed=3)
    _, _, err = run(
        "score", str(rules), str(data), "-o", str(tmp_path / "f.parquet"), "--lang", "zh"
    )
    reason = ColumnarScorer(load_ruleset(rules)).reason
    assert reason is not None
    assert any("逐条评分" in x and reason in x for x in err.splitlines())


def test_other_formats_are_not_routed_and_say_nothing(tmp_path: Path) -> None:
    rules = next(p for p in ELIGIBLE if p.stem == "omb-part")
    data = tmp_path / "data.csv"
    _csv(load_ruleset(rules), data, 5, seed=4)
    _, _, err = run("score", str(rules), str(data), "-o", str(tmp_path / "f.json"))
    assert "record by record" not in err and "逐条评分" not in err
