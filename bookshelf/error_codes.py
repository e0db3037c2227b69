from enum import Enum


class BookshelfErrorCode(Enum):
    # 403: the customer may not use this benefit now, and why.
    NOT_IN_TIER = "not_in_tier"
    BENEFIT_RETIRED = "benefit_retired"
    BENEFIT_NOT_AVAILABLE = "benefit_not_available"
    PRODUCT_LINE_REQUIRED = "product_line_required"
    AGE_NOT_ELIGIBLE = "age_not_eligible"
    NOT_FAMILY_MEMBER = "not_family_member"
    BENEFIT_NOT_SHAREABLE = "benefit_not_shareable"
    NOT_PURCHASABLE = "benefit_not_purchasable"
    # 409: the state of the shelf says no.
    QUOTA_EXHAUSTED = "quota_exhausted"
    FAMILY_ALLOWANCE_EXHAUSTED = "family_allowance_exhausted"
    ALREADY_CANCELLED = "already_cancelled"
    DUPLICATE_PAYMENT_REFERENCE = "duplicate_payment_reference"
    FEEDBACK_EXISTS = "feedback_exists"
    # 422: the same Idempotency-Key came back with another request.
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"
    IDEMPOTENCY_IN_PROGRESS = "idempotency_in_progress"
    REDEMPTION_NOT_FOUND = "redemption_not_found"
    # Pushes: only a benefit the customer can use now may be pushed.
    PUSH_NOT_USABLE = "push_benefit_not_usable"
    INVALID = "invalid"


class ReviewErrorCode(Enum):
    PROPOSAL_ALREADY_DECIDED = "proposal_already_decided"
    PROPOSAL_NOT_RETIREMENT = "proposal_not_retirement"
    INVALID_WINDOW = "invalid_review_window"
