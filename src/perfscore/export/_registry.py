"""The registry of output formats: a name, file extensions and a ``Report -> bytes`` function."""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Protocol

from ..errors import ExportError, did_you_mean
from ..findings import Report
from ..registry import PluginError, Registry, check_arity, check_identifier

if TYPE_CHECKING:
    from ..findings import BatchTotals
    from ..spans import Piece
    from ..standing import Standing

__all__ = [
    "EXPORTERS",
    "ExportOptions",
    "Exporter",
    "ExporterRegistry",
    "Format",
    "ShardForm",
    "export",
    "render",
]


@dataclass(frozen=True)
class ExportOptions:
    """Options some formats read; every exporter ignores the ones it does not know."""

    lang: str = "zh"
    bom: bool = False  # CSV: a UTF-8 byte-order mark so Excel opens 中文 correctly
    sarif_all: bool = False  # SARIF: include pass / notApplicable results, not only failures
    lean: bool = False  # JSON / JSON Lines: no per-finding repetition of the rules section


Exporter = Callable[[Report, ExportOptions], bytes]


class ShardForm(Protocol):
    """A format written in pieces, for ``perfscore score --jobs N``: each worker encodes its
    shard of subjects into ``sections`` byte strings (say, a JSON document's ``subjects`` and
    ``findings`` items), and the parent writes the head, each section's pieces in input order,
    and the tail — the same bytes ``render`` gives for the whole report.

    ``head`` is the run's :class:`Report` without subjects (in the parent, with the run's own
    notifications); ``totals`` counts every subject of the run.  Each piece is a
    :data:`~perfscore.spans.Piece` (bytes, or where a worker wrote them): ``assemble`` writes
    it with :func:`~perfscore.spans.write_piece`, so the kernel copies them."""

    sections: int

    def encode(
        self, head: Report, shard: Sequence[Standing], options: ExportOptions
    ) -> tuple[bytes, ...]: ...

    def assemble(
        self,
        head: Report,
        totals: BatchTotals,
        sections: Sequence[Iterable[Piece]],
        options: ExportOptions,
        out: IO[bytes],
    ) -> None: ...


@dataclass(frozen=True)
class Format:
    name: str
    extensions: tuple[str, ...]
    render: Exporter
    description: str
    binary: bool = False
    requires: str | None = None  # an importable module the format needs
    extra: str | None = None  # the perfscore extra that installs it
    shards: ShardForm | None = None  # how --jobs workers write it in pieces (else: whole)

    def check(self) -> None:
        """Raise :class:`ExportError` naming the extra to install when a dependency is missing."""
        if self.requires and importlib.util.find_spec(self.requires) is None:
            raise ExportError(
                f"--format {self.name} needs {self.requires}: pip install 'perfscore[{self.extra}]'"
            )


def _make_format(
    name: str | None,
    render: Exporter,
    *,
    extensions: tuple[str, ...],
    description: str,
    binary: bool = False,
    requires: str | None = None,
    extra: str | None = None,
    shards: ShardForm | None = None,
) -> Format:
    """What ``@EXPORTERS.register("csv", extensions=(".csv",), description=...)`` registers."""
    return Format(
        name or render.__name__, extensions, render, description, binary, requires, extra, shards
    )


def _check_format(name: str, fmt: Format) -> None:
    check_identifier(name)
    if not isinstance(fmt, Format):
        raise PluginError(name, "an output format is a perfscore.export.Format")
    check_arity(name, fmt.render, 2, "render(report, options)")
    if not fmt.extensions or not all(
        isinstance(e, str) and e.startswith(".") for e in fmt.extensions
    ):
        raise PluginError(name, "extensions must be like ('.tsv',)")


def _format_name(fmt: Format) -> str:
    return fmt.name


def _unknown_format(kind: str, name: str, known: Sequence[str]) -> ExportError:
    hint = did_you_mean(name, known)
    return ExportError(
        f"unknown {kind} {name!r} ("
        + (f"did you mean {hint!r}? " if hint else "")
        + f"expected one of {', '.join(known)})"
    )


class ExporterRegistry(Registry[Format]):
    """Output formats by name and by file extension (entry point group
    ``perfscore.exporters``)."""

    def __init__(self) -> None:
        super().__init__(
            "output format",
            group="perfscore.exporters",
            check=_check_format,
            key=_format_name,
            make=_make_format,
            unknown=_unknown_format,
        )

    def for_path(self, path: str | os.PathLike[str]) -> Format | None:
        """The format a file name asks for, by its (longest matching) extension."""
        name = Path(path).name.lower()
        best: tuple[int, Format] | None = None
        for fmt in self:
            for ext in fmt.extensions:
                if name.endswith(ext) and (best is None or len(ext) > best[0]):
                    best = (len(ext), fmt)
        return best[1] if best else None


EXPORTERS = ExporterRegistry()


def render(fmt: Format, report: Report, options: ExportOptions) -> bytes:
    """Render ``report`` in ``fmt``; a plugin's format that fails is an :class:`ExportError`
    naming the format and the plugin (a built-in format's failure is a bug and propagates)."""
    fmt.check()
    origin = EXPORTERS.origin(fmt.name)
    if origin is None or EXPORTERS.get(fmt.name) is not fmt:
        return fmt.render(report, options)
    try:
        data = fmt.render(report, options)
    except (Exception, SystemExit) as e:
        raise ExportError(
            f"output format {fmt.name!r} (plugin {origin}) failed: {type(e).__name__}: {e}"
        ) from e
    if not isinstance(data, bytes):
        raise ExportError(
            f"output format {fmt.name!r} (plugin {origin}) returned "
            f"{type(data).__name__}, not bytes"
        )
    return data


def export(report: Report, fmt: str, options: ExportOptions | None = None) -> bytes:
    """Render ``report`` in the named format."""
    return render(EXPORTERS[fmt], report, options or ExportOptions())
