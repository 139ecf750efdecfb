"""One broken plugin is an error for that plugin only.

Real entry points: each test writes plugin modules and a ``*.dist-info`` (``METADATA`` +
``entry_points.txt``) onto ``sys.path``, exactly what ``pip install`` leaves behind, so
``importlib.metadata`` finds them the way it finds any installed package.  A plugin whose
import raises or calls ``sys.exit`` is reported (name and reason) and disabled; a plugin
function returning NaN/Infinity gives an ``error`` finding for that rule and subject; a plugin
exporter that raises is an ExportError message and the other outputs are still written.
"""

from __future__ import annotations

import importlib
import json
import sys
import textwrap
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import perfscore
from cli_runner import run as _run
from perfscore import plugins

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules" / "cn-dept-overall.yaml"
DATA = ROOT / "examples" / "liwan-npc-office-2023.yaml"


@dataclass
class PluginEnv:
    root: Path
    groups: dict[str, list[str]]


def _install(tmp: Path, dist: str, modules: dict[str, str], eps: dict[str, dict[str, str]]) -> None:
    for name, source in modules.items():
        (tmp / f"{name}.py").write_text(textwrap.dedent(source), encoding="utf-8")
    info = tmp / f"{dist}-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {dist}\nVersion: 0.1\n", encoding="utf-8"
    )
    lines = []
    for group, entries in eps.items():
        lines.append(f"[{group}]")
        lines += [f"{k} = {v}" for k, v in entries.items()]
    (info / "entry_points.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture
def plugin_env(tmp_path: Path) -> Iterator[PluginEnv]:
    """A site directory for this test's plugins; everything they registered is removed after."""
    site = tmp_path / "site"
    site.mkdir()
    env = PluginEnv(site, {})
    sys.path.insert(0, str(site))
    importlib.invalidate_caches()
    try:
        yield env
    finally:
        sys.path.remove(str(site))
        for registry in plugins.registries():
            for name in env.groups.get(registry.group or "", []):
                if registry.get(name) is not None and name not in _BUILTIN.get(registry.kind, ()):
                    registry.unregister(name)
            registry.failures[:] = [f for f in registry.failures if f.group not in env.groups]
        for mod in [m for m in sys.modules if m.startswith("broken_")]:
            del sys.modules[mod]
        importlib.invalidate_caches()
        plugins.load_entry_points(force=True)


_BUILTIN = {r.kind: tuple(r.keys()) for r in plugins.registries()}


def _add(
    env: PluginEnv, dist: str, modules: dict[str, str], eps: dict[str, dict[str, str]]
) -> None:
    _install(env.root, dist, modules, eps)
    for group, entries in eps.items():
        env.groups.setdefault(group, []).extend(entries)
    importlib.invalidate_caches()
    _load()  # as if installed before perfscore started


def _load() -> tuple[list[str], list[str]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        loaded = plugins.load_entry_points(force=True)
    return loaded, [str(w.message) for w in caught if issubclass(w.category, plugins.PluginWarning)]


GOOD_FUNCTION = """
    from decimal import Decimal
    from perfscore.functions import Function
    double = Function("double", lambda x: x * 2, 1, 1, "number", "twice x")
"""


def test_a_plugin_whose_import_raises_is_disabled_and_named(plugin_env: PluginEnv) -> None:
    _add(
        plugin_env,
        "broken-raise",
        {"broken_raise": "raise RuntimeError('no licence server')\n", "broken_ok": GOOD_FUNCTION},
        {
            "perfscore.functions": {"bad": "broken_raise:bad", "double": "broken_ok:double"},
        },
    )
    for registry in plugins.registries():
        registry.failures.clear()
    loaded, warned = _load()
    assert "perfscore.functions:double" in loaded
    assert "perfscore.functions:bad" not in loaded
    assert len(warned) == 1 and "'bad'" in warned[0] and "no licence server" in warned[0]
    [failure] = plugins.plugin_failures()
    assert (failure.group, failure.name) == ("perfscore.functions", "bad")
    assert "RuntimeError: no licence server" in failure.reason
    # the good plugin from the same environment still works
    rs = perfscore.load_ruleset_text(
        'perfscore: 1\nid: d\ntitle: t\nversion: "1"\ninputs: {a: {type: number}}\n'
        "indicators:\n  - {id: x, title: X, weight: 10, value: double(a), "
        'scorer: {type: threshold, op: ">=", target: 1}}\n'
    )
    assert rs.evaluate({"a": 1}).total == 10


def test_sys_exit_in_a_plugin_import_does_not_end_perfscore(plugin_env: PluginEnv) -> None:
    _add(
        plugin_env,
        "broken-exit",
        {"broken_exit": "import sys\nsys.exit(0)\n"},
        {"perfscore.exporters": {"quitter": "broken_exit:fmt"}},
    )
    code, out, err = _run("score", str(RULES), str(DATA), "--format", "json")
    assert code == 0
    assert json.loads(out)["format"] == "perfscore.findings"  # the command still ran
    assert "plugin 'quitter'" in err and "sys.exit(0)" in err and "disabled" in err


def test_every_command_works_beside_a_broken_plugin(plugin_env: PluginEnv) -> None:
    _add(
        plugin_env,
        "broken-many",
        {"broken_many": "raise ImportError('needs numpy 3')\n"},
        {
            "perfscore.functions": {"f1": "broken_many:f"},
            "perfscore.scorers": {"s1": "broken_many:s"},
            "perfscore.aggregators": {"a1": "broken_many:a"},
            "perfscore.exporters": {"e1": "broken_many:e"},
            "perfscore.templates": {"t1": "broken_many:t"},
        },
    )
    assert _run("validate", str(RULES))[0] == 0
    assert _run("list-rules")[0] == 0
    code, out, err = _run("score", str(RULES), str(DATA), "--format", "jsonl")
    assert code == 0 and out.splitlines()[-1].startswith('{"record":"summary"')
    for name in ("f1", "s1", "a1", "e1", "t1"):
        assert f"plugin {name!r}" in err
    assert err.count("needs numpy 3") == 5


def test_a_refused_plugin_object_is_disabled_not_fatal(plugin_env: PluginEnv) -> None:
    _add(
        plugin_env,
        "broken-shape",
        {"broken_shape": "not_a_function = 42\n"},
        {"perfscore.functions": {"answer": "broken_shape:not_a_function"}},
    )
    code, _, err = _run("validate", str(RULES))
    assert code == 0
    assert "plugin 'answer'" in err and "refused" in err and "Function" in err


NAN_FUNCTIONS = """
    from decimal import Decimal
    from perfscore.functions import Function
    def _nan(x):
        return Decimal("NaN") if x > 5 else x
    def _inf(x):
        return float("inf") if x > 5 else x
    def _dinf(x):
        return Decimal("-Infinity") if x > 5 else x
    nan = Function("nan_above5", _nan, 1, 1, "number", "NaN above 5")
    inf = Function("inf_above5", _inf, 1, 1, "number", "inf above 5")
    dinf = Function("dinf_above5", _dinf, 1, 1, "number", "-inf above 5")
"""


@pytest.mark.parametrize("fn", ["nan_above5", "inf_above5", "dinf_above5"])
def test_a_plugin_function_returning_nan_or_inf_is_an_error_finding(
    plugin_env: PluginEnv, fn: str
) -> None:
    _add(
        plugin_env,
        "broken-nan",
        {"broken_nan": NAN_FUNCTIONS},
        {
            "perfscore.functions": {
                "nan_above5": "broken_nan:nan",
                "inf_above5": "broken_nan:inf",
                "dinf_above5": "broken_nan:dinf",
            }
        },
    )
    rs = perfscore.load_ruleset_text(
        'perfscore: 1\nid: d\ntitle: t\nversion: "1"\n'
        "inputs: {a: {type: number}, b: {type: number}}\n"
        "metrics: {m: {expr: " + fn + "(a)}}\n"
        "indicators:\n"
        '  - {id: x, title: X, weight: 10, value: m, scorer: {type: threshold, op: ">=", target: 1}}\n'
        '  - {id: y, title: Y, weight: 10, value: b, scorer: {type: threshold, op: ">=", target: 1}}\n'
        "checks:\n"
        "  - {id: c, title: C, type: assert, expr: m >= 0}\n"
    )
    report = rs.evaluate([{"id": "s1", "a": 9, "b": 2}, {"id": "s2", "a": 2, "b": 2}])
    s1, s2 = report.subjects
    assert s1.finding("x").outcome == "error" and s1.finding("c").outcome == "error"
    assert fn in (s1.finding("x").reason or "") and "not a finite number" in (
        s1.finding("x").reason or ""
    )
    assert s1.finding("y").outcome == "pass"  # only that rule, only that subject
    assert s2.finding("x").outcome == "pass" and s2.finding("c").outcome == "pass"
    for fmt in ("json", "jsonl", "csv", "sarif", "junit", "md", "html", "xlsx"):
        perfscore.export.export(report, fmt)  # every format writes the error finding


FAILING_EXPORTER = """
    from perfscore.export import Format
    def _render(report, options):
        raise ValueError("template missing")
    fmt = Format("boom", (".boom",), _render, "always fails")
"""


def test_a_failing_plugin_exporter_is_an_export_error_and_the_rest_is_written(
    plugin_env: PluginEnv, tmp_path: Path
) -> None:
    _add(
        plugin_env,
        "broken-export",
        {"broken_export": FAILING_EXPORTER},
        {"perfscore.exporters": {"boom": "broken_export:fmt"}},
    )
    out = tmp_path / "out"
    code, _, err = _run(
        "score", str(RULES), str(DATA), "-o", str(out / "r.boom"), "-o", str(out / "r.csv"),
        "--output-dir", str(out), "--format", "json",
    )  # fmt: skip
    assert code == 2
    assert "Traceback" not in err
    assert "boom" in err and "ValueError: template missing" in err
    assert sorted(p.name for p in out.iterdir()) == ["liwan-npc-office-2023.json", "r.csv"]
    assert json.loads((out / "liwan-npc-office-2023.json").read_text(encoding="utf-8"))["run"]


def test_a_failing_plugin_format_in_review_is_an_export_error_too(
    plugin_env: PluginEnv, tmp_path: Path
) -> None:
    _add(
        plugin_env,
        "broken-export2",
        {
            "broken_export2": FAILING_EXPORTER.replace('"boom"', '"boom2"').replace(
                ".boom", ".boom2"
            )
        },
        {"perfscore.exporters": {"boom2": "broken_export2:fmt"}},
    )
    out = tmp_path / "out"
    out.mkdir()
    code, _, err = _run(
        "review", str(RULES), str(DATA), "-o", str(out / "r.boom2"), "-o", str(out / "r.csv")
    )
    assert code == 2 and "Traceback" not in err
    assert "boom2" in err and "ValueError: template missing" in err
    assert sorted(p.name for p in out.iterdir()) == ["r.csv"]


CLASHING_SCORER = """
    import pydantic
    from perfscore.plugins import ScorerType
    class Config(pydantic.BaseModel):
        type: str
    def build(config, ctx):
        raise AssertionError("never built")
    threshold = ScorerType("threshold", Config, build)
    mine = ScorerType("mine", Config, build)
"""


def test_a_plugin_scorer_clashing_with_a_name_taken_is_disabled_and_located(
    plugin_env: PluginEnv,
) -> None:
    import pydantic

    from perfscore.scorers import SCORERS

    class Config(pydantic.BaseModel):
        type: str

    first = sys._getframe().f_lineno + 1
    plugins.register_scorer_type(plugins.ScorerType("mine", Config, lambda c, x: None))  # type: ignore[arg-type,return-value]
    try:
        _add(
            plugin_env,
            "broken-clash",
            {"broken_clash": CLASHING_SCORER},
            {
                "perfscore.scorers": {
                    "threshold": "broken_clash:threshold",
                    "mine": "broken_clash:mine",
                }
            },
        )
        failures = {f.name: f.reason for f in plugins.plugin_failures()}
        assert failures["threshold"].startswith("refused: that is a built-in scorer type (at ")
        assert failures["mine"].startswith(
            f"refused: a scorer named 'mine' is already registered (at {__file__}:{first}); "
            "this one at broken-clash: broken_clash:mine"
        )
        assert SCORERS["threshold"].build.__module__ == "perfscore.scorers.threshold"
        code, _, err = _run("validate", str(RULES))
        assert code == 0 and "plugin 'mine'" in err and "already registered" in err
    finally:
        SCORERS.unregister("mine")


CLASHING_FUNCTIONS = """
    from perfscore.functions import Function
    def _twice(x):
        return x * 2
    min_ = Function("min", _twice, 1, 1, "number", "not the built-in min")
    mine = Function("mine_fn", _twice, 1, 1, "number", "twice")
"""


def test_a_plugin_function_clashing_with_a_name_taken_is_disabled_and_located(
    plugin_env: PluginEnv,
) -> None:
    """Functions are one registry, refused the way scorers are: a built-in name is never
    taken over, a name another plugin took stays with it; both refusals say where."""
    from perfscore.functions import DEFAULT_FUNCTIONS, Function, fn_min

    first = sys._getframe().f_lineno + 1
    plugins.register_function(Function("mine_fn", abs, 1, 1, "number", "first"))
    try:
        _add(
            plugin_env,
            "broken-fclash",
            {"broken_fclash": CLASHING_FUNCTIONS},
            {"perfscore.functions": {"min": "broken_fclash:min_", "mine_fn": "broken_fclash:mine"}},
        )
        failures = {f.name: f.reason for f in plugins.plugin_failures()}
        assert failures["min"].startswith("refused: that is a built-in function (at ")
        assert "functions.py:" in failures["min"]
        assert failures["mine_fn"].startswith(
            f"refused: a function named 'mine_fn' is already registered (at {__file__}:{first}); "
            "this one at broken-fclash: broken_fclash:mine"
        )
        assert DEFAULT_FUNCTIONS["min"].fn is fn_min and DEFAULT_FUNCTIONS["mine_fn"].fn is abs
        code, _, err = _run("validate", str(RULES))
        assert code == 0 and "plugin 'mine_fn'" in err and "already registered" in err
    finally:
        DEFAULT_FUNCTIONS.unregister("mine_fn")
