"""A YAML data file's subjects one at a time (:class:`YamlItems`), so a list of 100,000
subjects is read in memory bounded by one subject, not by the file.

Only the plainest documents stream: one document whose top level is a list (or a mapping
with a ``subjects:`` list), read by libyaml's C event parser, each item composed and built
alone exactly as the whole-document loader builds it (:class:`_Plain`, same tags, same
scalars). Anything else — an anchor or alias, a tab, a duplicate key, an odd tag, a bad
scalar, nesting too deep, text that is not UTF-8, a YAML error — raises
:class:`Unstreamable`, and the caller loads the whole document with
:func:`~perfscore._yaml.load_yaml_file`, whose checks (the alias-bomb guard among them) and
messages then apply unchanged.
"""

from __future__ import annotations

import codecs
import functools
import hashlib
import os
from collections.abc import Iterator
from typing import Any

import yaml
from yaml.events import (
    AliasEvent,
    CollectionStartEvent,
    DocumentEndEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
    StreamStartEvent,
)
from yaml.nodes import Node, ScalarNode

from . import compose
from .convert import _Plain, _scalar
from .document import _INT, _STR, PathKey, _Fatal

__all__ = ["Unstreamable", "YamlItems"]

_BLOCK = 1 << 16  # bytes read at a time (what is held besides the item being read)


class Unstreamable(Exception):
    """The document is not a plain list of items: load it whole."""


class _Reader:
    """The file as UTF-8 text in blocks (a BOM dropped), hashed as it is read; a tab or bytes
    that are not UTF-8 make it unstreamable (the whole-document loader says where)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self._fh = open(path, "rb")  # noqa: SIM115 - closed by close()
        self._decode = codecs.getincrementaldecoder("utf-8-sig")().decode
        self.sha256 = hashlib.sha256()
        self.name = os.fspath(path)

    def read(self, size: int = _BLOCK) -> str:
        raw = self._fh.read(max(size, _BLOCK))
        self.sha256.update(raw)
        try:
            text = self._decode(raw, final=not raw)
        except UnicodeDecodeError:
            raise Unstreamable from None
        if "\t" in text:
            raise Unstreamable  # libyaml and PyYAML's parser differ on tabs: the loader decides
        return text

    def close(self) -> None:
        self._fh.close()


def _open(event: Any, kind: type[CollectionStartEvent]) -> bool:
    """``event`` starts a plain (untagged, unanchored) collection of ``kind``."""
    return isinstance(event, kind) and event.anchor is None and event.tag in (None, "!")


class YamlItems:
    """The items of the list at the top of a YAML file (or of its top-level ``subjects:``
    list), each built as :func:`~perfscore._yaml.load_yaml_file` builds it, one at a time;
    once they have all been read, :attr:`sha256` is the file's.  Iterating raises
    :class:`Unstreamable` (possibly after some items) when the document is anything else."""

    def __init__(self, path: str | os.PathLike[str], *, max_depth: int = 64) -> None:
        self.path = path
        self.max_depth = max_depth
        self.sha256 = ""

    def __iter__(self) -> Iterator[Any]:
        events = getattr(compose, "_CEvents", None)
        if events is None:
            raise Unstreamable  # no libyaml: the pure-Python loader reads it whole
        reader = _Reader(self.path)
        parser = _items_parser(events)(reader, self.max_depth)
        try:
            yield from _items(parser, self.max_depth)
            if reader.read():  # libyaml stops at the end of the stream: nothing may follow
                raise Unstreamable
            self.sha256 = reader.sha256.hexdigest()
        except (yaml.YAMLError, _Fatal, _Plain.Bail, RecursionError):
            raise Unstreamable from None
        finally:
            parser.dispose()
            reader.close()


@functools.cache
def _items_parser(events: type) -> type:
    class _Items(events):  # type: ignore[misc]
        """Our composer over libyaml's events, one item at a time: an anchor or an alias
        anywhere makes the document unstreamable (the whole-document loader counts them)."""

        def compose_node(self, parent: Node | None, index: Any) -> Node | None:
            event = self.peek_event()
            if isinstance(event, AliasEvent) or event.anchor is not None:
                raise Unstreamable
            return super().compose_node(parent, index)  # type: ignore[no-any-return]

    return _Items


def _items(parser: Any, max_depth: int) -> Iterator[Any]:
    if not isinstance(parser.get_event(), StreamStartEvent):
        raise Unstreamable
    if not isinstance(parser.get_event(), DocumentStartEvent):
        raise Unstreamable  # an empty file
    top = parser.get_event()
    if _open(top, SequenceStartEvent):
        yield from _sequence(parser, (), max_depth)
    elif _open(top, MappingStartEvent):
        found = False
        keys: set[str | int] = set()
        while not parser.check_event(MappingEndEvent):
            key = _key(parser.compose_node(None, None))
            if key in keys:
                raise Unstreamable  # a duplicate key outside every record: the loader says so
            keys.add(key)
            if key == "subjects" and _open(parser.peek_event(), SequenceStartEvent):
                parser.get_event()
                yield from _sequence(parser, ("subjects",), max_depth)
                found = True
            else:  # another key: built to check it, as the whole document is
                _Plain(0, max_depth).build(parser.compose_node(None, None), (key,))
        parser.get_event()
        if not found:
            raise Unstreamable  # one subject, not a list: small, loaded whole
    else:
        raise Unstreamable
    if not isinstance(parser.get_event(), DocumentEndEvent):
        raise Unstreamable
    if not isinstance(parser.get_event(), StreamEndEvent):
        raise Unstreamable  # a second document: the loader refuses it


def _sequence(parser: Any, prefix: PathKey, max_depth: int) -> Iterator[Any]:
    index = 0
    while not parser.check_event(SequenceEndEvent):
        yield _Plain(0, max_depth).build(parser.compose_node(None, None), (*prefix, index))
        index += 1
    parser.get_event()


def _key(node: Node) -> str | int:
    if type(node) is not ScalarNode or node.tag not in (_STR, _INT):
        raise Unstreamable
    if not node.style and node.value == "<<":
        raise Unstreamable
    try:
        key = _scalar(node.tag, node.value)
    except ValueError:
        raise Unstreamable from None
    if type(key) is not str and type(key) is not int:
        raise Unstreamable
    return key
