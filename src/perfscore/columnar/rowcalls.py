"""A plug-in function called inside a condition — an indicator's or group's ``when``, a
checklist item's ``when``, a check (``assert``, ``equal``'s sides, its ``when``), a grade
override — run per row for that call
only (#18): the call is compiled alone (as the rule set's own compiler compiles it: the same
names, functions, rounding and metrics) and runs as a metric of its own per row
(:class:`~perfscore.columnar.rowexpr.RowExpr`), and the condition, its call replaced by that
metric's name, runs by columns.

A row where the call raises or gives no finite ``Decimal`` goes to the per-record path (it
decides what a condition makes of it, and whether it was called there at all — ``x > 0 and
f(y) > 1`` calls ``f`` only where ``x > 0``).  Not split (the rule set stays per record, the
reason says so): a call inside ``is_missing``/``coalesce``'s reach (a blank read there is no
failure), one reading ``total`` (a grade override's), one giving something else than a
number."""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any

from ..compile import Compiled
from ..expr import compile_expression
from .plan import MetricPlan
from .rowexpr import RowExpr, chain_of, plugin_calls, pure_chain

__all__ = ["CallSplitter"]

_AWARE = frozenset({"is_missing", "coalesce"})


class CallSplitter:
    """The conditions of a rule set with their plug-in calls split out: :meth:`text` gives
    the text a condition runs as by columns; :attr:`metrics` the calls' per-row metrics (in
    the order first met), :attr:`kinds` their names."""

    def __init__(self, c: Compiled) -> None:
        self.c = c
        self.metrics: list[MetricPlan] = []
        self._names: dict[str, str] = {}  # a call's text → its metric
        self._texts: dict[str, str] = {}  # a condition's text → what runs by columns
        kinds: dict[str, Any] = {n: spec.kind for n, spec in c.inputs.items()}
        kinds |= {mt.name: mt.expr.kind for mt in c.metrics}
        self._kinds = kinds
        self._rounding = frozenset(mt.name for mt in c.metrics if mt.expr.rounds)
        self._choices = {n: s.choices for n, s in c.inputs.items() if s.choices is not None}
        #: what runs a call per row: (reason key, its id field, the plug-in functions)
        self.owners: list[tuple[str, dict[str, str]]] = []
        found: dict[tuple[str, str], set[str]] = {}
        for key, rule_id, e in self._conditions():
            calls = self._split(e)
            if calls:
                found.setdefault((key, rule_id), set()).update(calls)
        for (key, rule_id), fns in found.items():
            self.owners.append((key, {"id": rule_id, "calls": ", ".join(sorted(fns))}))

    def text(self, text: str) -> str:
        """What condition ``text`` runs as by columns (itself when it calls no plug-in)."""
        return self._texts.get(text.strip(), text)

    def _conditions(self) -> list[tuple[str, str, Any]]:
        """Every condition: (reason key, the id it belongs to, its compiled expression)."""
        c, out = self.c, []
        stack = list(reversed(c.indicators))
        while stack:
            n = stack.pop()
            stack.extend(reversed(n.children))
            if n.when is not None:
                out.append(("per_row_when", n.id, n.when))
            for item_id, _, e in getattr(n.scorer, "items", None) or ():  # a checklist's
                if getattr(e, "functions", None) is not None:
                    out.append(("per_row_item", f"{n.id}.{item_id}", e))
        for ch in c.checks:
            exprs = (ch.when, ch.left, ch.right, ch.expr)
            out += [("per_row_check", ch.id, e) for e in exprs if e is not None]
        out += [("per_row_override", o.grade, o.when) for o in c.overrides]
        return out

    def _split(self, e: Any) -> list[str]:
        """Split ``e``'s plug-in calls out (the functions called; empty: none split)."""
        plugins = set(plugin_calls(self.c, e.functions))
        if not plugins or e.functions & _AWARE:
            return []
        src = e.text.strip()
        try:
            tree = ast.parse(src, mode="eval")
        except SyntaxError:
            return []
        found: list[tuple[int, int, str]] = []
        data = src.encode("utf-8")
        starts = [0]
        for line in data.split(b"\n")[:-1]:
            starts.append(starts[-1] + len(line) + 1)

        def visit(node: ast.AST) -> None:
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in plugins
                and node.end_lineno is not None
                and node.end_col_offset is not None
            ):
                lo = starts[node.lineno - 1] + node.col_offset
                hi = starts[node.end_lineno - 1] + node.end_col_offset
                found.append((lo, hi, data[lo:hi].decode("utf-8")))
                return
            for child in ast.iter_child_nodes(node):
                visit(child)

        visit(tree.body)
        names = [self._metric(call) for _, _, call in found]
        if None in names:
            return []
        for (lo, hi, _), name in sorted(zip(found, names, strict=True), reverse=True):
            data = data[:lo] + str(name).encode("utf-8") + data[hi:]
        self._texts[src] = data.decode("utf-8")
        return [f"{f}()" for f in sorted(plugins)]

    def _metric(self, call: str) -> str | None:
        """The per-row metric of plug-in call ``call`` (None: it cannot run per row)."""
        known = self._names.get(call)
        if known is not None:
            return known
        try:
            e = compile_expression(
                call,
                names=self._kinds,
                functions=self.c.functions,
                rounding=self._rounding,
                metrics=self.c.metric_exprs,
                choices=self._choices,
            )
        except Exception:  # (the compiler took the whole condition: a guard)
            return None
        chain = chain_of(self.c, e.names)
        if chain is None or e.kind != "number" or e.functions & _AWARE or "total" in e.names:
            return None
        name = f"_call_{len(self._names)}"
        calls = plugin_calls(self.c, e.functions)
        fn: Callable[..., Any] = e.__call__
        row = RowExpr(name, fn, chain, pure=pure_chain(self.c, calls, chain), strict=False,
                      calls=calls)  # fmt: skip
        self.metrics.append(MetricPlan(name, None, tuple(sorted(e.names)), "error", row))
        self._names[call] = name
        return name
