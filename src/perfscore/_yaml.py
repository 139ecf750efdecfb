"""A safe YAML loader that keeps positions, for rule sets and subject-data files.

Rule sets come from untrusted hands and every later error must point at ``file:line:col``, so
this module does not use PyYAML's constructors at all.  It lets PyYAML's (safe, pure-Python)
composer build the node graph with a YAML-1.2-style resolver, then walks the nodes itself:

* only the standard str/int/float/bool/null/seq/map tags are accepted (no ``!!python/...``);
* floats become :class:`~decimal.Decimal` built from the scalar *text* (never a binary float);
* ``yes``/``no``/``on``/``off`` and dates stay strings (YAML 1.2, not 1.1);
* duplicate keys, merge keys and non-str/int keys are errors, reported at the key;
* alias expansion is counted and depth-limited before anything is built, so anchor bombs and
  recursive aliases are refused in time linear in the file size.

Every failure is raised as ``RuleSetError`` (or ``DataError``) carrying located
:class:`~perfscore.errors.Problem` objects; no PyYAML exception escapes.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from types import MappingProxyType
from typing import Any, NoReturn

import yaml
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from perfscore._gc import collector_paused
from perfscore.errors import DataError, Problem, RuleSetError
from perfscore.textsafe import clean

__all__ = ["Document", "Mark", "clear_scalar_cache", "load_yaml_file", "load_yaml_text"]

PathKey = tuple[str | int, ...]
ErrorType = type[RuleSetError] | type[DataError]

_TAG_PREFIX = "tag:yaml.org,2002:"
_STR = _TAG_PREFIX + "str"
_INT = _TAG_PREFIX + "int"
_FLOAT = _TAG_PREFIX + "float"
_BOOL = _TAG_PREFIX + "bool"
_NULL = _TAG_PREFIX + "null"
_SEQ = _TAG_PREFIX + "seq"
_MAP = _TAG_PREFIX + "map"
_MERGE = _TAG_PREFIX + "merge"
_SCALAR_TAGS = frozenset({_STR, _INT, _FLOAT, _BOOL, _NULL})

_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class Mark:
    """A position in a source file; both numbers count from 1, as editors do."""

    line: int
    column: int


@dataclass(frozen=True)
class Document:
    """Loaded plain data plus where each value and key came from, for located messages."""

    data: Any
    source: str
    sha256: str
    marks: Mapping[PathKey, Mark]
    key_marks: Mapping[PathKey, Mark]

    def mark(self, path: Sequence[str | int]) -> Mark | None:
        """Mark of ``path``, else of its longest existing prefix.

        A validation error about a *missing* key then points at the enclosing mapping.
        """
        key = tuple(path)
        for end in range(len(key), -1, -1):
            found = self.marks.get(key[:end])
            if found is not None:
                return found
        return None

    def source_of(self, path: Sequence[str | int]) -> str:
        """The file a value came from (one file here; overlays span several)."""
        return self.source

    def problem(
        self,
        path: Sequence[str | int],
        message: str,
        *,
        suggestion: str | None = None,
        code: str = "invalid",
        key: bool = False,
    ) -> Problem:
        """A :class:`Problem` located at ``path`` (at its key when ``key=True`` and known)."""
        where = self.key_marks.get(tuple(path)) if key else None
        if where is None:
            where = self.mark(path)
        return Problem(
            message,
            source=self.source,
            line=where.line if where else None,
            column=where.column if where else None,
            path=tuple(path),
            suggestion=suggestion,
            code=code,
        )


# --------------------------------------------------------------------------------------------
# Composition: PyYAML's safe composer with a YAML 1.2 core-schema resolver.


class _Fatal(Exception):
    """Internal: one problem that stops loading at once (bomb, cycle, depth, bad alias)."""

    def __init__(self, message: str, mark: Mark | None, path: PathKey = ()) -> None:
        super().__init__(message)
        self.message = message
        self.mark = mark
        self.path = path


class _AliasNode(Node):
    """Stand-in for ``*name`` so an expanded alias is located where the alias is written."""

    def __init__(self, target: Node, anchor: str, start_mark: yaml.Mark) -> None:
        super().__init__(target.tag, target.value, start_mark, start_mark)
        self.target = target
        self.anchor = anchor


def _mark(ymark: yaml.Mark | None) -> Mark | None:
    return None if ymark is None else Mark(ymark.line + 1, ymark.column + 1)


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

if _CParser is not None:
    _RESOLVED: dict[str, str] = {}  # plain scalar text -> implicit tag (pure; bounded)
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


# --------------------------------------------------------------------------------------------
# Conversion: validate the node graph once (memoised), then build plain data with marks.


def _tag_name(tag: str) -> str:
    if tag.startswith(_TAG_PREFIX):
        return "!!" + tag[len(_TAG_PREFIX) :]
    return tag if tag.startswith("!") else f"!<{tag}>"


def _kind_name(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, Decimal):
        return "a number with a fraction"
    return "a sequence" if isinstance(value, list) else "a mapping"


class _NoValue:
    """Marker for a scalar that could not be converted (its problem is already recorded)."""


_NO_VALUE = _NoValue()


def _scalar(tag: str, text: str) -> object:
    """Convert one scalar's text per its (resolved or explicit) tag; ValueError if it can't."""
    if tag == _STR:
        # JSON writes an astral character (an emoji, a rare 汉字) as an escaped surrogate pair,
        # "\ud840\udc0b", which a YAML parser keeps as two lone surrogates: join them here,
        # where the text is read; a lone one becomes U+FFFD
        return text if text.isascii() else clean(text)
    if tag == _NULL:
        if text in ("", "~", "null", "Null", "NULL"):
            return None
        raise ValueError(f"invalid null {text!r}")
    if tag == _BOOL:
        low = text.lower()
        if low in ("true", "false"):
            return low == "true"
        raise ValueError(f"invalid boolean {text!r} (only true or false)")
    if tag == _INT:
        digits = text.replace("_", "")
        try:
            return int(digits, 0)
        except ValueError:
            try:
                return int(digits, 10)  # explicit !!int 007
            except ValueError:
                raise ValueError(f"invalid integer {text!r}") from None
    if tag == _FLOAT:
        digits = text.replace("_", "")
        special = {".inf": "Infinity", "+.inf": "Infinity", "-.inf": "-Infinity", ".nan": "NaN"}
        digits = special.get(digits.lower(), digits)
        try:
            return Decimal(digits.strip())
        except InvalidOperation:
            raise ValueError(f"invalid number {text!r}") from None
    raise ValueError(f"unsupported tag {_tag_name(tag)}")


class _Converter:
    """Two passes over the composed graph.

    ``check`` visits each distinct node once (aliases share nodes), records every problem it
    can (tags, keys, duplicates) and computes each node's *expanded* size and height, so a
    billion-laughs document is refused without being expanded.  ``build`` then expands it for
    real, knowing it fits in ``max_nodes`` and ``max_depth``.
    """

    def __init__(self, max_nodes: int, max_depth: int, duplicates_apart: bool = False) -> None:
        self.max_nodes = max_nodes
        self.max_depth = max_depth
        self.problems: list[tuple[str, Mark | None, PathKey]] = []
        # with duplicates_apart, duplicate keys are collected here instead (the later value
        # wins in the data) so a caller can reject just the record that holds one
        self.duplicates_apart = duplicates_apart
        self.duplicates: list[tuple[str, Mark | None, PathKey]] = []
        self.sizes: dict[int, tuple[int, int]] = {}  # id(node) -> (expanded size, height)
        self.values: dict[int, object] = {}  # id(scalar node) -> converted value
        self.active: set[int] = set()
        self.bomb: tuple[Mark | None, PathKey] | None = None
        self.marks: dict[PathKey, Mark] = {}
        self.key_marks: dict[PathKey, Mark] = {}

    def report(self, message: str, node: Node, path: PathKey) -> None:
        self.problems.append((message, _mark(node.start_mark), path))

    # ---- pass 1 -----------------------------------------------------------------------------

    def check(self, node: Node, path: PathKey) -> tuple[int, int]:
        """(expanded node count, height) of ``node``; records problems along the way."""
        where = node
        if isinstance(node, _AliasNode):
            node = node.target
        key = id(node)
        if key in self.active:
            name = f" *{where.anchor}" if isinstance(where, _AliasNode) else ""
            raise _Fatal(
                f"recursive alias{name}: a node contains itself", _mark(where.start_mark), path
            )
        cached = self.sizes.get(key)
        if cached is not None:
            if len(path) + cached[1] > self.max_depth:
                raise _Fatal(
                    f"nesting is deeper than {self.max_depth} levels (after expanding aliases)",
                    _mark(where.start_mark),
                    path,
                )
            return cached
        if len(path) > self.max_depth:
            raise _Fatal(
                f"nesting is deeper than {self.max_depth} levels", _mark(where.start_mark), path
            )
        self.active.add(key)
        try:
            result = self._check_new(node, path)
        finally:
            self.active.discard(key)
        self.sizes[key] = result
        return result

    def _check_tag(self, node: Node, expected: str, path: PathKey) -> None:
        if node.tag == expected:
            return
        if node.tag == _MERGE:
            self.report("merge keys (<<) are not supported", node, path)
            return
        what = "a sequence" if expected == _SEQ else "a mapping"
        extra = f" on {what}" if node.tag in _SCALAR_TAGS | {_SEQ, _MAP} else ""
        self.report(f"unsupported tag {_tag_name(node.tag)}{extra}", node, path)

    def _check_new(self, node: Node, path: PathKey) -> tuple[int, int]:
        if isinstance(node, ScalarNode):
            if node.tag == _MERGE:
                self.report("merge keys (<<) are not supported", node, path)
                value: object = _NO_VALUE
            else:
                try:
                    value = _scalar(node.tag, node.value)
                except ValueError as exc:
                    self.report(str(exc), node, path)
                    value = _NO_VALUE
            self.values[id(node)] = value
            return 1, 0
        if isinstance(node, SequenceNode):
            self._check_tag(node, _SEQ, path)
            size, height = 1, 0
            for index, child in enumerate(node.value):
                child_size, child_height = self.check(child, (*path, index))
                size += child_size
                height = max(height, child_height + 1)
            self._note_size(size, node, path)
            return size, height
        if isinstance(node, MappingNode):
            return self._check_mapping(node, path)
        raise _Fatal(f"unexpected YAML node {type(node).__name__}", _mark(node.start_mark), path)

    def _check_mapping(self, node: MappingNode, path: PathKey) -> tuple[int, int]:
        self._check_tag(node, _MAP, path)
        size, height = 1, 0
        seen: dict[str | int, Mark | None] = {}
        for key_node, value_node in node.value:
            key = self._check_key(key_node, path)
            child_path = (*path, key if key is not None else f"<key {len(seen)}>")
            if key is not None:
                if key in seen:
                    first = seen[key]
                    at = f" (first defined at line {first.line})" if first else ""
                    message = f"duplicate key {key!r}{at}"
                    if self.duplicates_apart:
                        self.duplicates.append((message, _mark(key_node.start_mark), child_path))
                    else:
                        self.report(message, key_node, child_path)
                else:
                    seen[key] = _mark(key_node.start_mark)
            key_size, _ = self.check(key_node, child_path)
            value_size, value_height = self.check(value_node, child_path)
            size += key_size + value_size
            height = max(height, value_height + 1)
        self._note_size(size, node, path)
        return size, height

    def _check_key(self, key_node: Node, path: PathKey) -> str | int | None:
        """The key's value if it is a usable str/int key, else None (problem recorded)."""
        target = key_node.target if isinstance(key_node, _AliasNode) else key_node
        if isinstance(target, ScalarNode):
            if target.tag == _MERGE:
                return None  # reported when the key node itself is checked
            if not target.style and target.value == "<<":  # plain: None, or "" from libyaml
                self.report("merge keys (<<) are not supported", key_node, path)
                return None
            try:
                value = _scalar(target.tag, target.value)
            except ValueError:
                return None  # reported when the key node itself is checked
            if isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool)):
                return value
            self.report(
                f"mapping key {target.value!r} is {_kind_name(value)}; keys must be strings or "
                f"integers (quote it to use it as text)",
                key_node,
                path,
            )
            return None
        kind = "a sequence" if isinstance(target, SequenceNode) else "a mapping"
        self.report(f"mapping key is {kind}; keys must be strings or integers", key_node, path)
        return None

    def _note_size(self, size: int, node: Node, path: PathKey) -> None:
        # Remember the smallest (first finished) collection that alone exceeds the limit.
        if size > self.max_nodes and self.bomb is None:
            self.bomb = (_mark(node.start_mark), path)

    # ---- pass 2 -----------------------------------------------------------------------------

    def build(self, node: Node, path: PathKey) -> Any:
        """Plain Python data for ``node`` (a fresh copy per alias use); records marks."""
        here = _mark(node.start_mark)
        if here is not None:
            self.marks[path] = here
        if isinstance(node, _AliasNode):
            node = node.target
        if isinstance(node, ScalarNode):
            return self.values[id(node)]
        if isinstance(node, SequenceNode):
            return [self.build(child, (*path, i)) for i, child in enumerate(node.value)]
        result: dict[str | int, Any] = {}
        for key_node, value_node in node.value:
            target = key_node.target if isinstance(key_node, _AliasNode) else key_node
            key = self.values[id(target)]
            assert isinstance(key, str | int)
            child_path = (*path, key)
            key_mark = _mark(key_node.start_mark)
            if key_mark is not None:
                self.key_marks[child_path] = key_mark
            result[key] = self.build(value_node, child_path)
        return result


class _Plain:
    """One pass over a composed graph that has no problem at all (the common case): data,
    marks and key marks exactly as ``_Converter.check`` + ``build`` give them.  Anything
    unusual (an odd tag, a bad scalar, a duplicate or non-text key, too deep) raises ``Bail``
    and the two-pass converter runs instead, to report it.

    Over libyaml's own composition (``aliases=False``) a node met twice is an alias used, and
    raises ``Aliased`` (a ``Bail``): the document is composed again with :class:`_AliasNode`\\ s,
    which ``aliases=True`` expands — a fresh copy per use, located at the alias — counting the
    nodes expansion adds; past ``max_nodes`` it bails, and the converter decides (an alias
    bomb is refused there)."""

    class Bail(Exception):
        pass

    class Aliased(Bail):
        pass

    def __init__(self, max_nodes: int, max_depth: int, *, aliases: bool = False) -> None:
        self.max_nodes = max_nodes
        self.max_depth = max_depth
        self.aliases = aliases
        self.count = 0
        self.added = 0  # nodes built by expanding aliases
        self.expanding = 0
        self.seen: set[int] = set()
        self.marks: dict[PathKey, Mark] = {}
        self.key_marks: dict[PathKey, Mark] = {}

    def build(self, node: Node, path: PathKey) -> Any:
        mark = node.start_mark
        self.marks[path] = Mark(mark.line + 1, mark.column + 1)
        self.count += 1
        if len(path) > self.max_depth:  # (no node budget: without aliases, size is the bytes')
            raise _Plain.Bail
        if self.aliases:
            if type(node) is _AliasNode:
                self.expanding += 1
                self.added += 1  # the copy of its target
                if self.added > self.max_nodes:
                    raise _Plain.Bail
                try:
                    return self._value(node.target, path)
                finally:
                    self.expanding -= 1
            if self.expanding:
                self.added += 1
                if self.added > self.max_nodes:
                    raise _Plain.Bail
        else:
            key = id(node)
            if key in self.seen:
                raise _Plain.Aliased
            self.seen.add(key)
        return self._value(node, path)

    def _value(self, node: Node, path: PathKey) -> Any:
        cls = type(node)
        tag = node.tag
        if cls is ScalarNode:
            if tag == _MERGE or tag not in _SCALAR_TAGS:
                raise _Plain.Bail
            try:
                return _scalar(tag, node.value)
            except ValueError:
                raise _Plain.Bail from None
        if cls is SequenceNode:
            if tag != _SEQ:
                raise _Plain.Bail
            return [self.build(child, (*path, i)) for i, child in enumerate(node.value)]
        if cls is not MappingNode or tag != _MAP:
            raise _Plain.Bail
        result: dict[str | int, Any] = {}
        key_marks = self.key_marks
        seen = self.seen
        for key_node, value_node in node.value:
            if type(key_node) is not ScalarNode or key_node.tag not in _SCALAR_TAGS:
                raise _Plain.Bail
            if not self.aliases:
                if id(key_node) in seen:
                    raise _Plain.Aliased
                seen.add(id(key_node))
            if not key_node.style and key_node.value == "<<":
                raise _Plain.Bail
            try:
                key = _scalar(key_node.tag, key_node.value)
            except ValueError:
                raise _Plain.Bail from None
            if type(key) is not str and type(key) is not int:
                raise _Plain.Bail
            if key in result:
                raise _Plain.Bail
            child_path = (*path, key)
            self.count += 1  # the key node
            self.added += self.expanding > 0
            mark = key_node.start_mark
            key_marks[child_path] = Mark(mark.line + 1, mark.column + 1)
            result[key] = self.build(value_node, child_path)
        return result


# --------------------------------------------------------------------------------------------
# Public entry points.


def _position(text: str, index: int) -> Mark:
    """1-based line/column of a character offset (for errors PyYAML gives without a mark)."""
    line = text.count("\n", 0, index) + 1
    return Mark(line, index - (text.rfind("\n", 0, index) + 1) + 1)


def _fail(
    error: ErrorType,
    source: str,
    message: str,
    mark: Mark | None = None,
    path: PathKey = (),
    cause: BaseException | None = None,
) -> NoReturn:
    raise error([_problem(source, message, mark, path)]) from cause


def _problem(source: str, message: str, mark: Mark | None, path: PathKey) -> Problem:
    return Problem(
        message,
        source=source,
        line=mark.line if mark else None,
        column=mark.column if mark else None,
        path=path,
        code="yaml",
    )


def _yaml_error_message(exc: yaml.MarkedYAMLError) -> str:
    message = exc.problem or exc.context or "invalid YAML"
    if exc.problem and exc.context:
        context = exc.context
        where = _mark(exc.context_mark)
        if where is not None:
            context += f" that started at line {where.line}, column {where.column}"
        message += f" ({context})"
    if exc.problem and "'\\t'" in exc.problem:
        message = "a tab character here: YAML indents with spaces only (replace tabs with spaces)"
    return message


def _decode(raw: bytes, source: str, error: ErrorType) -> str:
    """UTF-8 only (a BOM is stripped): a rule set's bytes must mean one thing everywhere."""
    skip = len(_BOM) if raw.startswith(_BOM) else 0
    try:
        return raw[skip:].decode("utf-8")
    except UnicodeDecodeError as exc:
        offset = skip + exc.start
        before = raw[skip:offset]
        line_start = before.rfind(b"\n") + 1
        column = len(before[line_start:].decode("utf-8", errors="replace")) + 1
        _fail(
            error,
            source,
            f"not valid UTF-8 at byte {offset} (save the file as UTF-8)",
            Mark(before.count(b"\n") + 1, column),
            cause=exc,
        )


def _plain_document(builder: _Plain, root: Node, source: str, digest: str) -> Document:
    data = builder.build(root, ())
    return Document(
        data=data,
        source=source,
        sha256=digest,
        marks=MappingProxyType(builder.marks),
        key_marks=MappingProxyType(builder.key_marks),
    )


def load_yaml_text(
    text: str | bytes,
    *,
    source: str = "<string>",
    max_bytes: int = 5 * 2**20,
    max_nodes: int = 200_000,
    max_depth: int = 64,
    error: ErrorType = RuleSetError,
    duplicates: list[Problem] | None = None,
) -> Document:
    """Parse one YAML document safely into plain data with positions.

    With a ``duplicates`` list, duplicate keys do not fail the load: each is appended there as
    a located problem and the later value stands (a data file rejects only the record that
    holds one).

    Limits bound the work an untrusted file can cause: ``max_bytes`` of input (checked before
    parsing), at most ``max_nodes`` nodes *added by expanding aliases* (an honest file's own
    size is bounded by its bytes), :data:`MAX_ANCHORS` anchors and aliases, and ``max_depth``
    levels of nesting.
    Any failure raises ``error`` with located problems; the original exception is the cause.
    """
    if isinstance(text, bytes | bytearray | memoryview):
        raw = bytes(text)
        if len(raw) > max_bytes:
            _fail(error, source, f"file is {len(raw)} bytes; the limit is {max_bytes}")
        decoded = _decode(raw, source, error)
    else:
        decoded = text
        raw = text.encode("utf-8", errors="surrogatepass")
        if len(raw) > max_bytes:
            _fail(error, source, f"file is {len(raw)} bytes; the limit is {max_bytes}")
    digest = hashlib.sha256(raw).hexdigest()

    try:
        with collector_paused():  # (with it running, building a large flow document is quadratic)
            root = _compose_fast(decoded, max_depth)
            if root is not _SLOW and root is not None:
                try:
                    return _plain_document(_Plain(max_nodes, max_depth), root, source, digest)
                except _Plain.Bail:
                    root = _SLOW  # an alias, or a problem to report with the alias positions
            if root is _SLOW:
                root = _compose_anchored(decoded, max_depth)
            if root is None:
                return Document(
                    data=None,
                    source=source,
                    sha256=digest,
                    marks=MappingProxyType({(): Mark(1, 1)}),
                    key_marks=MappingProxyType({}),
                )
            try:
                fast = _Plain(max_nodes, max_depth, aliases=True)
                return _plain_document(fast, root, source, digest)
            except _Plain.Bail:
                pass
            converter = _Converter(max_nodes, max_depth, duplicates_apart=duplicates is not None)
            total, _ = converter.check(root, ())
            if total - len(converter.sizes) > max_nodes:  # what aliases add, not honest size
                where, path = converter.bomb or (_mark(root.start_mark), ())
                raise _Fatal(
                    f"aliases expand the document by more than {max_nodes} nodes "
                    "(alias/anchor bomb?)",
                    where,
                    path,
                )
            if converter.problems:
                raise error([_problem(source, *found) for found in converter.problems])
            if duplicates is not None:
                duplicates.extend(_problem(source, *found) for found in converter.duplicates)
            data = converter.build(root, ())
    except _Fatal as exc:
        _fail(error, source, exc.message, exc.mark, exc.path)
    except yaml.MarkedYAMLError as exc:
        _fail(error, source, _yaml_error_message(exc), _mark(exc.problem_mark), cause=exc)
    except yaml.reader.ReaderError as exc:
        char = exc.character
        code = ord(char) if isinstance(char, str) else char
        what = f"#x{code:04x}" if isinstance(code, int) else repr(code)
        _fail(
            error,
            source,
            f"unacceptable character {what}: {exc.reason}",
            _position(decoded, exc.position),
            cause=exc,
        )
    except yaml.YAMLError as exc:
        _fail(error, source, f"invalid YAML: {exc}", cause=exc)
    except RecursionError as exc:
        _fail(error, source, "nesting is too deep to load", cause=exc)
    return Document(
        data=data,
        source=source,
        sha256=digest,
        marks=MappingProxyType(converter.marks),
        key_marks=MappingProxyType(converter.key_marks),
    )


def load_yaml_file(
    path: str | os.PathLike[str],
    *,
    source: str | None = None,
    max_bytes: int = 5 * 2**20,
    max_nodes: int = 200_000,
    max_depth: int = 64,
    error: ErrorType = RuleSetError,
    regular_only: bool = False,
    duplicates: list[Problem] | None = None,
) -> Document:
    """Read and load a YAML file; ``source`` (for messages) defaults to the path as given.

    The size limit is checked against the file's size before reading it, and at most
    ``max_bytes + 1`` bytes are ever read, so a huge or endless file costs nothing.  With
    ``regular_only`` a FIFO, a device or a socket is refused without waiting on it (the file
    is opened non-blocking and checked before anything is read).
    """
    name = os.fspath(path) if source is None else source
    try:
        flags = os.O_RDONLY | (getattr(os, "O_NONBLOCK", 0) if regular_only else 0)
        with open(os.open(path, flags), "rb") as handle:
            info = os.fstat(handle.fileno())
            if regular_only and not stat.S_ISREG(info.st_mode):
                _fail(error, name, "not a regular file (a FIFO, device or socket is not read)")
            size = info.st_size
            if size > max_bytes:
                _fail(error, name, f"file is {size} bytes; the limit is {max_bytes}")
            raw = handle.read(max_bytes + 1)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        _fail(error, name, f"cannot read file: {reason}", cause=exc)
    if len(raw) > max_bytes:
        _fail(error, name, f"file is more than {max_bytes} bytes; the limit is {max_bytes}")
    return load_yaml_text(
        raw,
        source=name,
        max_bytes=max_bytes,
        max_nodes=max_nodes,
        max_depth=max_depth,
        error=error,
        duplicates=duplicates,
    )


def clear_scalar_cache() -> None:
    """Forget the memoised scalar tags of the fast path (a benchmark's cold start)."""
    if _CParser is not None:
        _RESOLVED.clear()
