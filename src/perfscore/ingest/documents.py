"""A JSON or YAML data file read whole (:func:`read_document`): plain JSON by the standard library,
anything else by the safe, located YAML loader; a duplicate key rejects only the record that holds
it."""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from .._gc import collector_paused
from ..errors import DataError, Problem
from ..subjects import RejectedRecord
from .readers import detect_encoding

#: Data files (not rule files) may be large; aliases stay bounded linearly in the file size.
MAX_DATA_BYTES = 2**30
BASE_NODES = 200_000


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
