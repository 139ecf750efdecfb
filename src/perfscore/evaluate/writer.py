"""The source writer the generated walks share (:mod:`.pointscode` for points,
:mod:`.findcode` for findings): lines at an indent, and the namespace values they name — only
names made here reach the source; ids, forms and numbers travel as values, so nothing a rule
set says is ever written into code."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

__all__ = ["SourceWriter", "read_lines"]


class SourceWriter:
    """Source lines and the namespace values they name (``values`` starts as the walk's own
    helpers)."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.lines: list[str] = []
        self.values = values
        self.count = 0
        self.indent = "    "

    def line(self, text: str) -> None:
        self.lines.append(self.indent + text)

    def value(self, x: Any) -> str:
        """A namespace name holding ``x``."""
        name = f"_v{len(self.values)}"
        self.values[name] = x
        return name

    def temp(self) -> str:
        """A new local's name."""
        self.count += 1
        return f"t{self.count}"

    def block(self, head: str) -> None:
        """``head`` (``if …:``, ``try:``), the lines after it one level in until :meth:`end`."""
        self.line(head)
        self.indent += "    "

    def end(self) -> None:
        self.indent = self.indent[:-4]


#: a name in an expression's body: a key it reads (``_kN``), an operation, a constant, a function
_NAME = re.compile(r"\b_[A-Za-z]\w*\b")


def read_lines(value: Callable[[Any], str], expr: Any, target: str) -> list[str]:
    """Lines putting compiled expression ``expr``'s value over ``scope`` into ``target``: a
    plain name read from the scope (a missing key raises: the caller's step then decides);
    where its fast code is plain (:meth:`~perfscore.expr.compiled.CompiledExpression.inline`),
    its body written in place, the expression itself called where the body raises (as the
    expression calls what it does then) — else the expression called.  ``value`` names a
    value in the generated code's namespace (which has ``_Exception``)."""
    text: str = expr.text.strip()
    if text.isidentifier() and not text.startswith("_") and expr.names == frozenset({text}):
        return [f"{target} = scope[{value(text)}]"]
    call = f"{target} = {value(expr.__call__)}(scope)"
    made = expr.inline()
    if made is None:
        return [call]
    body, keys, names = made
    unknown: list[str] = []

    def named(m: re.Match[str]) -> str:
        k = m.group(0)
        if k[:2] == "_k" and k[2:].isdigit() and int(k[2:]) < len(keys):
            return value(keys[int(k[2:])])
        if k in names:
            return value(names[k])
        unknown.append(k)
        return k

    written = _NAME.sub(named, body)
    if unknown:
        return [call]
    return ["try:", f"    {target} = {written}", "except _Exception:", f"    {call}"]
