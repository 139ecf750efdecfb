"""rev18's plug-in: 小单位编制容差 — a unit with fewer than 50 authorised posts may be one
person over its posts; larger units none (a rule some 交通运输局 apply to 在职人员控制)."""
from decimal import Decimal

from perfscore.functions import Function


def _staff_tolerance(n: Decimal) -> Decimal:
    """Persons a unit of n authorised posts may be over: 1 below 50 posts, else 0."""
    return Decimal(1) if 0 < n < 50 else Decimal(0)


staff_tolerance = Function(
    "staff_tolerance", _staff_tolerance, 1, 1, "number",
    "persons over the authorised posts tolerated: 1 for a unit of fewer than 50 posts", pure=True,
)
