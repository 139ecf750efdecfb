"""Findings, a finding's explanation: the arithmetic behind its points or grade
(:class:`Explained`), built the first time it is read (:class:`Explanation`,
:class:`NodeExplanation`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class Explained:
    """The arithmetic of one finding (findings 1.1, optional ``explanation``): the inputs read,
    the formulas with the subject's values put in, the standard applied, the scorer's steps
    (``{"step": id, "value": ...}`` in order) and the result — and the same as one sentence
    in Chinese and in English, with the very numbers the engine used."""

    scorer: str
    inputs: tuple[Mapping[str, Any], ...]
    formulas: tuple[Mapping[str, Any], ...]
    standard: Mapping[str, Any] | None
    steps: tuple[Mapping[str, Any], ...]
    result: Mapping[str, Any]
    zh: str
    en: str

    def text(self, lang: str) -> str:
        """The sentence in ``lang`` (zh unless ``en``)."""
        return self.en if lang == "en" else self.zh


class Explanation:
    """A finding's :class:`Explained`, built the first time it is read (scoring never pays
    for it; a points-only or columnar run never makes one).  Pickles as its built data."""

    __slots__ = ("_build", "_data")

    def __init__(self, build: Callable[..., Explained], *args: Any) -> None:
        self._build: tuple[Callable[..., Explained], tuple[Any, ...]] | None = (build, args)
        self._data: Explained | None = None

    @classmethod
    def of(cls, data: Explained) -> Explanation:
        """An explanation already built."""
        e = cls.__new__(cls)
        e._build, e._data = None, data
        return e

    @property
    def data(self) -> Explained:
        data = self._data
        return self._make() if data is None else data

    def _make(self) -> Explained:
        """Build the data (once), keep it, and let go of what it was built from."""
        build = self._build
        if build is None:  # (another thread built it meanwhile)
            assert self._data is not None
            return self._data
        fn, args = build
        data = self._data = fn(*args)
        self._build = None
        return data

    @property
    def zh(self) -> str:
        return self.data.zh

    @property
    def en(self) -> str:
        return self.data.en

    def text(self, lang: str) -> str:
        return self.data.text(lang)

    def __reduce__(self) -> tuple[Any, ...]:
        return (Explanation.of, (self.data,))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Explanation) and self.data == other.data

    def __hash__(self) -> int:
        return hash((self.data.scorer, self.data.zh))

    def __repr__(self) -> str:
        return f"Explanation({self.data.zh!r})"


class NodeExplanation(Explanation):
    """An indicator's :class:`Explanation` as its finding's words make it when first read:
    ``build(node, value, points, grade, scope)`` held in its own slots — one object per
    finding, where the general form holds two tuples besides (fewer objects for the cyclic
    collector to walk, and less memory, for a report whose every 计算过程 is read)."""

    __slots__ = ("_fn", "_grade", "_node", "_points", "_scope", "_value")

    def __init__(
        self,
        build: Callable[..., Explained],
        node: Any,
        value: Any,
        points: Decimal | None,
        grade: str | None,
        scope: Mapping[str, Any],
    ) -> None:
        self._build, self._data = None, None
        self._fn: Callable[..., Explained] | None = build
        self._node, self._value, self._points, self._grade = node, value, points, grade
        self._scope: Mapping[str, Any] | None = scope

    def _make(self) -> Explained:
        # read in the reverse of the order they are let go of: a build function still
        # there means every other slot was read before another thread let go of any
        scope, grade, points, value = self._scope, self._grade, self._points, self._value
        node, fn = self._node, self._fn
        if fn is None or scope is None:  # (another thread built it meanwhile)
            assert self._data is not None
            return self._data
        data = self._data = fn(node, value, points, grade, scope)
        self._fn = self._node = self._value = self._points = self._grade = self._scope = None
        return data
