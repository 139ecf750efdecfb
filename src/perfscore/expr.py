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
"""

from __future__ import annotations

import ast
import operator
import re
import warnings
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
from fractions import Fraction
from types import CodeType
from typing import TYPE_CHECKING, Any, Literal, NoReturn, TypeVar, get_args

import simpleeval

from perfscore.errors import (
    EvaluationError,
    ExpressionError,
    PerfscoreError,
    ZeroDenominatorError,
    did_you_mean,
)
from perfscore.exact import (
    EXACT_FUNCTIONS,
    EXACT_OPS,
    ONCE,
    ExactScope,
    Q,
    decimal_args,
    full,
    power_exponent,
)
from perfscore.functions import (
    DECIMAL_CONTEXT,
    DEFAULT_FUNCTIONS,
    FunctionRegistry,
    MissingArgumentError,
    callable_for,
)
from perfscore.numbers import literal_problem
from perfscore.values import Kind, Series

__all__ = ["CompiledExpression", "compile_expression", "safe_power"]

MAX_STRING_LITERAL = 1000

_Kind = Literal["number", "boolean", "text", "series", "any", "missing", "tuple"]

_CTX = DECIMAL_CONTEXT

# --- run-time operator helpers (shared by the compiled and the reference path) ---------------


def _as_decimal(value: object) -> Decimal:
    """Coerce like the decimal Context methods do (Decimal or int), else TypeError."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    raise TypeError(f"conversion from {type(value).__name__} to Decimal is not supported")


def safe_power(base: object, exponent: object, context: Any = _CTX) -> Decimal:
    """``base ** exponent`` with a whole exponent of at most 64 and a bounded result.

    simpleeval's own ``safe_power`` also bounds the *base* (4,000,000), which would refuse
    ``budget ** 2`` for any real budget; bounding the result's size is what actually matters.
    """
    b, e = _as_decimal(base), _as_decimal(exponent)
    n = power_exponent(b, e)
    if b.is_zero():
        return Decimal(1) if n == 0 else Decimal(0)
    return context.power(b, n)  # type: ignore[no-any-return]


def _remainder(a: object, b: object, context: Any = _CTX) -> Decimal:
    """``a % b`` (sign of ``a``, like Decimal); ``x % 0`` is a zero denominator."""
    if isinstance(b, (Decimal, int)) and b == 0:
        raise ZeroDivisionError("modulo by zero")
    return context.remainder(a, b)  # type: ignore[no-any-return]  # TypeError for non-numbers


# Where a result may round (see :mod:`perfscore.exact`): an inner operation computes in _INNER,
# which traps Inexact (the expression is then evaluated exactly and rounded once); the outermost
# one computes in _TOP, which rounds once with ROUND_05UP (never onto a 0 or 5: never onto a
# rule set's number).
_INNER = DECIMAL_CONTEXT.copy()
_INNER.traps[Inexact] = True
_INNER.clear_flags()
_TOP = ONCE


def _ops(context: Any) -> dict[str, Callable[..., Any]]:
    return {
        "add": context.add,
        "sub": context.subtract,
        "mul": context.multiply,
        "div": context.divide,
        "floordiv": context.divide_int,
        "mod": lambda a, b: _remainder(a, b, context),
        "pow": lambda a, b: safe_power(a, b, context),
        "neg": context.minus,
        "pos": context.plus,
    }


_OP_KEYS: dict[type[ast.AST], str] = {
    ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div", ast.FloorDiv: "floordiv",
    ast.Mod: "mod", ast.Pow: "pow", ast.USub: "neg", ast.UAdd: "pos",
}  # fmt: skip
#: The placed operations: ``_oi_<op>`` (inner) and ``_ot_<op>`` (outermost), fast and exact.
_PLACED_FAST: dict[str, Callable[..., Any]] = {
    **{f"_oi_{k}": fn for k, fn in _ops(_INNER).items()},
    **{f"_ot_{k}": fn for k, fn in _ops(_TOP).items()},
}
_PLACED_EXACT: dict[str, Callable[..., Any]] = {
    **{f"_oi_{k}": fn for k, fn in EXACT_OPS.items()},
    **{f"_ot_{k}": fn for k, fn in EXACT_OPS.items()},
}


# Names the rewritten code refers to; users cannot write names starting with "_".
_BINOPS: dict[type[ast.operator], tuple[str, Callable[[Any, Any], Any]]] = {
    ast.Add: ("_op_add", _CTX.add),
    ast.Sub: ("_op_sub", _CTX.subtract),
    ast.Mult: ("_op_mul", _CTX.multiply),
    ast.Div: ("_op_div", _CTX.divide),
    ast.FloorDiv: ("_op_floordiv", _CTX.divide_int),
    ast.Mod: ("_op_mod", _remainder),
    ast.Pow: ("_op_pow", safe_power),
}
_UNARYOPS: dict[type[ast.unaryop], tuple[str, Callable[[Any], Any]]] = {
    ast.USub: ("_op_neg", _CTX.minus),
    ast.UAdd: ("_op_pos", _CTX.plus),
}
_OP_GLOBALS: dict[str, Any] = {name: fn for name, fn in (*_BINOPS.values(), *_UNARYOPS.values())}

#: A left-leaning run of at least this many binary operators (``a1 + a2 + ... + a500``) is
#: compiled as one call, ``_op_chain(a1, _op_add, a2, _op_add, a3, ...)``: Python's compiler
#: and simpleeval recurse per nesting level, a flat call does not.  The value is the same
#: left-to-right fold.
CHAIN_MIN = 16


def _op_chain(first: Any, *rest: Any) -> Any:
    """``((first op1 x1) op2 x2) ...`` for ``rest = (op1, x1, op2, x2, ...)``."""
    value = first
    for i in range(0, len(rest), 2):
        value = rest[i](value, rest[i + 1])
    return value


_OP_GLOBALS["_op_chain"] = _op_chain

_REFERENCE_OPERATORS: dict[type[ast.AST], Any] = {
    op: simpleeval.DEFAULT_OPERATORS[op]
    for op in (ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.In, ast.NotIn, ast.Not)
}
_REFERENCE_OPERATORS.update({op: fn for op, (_, fn) in _BINOPS.items()})
_REFERENCE_OPERATORS.update({op: fn for op, (_, fn) in _UNARYOPS.items()})

# --- compile-time vocabulary -----------------------------------------------------------------

_VERBS: dict[type[ast.AST], str] = {
    ast.Add: "add", ast.Sub: "subtract", ast.Mult: "multiply", ast.Div: "divide",
    ast.FloorDiv: "divide", ast.Mod: "take the remainder of", ast.Pow: "raise to a power",
    ast.USub: "negate", ast.UAdd: "apply unary '+' to",
}  # fmt: skip
_DECLARABLE: frozenset[str] = frozenset(get_args(Kind))
_KIND_WORDS: dict[str, str] = {
    "text": "text",
    "boolean": "a boolean (true/false)",
    "series": "a series (use a function such as sum(...), mean(...) or year(...))",
    "missing": "None (a missing value; use coalesce(x, default))",
    "tuple": "a list",
}
_OP_SYMBOLS: dict[type[ast.AST], str] = {
    ast.BitAnd: "&", ast.BitOr: "|", ast.BitXor: "^", ast.LShift: "<<", ast.RShift: ">>",
    ast.MatMult: "@", ast.Invert: "~", ast.Is: "is", ast.IsNot: "is not",
}  # fmt: skip
_OP_HINTS: dict[type[ast.AST], str] = {
    ast.BitAnd: "; use 'and'", ast.BitOr: "; use 'or'", ast.Invert: "; use 'not'",
    ast.Is: "; use '==' (or is_missing(x))", ast.IsNot: "; use '!=' (or not is_missing(x))",
}  # fmt: skip
_FORBIDDEN_NODES: dict[type[ast.AST], str] = {
    ast.Attribute: "attribute access is not allowed",
    ast.Subscript: "indexing is not allowed; use year(series, 2023)",
    ast.Slice: "slicing is not allowed; use last(series, n)",
    ast.Lambda: "lambda functions are not allowed",
    ast.ListComp: "comprehensions are not allowed",
    ast.SetComp: "comprehensions are not allowed",
    ast.DictComp: "comprehensions are not allowed",
    ast.GeneratorExp: "generator expressions are not allowed",
    ast.JoinedStr: "f-strings are not allowed",
    ast.FormattedValue: "f-strings are not allowed",
    ast.Starred: "starred arguments (*x) are not allowed",
    ast.NamedExpr: "assignment expressions (:=) are not allowed",
    ast.Await: "'await' is not allowed",
    ast.Yield: "'yield' is not allowed",
    ast.YieldFrom: "'yield' is not allowed",
    ast.Dict: "dict literals are not allowed",
    ast.Set: "set literals are not allowed",
    ast.Tuple: "a list of values is only allowed after 'in' / 'not in'",
    ast.List: "a list of values is only allowed after 'in' / 'not in'",
}
_ORDERING = (ast.Lt, ast.LtE, ast.Gt, ast.GtE)
_PERCENT = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)\s*%")  # 95% where 0.95 is meant
_SINGLE_EQUALS = re.compile(r"(?<![=<>!:])=(?!=)")
_BRACKETS = {"(": 1, "[": 1, "{": 1, ")": -1, "]": -1, "}": -1}


def _bracket_depth(text: str) -> int:
    """Deepest bracket nesting outside string literals (a cheap pre-parse guard)."""
    depth = deepest = 0
    quote: str | None = None
    i = 0
    while i < len(text):
        ch = text[i]
        if quote is not None:
            if ch == "\\":
                i += 1
            elif text.startswith(quote, i):
                i += len(quote) - 1
                quote = None
        elif ch in "'\"":
            quote = ch * 3 if text.startswith(ch * 3, i) else ch
            i += len(quote) - 1
        elif ch in _BRACKETS:
            depth += _BRACKETS[ch]
            deepest = max(deepest, depth)
        i += 1
    return deepest


_N = TypeVar("_N", bound=ast.AST)


def _ast_depth(tree: ast.AST) -> int:
    """Depth of nested expression nodes, iteratively (the tree may be very deep).  The usual
    node types are unpacked directly; anything else through ``ast.iter_child_nodes``."""
    deepest = 0
    stack: list[tuple[ast.AST, int]] = [(tree, 0)]
    pop, push = stack.pop, stack.append
    while stack:
        node, depth = pop()
        t = type(node)
        if t is ast.Name or t is ast.Constant:
            if depth >= deepest:
                deepest = depth + 1
            continue
        if isinstance(node, ast.expr):
            depth += 1
            if depth > deepest:
                deepest = depth
        if t is ast.BinOp:
            left = node.left  # type: ignore[attr-defined]
            # a chain a + b + c is one level however long (it is compiled flat)
            push((left, depth - 1 if type(left) is ast.BinOp else depth))
            push((node.right, depth))  # type: ignore[attr-defined]
        elif t is ast.UnaryOp:
            push((node.operand, depth))  # type: ignore[attr-defined]
        elif t is ast.Call:
            push((node.func, depth))  # type: ignore[attr-defined]
            stack.extend((arg, depth) for arg in node.args)  # type: ignore[attr-defined]
            stack.extend((kw, depth) for kw in node.keywords)  # type: ignore[attr-defined]
        else:
            stack.extend((child, depth) for child in ast.iter_child_nodes(node))
    return deepest


def _copy_location(new: _N, old: ast.AST) -> _N:
    """``ast.copy_location`` for expression nodes (both carry all four position fields)."""
    for attr in ("lineno", "col_offset", "end_lineno", "end_col_offset"):
        value = getattr(old, attr, None)
        if value is not None:
            setattr(new, attr, value)
    return new


def _unify(a: _Kind, b: _Kind) -> _Kind:
    return a if a == b else "any"


class _Source:
    """Maps Python's (line, UTF-8 byte column) positions to 0-based offsets in the rule text."""

    def __init__(self, text: str, source: str, delta: int) -> None:
        self.text, self.source, self.delta = text, source, delta
        self.lines = re.split(r"\r\n|\r|\n", source)
        self.starts: list[int] = []
        for match in re.finditer(r"[^\r\n]*(\r\n|\r|\n|$)", source):
            self.starts.append(match.start())
            if len(self.starts) == len(self.lines):
                break

    def offset(self, lineno: int | None, col: int | None, *, chars: bool = False) -> int | None:
        if lineno is None or col is None or not 1 <= lineno <= len(self.lines):
            return None
        line = self.lines[lineno - 1]
        if not chars:
            col = len(line.encode("utf-8")[:col].decode("utf-8", errors="ignore"))
        return max(0, min(self.starts[lineno - 1] + col + self.delta, len(self.text)))

    def at(self, node: ast.AST) -> int | None:
        return self.offset(getattr(node, "lineno", None), getattr(node, "col_offset", None))


class _Checker:
    """Validates the parsed tree, infers kinds and builds the rewritten (reference) tree."""

    def __init__(
        self, src: _Source, names: Mapping[str, Kind], functions: FunctionRegistry
    ) -> None:
        self.src = src
        self.declared = names
        self.registry = functions
        self.constants: dict[str, Any] = {}
        self._constant_ids: dict[tuple[str, str], str] = {}
        self.functions: dict[str, Callable[..., Any]] = {}
        self.names: dict[str, None] = {}  # ordered set
        self.operands: dict[str, None] = {}  # names used directly by arithmetic / ordering
        self.arguments: dict[str, None] = {}  # names passed to functions

    # helpers ---------------------------------------------------------------------------------
    def fail(self, message: str, node: ast.AST | None, suggestion: str | None = None) -> NoReturn:
        raise ExpressionError(
            message,
            expr=self.src.text,
            offset=None if node is None else self.src.at(node),
            suggestion=suggestion,
        )

    def constant(self, value: Any, node: ast.AST, key: tuple[str, str] | None) -> ast.Name:
        name = self._constant_ids.get(key) if key is not None else None
        if name is None:
            name = f"_c{len(self.constants)}"
            self.constants[name] = value
            if key is not None:
                self._constant_ids[key] = name
        return _copy_location(ast.Name(id=name, ctx=ast.Load()), node)

    def number(self, node: ast.Constant) -> Decimal:
        source = self.src.source
        if source.isascii() and "\n" not in source and node.end_col_offset is not None:
            segment = source[node.col_offset : node.end_col_offset]  # byte offsets = characters
        else:
            segment = ast.get_source_segment(source, node) or ""
        try:
            number = Decimal(segment.strip())
        except (ArithmeticError, ValueError):  # 0x1F, 0o17, 0b101: int literals Decimal cannot read
            # (and 1e99999999999999999999, whose exponent Decimal refuses: float says inf)
            value = node.value
            number = Decimal(value) if isinstance(value, int) else Decimal(repr(value))
        problem = literal_problem(number)
        if problem is not None:
            self.fail(problem, node)
        return number

    def literal(self, node: ast.expr) -> Any:
        """A plain constant (for lists after 'in'); numbers exact from their text."""
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            value = self.literal(node.operand)
            if isinstance(value, Decimal):
                return value.copy_negate() if isinstance(node.op, ast.USub) else value
            self.fail("only numbers can have a sign", node)
        if isinstance(node, ast.Constant):
            value = node.value
            if isinstance(value, bool) or value is None:
                return value
            if isinstance(value, (int, float)):
                return self.number(node)
            if isinstance(value, str):
                self.check_string(value, node)
                return value
        if (
            isinstance(node, (ast.Constant, ast.Tuple, ast.List, ast.Name))
            or type(node) not in _FORBIDDEN_NODES
        ):
            self.fail("a list after 'in' may contain only constants", node)
        self.visit(node)  # report the forbidden construct itself
        raise AssertionError("unreachable")

    def check_string(self, value: str, node: ast.AST) -> None:
        if len(value) > MAX_STRING_LITERAL:
            self.fail(f"text literal is too long (at most {MAX_STRING_LITERAL} characters)", node)

    def fold(self, node: ast.expr) -> Decimal | None:
        """The value of a literal-only arithmetic subtree, for compile-time ``**`` checks."""
        if isinstance(node, ast.Constant) and type(node.value) in (int, float):
            return self.number(node)
        if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARYOPS:
            value = self.fold(node.operand)
            if value is not None and isinstance(node.operand, ast.Constant):  # as visit folds it
                return value.copy_negate() if isinstance(node.op, ast.USub) else value
            try:
                return None if value is None else _UNARYOPS[type(node.op)][1](value)
            except ArithmeticError:
                return None
        if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
            left, right = self.fold(node.left), self.fold(node.right)
            if left is None or right is None:
                return None
            try:
                return _BINOPS[type(node.op)][1](left, right)  # type: ignore[no-any-return]
            except PerfscoreError as exc:
                if isinstance(node.op, ast.Pow):
                    self.fail(exc.message if isinstance(exc, EvaluationError) else str(exc), node)
                return None
            except (ArithmeticError, TypeError):
                return None
        return None

    def require_number(self, kind: _Kind, op: ast.AST, node: ast.AST) -> None:
        if kind not in ("number", "any"):
            self.fail(f"cannot {_VERBS[type(op)]} {_KIND_WORDS[kind]}", node)

    def operand(self, node: ast.expr) -> tuple[ast.expr, _Kind]:
        if isinstance(node, ast.Name):
            self.operands.setdefault(node.id, None)
        return self.visit(node)

    # the walk --------------------------------------------------------------------------------
    def visit(self, node: ast.AST) -> tuple[ast.expr, _Kind]:
        method = getattr(self, f"visit_{type(node).__name__}", None)
        if method is not None:
            return method(node)  # type: ignore[no-any-return]
        if type(node) in _FORBIDDEN_NODES:
            self.fail(_FORBIDDEN_NODES[type(node)], node)
        self.fail(f"{type(node).__name__} is not allowed in an expression", node)

    def visit_Constant(self, node: ast.Constant) -> tuple[ast.expr, _Kind]:
        value = node.value
        if isinstance(value, bool):
            return node, "boolean"
        if value is None:
            return node, "missing"
        if isinstance(value, (int, float)):
            number = self.number(node)
            return self.constant(number, node, ("number", str(number))), "number"
        if isinstance(value, str):
            self.check_string(value, node)
            return node, "text"
        what = {bytes: "bytes literals", complex: "complex numbers"}.get(type(value), "'...'")
        self.fail(f"{what} are not allowed" if what != "'...'" else "'...' is not allowed", node)

    def visit_Name(self, node: ast.Name) -> tuple[ast.expr, _Kind]:
        name = node.id
        if name.startswith("_"):
            self.fail(f"names starting with '_' are not allowed: {name!r}", node)
        if name in self.declared:
            kind = self.declared[name]
            if kind not in _DECLARABLE:
                self.fail(f"{name!r} is declared with an unknown kind {kind!r}", node)
            self.names.setdefault(name, None)
            return _copy_location(ast.Name(id=name, ctx=ast.Load()), node), kind
        if name in self.registry:
            self.fail(f"{name!r} is a function; call it as {name}(...)", node)
        self.fail(
            f"unknown name {name!r}",
            node,
            did_you_mean(name, [*self.declared, *self.registry.names()]),
        )

    def visit_BinOp(self, node: ast.BinOp) -> tuple[ast.expr, _Kind]:
        # the left spine iteratively: a sum of hundreds of terms is a chain, not a recursion
        spine: list[ast.BinOp] = []
        cur: ast.expr = node
        while isinstance(cur, ast.BinOp):
            if type(cur.op) not in _BINOPS:
                symbol = _OP_SYMBOLS.get(type(cur.op), type(cur.op).__name__)
                self.fail(
                    f"operator {symbol!r} is not allowed{_OP_HINTS.get(type(cur.op), '')}", cur
                )
            spine.append(cur)
            cur = cur.left
        left, left_kind = self.operand(cur)
        first = left
        chain: list[ast.expr] = []
        for b in reversed(spine):
            right, right_kind = self.operand(b.right)
            self.require_number(left_kind, b.op, b.left)
            self.require_number(right_kind, b.op, b.right)
            if isinstance(b.op, ast.Pow):
                self.fold(b)
            name = _BINOPS[type(b.op)][0]
            self.constants[name] = _BINOPS[type(b.op)][1]
            chain += [_copy_location(ast.Name(id=name, ctx=ast.Load()), b), right]
            left, left_kind = (
                _copy_location(ast.BinOp(left=left, op=b.op, right=right), b),
                "number",
            )
        if len(spine) < CHAIN_MIN:
            return left, "number"
        self.functions["_op_chain"] = _op_chain
        callee = _copy_location(ast.Name(id="_op_chain", ctx=ast.Load()), node)
        call = ast.Call(func=callee, args=[first, *chain], keywords=[])
        return _copy_location(call, node), "number"

    def visit_UnaryOp(self, node: ast.UnaryOp) -> tuple[ast.expr, _Kind]:
        if isinstance(node.op, ast.Not):
            operand, _ = self.visit(node.operand)
            return _copy_location(ast.UnaryOp(op=node.op, operand=operand), node), "boolean"
        if type(node.op) not in _UNARYOPS:
            symbol = _OP_SYMBOLS.get(type(node.op), type(node.op).__name__)
            self.fail(f"operator {symbol!r} is not allowed{_OP_HINTS.get(type(node.op), '')}", node)
        inner = node.operand
        if isinstance(inner, ast.Constant) and type(inner.value) in (int, float):
            number = self.number(inner)
            if isinstance(node.op, ast.USub):
                number = number.copy_negate()
            return self.constant(number, node, ("number", str(number))), "number"
        operand, kind = self.operand(inner)
        self.require_number(kind, node.op, inner)
        return _copy_location(ast.UnaryOp(op=node.op, operand=operand), node), "number"

    def visit_BoolOp(self, node: ast.BoolOp) -> tuple[ast.expr, _Kind]:
        values: list[ast.expr] = []
        kind: _Kind | None = None
        for value in node.values:
            new, value_kind = self.visit(value)
            values.append(new)
            kind = value_kind if kind is None else _unify(kind, value_kind)
        result: _Kind = "any" if kind is None or kind == "missing" else kind
        return _copy_location(ast.BoolOp(op=node.op, values=values), node), result

    def visit_Compare(self, node: ast.Compare) -> tuple[ast.expr, _Kind]:
        left, left_kind = self.operand(node.left)
        left_node: ast.expr = node.left
        comparators: list[ast.expr] = []
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            if type(op) in _OP_SYMBOLS:
                self.fail(
                    f"operator {_OP_SYMBOLS[type(op)]!r} is not allowed"
                    f"{_OP_HINTS.get(type(op), '')}",
                    node,
                )
            if isinstance(op, (ast.In, ast.NotIn)) and isinstance(
                right_node, (ast.Tuple, ast.List)
            ):
                items = tuple(self.literal(element) for element in right_node.elts)
                right: ast.expr = self.constant(items, right_node, None)
                right_kind: _Kind = "tuple"
            else:
                right, right_kind = self.operand(right_node)
            self.check_comparison(op, left_kind, right_kind, left_node, right_node)
            comparators.append(right)
            left_kind, left_node = right_kind, right_node
        new = ast.Compare(left=left, ops=list(node.ops), comparators=comparators)
        return _copy_location(new, node), "boolean"

    def check_comparison(
        self, op: ast.cmpop, left: _Kind, right: _Kind, left_node: ast.AST, right_node: ast.AST
    ) -> None:
        if isinstance(op, (ast.In, ast.NotIn)):
            if right not in ("tuple", "text", "series", "any"):
                self.fail(
                    f"'in' needs a list, text or a series on its right, not {right}", right_node
                )
            if left in ("series", "tuple"):
                self.fail(f"cannot look for {_KIND_WORDS[left]} with 'in'", left_node)
            if right == "text" and left not in ("text", "any"):
                self.fail("'in' with text on the right needs text on the left", left_node)
            return
        for kind, where in ((left, left_node), (right, right_node)):
            if kind in ("series", "tuple"):
                self.fail(f"cannot compare {_KIND_WORDS[kind]}", where)
        if isinstance(op, _ORDERING):
            for kind, where in ((left, left_node), (right, right_node)):
                if kind in ("boolean", "missing"):
                    self.fail(f"cannot order {_KIND_WORDS[kind]}", where)
        if {left, right} == {"number", "text"}:
            self.fail("cannot compare a number with text", right_node)

    def visit_IfExp(self, node: ast.IfExp) -> tuple[ast.expr, _Kind]:
        test, _ = self.visit(node.test)
        body, body_kind = self.visit(node.body)
        orelse, orelse_kind = self.visit(node.orelse)
        kind = _unify(body_kind, orelse_kind)
        new = ast.IfExp(test=test, body=body, orelse=orelse)
        return _copy_location(new, node), "any" if kind == "missing" else kind

    def visit_Call(self, node: ast.Call) -> tuple[ast.expr, _Kind]:
        func = node.func
        if not isinstance(func, ast.Name):
            if type(func) in _FORBIDDEN_NODES:
                self.visit(func)
            self.fail("only functions can be called, by name", func)
        name = func.id
        if name.startswith("_"):
            self.fail(f"names starting with '_' are not allowed: {name!r}", func)
        function = self.registry.get(name)
        if function is None:
            if name in self.declared:
                self.fail(f"{name!r} is a value, not a function", func)
            self.fail(f"unknown function {name!r}", func, did_you_mean(name, self.registry.names()))
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                self.fail(_FORBIDDEN_NODES[ast.Starred], arg)
        if node.keywords:
            keyword = node.keywords[0]
            message = (
                "'**' arguments are not allowed"
                if keyword.arg is None
                else f"keyword arguments are not allowed ({keyword.arg}=...); "
                "pass arguments by position"
            )
            self.fail(message, keyword)
        count, low, high = len(node.args), function.min_args, function.max_args
        if count < low or (high is not None and count > high):
            if high == low:
                wanted = f"exactly {low}"
            elif high is None:
                wanted = f"at least {low}"
            else:
                wanted = f"{low} to {high}"
            self.fail(
                f"{name}() takes {wanted} argument{'s' if (high or low) != 1 else ''} "
                f"({count} given): {function.doc}",
                func,
            )
        args: list[ast.expr] = []
        for arg in node.args:
            if isinstance(arg, ast.Name):
                self.arguments.setdefault(arg.id, None)
            new, _ = self.visit(arg)
            args.append(new)
        internal = f"_f_{name}"
        self.functions[internal] = callable_for(function)
        callee = _copy_location(ast.Name(id=internal, ctx=ast.Load()), func)
        return _copy_location(ast.Call(func=callee, args=args, keywords=[]), node), function.returns


#: Functions that pick one of their arguments (or its negation-free magnitude): a once-rounded
#: argument stays once-rounded through them.
_SELECTING = frozenset({"min", "max", "clamp", "abs", "coalesce", "round"})
#: Functions whose result is exact whatever they read (counts, look-ups, tests).
_EXACT_RESULT = frozenset(
    {"count", "count_within", "count_below", "count_above", "is_missing", "year", "last"}
)


class _Placer:
    """Decides where the rewritten tree may round (see :mod:`perfscore.exact`).

    An arithmetic node in a *top* position — the root of the expression, an operand of a
    comparison (or of ``round``, ``min``, ...) whose other operands are constants of at most 27
    digits, reached only through selections — becomes ``_ot_<op>`` (rounded once, ROUND_05UP);
    every other one ``_oi_<op>`` (exact, or Inexact is raised and the expression is evaluated
    exactly).  The expression is *chained* — always evaluated exactly, then rounded once — when
    it calls a function that may round inside (``sum``, ``mean``, a plugin's); it is *guarded*
    by the possibly rounded names (``rounding``) it reads where they are not top: when one of
    them holds a full 28-digit value (maybe rounded) it is evaluated exactly, else as placed."""

    def __init__(
        self,
        rounding: frozenset[str],
        constants: Mapping[str, Any],
        functions: Mapping[str, Callable[..., Any]],
    ) -> None:
        self.rounding = rounding
        self.constants = constants
        self.functions = functions
        self.chained = False
        self.guards: dict[str, None] = {}  # rounding names read where they are not top

    def kind_of_call(self, internal: str) -> str:
        """``select``, ``exact`` or ``other`` for a ``_f_name`` callee (by identity: a plugin
        replacing a name is ``other``)."""
        name = internal[3:]
        default = DEFAULT_FUNCTIONS.get(name)
        if default is None or self.functions.get(internal) is not default.fn:
            return "other"
        if name in _SELECTING:
            return "select"
        return "exact" if name in _EXACT_RESULT else "other"

    def rounds(self, node: ast.expr) -> bool:
        """Whether the value of ``node`` may be rounded."""
        if isinstance(node, ast.Name):
            return node.id in self.rounding
        if isinstance(node, (ast.BinOp, ast.Compare, ast.BoolOp)):
            return isinstance(node, ast.BinOp)
        if isinstance(node, ast.UnaryOp):
            return not isinstance(node.op, ast.Not)
        if isinstance(node, ast.IfExp):
            return self.rounds(node.body) or self.rounds(node.orelse)
        if isinstance(node, ast.Call):
            assert isinstance(node.func, ast.Name)
            if node.func.id == "_op_chain":
                return True
            kind = self.kind_of_call(node.func.id)
            if kind == "select":
                return any(self.rounds(a) for a in node.args)
            return kind != "exact"
        return False

    def on_grid(self, node: ast.expr) -> bool:
        """A constant that a once-rounded value can never equal nor straddle."""
        if isinstance(node, ast.Constant):
            return True
        if isinstance(node, ast.Name) and node.id.startswith("_c"):
            value = self.constants[node.id]
            if isinstance(value, tuple):
                return all(not isinstance(v, Decimal) or _short(v) for v in value)
            return not isinstance(value, Decimal) or _short(value)
        return False

    def operands(self, nodes: list[ast.expr], top: bool) -> list[ast.expr]:
        """Operands of a decision or a selection: the one that may round is top when ``top``
        and every other one is a constant on the grid."""
        rounding = [self.rounds(n) for n in nodes]
        single = top and sum(rounding) <= 1
        single = single and all(r or self.on_grid(n) for n, r in zip(nodes, rounding, strict=True))
        return [self.place(n, single and r) for n, r in zip(nodes, rounding, strict=True)]

    def place(self, node: ast.expr, top: bool) -> ast.expr:
        if isinstance(node, ast.Name):
            if node.id in self.rounding and not top:
                self.guards.setdefault(node.id, None)
            return node
        if isinstance(node, ast.BinOp):
            name = f"{'_ot_' if top else '_oi_'}{_OP_KEYS[type(node.op)]}"
            args = [self.place(node.left, False), self.place(node.right, False)]
            return self.call(name, args, node)
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.Not):
                operand = self.place(node.operand, True)
                return _copy_location(ast.UnaryOp(op=node.op, operand=operand), node)
            name = f"{'_ot_' if top else '_oi_'}{_OP_KEYS[type(node.op)]}"
            return self.call(name, [self.place(node.operand, top)], node)
        if isinstance(node, ast.BoolOp):
            values = [self.place(v, top) for v in node.values]
            return _copy_location(ast.BoolOp(op=node.op, values=values), node)
        if isinstance(node, ast.Compare):
            left, *comparators = self.operands([node.left, *node.comparators], True)
            new = ast.Compare(left=left, ops=node.ops, comparators=comparators)
            return _copy_location(new, node)
        if isinstance(node, ast.IfExp):
            new_if = ast.IfExp(
                test=self.place(node.test, True),
                body=self.place(node.body, top),
                orelse=self.place(node.orelse, top),
            )
            return _copy_location(new_if, node)
        if isinstance(node, ast.Call):
            assert isinstance(node.func, ast.Name)
            callee = node.func.id
            if callee == "_op_chain":
                first, *rest = node.args
                args = [self.place(first, False)]
                for i in range(0, len(rest), 2):
                    op = rest[i]
                    assert isinstance(op, ast.Name)
                    key = op.id[len("_op_") :]
                    last = top and i == len(rest) - 2
                    name = f"{'_ot_' if last else '_oi_'}{key}"
                    args += [_copy_location(ast.Name(id=name, ctx=ast.Load()), op)]
                    args += [self.place(rest[i + 1], False)]
                return self.call(callee, args, node)
            kind = self.kind_of_call(callee)
            if kind == "select":
                args = self.operands(list(node.args), top)
            else:
                if kind == "other":
                    self.chained = True
                args = [self.place(a, False) for a in node.args]
            return self.call(callee, args, node)
        return node

    @staticmethod
    def call(name: str, args: list[ast.expr], node: ast.AST) -> ast.Call:
        callee = _copy_location(ast.Name(id=name, ctx=ast.Load()), node)
        return _copy_location(ast.Call(func=callee, args=args, keywords=[]), node)


def _short(x: Decimal) -> bool:
    """At most 27 significant digits (trailing zeros do not count): on every once-rounded
    value's grid."""
    if not x.is_finite() or x.is_zero():
        return x.is_finite()
    return len(x.as_tuple().digits) <= 27 or len(x.normalize(_CTX).as_tuple().digits) <= 27


_COMPARE_SYMBOLS: dict[type[ast.cmpop], str] = {
    ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=",
    ast.In: "in", ast.NotIn: "not in", ast.Is: "is", ast.IsNot: "is not",
}  # fmt: skip


def _to_source(node: ast.expr, keys: dict[str, str]) -> str:
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
        name = _BINOPS[type(node.op)][0]
        return f"{name}({_to_source(node.left, keys)}, {_to_source(node.right, keys)})"
    if isinstance(node, ast.UnaryOp):
        operand = _to_source(node.operand, keys)
        if isinstance(node.op, ast.Not):
            return f"(not {operand})"
        return f"{_UNARYOPS[type(node.op)][0]}({operand})"
    if isinstance(node, ast.BoolOp):
        word = " and " if isinstance(node.op, ast.And) else " or "
        return "(" + word.join(_to_source(v, keys) for v in node.values) + ")"
    if isinstance(node, ast.Compare):
        parts = [_to_source(node.left, keys)]
        for op, right in zip(node.ops, node.comparators, strict=True):
            parts += [_COMPARE_SYMBOLS[type(op)], _to_source(right, keys)]
        return "(" + " ".join(parts) + ")"
    if isinstance(node, ast.IfExp):
        body = _to_source(node.body, keys)
        test = _to_source(node.test, keys)
        return f"({body} if {test} else {_to_source(node.orelse, keys)})"
    if isinstance(node, ast.Call):
        func = node.func
        assert isinstance(func, ast.Name) and func.id.isidentifier()
        assert func.id.startswith(("_f_", "_oi_", "_ot_")) or func.id == "_op_chain"
        return f"{func.id}(" + ", ".join(_to_source(a, keys) for a in node.args) + ")"
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


def _plain_type(name: str) -> str:
    return {
        "str": "text",
        "decimal.Decimal": "a number",
        "Decimal": "a number",
        "int": "a number",
        "bool": "a boolean",
        "NoneType": "a missing value",
        "Series": "a series",
        "float": "a binary float (use Decimal)",
    }.get(name, f"a value of type {name}")


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


def rounded_once(value: Any) -> Any:
    """An exact result as the fast path returns it: a rational rounded once to 28 digits with
    ROUND_05UP (exactly when it is a decimal that fits), a series' values likewise."""
    if isinstance(value, Fraction):
        return _TOP.divide(Decimal(value.numerator), Decimal(value.denominator))
    if isinstance(value, Series):
        return Series(tuple((y, rounded_once(v)) for y, v in value.points))
    return value


def _exact_constant(value: Any) -> Any:
    if isinstance(value, Decimal) and value.is_finite():
        return Q(value)
    return value


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
        body = _to_source(fast_tree, keys)
        self._source = (body, tuple(keys))
        self._exact_fn: Callable[[Mapping[str, Any]], Any] | None = None
        fast = self._build(_PLACED_FAST, constants, callables, self._recover)
        self._fn: Callable[[Mapping[str, Any]], Any] = fast
        if chained:
            self._fn = self._chained
        elif guards:
            self._fn = self._guarded(fast, guards)

    def _build(
        self,
        ops: Mapping[str, Callable[..., Any]],
        constants: Mapping[str, Any],
        callables: Mapping[str, Callable[..., Any]],
        recover: Callable[[Exception, Any], Any],
    ) -> Callable[[Mapping[str, Any]], Any]:
        body, keys = self._source
        code = _factory_code(body, len(keys))
        namespace: dict[str, Any] = {
            "__builtins__": {},
            "_Exception": Exception,
            "_recover": recover,
            "_op_chain": _op_chain,
            **ops,
            **constants,
            **callables,
        }
        exec(code, namespace)
        return namespace["_make"](*keys)  # type: ignore[no-any-return]

    # -- exactness ---------------------------------------------------------------------------
    def exact(self, scope: Mapping[str, Any]) -> Any:
        """The exact value over ``scope``'s exact view (a :class:`~perfscore.exact.Q` for a
        number): the same compiled code, with exact operations and functions."""
        fn = self._exact_fn
        if fn is None:
            constants = {k: _exact_constant(v) for k, v in self._constants.items()}
            callables = {
                k: EXACT_FUNCTIONS.get(k[3:], decimal_args(f)) if k.startswith("_f_") else f
                for k, f in self._reference_functions.items()
            }
            fn = self._exact_fn = self._build(_PLACED_EXACT, constants, callables, self._raise)
        if type(scope) is not ExactScope:
            scope = ExactScope(scope, self._metrics)
        return fn(scope)

    def _rounded(self, scope: Mapping[str, Any]) -> Any:
        """The exact value rounded once (ROUND_05UP, 28 digits), as the fast path gives it."""
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
                if type(v) is Decimal and full(v):
                    return fast(scope) if type(scope) is ExactScope else rounded(scope)
            return fast(scope)

        return guarded

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
                return self._interpret(scope, _PLACED_FAST, self._constants, {})
            except DecimalException as exc:
                if not isinstance(exc, Inexact) or isinstance(exc, Overflow):
                    raise self._translate(exc, scope) from exc
        exact_scope = ExactScope(scope, self._metrics)
        constants = {k: _exact_constant(v) for k, v in self._constants.items()}
        value = self._interpret(exact_scope, _PLACED_EXACT, constants, EXACT_FUNCTIONS)
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
                operators=_REFERENCE_OPERATORS,
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
            return EvaluationError(f"the values must be a mapping, not {type(scope).__name__}")
        if _zero_division(exc):
            return ZeroDenominatorError("division by zero")
        if isinstance(exc, simpleeval.NameNotDefined) or (
            isinstance(exc, KeyError) and exc.args and exc.args[0] in self.names
        ):
            name = getattr(exc, "name", None) or exc.args[0]
            return EvaluationError(f"unknown value {name!r}", field=str(name))
        message = _safe_str(exc)
        if isinstance(exc, TypeError):
            if isinstance(exc, MissingArgumentError) or "NoneType" in message:
                name = self._missing(scope)
                if name is not None:
                    return EvaluationError(f"value of {name!r} is missing", field=name)
                return EvaluationError("a value is missing")
            match = re.search(
                r"not supported between instances of '([\w.]+)' and '([\w.]+)'", message
            )
            if match:
                left, right = (_plain_type(t) for t in match.groups())
                return EvaluationError(f"cannot compare {left} with {right}")
            match = re.search(r"conversion from ([\w.]+) to Decimal", message)
            if match:
                return EvaluationError(f"expected a number, got {_plain_type(match.group(1))}")
            return EvaluationError(f"invalid value: {message}")
        if isinstance(exc, (Overflow, OverflowError)):
            return EvaluationError("number too large")
        if isinstance(exc, DecimalException):
            return EvaluationError("invalid arithmetic operation")
        if isinstance(exc, RecursionError):
            return EvaluationError("expression too complex to evaluate")
        if isinstance(exc, simpleeval.InvalidExpression):
            return EvaluationError(f"cannot evaluate: {message}")
        return EvaluationError(f"cannot evaluate: {type(exc).__name__}: {message}")

    def __repr__(self) -> str:
        return f"CompiledExpression({self.text!r}, kind={self.kind!r})"


def compile_expression(
    text: str,
    *,
    names: Mapping[str, Kind],
    functions: FunctionRegistry = DEFAULT_FUNCTIONS,
    max_length: int = 20_000,
    max_depth: int = 40,
    rounding: frozenset[str] = frozenset(),
    metrics: Mapping[str, CompiledExpression] | None = None,
) -> CompiledExpression:
    """Validate ``text`` against ``names``/``functions`` and compile it once for many records.

    ``rounding``: the names whose values may be rounded results (metrics that compute);
    ``metrics``: the metrics' compiled expressions by name (what the exact path re-derives)."""
    if not isinstance(text, str):
        raise ExpressionError(f"an expression must be text, not {type(text).__name__}")
    if len(text) > max_length:
        raise ExpressionError(
            f"expression is too long ({len(text)} characters; the limit is {max_length})",
            expr=text[:200],
        )
    source = text.lstrip()
    if not source.strip():
        raise ExpressionError("expression is empty", expr=text, offset=0)
    src = _Source(text, source, len(text) - len(source))
    if _bracket_depth(source) > max_depth:
        raise ExpressionError(
            f"expression is nested too deeply (more than {max_depth} levels)", expr=text
        )
    try:
        with warnings.catch_warnings():  # e.g. invalid escapes: never print, never raise
            warnings.simplefilter("ignore")
            tree = ast.parse(source, mode="eval")
    except SyntaxError as exc:
        equals = _SINGLE_EQUALS.search(source)
        if equals is not None:
            raise ExpressionError(
                "'=' is assignment; use '==' to compare",
                expr=text,
                offset=equals.start() + src.delta,
            ) from None
        percent = _PERCENT.search(source)
        if percent is not None:
            ratio = Decimal(percent.group(1)) / 100
            raise ExpressionError(
                f"{percent.group(0)!r} is not a number in a rule: percentages are ratios, "
                f"write {format(ratio.normalize(), 'f')}",
                expr=text,
                offset=percent.start() + src.delta,
            ) from None
        msg = exc.msg or "invalid syntax"
        message = "invalid syntax" if msg == "invalid syntax" else f"invalid syntax: {msg}"
        column = exc.offset - 1 if exc.offset else None
        if column is None and exc.lineno is not None and 1 <= exc.lineno <= len(src.lines):
            column = len(src.lines[exc.lineno - 1])  # Python says "at the end" with offset 0
        offset = src.offset(exc.lineno, column, chars=True)
        raise ExpressionError(message, expr=text, offset=offset) from None
    except (RecursionError, MemoryError, ValueError) as exc:
        raise ExpressionError(
            "expression is too complex" if not isinstance(exc, ValueError) else "invalid syntax",
            expr=text,
        ) from None
    # each nested expression node spans at least one more character than the one inside it,
    # so a source no longer than max_depth cannot nest deeper: skip the walk for short ones
    if len(source) > max_depth and _ast_depth(tree) > max_depth:
        raise ExpressionError(
            f"expression is nested too deeply (more than {max_depth} levels)", expr=text
        )
    checker = _Checker(src, names, functions)
    try:
        body, kind = checker.visit(tree.body)
        placer = _Placer(rounding, checker.constants, checker.functions)
        rounds = kind in ("number", "any") and placer.rounds(body)
        body = placer.place(body, True)
        reference = ast.Expr(value=body)
        _copy_location(reference, tree.body)
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
