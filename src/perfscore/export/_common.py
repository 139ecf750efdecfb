"""Small helpers every exporter shares: labels, titles, cell text, atomic writes."""

from __future__ import annotations

import contextlib
import os
import signal
import stat
import tempfile
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from ..errors import ExportError
from ..findings import Finding, RuleInfo, SubjectResult, dumps
from ..numbers import json_number
from ..standing import Standing, score_text
from ..values import Series
from ..words import OUTCOME

__all__ = [
    "OUTCOME_LABELS",
    "OverviewRow",
    "atomic_writer",
    "cell_text",
    "check_output",
    "explanation",
    "grade_text",
    "message",
    "number",
    "overview_row",
    "rule_title",
    "subject_label",
    "write_atomic",
]

OUTCOME_LABELS = OUTCOME


def rule_title(rule: RuleInfo | None, lang: str, fallback: str = "") -> str:
    if rule is None:
        return fallback
    return rule.title if lang == "zh" or not rule.title_en else rule.title_en


def message(f: Finding, lang: str) -> str:
    return f.message if lang == "zh" else (f.message_en or f.message)


def explanation(f: Finding | None, lang: str) -> str:
    """The finding's arithmetic as one sentence in ``lang`` ("" when it has none)."""
    if f is None or f.explanation is None:
        return ""
    return f.explanation.text(lang)


def subject_label(s: SubjectResult) -> str:
    """``name (id)``, or the id alone when the record has no name."""
    return f"{s.subject.name} ({s.subject.id})" if s.subject.name else s.subject.id


def number(x: Decimal | None) -> str:
    return "" if x is None else json_number(x)


def subject_counts(s: SubjectResult) -> tuple[str, int, int]:
    """A subject's total as text ("87.5 / 100", or "—"), and its numbers of fails and errors."""
    total = "—" if s.total is None else f"{number(s.total)} / {number(s.max)}"
    fails = sum(1 for f in s.findings if f.outcome == "fail")
    errors = sum(1 for f in s.findings if f.outcome == "error")
    return total, fails, errors


def grade_text(s: SubjectResult, no_grade: str) -> str:
    """A subject's grade as shown: its label, else its letter or band, else ``no_grade``."""
    return s.grade_label or s.grade or no_grade


@dataclass(frozen=True)
class OverviewRow:
    """One subject's row in the overview table of a report (the Markdown summary, the HTML
    report), as plain text: each format escapes and lays it out its own way."""

    rank: int | None  # None: not ranked, listed apart
    id: str
    name: str  # the subject's name, else its id
    score: str  # the total with the weight behind it (standing.score_text)
    grade: str  # grade_text
    coverage: str  # the share of the weight scored from data, "87.5%"
    why: str  # why it is not ranked ("" when it is)
    fails: int
    errors: int


def overview_row(st: Standing, lang: str, no_grade: str, rank: int | None = None) -> OverviewRow:
    """The overview row of one subject's standing (``rank``: its place among the ranked)."""
    s = st.result
    _, fails, errors = subject_counts(s)
    return OverviewRow(
        rank=rank,
        id=s.subject.id,
        name=s.subject.name or s.subject.id,
        score=score_text(st, lang),
        grade=grade_text(s, no_grade),
        coverage=f"{json_number(s.coverage * 100)}%",
        why=st.why(lang) or "",
        fails=fails,
        errors=errors,
    )


def cell_text(value: Any) -> str:
    """One value as flat text for a table cell: exact decimals, series/objects as compact JSON."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return json_number(value)
    if isinstance(value, (Series, Mapping, list, tuple)):
        return dumps(value, indent=None).rstrip("\n")
    return str(value)


def _file_mode(target: Path) -> int:
    """The mode ``open()`` would give a new file (0666 less the umask, so 0644 by default);
    a file being replaced keeps its own mode."""
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except OSError:
        return 0o666 & ~_umask()


def _umask() -> int:
    """The process umask, read without changing it where the system tells (Linux)."""
    with contextlib.suppress(OSError, ValueError, StopIteration):
        with open("/proc/self/status", encoding="ascii") as status:
            line = next(x for x in status if x.startswith("Umask:"))
        return int(line.split()[1], 8)
    umask = os.umask(0o022)  # elsewhere: the only portable way is to set it and put it back
    os.umask(umask)
    return umask


def check_output(path: str | os.PathLike[str]) -> None:
    """Refuse an output path before anything is written: a symbolic link (it would be replaced,
    or followed by a naive writer), a FIFO, a device, a folder, or a folder that is missing or
    not writable.  Raises :class:`~perfscore.errors.ExportError` with a plain message."""
    target = Path(path)
    try:
        info = os.lstat(target)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise ExportError(f"{target}: cannot be written: {exc.strerror or exc}") from None
    if info is not None:
        if stat.S_ISLNK(info.st_mode):
            raise ExportError(
                f"{target} is a symbolic link; perfscore does not write through or replace links "
                "(give the real file's path)"
            )
        if not stat.S_ISREG(info.st_mode):
            raise ExportError(f"{target} is not a regular file (a folder, FIFO or device)")
    folder = target.parent
    if not folder.is_dir():
        raise ExportError(f"{target}: the folder {str(folder)!r} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ExportError(f"{target}: the folder {str(folder)!r} is not writable")


def _raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


@contextlib.contextmanager
def _terminate_cleanly() -> Iterator[None]:
    """While writing, SIGTERM (and SIGHUP) raise like Ctrl-C does, so the temporary file is
    removed instead of left behind; the previous handlers come back afterwards."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    saved: dict[int, Any] = {}
    for name in ("SIGTERM", "SIGHUP"):
        number = getattr(signal, name, None)
        if number is not None and signal.getsignal(number) is signal.SIG_DFL:
            saved[number] = signal.signal(number, _raise_interrupt)
    try:
        yield
    finally:
        for number, handler in saved.items():
            signal.signal(number, handler)


@contextlib.contextmanager
def atomic_writer(path: str | os.PathLike[str]) -> Iterator[IO[bytes]]:
    """Write to a temporary file beside ``path`` and rename it into place on success.

    The temporary file has an unpredictable name, is created with ``O_EXCL`` (``mkstemp``: an
    existing file or a planted symbolic link is never opened) in the target's folder, and is
    removed on any failure — an exporter raising midway, a full disk, Ctrl-C, SIGTERM.  Readers
    never see a half-written report; an existing file at ``path`` stays as it was.  A target
    that is a symbolic link, FIFO, device or folder is refused (:func:`check_output`).
    """
    check_output(path)
    target = Path(path)
    with _terminate_cleanly():
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        try:
            mode = _file_mode(target)  # mkstemp makes 0600; a report is for others to read
            if hasattr(os, "fchmod"):
                os.fchmod(fd, mode)  # the descriptor: never a path that could be swapped
            else:  # pragma: no cover - Windows
                os.chmod(tmp, mode)
            with os.fdopen(fd, "wb") as fh:
                yield fh
                fh.flush()
                os.fsync(fh.fileno())
            if os.path.islink(target):  # planted while we wrote: refuse, as check_output does
                raise ExportError(f"{target} became a symbolic link while it was being written")
            os.replace(tmp, target)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise


def write_atomic(path: str | os.PathLike[str], data: bytes) -> None:
    with atomic_writer(path) as fh:
        fh.write(data)
