"""The default expression functions and the registry's refusals."""

from __future__ import annotations

import operator
import os
import random
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from perfscore.errors import EvaluationError, PerfscoreError, ZeroDenominatorError
from perfscore.functions import (
    DECIMAL_CONTEXT,
    DEFAULT_FUNCTIONS,
    Function,
    FunctionRegistry,
    MissingArgumentError,
    _whole,
    callable_for,
    fn_mean,
)
from perfscore.values import Series

D = Decimal


def call(name: str, *args: Any) -> Any:
    function = DEFAULT_FUNCTIONS.get(name)
    assert function is not None, name
    return function.fn(*args)


def series(*points: tuple[int, str | None]) -> Series:
    return Series(tuple((year, None if v is None else D(v)) for year, v in points))


HISTORY = series((2020, "1"), (2021, None), (2022, "4"), (2023, "7"))


def test_default_names() -> None:
    assert DEFAULT_FUNCTIONS.names() >= {
        "min", "max", "abs", "round", "clamp", "sum", "mean", "count", "last", "year",
        "count_within", "count_below", "count_above", "is_missing", "coalesce",
    }  # fmt: skip
    for function in DEFAULT_FUNCTIONS:
        assert function.doc and "\n" not in function.doc
        assert not any(bad in function.name for bad in ("rand", "now", "time"))


def test_min_max_abs() -> None:
    assert call("min", D(3), D("2.5"), D(7)) == D("2.5")
    assert call("max", D(3), D("2.5"), D(7)) == D(7)
    assert call("min", D(4)) == D(4)
    assert call("min", HISTORY) == D(1)  # present values only
    assert call("max", HISTORY) == D(7)
    assert call("abs", D("-3.20")) == D("3.20")
    assert isinstance(call("max", 1, D(0)), Decimal)
    with pytest.raises(EvaluationError, match="no values"):
        call("min", series((2020, None)))
    with pytest.raises(TypeError):
        call("min", D(1), "2")
    with pytest.raises(TypeError):
        call("abs", True)
    with pytest.raises(MissingArgumentError):
        call("max", D(1), None)


@pytest.mark.parametrize(
    ("x", "places", "expected"),
    [
        ("0.125", 2, "0.13"),  # half up, where banker's rounding gives 0.12
        ("0.124", 2, "0.12"),
        ("2.5", 0, "3"),
        ("3.5", 0, "4"),
        ("-2.5", 0, "-3"),  # 四舍五入 rounds halves away from zero
        ("-0.125", 2, "-0.13"),
        ("1234.5", -2, "1.2E+3"),
        ("7", 2, "7.00"),
    ],
)
def test_round_half_up(x: str, places: int, expected: str) -> None:
    result = call("round", D(x), D(places))
    assert result == D(expected)
    assert str(result) == expected


def test_round_default_places_and_errors() -> None:
    assert call("round", D("2.5")) == D(3)
    with pytest.raises(EvaluationError, match="whole number"):
        call("round", D("1.5"), D("0.5"))
    with pytest.raises(EvaluationError):
        call("round", D("1E+30"), D(2))


def test_clamp() -> None:
    assert call("clamp", D(12), D(0), D(10)) == D(10)
    assert call("clamp", D(-1), D(0), D(10)) == D(0)
    assert call("clamp", D("5.5"), D(0), D(10)) == D("5.5")
    with pytest.raises(EvaluationError, match="greater than"):
        call("clamp", D(1), D(10), D(0))


def test_sum_and_count_skip_missing_years_mean_refuses_them() -> None:
    assert call("sum", HISTORY) == D(12)
    assert call("count", HISTORY) == D(3)  # the missing 2021 is not counted
    # a 4-year mean over 3 years used to pass silently as (1 + 4 + 7) / 3
    with pytest.raises(EvaluationError, match="no value for 2021 — a 4-year mean would average 3"):
        call("mean", HISTORY)
    assert call("sum", Series(())) == D(0)
    assert call("count", Series(())) == D(0)
    assert call("mean", series((2020, "1"), (2021, "2"), (2022, "2"))) == D(5) / D(3)


def test_mean_of_nothing_is_a_zero_denominator() -> None:
    with pytest.raises(ZeroDenominatorError):
        call("mean", series((2020, None), (2021, None)))
    with pytest.raises(ZeroDenominatorError):
        call("mean", Series(()))


def test_series_functions_refuse_non_series() -> None:
    with pytest.raises(TypeError, match="series"):
        call("sum", D(1))
    with pytest.raises(MissingArgumentError):
        call("mean", None)


def test_last() -> None:
    assert call("last", HISTORY, D(2)) == series((2022, "4"), (2023, "7"))
    assert call("last", HISTORY, D(3)).years == (2021, 2022, 2023)
    assert call("last", HISTORY, D(5)).years == (2019, 2020, 2021, 2022, 2023)
    assert call("last", HISTORY, D(0)) == Series(())
    assert call("mean", call("last", HISTORY, D(2))) == D("5.5")
    with pytest.raises(EvaluationError, match="no value for 2021"):
        call("mean", call("last", HISTORY, D(3)))


def test_the_last_3_years_are_calendar_years() -> None:
    """{2019, 2021, 2023} are not "the last 3 years": 2021–2023 are, and 2022 is missing."""
    gappy = series((2019, "90"), (2021, "100"), (2023, "110"))
    assert call("last", gappy, D(3)) == series((2021, "100"), (2022, None), (2023, "110"))
    with pytest.raises(EvaluationError, match="no value for 2022 — a 3-year mean would average 2"):
        call("mean", call("last", gappy, D(3)))
    with pytest.raises(EvaluationError, match="between 0 and 9999"):
        call("last", HISTORY, D(-1))
    with pytest.raises(EvaluationError, match="whole number"):
        call("last", HISTORY, D("1.5"))


def test_year() -> None:
    assert call("year", HISTORY, D(2022)) == D(4)
    assert call("year", HISTORY, D(2021)) is None
    assert call("year", HISTORY, D(1999)) is None
    assert call("year", HISTORY, D("2022.0")) == D(4)


def test_counts_inclusive_and_strict() -> None:
    assert call("count_within", HISTORY, D(1), D(4)) == D(2)  # both ends included
    assert call("count_within", HISTORY, D(4), D(4)) == D(1)
    assert call("count_within", HISTORY, D(2), D(3)) == D(0)
    assert call("count_within", HISTORY, D(7), D(1)) == D(0)  # empty range
    assert call("count_below", HISTORY, D(4)) == D(1)  # strict: 4 is not below 4
    assert call("count_above", HISTORY, D(4)) == D(1)
    assert call("count_above", HISTORY, D(0)) == D(3)  # the missing year is skipped


def test_is_missing_and_coalesce() -> None:
    assert call("is_missing", None) is True
    assert call("is_missing", D(0)) is False
    assert call("is_missing", "") is False
    assert call("coalesce", None, D(0)) == D(0)
    assert call("coalesce", D(5), D(0)) == D(5)
    assert call("coalesce", D(0), D(9)) == D(0)  # zero is a value, not missing


# --- registry -------------------------------------------------------------------------------


def test_register_decorator_and_copy() -> None:
    registry = DEFAULT_FUNCTIONS.copy()

    @registry.register("double", min_args=1, max_args=1)
    def double(x: Decimal) -> Decimal:
        """Twice x.

        More text that is not part of the one-line doc.
        """
        return x * 2

    function = registry.get("double")
    assert function is not None
    assert function.doc == "Twice x."
    assert function.returns == "number"
    assert function.fn(D(2)) == D(4)
    assert "double" in registry.names()
    assert "double" not in DEFAULT_FUNCTIONS.names()  # copies are independent
    assert registry.get("nope") is None


def test_register_uses_the_function_name() -> None:
    registry = FunctionRegistry()

    @registry.register(min_args=0, max_args=0, returns="boolean", doc="always true")
    def always() -> bool:
        return True

    assert registry.names() == {"always"}


def test_default_registry_keeps_its_built_ins() -> None:
    with pytest.raises(PerfscoreError, match="that is a built-in function"):
        DEFAULT_FUNCTIONS.add(Function("mean", lambda x: x, 1, 1, "number", "x"), replace=True)
    with pytest.raises(PerfscoreError, match="cannot remove the built-in function"):
        DEFAULT_FUNCTIONS.unregister("mean")
    assert DEFAULT_FUNCTIONS["mean"].fn is fn_mean


def test_a_function_name_is_ascii() -> None:
    with pytest.raises(PerfscoreError, match="ASCII identifier"):
        FunctionRegistry().add(Function("增长率", lambda x: x, 1, 1, "number", "x"))


def _returns(value: Any) -> Any:
    return lambda *args: value


@pytest.mark.parametrize(
    ("result", "message"),
    [
        (Decimal("NaN"), "returned NaN, not a finite number"),
        (Decimal("-Infinity"), "returned -Infinity, not a finite number"),
        (float("inf"), "returned inf, not a finite number"),
        (float("nan"), "returned nan, not a finite number"),
        (Decimal("1e100"), "not a usable number (1e100 or more)"),
        (1.5, "returned a binary float (1.5); functions must return Decimal"),
        (Series(((2022, Decimal(1)), (2023, Decimal("NaN")))), "a series holding NaN"),
    ],
)
def test_a_third_party_function_result_is_checked(result: Any, message: str) -> None:
    """Whoever registered it (a plugin, a caller's own copy), a function that is not
    perfscore's own is called behind one check: nothing non-finite or too large gets in."""
    call_it = callable_for(Function("theirs", _returns(result), 0, 0, "number", "x"))
    with pytest.raises(EvaluationError, match=r"function theirs\(\) ") as info:
        call_it()
    assert message in str(info.value)


def test_a_usable_result_passes_and_perfscores_own_functions_are_not_wrapped() -> None:
    series = Series(((2022, Decimal(1)), (2023, None)))
    for value in (Decimal("9.5"), Decimal("-1e99"), 7, True, None, "text", series):
        assert callable_for(Function("theirs", _returns(value), 0, 0, "number", "x"))() is value
    assert callable_for(DEFAULT_FUNCTIONS["mean"]) is fn_mean


def _function(name: str, fn: Any = abs, min_args: int = 1, max_args: int | None = 1) -> Function:
    return Function(name, fn, min_args, max_args, "number", "doc")


@pytest.mark.parametrize(
    ("function", "problem"),
    [
        (_function("min"), "already registered"),
        (_function("evil", eval), "forbidden"),
        (_function("ev", exec), "forbidden"),
        (_function("system", os.system), "forbidden"),
        (_function("popen", os.popen), "forbidden"),
        (_function("getter", operator.attrgetter), "forbidden"),
        (_function("imp", __import__), "forbidden"),
        (_function("rand", random.random), "forbidden"),  # nondeterministic
        (_function("rint", random.randint), "forbidden"),
        (_function("two words"), "not a valid identifier"),
        (_function("1abc"), "not a valid identifier"),
        (_function("os.system"), "not a valid identifier"),
        (_function("lambda"), "not a valid identifier"),
        (_function(""), "not a valid identifier"),
        (_function("_hidden"), "reserved"),
        (_function("__import__"), "reserved"),
        (_function("notcallable", 42), "not callable"),
        (_function("neg", abs, -1, 1), "min_args"),
        (_function("backwards", abs, 2, 1), "max_args"),
    ],
)
def test_add_refuses(function: Function, problem: str) -> None:
    registry = DEFAULT_FUNCTIONS.copy()
    with pytest.raises(PerfscoreError, match=problem) as info:
        registry.add(function)
    assert repr(function.name) in str(info.value)
    assert function.name not in registry.names() or function.name == "min"


def test_add_refuses_bad_return_kind() -> None:
    registry = FunctionRegistry()
    with pytest.raises(PerfscoreError, match="returns"):
        registry.add(Function("f", abs, 1, 1, "float", "doc"))  # type: ignore[arg-type]


def test_add_accepts_unhashable_callables() -> None:
    class Unhashable:
        __hash__ = None  # type: ignore[assignment]

        def __call__(self, x: Decimal) -> Decimal:
            return x

    registry = FunctionRegistry()
    registry.add(Function("ident", Unhashable(), 1, 1, "number", "identity"))
    assert registry.names() == {"ident"}


def _round_as_written(x: Decimal, places: object) -> Decimal:
    """round's definition: the places checked as a whole number, then one quantize (too many
    digits: an error)."""
    digits = _whole(places, "round", "what_places", -28, 28)
    try:
        return x.quantize(
            Decimal((0, (1,), -digits)), rounding=ROUND_HALF_UP, context=DECIMAL_CONTEXT
        )
    except InvalidOperation as e:
        raise EvaluationError("too large") from e


@settings(max_examples=300, deadline=None)
@given(
    x=st.decimals(allow_nan=False, allow_infinity=False),
    places=st.one_of(
        st.integers(-30, 30),
        st.integers(-30, 30).map(Decimal),
        st.sampled_from(
            [D("2.0"), D("-0"), D("1E+1"), D("0.5"), D("Infinity"), D("NaN"), D("sNaN"), True]
        ),
        st.decimals(allow_nan=False, allow_infinity=False),
    ),
)
def test_round_with_its_quantum_looked_up_is_round_as_written(x: Decimal, places: Any) -> None:
    """The quantum of the common places (0, 2, ...) is looked up, not made per call; every
    places gives what the checked-and-quantized definition gives, or the same error kind."""
    try:
        want: Any = _round_as_written(x, places)
    except Exception as e:  # (compared below)
        want = type(e)
    try:
        got: Any = call("round", x, places)
    except Exception as e:
        got = type(e)
    assert got == want
    if isinstance(want, Decimal):
        assert str(got) == str(want)


def _year_as_written(s: Series, y: object) -> Decimal | None:
    """year's definition: the year checked as a whole number in 1..9999 (its words made
    then), the series' value for it."""
    from perfscore.words import EVAL, said

    number = y if isinstance(y, Decimal) else Decimal(y) if isinstance(y, int) else None
    if number is None:
        raise TypeError(y)
    what = said(EVAL, "what_year")
    if not number.is_finite() or number != number.to_integral_value():
        raise EvaluationError(said(EVAL, "fn_not_whole", fn="year", what=what, got=str(number)))
    if not 1 <= int(number) <= 9999:
        raise EvaluationError(
            said(EVAL, "fn_range", fn="year", what=what, low=1, high=9999, got=str(number))
        )
    return dict(s.points).get(int(number))


@settings(max_examples=400, deadline=None)
@given(
    years=st.lists(
        st.one_of(
            st.integers(-3, 10_003).map(Decimal),
            st.sampled_from(
                [D("2022.0"), D("2022.5"), D("2E+3"), D("NaN"), D("Infinity"), D("0.0"), 2022]
            ),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_year_is_its_definition_on_every_call(years: list[Any]) -> None:
    """year() — whose checked years are remembered — gives, call after call, what its
    definition gives: the value, or the same error in the same words (English and Chinese)."""
    s = series((2000, "1"), (2021, None), (2022, "4"), (2023, "7"))
    for y in years + years:
        try:
            want: Any = ("value", _year_as_written(s, y))
        except EvaluationError as e:
            want = ("error", str(e), getattr(e.args[0], "zh", None))
        try:
            got: Any = ("value", call("year", s, y))
        except EvaluationError as e:
            got = ("error", str(e), getattr(e.args[0], "zh", None))
        assert got == want, y
