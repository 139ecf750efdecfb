"""Composition: PyYAML's safe composer with a YAML 1.2 core-schema resolver (depth guard, alias
and anchor checks, a budget of anchors and aliases), and the fast path over libyaml's C parser.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import yaml
from yaml.events import AliasEvent
from yaml.nodes import Node, ScalarNode

from .document import _BOOL, _FLOAT, _INT, _NULL, _Fatal, _mark


class _AliasNode(Node):
    """Stand-in for ``*name`` so an expanded alias is located where the alias is written."""

    def __init__(self, target: Node, anchor: str, start_mark: yaml.Mark) -> None:
        super().__init__(target.tag, target.value, start_mark, start_mark)
        self.target = target
        self.anchor = anchor


#: Anchors and aliases a document may define/use: honest rule sets share a few scorer
#: configurations; hundreds of thousands are an attack, refused before they are all composed.
MAX_ANCHORS = 10_000


class _Composing:
    """Our composer on top of any YAML event source: depth guard, alias and anchor checks,
    and a budget of anchors and aliases (refused as soon as it is exceeded)."""

    anchors: dict[Any, Node]

    def __init__(self, stream: str, max_depth: int) -> None:
        super().__init__(stream)  # type: ignore[call-arg]
        self._max_depth = max_depth
        self._depth = 0
        self._references = 0

    def _peek(self) -> Any:
        return self.peek_event()  # type: ignore[attr-defined]

    def _next(self) -> Any:
        return self.get_event()  # type: ignore[attr-defined]

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        # Depth guard: PyYAML's composer recurses, so refuse deep nesting before Python does.
        if self._depth > self._max_depth:
            raise _Fatal(
                f"nesting is deeper than {self._max_depth} levels",
                _mark(self._peek().start_mark),
            )
        if self.check_event(AliasEvent):  # type: ignore[attr-defined]
            event = self._next()
            name = event.anchor
            self._count_reference(event)
            if name not in self.anchors:
                raise _Fatal(
                    f"alias *{name} refers to no anchor defined before it",
                    _mark(event.start_mark),
                )
            return _AliasNode(self.anchors[name], name, event.start_mark)
        event = self._peek()
        name = event.anchor
        if name is not None:
            if name in self.anchors:
                first = _mark(self.anchors[name].start_mark)
                at = f" (first defined at line {first.line})" if first else ""
                raise _Fatal(f"anchor &{name} is defined twice{at}", _mark(event.start_mark))
            self._count_reference(event)
        self._depth += 1
        try:
            return super().compose_node(parent, index)  # type: ignore[misc, no-any-return]
        finally:
            self._depth -= 1

    def _count_reference(self, event: Any) -> None:
        self._references += 1
        if self._references > MAX_ANCHORS:
            raise _Fatal(
                f"more than {MAX_ANCHORS} anchors and aliases (an alias bomb?)",
                _mark(event.start_mark),
            )

    def compose_single(self) -> Node | None:
        """Like ``get_single_node`` but with a plain message for a second document."""
        self._next()  # STREAM-START
        node = None
        if not self.check_event(yaml.StreamEndEvent):  # type: ignore[attr-defined]
            node = self.compose_document()  # type: ignore[attr-defined]
        if not self.check_event(yaml.StreamEndEvent):  # type: ignore[attr-defined]
            event = self._next()
            raise _Fatal(
                "more than one YAML document in the file (a second '---'?); exactly one is allowed",
                _mark(event.start_mark),
            )
        self._next()  # STREAM-END
        return node


class _Loader(_Composing, yaml.SafeLoader):
    """SafeLoader's reader/scanner/parser/composer with our own resolver and depth guard.

    The resolver is YAML-1.2-like: only ``true``/``false`` are booleans (so ``no``, the country
    code, stays a string), dates are not special, ints need no leading zeros, and ``1e3`` is a
    number.  The constructor half of SafeLoader is never used.
    """

    yaml_implicit_resolvers: dict[Any, Any] = {}  # noqa: RUF012 - PyYAML's class-level table


_Loader.add_implicit_resolver(
    _BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)\Z"), list("tTfF")
)
_Loader.add_implicit_resolver(_NULL, re.compile(r"^(?:~|null|Null|NULL|)\Z"), ["~", "n", "N", ""])
_Loader.add_implicit_resolver(
    _INT,
    re.compile(
        r"""^(?:[-+]?(?:0|[1-9](?:_?[0-9])*)
            |[-+]?0x(?:_?[0-9a-fA-F])+
            |[-+]?0o(?:_?[0-7])+)\Z""",
        re.X,
    ),
    list("-+0123456789"),
)
_Loader.add_implicit_resolver(
    _FLOAT,
    re.compile(
        r"""^(?:[-+]?(?:[0-9][0-9_]*\.[0-9_]*|\.[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)?
            |[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+
            |[-+]?\.(?:inf|Inf|INF)
            |\.(?:nan|NaN|NAN))\Z""",
        re.X,
    ),
    list("-+0123456789."),
)


# --------------------------------------------------------------------------------------------
# A fast path: libyaml's C parser and composer, for every shallow document without tabs.  A
# document whose aliases are used is composed again from libyaml's events by our composer (so
# an alias is located where it is written, and anchors are counted), and still built in one
# pass; only a document with a problem — or any YAML error — goes through the two-pass
# converter or the pure-Python parser, so the messages, marks and limits are the same either
# way.  What decides is the composed document, never its text: a comment such as ``# *x``
# changes nothing.

_SLOW: Any = object()
_CParser: Any = getattr(getattr(yaml, "cyaml", None), "CParser", None)

_RESOLVED: dict[str, str] = {}  # plain scalar text -> implicit tag (pure; bounded)

if _CParser is not None:
    _base_resolve: Callable[..., str] = yaml.resolver.BaseResolver.resolve

    class _FastLoader(_CParser, yaml.resolver.BaseResolver):  # type: ignore[misc]
        yaml_implicit_resolvers = _Loader.yaml_implicit_resolvers

        def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
            """BaseResolver.resolve, memoised for plain scalars (no path resolvers here)."""
            if kind is ScalarNode and implicit[0]:
                tag = _RESOLVED.get(value)
                if tag is None:
                    tag = _base_resolve(self, kind, value, implicit)
                    if len(_RESOLVED) < 16384 and len(value) <= 64:
                        _RESOLVED[value] = tag
                return tag
            return _base_resolve(self, kind, value, implicit)

    class _CEvents(_Composing, _CParser, yaml.composer.Composer, yaml.resolver.Resolver):  # type: ignore[misc]
        """Our composer over libyaml's C event parser: documents with anchors and aliases are
        composed at C speed for scanning and parsing (the pure-Python parser takes seconds on a
        few megabytes).  Any YAML error goes back to the Python path for its messages."""

        yaml_implicit_resolvers = _Loader.yaml_implicit_resolvers

        def __init__(self, stream: str, max_depth: int) -> None:
            super().__init__(stream, max_depth)
            yaml.composer.Composer.__init__(self)
            yaml.resolver.Resolver.__init__(self)


def _compose_anchored(text: str, max_depth: int) -> Any:
    """Compose a document with anchors/aliases: C events when possible, else pure Python."""
    if _CParser is not None and "\t" not in text:
        loader = _CEvents(text, max_depth)
        try:
            return loader.compose_single()
        except yaml.YAMLError:
            pass  # the pure-Python path below gives the usual message and mark
        finally:
            loader.dispose()
    slow = _Loader(text, max_depth)
    try:
        return slow.compose_single()
    finally:
        slow.dispose()


_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")
_DASHES = re.compile(r"(?:-[ ]+)*")
_BRACKETS = re.compile(r"[\[\]{}]")


def _nesting_estimate(text: str) -> int:
    """A generous estimate of nesting (indentation, compact '- ' items, open brackets outside
    quotes); it may over-count, never under-count structure, so only shallow files take the
    C path."""
    deepest = depth = 0
    for line in text.splitlines():
        stripped = line.lstrip(" ")
        indent = len(line) - len(stripped)
        dashes = len(_DASHES.match(stripped).group(0))  # type: ignore[union-attr]
        peak = depth
        for bracket in _BRACKETS.findall(_QUOTED.sub("", stripped)):
            depth = depth + 1 if bracket in "[{" else max(depth - 1, 0)
            peak = max(peak, depth)
        deepest = max(deepest, indent + dashes + peak)
    return deepest


def _compose_fast(text: str, max_depth: int) -> Any:
    """libyaml's C composer (aliases come back as the anchor's own node: :class:`_Plain` spots
    a node met twice and the document is composed again with the alias positions)."""
    if _CParser is None or "\t" in text:
        return _SLOW
    if text.count("&") + text.count("*") > MAX_ANCHORS:
        return _SLOW  # perhaps too many anchors: the composer over events counts them exactly
    if _nesting_estimate(text) > max_depth:
        return _SLOW  # libyaml's composer recurses in C (to at most ~1,000 levels, its limit)
    loader = _FastLoader(text)  # type: ignore[call-arg]
    try:
        return loader.get_single_node()
    except Exception:
        return _SLOW
    finally:
        loader.dispose()
