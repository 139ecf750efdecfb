"""Validation and name resolution: the parsed tree is checked, once, before anything runs.

Node types against an allow-list (attribute access, indexing, lambdas, comprehensions ... are
refused with a plain reason), names against the declared inputs and metrics and calls against
the registered functions (an unknown one with "did you mean"), argument counts, and the static
kind of every operand (no arithmetic on text, no ordering of booleans).  The checked tree is
rewritten on the way: number literals become exact :class:`~decimal.Decimal` constants built
from their source text, calls go to internal names (``_f_<name>``), long chains become one
``_op_chain`` call.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, Literal, NoReturn, get_args

from ..errors import EvaluationError, ExpressionError, PerfscoreError, did_you_mean
from ..functions import FunctionRegistry, callable_for
from ..numbers import literal_problem
from ..values import Kind
from .parse import Source, copy_location
from .runtime import BINOPS, CHAIN_MIN, UNARYOPS, op_chain

__all__ = ["MAX_STRING_LITERAL", "Checker"]

MAX_STRING_LITERAL = 1000

_Kind = Literal["number", "boolean", "text", "series", "any", "missing", "tuple"]

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


def _unify(a: _Kind, b: _Kind) -> _Kind:
    return a if a == b else "any"


class Checker:
    """Validates the parsed tree, infers kinds and builds the rewritten (reference) tree."""

    def __init__(
        self,
        src: Source,
        names: Mapping[str, Kind],
        functions: FunctionRegistry,
        choices: Mapping[str, tuple[str, ...]] | None = None,
    ) -> None:
        self.src = src
        self.declared = names
        #: text inputs' declared choices: comparing one with a word not among them never holds
        self.choices = choices or {}
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
        return copy_location(ast.Name(id=name, ctx=ast.Load()), node)

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
        if isinstance(node, ast.UnaryOp) and type(node.op) in UNARYOPS:
            value = self.fold(node.operand)
            if value is not None and isinstance(node.operand, ast.Constant):  # as visit folds it
                return value.copy_negate() if isinstance(node.op, ast.USub) else value
            try:
                return None if value is None else UNARYOPS[type(node.op)][1](value)
            except ArithmeticError:
                return None
        if isinstance(node, ast.BinOp) and type(node.op) in BINOPS:
            left, right = self.fold(node.left), self.fold(node.right)
            if left is None or right is None:
                return None
            try:
                return BINOPS[type(node.op)][1](left, right)  # type: ignore[no-any-return]
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
            return copy_location(ast.Name(id=name, ctx=ast.Load()), node), kind
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
            if type(cur.op) not in BINOPS:
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
            name = BINOPS[type(b.op)][0]
            self.constants[name] = BINOPS[type(b.op)][1]
            chain += [copy_location(ast.Name(id=name, ctx=ast.Load()), b), right]
            left, left_kind = (
                copy_location(ast.BinOp(left=left, op=b.op, right=right), b),
                "number",
            )
        if len(spine) < CHAIN_MIN:
            return left, "number"
        self.functions["_op_chain"] = op_chain
        callee = copy_location(ast.Name(id="_op_chain", ctx=ast.Load()), node)
        call = ast.Call(func=callee, args=[first, *chain], keywords=[])
        return copy_location(call, node), "number"

    def visit_UnaryOp(self, node: ast.UnaryOp) -> tuple[ast.expr, _Kind]:
        if isinstance(node.op, ast.Not):
            operand, _ = self.visit(node.operand)
            return copy_location(ast.UnaryOp(op=node.op, operand=operand), node), "boolean"
        if type(node.op) not in UNARYOPS:
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
        return copy_location(ast.UnaryOp(op=node.op, operand=operand), node), "number"

    def visit_BoolOp(self, node: ast.BoolOp) -> tuple[ast.expr, _Kind]:
        values: list[ast.expr] = []
        kind: _Kind | None = None
        for value in node.values:
            new, value_kind = self.visit(value)
            values.append(new)
            kind = value_kind if kind is None else _unify(kind, value_kind)
        result: _Kind = "any" if kind is None or kind == "missing" else kind
        return copy_location(ast.BoolOp(op=node.op, values=values), node), result

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
            self.check_choices(op, left_node, right_node)
            comparators.append(right)
            left_kind, left_node = right_kind, right_node
        new = ast.Compare(left=left, ops=list(node.ops), comparators=comparators)
        return copy_location(new, node), "boolean"

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

    def check_choices(self, op: ast.cmpop, left: ast.AST, right: ast.AST) -> None:
        """``project_type == '基建'`` where the input's choices are 基建类/民生类/...: the
        comparison can never hold (``!=``: never fails), so the rule set is refused."""
        if not isinstance(op, (ast.Eq, ast.NotEq, ast.In, ast.NotIn)):
            return
        pairs = [(left, right)]
        if isinstance(op, (ast.Eq, ast.NotEq)):
            pairs.append((right, left))
        for name, other in pairs:
            if not isinstance(name, ast.Name) or name.id not in self.choices:
                continue
            allowed = self.choices[name.id]
            listed = other.elts if isinstance(other, (ast.Tuple, ast.List)) else [other]
            if isinstance(op, (ast.In, ast.NotIn)) and not isinstance(other, (ast.Tuple, ast.List)):
                continue  # 'x in some_text': a substring test, not a choice
            for item in listed:
                if not isinstance(item, ast.Constant) or not isinstance(item.value, str):
                    continue
                if not item.value.strip():
                    continue  # tier != '': "not blank", which a rule set may well mean
                if item.value not in allowed:
                    self.fail(
                        f"{item.value!r} is not one of {name.id}'s choices "
                        f"({', '.join(allowed)}), so this comparison can never hold",
                        item,
                        did_you_mean(item.value, allowed),
                    )

    def visit_IfExp(self, node: ast.IfExp) -> tuple[ast.expr, _Kind]:
        test, _ = self.visit(node.test)
        body, body_kind = self.visit(node.body)
        orelse, orelse_kind = self.visit(node.orelse)
        kind = _unify(body_kind, orelse_kind)
        new = ast.IfExp(test=test, body=body, orelse=orelse)
        return copy_location(new, node), "any" if kind == "missing" else kind

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
        callee = copy_location(ast.Name(id=internal, ctx=ast.Load()), func)
        return copy_location(ast.Call(func=callee, args=args, keywords=[]), node), function.returns
