from enum import Enum


class BenefitErrorCode(Enum):
    BENEFIT_NOT_FOUND = "benefit_not_found"
    CATEGORY_NOT_FOUND = "category_not_found"
    INVALID_TRANSITION = "invalid_status_transition"
    RETIRE_REASON_REQUIRED = "retire_reason_required"
