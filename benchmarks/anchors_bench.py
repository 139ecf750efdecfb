"""Loading a 1,000-indicator rule set whose scorers are shared through YAML anchors and
aliases (and one with ``*x``/``&&`` in a comment) against the same rule set written out,
in one process (CPU time of this process, best of the rounds: the machine is shared).

    .venv/bin/python benchmarks/anchors_bench.py
"""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "src"))

import gen  # noqa: E402

import perfscore  # noqa: E402
from perfscore import _yaml, expr  # noqa: E402

Row = Callable[..., None]


def anchored(text: str) -> str:
    """Each distinct ``scorer: {...}`` written once with an anchor, aliased everywhere else."""
    names: dict[str, str] = {}
    out = []
    for line in text.splitlines():
        m = re.match(r"^(\s+scorer: )(\{.*\})$", line)
        if m:
            body = m.group(2)
            if body in names:
                line = m.group(1) + "*" + names[body]
            else:
                names[body] = f"s{len(names)}"
                line = m.group(1) + f"&{names[body]} " + body
        out.append(line)
    return "\n".join(out) + "\n"


def _cpu(fn: Callable[[], object], rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        _yaml.clear_scalar_cache()
        expr.clear_code_cache()
        t = time.process_time()
        fn()
        best = min(best, time.process_time() - t)
    return best


def run(row: Row, rounds: int = 5) -> None:
    plain = gen.ruleset_text(1000, checks=0)
    texts = {
        "anchors and aliases": anchored(plain),
        "'# *x &&' comment": plain + "# see *x and &&\n",
    }
    base_yaml = _cpu(lambda: _yaml.load_yaml_text(plain), rounds)
    base_rs = _cpu(lambda: perfscore.load_ruleset_text(plain, source="p.yaml"), rounds)
    row("YAML 1,000 indicators written out", f"{base_yaml:.3f} s", "CPU; the baseline below")
    for name, text in texts.items():
        y = _cpu(lambda t=text: _yaml.load_yaml_text(t), rounds)
        r = _cpu(lambda t=text: perfscore.load_ruleset_text(t, source="a.yaml"), rounds)
        row(
            f"  with {name}: YAML / rule set",
            f"{y / base_yaml:.2f}× / {r / base_rs:.2f}×",
            f"{y:.3f} s / {r:.3f} s (rule set written out: {base_rs:.3f} s)",
        )


def _print_row(name: str, figure: str, note: str = "") -> None:
    print(f"{name:<44} {figure:>14}  {note}", flush=True)


if __name__ == "__main__":
    run(_print_row)
