"""复核: re-check what subjects declared (自评) against what their figures support.

    rv = perfscore.review(rs, perfscore.load_subjects("batch.yaml"), sample=5)
    rv.report            # a findings Report: findings of kind ``review``, every exporter writes it
    rv.issues()          # the rows of the 复核问题清单, worst first
    rv.summary()         # subjects, mean |偏离度|, counts by level, the most-inflated indicators
    rv.workbook()        # the 复核问题清单 as xlsx bytes (needs perfscore[excel])

See docs/review.md.
"""

from .engine import LEVELS, Review, ReviewItem, Thresholds, default_review_rules, deviation, review
from .sample import Sample, choose_sample

__all__ = [
    "LEVELS",
    "Review",
    "ReviewItem",
    "Sample",
    "Thresholds",
    "choose_sample",
    "default_review_rules",
    "deviation",
    "review",
]
