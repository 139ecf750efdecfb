"""An expression's text to a Python syntax tree, inside the sandbox's limits.

One expression, never a statement (``ast.parse(mode="eval")``); a bounded length; bracket and
node depth bounded (a left-leaning chain ``a + b + ...`` counts as one level, it is compiled
flat); the usual slips (``=`` for ``==``, ``95%`` for ``0.95``) explained.  :class:`Source` maps
Python's positions back onto the rule text, so errors point at the right character.
"""

from __future__ import annotations

import ast
import re
import warnings
from decimal import Decimal
from typing import TypeVar

from ..errors import ExpressionError

__all__ = ["Source", "ast_depth", "bracket_depth", "copy_location", "parse"]

_PERCENT = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)\s*%")  # 95% where 0.95 is meant
_SINGLE_EQUALS = re.compile(r"(?<![=<>!:])=(?!=)")
_BRACKETS = {"(": 1, "[": 1, "{": 1, ")": -1, "]": -1, "}": -1}


def bracket_depth(text: str) -> int:
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


def ast_depth(tree: ast.AST) -> int:
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


def copy_location(new: _N, old: ast.AST) -> _N:
    """``ast.copy_location`` for expression nodes (both carry all four position fields)."""
    for attr in ("lineno", "col_offset", "end_lineno", "end_col_offset"):
        value = getattr(old, attr, None)
        if value is not None:
            setattr(new, attr, value)
    return new


class Source:
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


def parse(text: str, *, max_length: int, max_depth: int) -> tuple[Source, ast.Expression]:
    """``text`` parsed as one expression within the limits, else :class:`ExpressionError`
    (located where Python or a hint can say where)."""
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
    src = Source(text, source, len(text) - len(source))
    if bracket_depth(source) > max_depth:
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
    if len(source) > max_depth and ast_depth(tree) > max_depth:
        raise ExpressionError(
            f"expression is nested too deeply (more than {max_depth} levels)", expr=text
        )
    return src, tree
