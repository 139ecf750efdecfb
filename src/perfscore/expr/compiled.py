"""The compiled expression: one generated function per expression, with its exact twin.

Calling a :class:`CompiledExpression` runs the generated function directly.  Where that
function meets an inexact inner operation, a guard name holding a possibly rounded value, or a
chained call, the same code is run again over the exact namespace and the exact value rounded
once; whatever else it raises becomes an :class:`~perfscore.errors.EvaluationError` with a plain
message.  :meth:`CompiledExpression.evaluate_reference` evaluates the same placed tree with
simpleeval (the reference semantics the fast path is tested against).
"""

from __future__ import annotations

import ast
import operator
import re
from collections import ChainMap
from collections.abc import Callable, Mapping
from decimal import (
    Decimal,
    DecimalException,
    DivisionByZero,
    DivisionUndefined,
    Inexact,
    Overflow,
)
from typing import TYPE_CHECKING, Any

import simpleeval

from ..errors import EvaluationError, MissingValueError, PerfscoreError, ZeroDenominatorError
from ..exact import EXACT_FUNCTIONS, ONCE, WIDE, ExactScope, decimal_args, full, maybe_rounded
from ..functions import MissingArgumentError
from ..values import Kind, Series
from ..words import EVAL, Bilingual, said
from .codegen import build, to_source
from .pairs import NoPair, Pair, pair_form, rounded_pair
from .runtime import (
    PLACED_EXACT,
    PLACED_FAST,
    REFERENCE_OPERATORS,
    exact_constant,
    op_chain,
    rounded_once,
)

__all__ = ["CompiledExpression"]

_UNBUILT = object()
#: the fast code of ``x / y`` (see :attr:`CompiledExpression.quotient`)
_QUOTIENT = re.compile(r"_ot_div\(scope\[_k(\d+)\], scope\[_k(\d+)\]\)")
_divide, _multiply = ONCE.divide, WIDE.multiply


def _plain_type(name: str) -> Bilingual:
    key = {
        "str": "type_text",
        "decimal.Decimal": "type_number",
        "Decimal": "type_number",
        "int": "type_number",
        "bool": "type_boolean",
        "NoneType": "type_missing",
        "Series": "type_series",
        "float": "type_float",
    }.get(name)
    return said(EVAL, key) if key else said(EVAL, "type_other", name=name)


def _safe_str(exc: BaseException) -> str:
    try:
        return str(exc)
    except Exception:  # a hostile __str__ must not escape either
        return type(exc).__name__


def _zero_division(exc: BaseException) -> bool:
    if isinstance(exc, ZeroDivisionError):
        return True
    if isinstance(exc, DecimalException):  # C decimal raises the trap class with the conditions
        conditions = exc.args[0] if exc.args and isinstance(exc.args[0], list) else []
        return any(c in (DivisionByZero, DivisionUndefined) for c in conditions)
    return False


class CompiledExpression:
    """A validated rule expression; call it with a scope mapping to evaluate it.

    ``expr(scope)`` runs the compiled function directly: ``__call__`` is a property returning
    that function, so there is no extra Python frame per evaluation.

    A number it returns is exact, or the exact value rounded once to 28 digits (ROUND_05UP):
    see :mod:`perfscore.exact`.  Given an :class:`~perfscore.exact.ExactScope` it returns the
    exact value itself (a :class:`~perfscore.exact.Q`), by the same compiled code over exact
    operations.
    """

    __slots__ = (
        "_constants",
        "_exact_fn",
        "_fn",
        "_metrics",
        "_missing_candidates",
        "_pair_fn",
        "_reference_functions",
        "_reference_tree",
        "_source",
        "chained",
        "functions",
        "guards",
        "kind",
        "names",
        "rounds",
        "text",
    )

    if TYPE_CHECKING:

        def __call__(self, scope: Mapping[str, Any]) -> Any:
            """Evaluate against ``scope`` (fast compiled path)."""

    else:
        __call__ = property(operator.attrgetter("_fn"))

    def __init__(
        self,
        text: str,
        *,
        names: frozenset[str],
        functions: frozenset[str],
        kind: Kind,
        reference_tree: ast.Expr,
        fast_tree: ast.expr,
        constants: dict[str, Any],
        callables: dict[str, Callable[..., Any]],
        missing_candidates: tuple[str, ...],
        chained: bool = False,
        rounds: bool = False,
        metrics: Mapping[str, CompiledExpression] | None = None,
        guards: tuple[str, ...] = (),
    ) -> None:
        self.text = text
        self.names = names
        self.functions = functions
        self.kind = kind
        self.chained = chained
        self.guards = guards
        self.rounds = rounds
        self._metrics: Mapping[str, CompiledExpression] = metrics if metrics is not None else {}
        self._reference_tree = reference_tree
        self._constants = constants
        self._reference_functions = callables
        self._missing_candidates = missing_candidates
        keys: dict[str, str] = {}
        body = to_source(fast_tree, keys)
        self._source = (body, tuple(keys))
        self._exact_fn: Callable[[Mapping[str, Any]], Any] | None = None
        self._pair_fn: Any = _UNBUILT  # a Pair, None (no form), or not yet made
        fast = self._build(PLACED_FAST, constants, callables, self._recover)
        self._fn: Callable[[Mapping[str, Any]], Any] = fast
        if chained:
            self._fn = self._chained
        elif guards:
            self._fn = self._guarded(fast, guards)
        if not chained and "_oi_div(" in body:  # an inner quotient: seldom exact
            self._fn = self._pair_first(self._fn)

    @property
    def quotient(self) -> tuple[str, str] | None:
        """``(x, y)`` when the expression is ``x / y`` of two names, run as one rounded
        division (no guard, no chain): it raises :class:`ZeroDenominatorError` exactly when
        ``y`` is a zero and ``x`` a finite number — which a caller may ask first, without the
        exception (the common zero denominator of a rate)."""
        body, keys = self._source
        m = _QUOTIENT.fullmatch(body)
        if m is None or self.chained or self.guards:
            return None
        return keys[int(m.group(1))], keys[int(m.group(2))]

    def inline(self) -> tuple[str, tuple[str, ...], dict[str, Any]] | None:
        """The fast code's body, its keys (the names ``scope[_kN]`` reads) and the namespace it
        runs in — for a generated caller writing it into its own source, where calling the
        expression runs just that body (not chained, guarded nor pair first) and the body
        holds no text (so its internal names can be renamed as words); else None.  What the
        body raises, the caller leaves to the expression itself."""
        body, keys = self._source
        if self.chained or self.guards or "_oi_div(" in body or "'" in body or '"' in body:
            return None
        namespace: dict[str, Any] = {
            **PLACED_FAST,
            "_op_chain": op_chain,
            **self._constants,
            **self._reference_functions,
        }
        return body, keys, namespace

    def _build(
        self,
        ops: Mapping[str, Callable[..., Any]],
        constants: Mapping[str, Any],
        callables: Mapping[str, Callable[..., Any]],
        recover: Callable[[Exception, Any], Any],
    ) -> Callable[[Mapping[str, Any]], Any]:
        body, keys = self._source
        return build(body, keys, ops, constants, callables, recover)

    # -- exactness ---------------------------------------------------------------------------
    def exact(self, scope: Mapping[str, Any]) -> Any:
        """The exact value over ``scope``'s exact view (a :class:`~perfscore.exact.Q` for a
        number): the same compiled code, with exact operations and functions."""
        fn = self._exact_fn
        if fn is None:
            constants = {k: exact_constant(v) for k, v in self._constants.items()}
            callables = {
                k: EXACT_FUNCTIONS.get(k[3:], decimal_args(f)) if k.startswith("_f_") else f
                for k, f in self._reference_functions.items()
            }
            fn = self._exact_fn = self._build(PLACED_EXACT, constants, callables, self._raise)
        if type(scope) is not ExactScope:
            scope = ExactScope(scope, self._metrics)
        return fn(scope)

    def _pair(self) -> Pair | None:
        """The expression as one exact fraction (:mod:`.pairs`), made when first needed; None
        when it is not plain arithmetic."""
        fn = self._pair_fn
        if fn is _UNBUILT:
            body = self._reference_tree.value
            metrics = self._metrics.keys()
            # (a chained expression too: ``mean``/``sum`` of a series have a form; anything
            # else that chains has none)
            fn = pair_form(body, self._constants, metrics, self._of, self._reference_functions)
            self._pair_fn = fn
        return fn  # type: ignore[no-any-return]

    def pair_of(self, scope: Mapping[str, Any]) -> tuple[Decimal, Decimal] | None:
        """The exact value over a fast ``scope`` as ``(n, d)``, two exact Decimals (the pair
        form: no rationals built), or None where the expression has no pair form or the form
        gives up (then :meth:`exact` says the value, or the error)."""
        pair = self._pair_fn if self._pair_fn is not _UNBUILT else self._pair()
        if pair is None:
            return None
        try:
            return pair(scope)
        except Exception:  # (NoPair, a text, a missing value: the rational path says)
            return None

    def _of(self, name: str) -> Pair:
        """A metric's pair form, for a value of it that may be rounded."""
        fn = self._metrics[name]._pair()
        if fn is None:
            raise NoPair  # re-derived by the rational path
        return fn

    def _rounded(self, scope: Mapping[str, Any]) -> Any:
        """The exact value rounded once (ROUND_05UP, 28 digits), as the fast path gives it:
        as one fraction rounded once where the expression is plain arithmetic, else (or where
        that form gives up) over exact rationals."""
        pair = self._pair_fn if self._pair_fn is not _UNBUILT else self._pair()
        if pair is not None:
            try:
                n, d = pair(scope)
                return rounded_pair(n, d)
            except Exception:  # (NoPair, a text, a missing value: the rational path says)
                pass
        value = self.exact(scope)
        try:
            return rounded_once(value)
        except Exception as exc:
            raise self._translate(exc, scope) from exc

    def _guarded(
        self, fast: Callable[[Mapping[str, Any]], Any], guards: tuple[str, ...]
    ) -> Callable[[Mapping[str, Any]], Any]:
        rounded = self._rounded

        def guarded(scope: Mapping[str, Any]) -> Any:
            for name in guards:
                v = scope.get(name)
                if type(v) is Decimal:
                    if full(v):
                        return fast(scope) if type(scope) is ExactScope else rounded(scope)
                elif type(v) is Series and maybe_rounded(v):  # (ratio_series: its quotients)
                    return fast(scope) if type(scope) is ExactScope else rounded(scope)
            return fast(scope)

        return guarded

    def _pair_first(
        self, then: Callable[[Mapping[str, Any]], Any]
    ) -> Callable[[Mapping[str, Any]], Any]:
        """An expression with a quotient inside (``a / b * 100``): the fast code would trap the
        quotient's rounding, raise, and start again exactly — so the pair form goes first.  A
        rounded result is written one way only, and is what the fast code or the exact path
        gives; an exact one (written as the fast code writes it), anything the form refuses
        and every error are ``then``'s, the fast code's."""

        def pair_first(scope: Mapping[str, Any]) -> Any:
            pair = self._pair_fn if self._pair_fn is not _UNBUILT else self._pair()
            if pair is None or type(scope) is ExactScope:
                return then(scope)
            try:
                n, d = pair(scope)
                q = _divide(n, d)
            except Exception:  # (refused, or an error the fast code says in its words)
                return then(scope)
            return q if _multiply(q, d) != n else then(scope)

        return pair_first

    def _chained(self, scope: Mapping[str, Any]) -> Any:
        if type(scope) is ExactScope:
            return self.exact(scope)
        return self._rounded(scope)

    def _recover(self, exc: Exception, scope: Any) -> Any:
        """The fast code raised: a Q met an operation (exact view: evaluate exactly), an inner
        operation was inexact (evaluate exactly, round once), or a real error."""
        if type(scope) is ExactScope:
            return self.exact(scope)
        if isinstance(exc, Inexact) and not isinstance(exc, Overflow):
            return self._rounded(scope)
        return self._raise(exc, scope)

    def _raise(self, exc: Exception, scope: Any) -> Any:
        if isinstance(exc, PerfscoreError):
            raise exc
        raise self._translate(exc, scope) from exc

    def evaluate_reference(self, scope: Mapping[str, Any]) -> Any:
        """Evaluate with simpleeval over the same placed tree (the reference semantics): an
        inexact inner operation or a chained expression is evaluated exactly, then rounded."""
        if not self.chained:
            try:
                return self._interpret(scope, PLACED_FAST, self._constants, {})
            except DecimalException as exc:
                if not isinstance(exc, Inexact) or isinstance(exc, Overflow):
                    raise self._translate(exc, scope) from exc
        exact_scope = ExactScope(scope, self._metrics)
        constants = {k: exact_constant(v) for k, v in self._constants.items()}
        value = self._interpret(exact_scope, PLACED_EXACT, constants, EXACT_FUNCTIONS)
        try:
            return rounded_once(value)
        except Exception as exc:
            raise self._translate(exc, scope) from exc

    def _interpret(
        self,
        scope: Mapping[str, Any],
        ops: Mapping[str, Callable[..., Any]],
        constants: Mapping[str, Any],
        exact_functions: Mapping[str, Callable[..., Any]],
    ) -> Any:
        functions = {
            k: exact_functions.get(k[3:], decimal_args(f) if exact_functions else f)
            if k.startswith("_f_")
            else f
            for k, f in self._reference_functions.items()
        }
        try:
            evaluator = simpleeval.SimpleEval(
                operators=REFERENCE_OPERATORS,
                functions={**functions, **ops},
                names=ChainMap(constants, ops, scope),  # type: ignore[arg-type]
            )
            return evaluator.eval(self.text, previously_parsed=self._reference_tree)
        except PerfscoreError:
            raise
        except DecimalException as exc:
            if isinstance(exc, Inexact) and not isinstance(exc, Overflow):
                raise
            raise self._translate(exc, scope) from exc
        except Exception as exc:
            raise self._translate(exc, scope) from exc

    def _missing(self, scope: Mapping[str, Any]) -> str | None:
        for name in self._missing_candidates:
            try:
                if scope[name] is None:
                    return name
            except Exception:
                continue
        return None

    def _translate(self, exc: Exception, scope: object) -> PerfscoreError:
        """Turn whatever an evaluation raised into a perfscore error with a plain message."""
        if not isinstance(scope, Mapping):
            return EvaluationError(said(EVAL, "not_mapping", kind=type(scope).__name__))
        if _zero_division(exc):
            return ZeroDenominatorError(said(EVAL, "division_by_zero"))
        if isinstance(exc, simpleeval.NameNotDefined) or (
            isinstance(exc, KeyError) and exc.args and exc.args[0] in self.names
        ):
            name = getattr(exc, "name", None) or exc.args[0]
            return EvaluationError(said(EVAL, "unknown_value", name=repr(name)), field=str(name))
        message = _safe_str(exc)
        said_already = exc.args[0] if exc.args and isinstance(exc.args[0], Bilingual) else None
        if isinstance(exc, TypeError):
            if isinstance(exc, MissingArgumentError) or "NoneType" in message:
                # a missing value computed with: the missing-data policy (MissingValueError)
                name = self._missing(scope)
                if name is not None:
                    return MissingValueError(
                        said(EVAL, "value_missing", name=repr(name)), field=name
                    )
                return MissingValueError(said(EVAL, "a_value_missing"))
            match = re.search(
                r"not supported between instances of '([\w.]+)' and '([\w.]+)'", message
            )
            if match:
                left, right = (_plain_type(t) for t in match.groups())
                return EvaluationError(said(EVAL, "cannot_compare", left=left, right=right))
            match = re.search(r"conversion from ([\w.]+) to Decimal", message)
            if match:
                return EvaluationError(
                    said(EVAL, "expected_number", kind=_plain_type(match.group(1)))
                )
            if said_already is not None:  # a function's own words (perfscore.functions)
                return EvaluationError(said(EVAL, "invalid_value", problem=said_already))
            return EvaluationError(said(EVAL, "invalid_value_other", problem=message))
        if isinstance(exc, (Overflow, OverflowError)):
            return EvaluationError(said(EVAL, "too_large"))
        if isinstance(exc, DecimalException):
            return EvaluationError(said(EVAL, "invalid_arithmetic"))
        if isinstance(exc, RecursionError):
            return EvaluationError(said(EVAL, "too_complex"))
        if isinstance(exc, simpleeval.InvalidExpression):
            return EvaluationError(said(EVAL, "cannot_evaluate", problem=message))
        return EvaluationError(
            said(EVAL, "cannot_evaluate", problem=f"{type(exc).__name__}: {message}")
        )

    def __repr__(self) -> str:
        return f"CompiledExpression({self.text!r}, kind={self.kind!r})"
