"""perfscore — score budget-performance data against declarative YAML rule sets.

Pipeline: load (YAML → model) → compile (names, weights, bands checked once) → evaluate (per
subject) → aggregate (indicator tree, total, grade) → export (findings document and friends).
"""

from ._version import __version__
from .errors import (
    DataError,
    EvaluationError,
    ExportError,
    ExpressionError,
    PerfscoreError,
    Problem,
    RuleSetError,
    ZeroDenominatorError,
)
from .findings import Finding, IndicatorScore, Notification, Report, RuleInfo, SubjectResult
from .functions import DEFAULT_FUNCTIONS, FunctionRegistry
from .recheck import Review, review
from .ruleset import RuleSet, SubjectBatch, load_ruleset, load_ruleset_text, load_subjects
from .subjects import Subject
from .values import Series

__all__ = [
    "DEFAULT_FUNCTIONS",
    "DataError",
    "EvaluationError",
    "ExportError",
    "ExpressionError",
    "Finding",
    "FunctionRegistry",
    "IndicatorScore",
    "Notification",
    "PerfscoreError",
    "Problem",
    "Report",
    "Review",
    "RuleInfo",
    "RuleSet",
    "RuleSetError",
    "Series",
    "Subject",
    "SubjectBatch",
    "SubjectResult",
    "ZeroDenominatorError",
    "__version__",
    "load_ruleset",
    "load_ruleset_text",
    "load_subjects",
    "review",
]
