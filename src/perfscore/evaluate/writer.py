"""The source writer the generated walks share (:mod:`.pointscode` for points,
:mod:`.findcode` for findings): lines at an indent, and the namespace values they name — only
names made here reach the source; ids, forms and numbers travel as values, so nothing a rule
set says is ever written into code."""

from __future__ import annotations

from typing import Any

__all__ = ["SourceWriter"]


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
