"""The one Registry: decorator and direct registration, aliases, unique names, did-you-mean for
unknown names, read-only registries, built-ins sealed (scorers, functions); and the five extension points are instances of it."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

import perfscore
from perfscore.aggregate import AGGREGATORS
from perfscore.errors import ExportError, PerfscoreError
from perfscore.export import EXPORTERS
from perfscore.extract.template import TEMPLATES, builtin_template_path
from perfscore.functions import DEFAULT_FUNCTIONS, Function
from perfscore.plugins import aggregators, plugin_functions, registries, scorer_types
from perfscore.registry import PluginError, Registry, UnknownNameError, check_identifier
from perfscore.scorers import SCORERS


def _double(x: Decimal) -> Decimal:
    return x * 2


def test_decorator_and_direct_registration_keep_order() -> None:
    reg: Registry[object] = Registry("widget")

    @reg.register("b")
    def b() -> None: ...

    reg.add(_double, name="a")
    assert reg.keys() == ["b", "a"]
    assert list(reg) == [b, _double]
    assert reg["a"] is _double and reg.get("b") is b and "a" in reg and len(reg) == 2
    assert reg.items() == [("b", b), ("a", _double)]


def test_aliases_answer_to_the_same_object() -> None:
    reg: Registry[object] = Registry("widget")
    reg.add(_double, name="double", aliases=("twice",))
    assert reg["twice"] is reg["double"] is _double
    assert reg.names() == {"double", "twice"} and reg.keys() == ["double"]
    with pytest.raises(PluginError, match="a widget named 'twice' is already registered"):
        reg.add(abs, name="twice")
    reg.unregister("double")
    assert "twice" not in reg and reg.get("double") is None


def test_a_taken_name_is_refused_unless_replaced() -> None:
    reg: Registry[object] = Registry("widget")
    reg.add(_double, name="x")
    with pytest.raises(PluginError, match="plugin 'x': a widget named 'x' is already registered"):
        reg.add(abs, name="x")
    reg.add(abs, name="x", replace=True)
    assert reg["x"] is abs


def test_unknown_name_names_the_registry_and_suggests() -> None:
    reg: Registry[object] = Registry("scorer")
    reg.add(_double, name="threshold")
    reg.add(abs, name="proportional")
    with pytest.raises(UnknownNameError) as info:
        reg["treshold"]
    assert str(info.value) == (
        "unknown scorer 'treshold' (did you mean 'threshold'? known: threshold, proportional)"
    )
    assert info.value.suggestion == "threshold" and isinstance(info.value, LookupError)
    assert isinstance(info.value, PerfscoreError)


def test_declared_name_must_match_and_check_runs_at_registration() -> None:
    seen: list[str] = []

    def check(name: str, obj: Function) -> None:
        seen.append(name)
        check_identifier(name)

    reg: Registry[Function] = Registry("function", check=check, key=lambda f: f.name)
    fn = Function("double", _double, 1, 1, "number", "twice")
    assert reg.add(fn) is fn and seen == ["double"]
    with pytest.raises(PluginError, match="registered as 'twice' but declares the name 'double'"):
        reg.add(fn, name="twice")
    with pytest.raises(PluginError, match="ASCII identifier"):
        reg.add(Function("两倍", _double, 1, 1, "number", "twice"))


def test_building_decorator_passes_metadata_and_returns_the_function() -> None:
    reg = DEFAULT_FUNCTIONS.copy()
    out = reg.register("double", min_args=1, max_args=1, doc="twice")(_double)
    assert out is _double
    function = reg["double"]
    assert (function.fn, function.min_args, function.doc) == (_double, 1, "twice")
    plain: Registry[object] = Registry("widget")
    with pytest.raises(TypeError, match="takes no colour"):
        plain.register("w", colour="red")(_double)


def test_a_read_only_registry_refuses_and_copies_are_independent() -> None:
    reg: Registry[object] = Registry("widget")
    reg.add(_double, name="double")
    reg.freeze()
    with pytest.raises(PluginError, match="read-only"):
        reg.add(abs, name="abs")
    with pytest.raises(PluginError, match="shared"):
        reg.unregister("double")
    copy = DEFAULT_FUNCTIONS.copy()
    copy.add(Function("double", _double, 1, 1, "number", "x"))
    assert "double" in copy and "double" not in DEFAULT_FUNCTIONS
    assert type(copy) is type(DEFAULT_FUNCTIONS)


def test_built_in_and_plugin_functions_are_one_registry() -> None:
    """Expression functions are one registry, shaped like the scorers': built-ins sealed,
    plugins first come first served, a clash located; a rule set gets a copy of it."""
    from perfscore.plugins import default_functions, register_function

    assert (
        plugin_functions is DEFAULT_FUNCTIONS and DEFAULT_FUNCTIONS.group == "perfscore.functions"
    )
    assert {"min", "max", "round", "mean"} <= set(DEFAULT_FUNCTIONS.builtin())
    with pytest.raises(
        PluginError, match=r"plugin 'min': that is a built-in function \(at .*functions"
    ):
        register_function(Function("min", _double, 1, 1, "number", "x"), replace=True)
    with pytest.raises(PluginError, match="cannot remove the built-in function 'round'"):
        DEFAULT_FUNCTIONS.unregister("round")
    first = _line()
    register_function(Function("double_it", _double, 1, 1, "number", "twice"))
    try:
        with pytest.raises(PluginError) as info:
            second = _line()
            register_function(Function("double_it", abs, 1, 1, "number", "abs"))
        assert str(info.value) == (
            "plugin 'double_it': a function named 'double_it' is already registered "
            f"(at {__file__}:{first}); this one at {__file__}:{second}"
        )
        rs = perfscore.load_ruleset_text(
            'perfscore: 1\nid: f\ntitle: t\nversion: "1"\ninputs: {a: {type: number}}\n'
            "indicators:\n  - {id: x, title: X, weight: 10, value: double_it(a), "
            'scorer: {type: threshold, op: ">=", target: 10}}\n'
        )
        assert rs.evaluate({"a": 5}).total == 10 and rs.evaluate({"a": 4}).total == 0
        assert "double_it" in default_functions() and "double_it" in rs.compiled.functions
        replacing = Function("double_it", abs, 1, 1, "number", "abs")
        register_function(replacing, replace=True)  # first come, first served, unless taken over
        assert DEFAULT_FUNCTIONS["double_it"] is replacing
        assert rs.evaluate({"a": 5}).total == 10  # compiled once: a loaded rule set keeps its own
    finally:
        DEFAULT_FUNCTIONS.unregister("double_it")
    assert "double_it" not in DEFAULT_FUNCTIONS and "double_it" not in default_functions()


def test_a_copy_of_the_functions_is_the_callers_own() -> None:
    """A rule set's own copy: every name in it is the caller's (a built-in may be replaced
    there, with replace=True) and the shared registry does not change."""
    own = DEFAULT_FUNCTIONS.copy()
    with pytest.raises(PluginError, match="a function named 'round' is already registered"):
        own.add(Function("round", _double, 1, 1, "number", "x"))
    own.add(Function("round", _double, 1, 1, "number", "x"), replace=True)
    assert own["round"].fn is _double and DEFAULT_FUNCTIONS["round"].fn is not _double
    own.unregister("round")
    assert "round" not in own and "round" in DEFAULT_FUNCTIONS


def test_the_five_extension_points_are_registries() -> None:
    for reg in (DEFAULT_FUNCTIONS, SCORERS, AGGREGATORS, EXPORTERS, TEMPLATES):
        assert isinstance(reg, Registry)
    assert aggregators is AGGREGATORS
    assert {r.group for r in registries()} == {
        "perfscore.functions",
        "perfscore.scorers",
        "perfscore.aggregators",
        "perfscore.exporters",
        "perfscore.templates",
    }
    assert plugin_functions.kind == "function" and scorer_types.kind == "scorer"
    assert {"threshold", "proportional", "bands"} <= set(SCORERS.keys())
    assert {"weighted_sum", "mean", "weakest_link", "lookup"} <= set(AGGREGATORS.keys())


def test_exporter_registry_keeps_export_error_and_suggests() -> None:
    with pytest.raises(ExportError, match=r"unknown output format 'jsn' \(did you mean 'json'\?"):
        EXPORTERS["jsn"]


def test_templates_registry_resolves_builtin_names() -> None:
    path = builtin_template_path("cn-dept-self-eval.yaml")
    assert path is not None and path.is_file() and path == TEMPLATES["cn-dept-self-eval"]
    with pytest.raises(PluginError, match=r"path of a \.yaml file"):
        TEMPLATES.copy().add(Path("x.txt"), name="x")
    with pytest.raises(PluginError, match="lower-case"):
        TEMPLATES.copy().add(Path("x.yaml"), name="Bad Name")


def _line() -> int:
    import inspect

    frame = inspect.currentframe()
    assert frame is not None and frame.f_back is not None
    return frame.f_back.f_lineno + 1  # the line after the call


def test_a_sealed_name_is_built_in_never_replaced_or_removed() -> None:
    reg: Registry[object] = Registry("scorer")
    reg.add(_double, name="threshold", aliases=("thr",))
    reg.seal()
    assert reg.builtin() == {"threshold": _double}
    for name in ("threshold", "thr"):
        with pytest.raises(PluginError, match=rf"plugin '{name}': that is a built-in scorer type"):
            reg.add(abs, name=name, replace=True)
    with pytest.raises(PluginError, match="cannot remove the built-in scorer type 'threshold'"):
        reg.unregister("threshold")
    reg.add(abs, name="mine")  # plugins still add other names
    assert reg.keys() == ["threshold", "mine"] and reg.builtin() == {"threshold": _double}
    assert reg.copy().builtin() == {"threshold": _double}


def test_a_clash_between_plugins_names_where_both_were_registered() -> None:
    reg: Registry[object] = Registry("scorer")
    first = _line()
    reg.add(_double, name="band")
    with pytest.raises(PluginError) as info:
        second = _line()
        reg.add(abs, name="band")
    assert str(info.value) == (
        f"plugin 'band': a scorer named 'band' is already registered (at {__file__}:{first}); "
        f"this one at {__file__}:{second}"
    )
    reg.add(abs, name="band", replace=True)  # first come, first served, unless taken over
    assert reg["band"] is abs


def test_built_in_and_plugin_scorers_are_one_registry() -> None:
    from perfscore.scorers import builtin_scorers, is_builtin

    assert scorer_types is SCORERS and SCORERS.group == "perfscore.scorers"
    builtin = builtin_scorers()
    assert (
        list(builtin) == SCORERS.keys()[: len(builtin)]
    )  # built-ins first, in the language's order
    assert all(is_builtin(n) and SCORERS[n] is k for n, k in builtin.items())
    with pytest.raises(PluginError, match=r"that is a built-in scorer type \(at .*scorers"):
        SCORERS.add(SCORERS["threshold"], name="threshold", replace=True)
    with pytest.raises(PluginError, match="cannot remove"):
        SCORERS.unregister("bands")
