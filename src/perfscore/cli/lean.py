"""The ``perfscore`` command without pandas loaded behind its back (#18: fixed costs).

pyarrow imports pandas the first time almost anything converts (``pa.array``, ``pa.scalar``,
``Array.to_numpy``, a compute function given a Python value), only to recognise pandas
objects it is never given here.  In the command that costs 0.2–0.3 s of CPU and ~35 MB per
run — a fifth of a 10,000-row ``perfscore score data.parquet -o findings.parquet`` — and
pandas is optional for pyarrow, which works as it does without it installed.

:func:`without_pyarrow_pandas` refuses ``import pandas`` *only when pyarrow asks for it on
its own*: from pyarrow's Python code, or from its compiled code called by perfscore's (no
``import`` statement runs there).  An ``import pandas`` written anywhere — a plug-in, a
bureau's script, perfscore's own DataFrame code — and ``importlib.import_module("pandas")``
load it as usual, and once pandas is loaded nothing is refused.  Only the command's own
process installs it (``main()`` run as the console script): pyarrow remembers the refusal
for the rest of the process, which a library caller's process may not want.
"""

from __future__ import annotations

import dis
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.machinery import ModuleSpec
from types import FrameType
from typing import Any

__all__ = ["without_pyarrow_pandas"]

_IMPORT_NAME = dis.opmap["IMPORT_NAME"]
_PERFSCORE = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
_PYARROW = os.sep + "pyarrow" + os.sep


def _asker(frame: FrameType | None) -> FrameType | None:
    """The first frame that is not the import machinery's."""
    while frame is not None and frame.f_code.co_filename.startswith("<frozen importlib"):
        frame = frame.f_back
    return frame


def _by_pyarrow(frame: FrameType | None) -> bool:
    """True when pyarrow asks for pandas on its own: its Python code, or its compiled code
    called from perfscore's (that frame runs a call, not an ``import`` statement)."""
    if frame is None:
        return False
    path = frame.f_code.co_filename
    if _PYARROW in path:
        return True
    if not path.startswith(_PERFSCORE):
        return False
    code = frame.f_code.co_code
    return not (0 <= frame.f_lasti < len(code) and code[frame.f_lasti] == _IMPORT_NAME)


class _Refuse:
    """A meta path finder refusing ``pandas`` to pyarrow (see the module's docstring)."""

    def __init__(self) -> None:
        self.refused = 0

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> ModuleSpec | None:
        if name != "pandas" or not _by_pyarrow(_asker(sys._getframe(1))):
            return None
        self.refused += 1
        raise ModuleNotFoundError("pandas is not loaded for pyarrow in this command", name=name)


@contextmanager
def without_pyarrow_pandas() -> Iterator[_Refuse | None]:
    """While inside, pyarrow does not load pandas on its own (None: pandas is loaded
    already, nothing to do)."""
    if "pandas" in sys.modules:
        yield None
        return
    finder = _Refuse()
    sys.meta_path.insert(0, finder)
    try:
        yield finder
    finally:
        sys.meta_path.remove(finder)
