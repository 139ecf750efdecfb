"""Compile, the checks: equal / assert / explain_if → :class:`CheckNode`."""

from __future__ import annotations

from .. import model as m
from ..errors import did_you_mean
from ..expr import CompiledExpression
from .names import Resolver
from .nodes import MISSING_AWARE, CheckNode, Path


class CheckPass(Resolver):
    """Checks (cross-field consistency) → :class:`CheckNode`."""

    def check(self, chk: m.CheckModel, path: Path) -> CheckNode:
        node = CheckNode(
            chk.id,
            chk.title,
            chk.title_en,
            chk.type,
            self.location(path),
            chk.severity,
            tolerance=chk.tolerance,
            source=chk.source.model_dump(exclude_none=True) if chk.source else None,
        )
        exprs: list[CompiledExpression] = []
        if chk.type == "equal":
            if chk.left is None or chk.right is None:
                self.problem(path, "an equal check needs 'left' and 'right'")
            else:
                node.left = self.compile(chk.left, (*path, "left"))
                node.right = self.compile(chk.right, (*path, "right"))
                exprs += [node.left, node.right]
                node.unit = self.unit_of(chk.left) or self.unit_of(chk.right)
        elif chk.type == "assert":
            if chk.expr is None:
                self.problem(path, "an assert check needs 'expr'")
            else:
                node.expr = self.compile(chk.expr, (*path, "expr"))
                exprs.append(node.expr)
        else:
            if chk.when is None or chk.require is None:
                self.problem(path, "an explain_if check needs 'when' and 'require'")
            else:
                node.when = self.compile(chk.when, (*path, "when"))
                exprs.append(node.when)
                if chk.require not in self.model.inputs:
                    self.problem(
                        (*path, "require"),
                        f"unknown input {chk.require!r}",
                        did_you_mean(chk.require, self.model.inputs),
                    )
                node.require = chk.require
        if chk.type != "explain_if" and chk.when is not None:
            node.when = self.compile(chk.when, (*path, "when"))  # a precondition
            exprs.append(node.when)
        node.reads = tuple(
            sorted(
                {n for e in exprs for n in e.names} | ({node.require} if node.require else set())
            )
        )
        node.missing_aware = any(e.functions & MISSING_AWARE for e in exprs)
        node.messages = self.messages(chk.messages, (*path, "messages"))
        self.rules.append(self.rule_info(chk, "check", node))
        return node
