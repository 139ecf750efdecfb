"""Code generation: a checked and placed tree becomes one Python function.

The source reads names as ``scope[key]`` (the keys are closure values, so expressions that
differ only in their names share code) and calls its arithmetic and functions by internal name;
it is compiled once per shape (a bounded cache) and run in a namespace with empty
``__builtins__`` that holds the operations (:mod:`.runtime`), constants and callables.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from types import CodeType
from typing import Any

from .runtime import BINOPS, UNARYOPS, op_chain

__all__ = ["build", "clear_code_cache", "to_source"]

_COMPARE_SYMBOLS: dict[type[ast.cmpop], str] = {
    ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=",
    ast.In: "in", ast.NotIn: "not in", ast.Is: "is", ast.IsNot: "is not",
}  # fmt: skip


def to_source(node: ast.expr, keys: dict[str, str]) -> str:
    """Python source of the fast path for a *validated* tree: ``scope[_kN]`` look-ups for names
    (the key is a closure parameter, so expressions differing only in names share code) and
    Decimal-context calls for arithmetic.  Every sub-expression is parenthesised.

    Only trusted text reaches the source: operator names from fixed tables, internal names
    (``_cN`` constants, ``_f_name`` functions, where ``name`` was parsed as an identifier) and
    ``repr`` of bool/None/str literals; the rule's own names travel as closure values."""
    if isinstance(node, ast.Name):
        if node.id.startswith("_"):  # constants, functions: globals of the compiled code
            return node.id
        key = keys.get(node.id)
        if key is None:
            key = keys[node.id] = f"_k{len(keys)}"
        return f"scope[{key}]"
    if isinstance(node, ast.BinOp):
        name = BINOPS[type(node.op)][0]
        return f"{name}({to_source(node.left, keys)}, {to_source(node.right, keys)})"
    if isinstance(node, ast.UnaryOp):
        operand = to_source(node.operand, keys)
        if isinstance(node.op, ast.Not):
            return f"(not {operand})"
        return f"{UNARYOPS[type(node.op)][0]}({operand})"
    if isinstance(node, ast.BoolOp):
        word = " and " if isinstance(node.op, ast.And) else " or "
        return "(" + word.join(to_source(v, keys) for v in node.values) + ")"
    if isinstance(node, ast.Compare):
        parts = [to_source(node.left, keys)]
        for op, right in zip(node.ops, node.comparators, strict=True):
            parts += [_COMPARE_SYMBOLS[type(op)], to_source(right, keys)]
        return "(" + " ".join(parts) + ")"
    if isinstance(node, ast.IfExp):
        body = to_source(node.body, keys)
        test = to_source(node.test, keys)
        return f"({body} if {test} else {to_source(node.orelse, keys)})"
    if isinstance(node, ast.Call):
        func = node.func
        assert isinstance(func, ast.Name) and func.id.isidentifier()
        assert func.id.startswith(("_f_", "_oi_", "_ot_")) or func.id == "_op_chain"
        return f"{func.id}(" + ", ".join(to_source(a, keys) for a in node.args) + ")"
    if isinstance(node, ast.Constant):
        value = node.value
        assert value is None or isinstance(value, (bool, str)), value
        return f"({value!r})"
    raise AssertionError(f"unexpected node after validation: {type(node).__name__}")


_FACTORY = """\
def _make({params}):
    def _perfscore_expression(scope):
        try:
            return {body}
        except _Exception as exc:
            return _recover(exc, scope)
    return _perfscore_expression
"""

# Factory code by generated source: a rule set's formulas mostly share a few shapes (x / y,
# x - y, ...), and unpickling in a worker recompiles the same ones.  Bounded; FIFO eviction.
_FACTORY_CODE: dict[str, CodeType] = {}
_FACTORY_CACHE_SIZE = 4096


def _factory_code(body: str, n_keys: int) -> CodeType:
    source = _FACTORY.format(params=", ".join(f"_k{i}" for i in range(n_keys)), body=body)
    code = _FACTORY_CODE.get(source)
    if code is None:
        code = compile(source, "<perfscore expression>", "exec")
        if len(_FACTORY_CODE) >= _FACTORY_CACHE_SIZE:
            del _FACTORY_CODE[next(iter(_FACTORY_CODE))]
        _FACTORY_CODE[source] = code
    return code


def clear_code_cache() -> None:
    """Forget compiled expression code (benchmarks measure a cold load with it)."""
    _FACTORY_CODE.clear()


def build(
    body: str,
    keys: tuple[str, ...],
    ops: Mapping[str, Callable[..., Any]],
    constants: Mapping[str, Any],
    callables: Mapping[str, Callable[..., Any]],
    recover: Callable[[Exception, Any], Any],
) -> Callable[[Mapping[str, Any]], Any]:
    """The function for ``body`` (from :func:`to_source`) in a namespace of ``ops``,
    ``constants`` and ``callables``; an exception inside goes to ``recover(exc, scope)``."""
    code = _factory_code(body, len(keys))
    namespace: dict[str, Any] = {
        "__builtins__": {},
        "_Exception": Exception,
        "_recover": recover,
        "_op_chain": op_chain,
        **ops,
        **constants,
        **callables,
    }
    exec(code, namespace)
    return namespace["_make"](*keys)  # type: ignore[no-any-return]
