"""Rule expressions: validated once, compiled to a Python function, run per record.

Rule sets are written by untrusted authors, so an expression is parsed with
``ast.parse(mode="eval")`` (one expression, never a statement), checked against a whitelist of
node types, names, registered functions and static kinds, and only then rewritten and compiled:

* every number literal becomes an exact :class:`~decimal.Decimal` built from its source text;
* arithmetic becomes calls to :data:`~perfscore.functions.DECIMAL_CONTEXT` methods, so it is
  numbers-only at run time (no string repetition, no ``True + True == 2``), independent of the
  caller's decimal context, and needs no ``localcontext()`` on the hot path;
* ``**`` goes through :func:`safe_power` (whole exponent, ``|exponent| <= 64``, bounded result);
* names become ``scope["name"]`` look-ups and calls go to the registry's callables.

The same rewritten tree is also evaluated by simpleeval (:meth:`CompiledExpression.
evaluate_reference`), which is the reference semantics the fast path is tested against.  Both
paths raise only :class:`~perfscore.errors.PerfscoreError` subclasses.

The steps live in the order they run: :mod:`.parse` (text to tree, the sandbox's limits),
:mod:`.check` (allowed nodes, names and functions, kinds; the rewritten tree), :mod:`.place`
(where a result may round), :mod:`.codegen` (the generated function), :mod:`.compiled`
(:class:`CompiledExpression`: running it, exactly when needed, errors in plain words) and
:mod:`.runtime` (the operations the generated code calls).
"""

from __future__ import annotations

import ast
from collections.abc import Mapping

from ..errors import ExpressionError
from ..functions import DEFAULT_FUNCTIONS, FunctionRegistry
from ..values import Kind
from .check import Checker
from .codegen import clear_code_cache
from .compiled import CompiledExpression
from .parse import copy_location, parse
from .place import Placer
from .runtime import rounded_once, safe_power

__all__ = [
    "CompiledExpression",
    "clear_code_cache",
    "compile_expression",
    "rounded_once",
    "safe_power",
]


def compile_expression(
    text: str,
    *,
    names: Mapping[str, Kind],
    functions: FunctionRegistry = DEFAULT_FUNCTIONS,
    max_length: int = 20_000,
    max_depth: int = 40,
    rounding: frozenset[str] = frozenset(),
    metrics: Mapping[str, CompiledExpression] | None = None,
    choices: Mapping[str, tuple[str, ...]] | None = None,
) -> CompiledExpression:
    """Validate ``text`` against ``names``/``functions`` and compile it once for many records.

    ``rounding``: the names whose values may be rounded results (metrics that compute);
    ``metrics``: the metrics' compiled expressions by name (what the exact path re-derives);
    ``choices``: text inputs' declared choices (a comparison with another word is refused)."""
    src, tree = parse(text, max_length=max_length, max_depth=max_depth)
    checker = Checker(src, names, functions, choices)
    try:
        body, kind = checker.visit(tree.body)
        placer = Placer(rounding, checker.constants, checker.functions)
        rounds = kind in ("number", "any", "series") and placer.rounds(body)
        body = placer.place(body, True)
        reference = ast.Expr(value=body)
        copy_location(reference, tree.body)
        candidates = tuple(dict.fromkeys([*checker.operands, *checker.arguments]))
        return CompiledExpression(
            text,
            names=frozenset(checker.names),
            functions=frozenset(name[3:] for name in checker.functions if name.startswith("_f_")),
            kind="any" if kind == "missing" else kind,  # type: ignore[arg-type]
            reference_tree=reference,
            fast_tree=body,
            constants=checker.constants,
            callables=checker.functions,
            missing_candidates=tuple(n for n in candidates if n in checker.names),
            chained=placer.chained,
            rounds=rounds,
            metrics=metrics,
            guards=tuple(placer.guards),
        )
    except (RecursionError, MemoryError):
        raise ExpressionError("expression is too complex", expr=text) from None
