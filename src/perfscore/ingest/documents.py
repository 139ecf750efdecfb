"""A JSON or YAML data file: streamed one subject at a time when it is a plain list of them
(:func:`open_document`), else read whole (:func:`read_document`) — plain JSON by the standard
library, anything else by the safe, located YAML loader; a duplicate key rejects only the record
that holds it."""

from __future__ import annotations

import codecs
import hashlib
import json
import os
import re
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from typing import Any

from .._gc import collector_paused
from .._yaml.stream import Unstreamable, YamlItems
from ..errors import DataError, Problem
from ..subjects import RejectedRecord
from .readers import detect_encoding

#: Data files (not rule files) may be large; aliases stay bounded linearly in the file size.
MAX_DATA_BYTES = 2**30
BASE_NODES = 200_000
_BLOCK = 1 << 16  # bytes read at a time when a file streams


def open_document(
    path: str | os.PathLike[str],
) -> tuple[int, str, Callable[[], Iterator[Any]]]:
    """A JSON or YAML data file's number of records, its sha256, and a function that reads
    its records again, one at a time.

    The file is read through once now, so what :func:`read_document` would refuse is refused
    here, with the same message, before any record is scored.  A plain list of subjects (or
    a ``subjects:`` list) streams: the check and each later reading hold one record at a
    time, not the file.  Any other document — one subject, anchors or aliases (the
    alias-expansion limit applies to them), a duplicate key, an odd tag, a syntax error — is
    read whole by :func:`read_document`."""
    name = os.fspath(path)
    try:
        size = os.path.getsize(path)
    except OSError as exc:
        raise DataError([Problem(f"cannot read file: {exc.strerror or exc}", source=name)]) from exc
    if size <= MAX_DATA_BYTES:
        items = _items(path)
        try:
            count = sum(1 for _ in items)
        except Unstreamable:
            pass
        else:
            digest = items.sha256
            return count, digest, lambda: _again(path, digest)
    records, digest = read_document(path)
    return len(records), digest, lambda: iter(records)


def _items(path: str | os.PathLike[str]) -> JsonItems | YamlItems:
    return JsonItems(path) if os.fspath(path).lower().endswith(".json") else YamlItems(path)


def _again(path: str | os.PathLike[str], digest: str) -> Iterator[Any]:
    """The records of a file :func:`open_document` checked, read again one at a time."""
    items = _items(path)
    try:
        yield from items
    except (Unstreamable, OSError):
        items.sha256 = ""
    if items.sha256 != digest:
        raise DataError(
            [Problem("the file changed while it was read; score it again", source=os.fspath(path))]
        )


class JsonItems:
    """The items of a JSON file's top-level list (or of its top-level ``"subjects"`` list),
    each decoded as :func:`read_document` decodes the whole file, one at a time; once they have
    all been read, :attr:`sha256` is the file's.  Iterating raises :class:`Unstreamable`
    (possibly after some items) when the file is anything else, or not plain JSON."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = path
        self.sha256 = ""
        self._decoder = json.JSONDecoder(
            parse_float=Decimal, parse_constant=Decimal, object_pairs_hook=_no_duplicates
        )
        self._text = ""
        self._pos = 0
        self._more: Callable[[int], str] | None = None

    def __iter__(self) -> Iterator[Any]:
        sha = hashlib.sha256()
        with open(self.path, "rb") as fh:
            head = fh.read(_BLOCK)
            decode = codecs.getincrementaldecoder(detect_encoding(head[: 1 << 16]))().decode

            def more(size: int) -> str:
                raw = fh.read(size)
                sha.update(raw)
                return decode(raw, final=not raw)

            sha.update(head)
            try:
                self._text, self._pos, self._more = decode(head, final=not head), 0, more
                yield from self._document()
            except (UnicodeDecodeError, RecursionError):
                raise Unstreamable from None
            finally:
                self._text, self._more = "", None
        self.sha256 = sha.hexdigest()

    def _fill(self) -> bool:
        """Read on: at least a block, and as much as is held after the current position (a
        long value read again from its start costs linear time); False at the end."""
        if self._more is None:
            return False
        text = self._more(max(_BLOCK, len(self._text) - self._pos))
        self._text, self._pos = self._text[self._pos :] + text, 0
        if not text:
            self._more = None  # (the decoder is flushed)
        return bool(text)

    def _space(self) -> None:
        while True:
            self._pos = _WHITESPACE.match(self._text, self._pos).end()  # type: ignore[union-attr]
            if self._pos < len(self._text) or not self._fill():
                return

    def _char(self) -> str:
        """The next character (after white space), not taken."""
        self._space()
        if self._pos >= len(self._text):
            raise Unstreamable  # the file ends too soon: the loader says where
        return self._text[self._pos]

    def _value(self) -> Any:
        while True:
            start = self._pos
            try:
                value, end = self._decoder.raw_decode(self._text, start)
            except _DuplicateKey:
                raise Unstreamable from None  # the located loader says where
            except json.JSONDecodeError:
                if self._fill():
                    continue  # perhaps cut at the end of what was read
                raise Unstreamable from None
            if end == len(self._text) and self._fill():
                continue  # a number may go on
            if _ESCAPED_SURROGATE.search(self._text, start, end):
                raise Unstreamable  # the located loader repairs lone surrogates (textsafe)
            self._pos = end
            return value

    def _document(self) -> Iterator[Any]:
        first = self._char()
        if first == "[":
            self._pos += 1
            yield from self._list()
        elif first == "{":
            self._pos += 1
            yield from self._subjects()
        else:
            raise Unstreamable
        self._space()
        if self._pos < len(self._text):
            raise Unstreamable  # something after the document

    def _list(self) -> Iterator[Any]:
        if self._char() == "]":
            self._pos += 1
            return
        while True:
            self._char()
            yield self._value()
            after = self._char()
            self._pos += 1
            if after == "]":
                return
            if after != ",":
                raise Unstreamable

    def _subjects(self) -> Iterator[Any]:
        keys: set[str] = set()
        found = False
        while True:
            if self._char() != '"':
                raise Unstreamable  # (an empty mapping too: one subject, read whole)
            key = self._value()
            if key in keys:
                raise Unstreamable  # a duplicate key outside every record: the loader says so
            keys.add(key)
            if self._char() != ":":
                raise Unstreamable
            self._pos += 1
            if key == "subjects" and self._char() == "[":
                self._pos += 1
                yield from self._list()
                found = True
            else:
                self._char()
                self._value()  # checked, as the whole document is
            after = self._char()
            self._pos += 1
            if after == "}":
                break
            if after != ",":
                raise Unstreamable
        if not found:
            raise Unstreamable  # one subject, not a list: small, read whole


_WHITESPACE = re.compile(r"[ \t\n\r]*")


def read_document(path: str | os.PathLike[str]) -> tuple[tuple[Any, ...], str]:
    """Records of a JSON or YAML data file and its sha256.

    Well-formed JSON without duplicate keys is read by the standard library (numbers as exact
    decimals, about a second for 100,000 subjects); anything else by the safe, located YAML
    loader, sized for a data file: an alias-free document loads whatever its number of nodes,
    while alias expansion stays bounded (linearly in the file size).  A duplicate key inside
    one record rejects that record only (its findings name the key and line); one outside
    every record rejects the file."""
    from .._yaml import load_yaml_file

    name = os.fspath(path)
    try:
        size = os.path.getsize(path)
    except OSError as exc:
        raise DataError([Problem(f"cannot read file: {exc.strerror or exc}", source=name)]) from exc
    data: Any = _NOT_READ
    digest = ""
    if name.lower().endswith(".json") and size <= MAX_DATA_BYTES:
        data, digest = _fast_json(path)
    duplicates: list[Problem] = []
    if data is _NOT_READ:
        with collector_paused():  # many small objects that all survive (see perfscore._gc)
            doc = load_yaml_file(
                path,
                error=DataError,
                max_bytes=MAX_DATA_BYTES,
                max_nodes=BASE_NODES + size,
                duplicates=duplicates,
            )
        data, digest = doc.data, doc.sha256
    prefix: tuple[str | int, ...] | None
    if isinstance(data, Mapping) and isinstance(data.get("subjects"), list):
        records, prefix = tuple(data["subjects"]), ("subjects",)
    elif isinstance(data, list):
        records, prefix = tuple(data), ()
    elif isinstance(data, Mapping):
        records, prefix = (data,), None
    else:
        raise DataError(
            [
                Problem(
                    "expected a subject (a mapping) or a list of subjects",
                    source=name,
                    line=1,
                    column=1,
                )
            ]
        )
    if duplicates:
        records = _reject_records(records, prefix, duplicates)
    return records, digest


def _reject_records(
    records: tuple[Any, ...], prefix: tuple[str | int, ...] | None, problems: list[Problem]
) -> tuple[Any, ...]:
    bad: dict[int, list[str]] = {}
    for p in problems:
        if prefix is None:  # the file is one record
            index: object = 0
        elif p.path[: len(prefix)] == prefix and len(p.path) > len(prefix) + 1:
            index = p.path[len(prefix)]
        else:
            raise DataError(problems)  # a duplicate outside every record: the file is wrong
        assert isinstance(index, int)
        bad.setdefault(index, []).append(str(p))
    return tuple(
        RejectedRecord(r, "; ".join(bad[i])) if i in bad else r for i, r in enumerate(records)
    )


_NOT_READ: Any = object()


_ESCAPED_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")


class _DuplicateKey(Exception):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        raise _DuplicateKey
    return out


def _fast_json(path: str | os.PathLike[str]) -> tuple[Any, str]:
    """The document by the standard library, or ``_NOT_READ`` when it is not plain JSON
    (a syntax error, a duplicate key, YAML in a .json file): the located loader then says why."""
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except OSError:
        return _NOT_READ, ""
    try:
        text = raw.decode(detect_encoding(raw[: 1 << 16]))
        if _ESCAPED_SURROGATE.search(text):
            return _NOT_READ, ""  # the located loader repairs lone surrogates (textsafe)
        with collector_paused():
            data = json.loads(
                text,
                parse_float=Decimal,
                parse_constant=Decimal,
                object_pairs_hook=_no_duplicates,
            )
    except (json.JSONDecodeError, _DuplicateKey, UnicodeDecodeError, RecursionError):
        return _NOT_READ, ""
    return data, hashlib.sha256(raw).hexdigest()
