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
import stat
from types import MappingProxyType
from typing import Any, NoReturn

import yaml
from yaml.nodes import Node

from perfscore._gc import collector_paused
from perfscore.errors import Problem, RuleSetError

from .compose import _RESOLVED, _SLOW, _compose_anchored, _compose_fast
from .compose import MAX_ANCHORS as MAX_ANCHORS  # the limit load_yaml_text documents
from .convert import _Converter, _Plain
from .document import _BOM, Document, ErrorType, Mark, PathKey, _Fatal, _mark

__all__ = ["Document", "Mark", "clear_scalar_cache", "load_yaml_file", "load_yaml_text"]


# --------------------------------------------------------------------------------------------
# Public entry points (composition: compose.py; conversion: convert.py; the types: document.py).


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


def _document(data: Any, source: str, digest: str, built: _Plain | _Converter) -> Document:
    """The loaded document: ``data`` with the marks the builder recorded while building it."""
    return Document(
        data=data,
        source=source,
        sha256=digest,
        marks=MappingProxyType(built.marks),
        key_marks=MappingProxyType(built.key_marks),
    )


def _plain_document(builder: _Plain, root: Node, source: str, digest: str) -> Document:
    return _document(builder.build(root, ()), source, digest, builder)


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
    return _document(data, source, digest, converter)


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
    _RESOLVED.clear()
