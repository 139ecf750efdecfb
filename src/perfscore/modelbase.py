"""Building blocks of the rule-language models, shared by :mod:`perfscore.model` and the scorer
modules (:mod:`perfscore.scorers`), which each declare their own configuration model."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["Expr", "Identifier", "NumberOrExpr", "StrictModel"]

#: ASCII identifiers: machine-readable fields stay ASCII, titles carry the 中文.
Identifier = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$", max_length=64)]
Expr = Annotated[str, Field(min_length=1, max_length=20_000)]
NumberOrExpr = Decimal | Expr


class StrictModel(BaseModel):
    """A frozen model refusing unknown keys (a typo in a rule set is an error, not ignored)."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=False)
