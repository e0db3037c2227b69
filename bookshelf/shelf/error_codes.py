from enum import Enum


class ShelfErrorCode(Enum):
    """403: the shelf does not give this customer this benefit now, and why."""

    NOT_IN_TIER = "not_in_tier"
    BENEFIT_RETIRED = "benefit_retired"
    BENEFIT_NOT_AVAILABLE = "benefit_not_available"
    PRODUCT_LINE_REQUIRED = "product_line_required"
    AGE_NOT_ELIGIBLE = "age_not_eligible"
    BENEFIT_NOT_SHAREABLE = "benefit_not_shareable"
