"""The registry of output formats: a name, file extensions and a ``Report -> bytes`` function."""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ..errors import ExportError
from ..findings import Report

__all__ = ["EXPORTERS", "ExportOptions", "Exporter", "ExporterRegistry", "Format", "export"]


@dataclass(frozen=True)
class ExportOptions:
    """Options some formats read; every exporter ignores the ones it does not know."""

    lang: str = "zh"
    bom: bool = False  # CSV: a UTF-8 byte-order mark so Excel opens 中文 correctly
    sarif_all: bool = False  # SARIF: include pass / notApplicable results, not only failures


Exporter = Callable[[Report, ExportOptions], bytes]


@dataclass(frozen=True)
class Format:
    name: str
    extensions: tuple[str, ...]
    render: Exporter
    description: str
    binary: bool = False
    requires: str | None = None  # an importable module the format needs
    extra: str | None = None  # the perfscore extra that installs it

    def check(self) -> None:
        """Raise :class:`ExportError` naming the extra to install when a dependency is missing."""
        if self.requires and importlib.util.find_spec(self.requires) is None:
            raise ExportError(
                f"--format {self.name} needs {self.requires}: pip install 'perfscore[{self.extra}]'"
            )


class ExporterRegistry:
    """Output formats by name and by file extension."""

    def __init__(self) -> None:
        self._formats: dict[str, Format] = {}

    def register(
        self,
        name: str,
        *,
        extensions: tuple[str, ...],
        description: str,
        binary: bool = False,
        requires: str | None = None,
        extra: str | None = None,
    ) -> Callable[[Exporter], Exporter]:
        def decorate(fn: Exporter) -> Exporter:
            if name in self._formats:
                raise ValueError(f"output format {name!r} is already registered")
            self._formats[name] = Format(name, extensions, fn, description, binary, requires, extra)
            return fn

        return decorate

    def add(self, fmt: Format) -> Format:
        """Add a format made elsewhere (a plugin's); names are unique."""
        if fmt.name in self._formats:
            raise ValueError(f"output format {fmt.name!r} is already registered")
        self._formats[fmt.name] = fmt
        return fmt

    def __getitem__(self, name: str) -> Format:
        try:
            return self._formats[name]
        except KeyError:
            raise ExportError(
                f"unknown output format {name!r} (expected one of {', '.join(self.names())})"
            ) from None

    def __contains__(self, name: object) -> bool:
        return name in self._formats

    def __iter__(self) -> Iterator[Format]:
        return iter(self._formats.values())

    def names(self) -> list[str]:
        return list(self._formats)

    def for_path(self, path: str | os.PathLike[str]) -> Format | None:
        """The format a file name asks for, by its (longest matching) extension."""
        name = Path(path).name.lower()
        best: tuple[int, Format] | None = None
        for fmt in self._formats.values():
            for ext in fmt.extensions:
                if name.endswith(ext) and (best is None or len(ext) > best[0]):
                    best = (len(ext), fmt)
        return best[1] if best else None


EXPORTERS = ExporterRegistry()


def export(report: Report, fmt: str, options: ExportOptions | None = None) -> bytes:
    """Render ``report`` in the named format."""
    f = EXPORTERS[fmt]
    f.check()
    return f.render(report, options or ExportOptions())
