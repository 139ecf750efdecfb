"""Conversion: validate the composed node graph once (memoised), then build plain data with
marks — one pass for a document with no problem (:class:`_Plain`), two passes to report every
problem and refuse alias bombs (:class:`_Converter`)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from perfscore.textsafe import clean

from .compose import _AliasNode
from .document import (
    _BOOL,
    _FLOAT,
    _INT,
    _MAP,
    _MERGE,
    _NULL,
    _SCALAR_TAGS,
    _SEQ,
    _STR,
    _TAG_PREFIX,
    Mark,
    PathKey,
    _Fatal,
    _mark,
)


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
