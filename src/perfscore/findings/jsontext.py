"""Findings, as JSON text: deterministic (keys in insertion order, no clocks), exact decimals
(never exponent notation), Chinese unescaped, every string made safe to write — a document
whole (:func:`dumps`) or in pieces (:func:`encode_items`, :func:`write_document`)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from json.encoder import encode_basestring as _encode_str
from typing import IO, Any

from ..numbers import json_number
from ..spans import Piece, write_piece
from ..textsafe import clean
from ..values import Series


def _jsonable(value: Any) -> Any:
    if isinstance(value, Series):
        return {str(y): v for y, v in value.points}
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


_NUMBER_TEXT: dict[Decimal, str] = {}
_KEY_TEXT: dict[str, str] = {}


def _number(x: Decimal) -> str:
    """``json_number`` memoised: its text depends only on the numeric value."""
    try:
        return _NUMBER_TEXT[x]
    except (KeyError, TypeError):
        text = json_number(x)  # raises for NaN/Infinity before anything is cached
        if len(_NUMBER_TEXT) > 8192:
            _NUMBER_TEXT.clear()
        _NUMBER_TEXT[x] = text
        return text


_LINE_BREAKS_AND_C1 = re.compile("[\x7f-\x9f\u2028\u2029]")


def _text(s: str) -> str:
    """A JSON string; surrogates joined or replaced first (textsafe.clean), so it encodes; C1
    controls and U+2028/U+2029 escaped too (line breaks to ``str.splitlines``, so a JSON Lines
    record stays one line, and nothing reaches a terminal that ``cat``s the file)."""
    out = _encode_str(clean(s))
    if out.isascii() and "\x7f" not in out:  # DEL is ASCII but is escaped like C1
        return out
    return _LINE_BREAKS_AND_C1.sub(lambda m: f"\\u{ord(m.group()):04x}", out)


_SCALAR: dict[type, Callable[[Any], str]] = {
    str: _text,
    Decimal: _number,
    bool: lambda b: "true" if b else "false",
    int: int.__repr__,
    type(None): lambda _: "null",
}


def _float(x: float) -> str:
    return json.dumps(x, allow_nan=False)


def _encode(value: Any, indent: int | None, level: int, out: list[str]) -> None:
    """Append the JSON text of ``value``; exact types are dispatched by table (the hot path for
    findings), subclasses fall through to the ``isinstance`` chain."""
    scalar = _SCALAR.get(type(value))
    if scalar is not None:
        out.append(scalar(value))
    elif type(value) is dict and indent is None:
        if not value:
            out.append("{}")
            return
        first = True
        for k, v in value.items():
            key = _KEY_TEXT.get(k)
            if key is None:
                key = _text(k if type(k) is str else str(k)) + ":"
                if len(_KEY_TEXT) < 4096 and type(k) is str:
                    _KEY_TEXT[k] = key
            out.append(("{" if first else ",") + key)
            first = False
            scalar = _SCALAR.get(type(v))
            if scalar is not None:
                out.append(scalar(v))
            else:
                _encode(v, indent, level + 1, out)
        out.append("}")
    elif isinstance(value, Decimal):
        out.append(json_number(value))
    elif isinstance(value, str):
        out.append(_text(str(value)))
    elif value is None or isinstance(value, (bool, int)):
        out.append(json.dumps(value, ensure_ascii=False))
    elif isinstance(value, float):
        out.append(_float(value))
    elif isinstance(value, Series):
        _encode(_jsonable(value), indent, level, out)
    elif isinstance(value, Mapping):
        if not value:
            out.append("{}")
            return
        pad = "" if indent is None else "\n" + " " * (indent * (level + 1))
        end = "" if indent is None else "\n" + " " * (indent * level)
        sep = ": " if indent is not None else ":"
        out.append("{")
        for i, (k, v) in enumerate(value.items()):
            out.append(("," if i else "") + pad + _text(str(k)) + sep)
            _encode(v, indent, level + 1, out)
        out.append(end + "}")
    elif isinstance(value, (list, tuple)):
        if not value:
            out.append("[]")
            return
        pad = "" if indent is None else "\n" + " " * (indent * (level + 1))
        end = "" if indent is None else "\n" + " " * (indent * level)
        out.append("[")
        for i, v in enumerate(value):
            out.append(("," if i else "") + pad)
            _encode(v, indent, level + 1, out)
        out.append(end + "]")
    else:
        raise TypeError(f"cannot write {type(value).__name__} as JSON")


def dumps(doc: Any, *, indent: int | None = 2) -> str:
    """Deterministic JSON: keys in insertion order, exact decimals, 中文 unescaped."""
    out: list[str] = []
    _encode(doc, indent, 0, out)
    return "".join(out) + "\n"


def encode_items(values: Iterable[Any], *, indent: int | None = 2, level: int = 1) -> str:
    """The JSON text of ``values`` as the items of a list written at ``level`` (a top-level
    field of a document is at level 1), each item preceded by its comma and line break;
    :func:`write_document` drops the first comma.  Lets a list be written in pieces
    (``indent=None``: compact, as ``dumps(..., indent=None)``)."""
    pad = "" if indent is None else "\n" + " " * (indent * (level + 1))
    out: list[str] = []
    for v in values:
        out.append("," + pad)
        _encode(v, indent, level + 1, out)
    return "".join(out)


def write_document(
    out: IO[bytes],
    doc: Mapping[str, Any],
    lists: Mapping[str, Iterable[Piece]],
    *,
    indent: int | None = 2,
) -> None:
    """Write ``dumps(doc, indent=indent)`` to ``out``, except that the fields named in
    ``lists`` are written from pieces of :func:`encode_items` text (UTF-8) instead of from
    ``doc``: byte-identical to ``dumps`` of the same document with those lists whole."""
    pad = "" if indent is None else "\n" + " " * indent
    colon = ":" if indent is None else ": "
    out.write(b"{")
    for i, (key, value) in enumerate(doc.items()):
        out.write((("," if i else "") + pad + _text(str(key)) + colon).encode("utf-8"))
        pieces = lists.get(key)
        if pieces is None:
            text: list[str] = []
            _encode(value, indent, 1, text)
            out.write("".join(text).encode("utf-8"))
            continue
        first = True
        for piece in pieces:
            if not piece:
                continue
            if first:
                out.write(b"[")
                write_piece(out, piece, skip=1)  # the first item's comma
                first = False
            else:
                write_piece(out, piece)
        out.write(b"[]" if first else (pad + "]").encode("utf-8"))
    out.write(b"}\n" if indent is None else b"\n}\n")


class SpooledItems:
    """The items of a JSON list that may grow with a batch (the JSON Lines summary's
    ``not_ranked``): the first :attr:`head` kept as they are, all of them also as compact
    :func:`encode_items` text in a temporary file once there are more — so a stream of any
    length holds a bounded number of them and still writes every one
    (:meth:`pieces`, for :func:`write_document`)."""

    def __init__(self, head: int = 100) -> None:
        self.head = head
        self.items: list[Any] = []  # the first ``head``
        self.count = 0
        self._file: IO[bytes] | None = None

    def __len__(self) -> int:
        return self.count

    def append(self, item: Any) -> None:
        if self.count < self.head:
            self.items.append(item)
        elif self._file is None:  # past the head: every item as text, on disk
            import tempfile

            self._file = tempfile.TemporaryFile(prefix="perfscore-")  # noqa: SIM115
            self._file.write(encode_items(self.items, indent=None).encode("utf-8"))
        if self._file is not None:
            self._file.write(encode_items([item], indent=None).encode("utf-8"))
        self.count += 1

    def extend(self, items: Iterable[Any]) -> None:
        for item in items:
            self.append(item)

    @property
    def spilled(self) -> bool:
        """More items than :attr:`head`: only :meth:`pieces` has them all."""
        return self._file is not None

    def pieces(self, size: int = 1 << 16) -> Iterable[bytes]:
        """Every item as :func:`encode_items` text (compact), in pieces."""
        if self._file is None:
            yield encode_items(self.items, indent=None).encode("utf-8")
            return
        self._file.flush()
        self._file.seek(0)
        while piece := self._file.read(size):
            yield piece
        self._file.seek(0, 2)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
