from enum import Enum


class LedgerErrorCode(Enum):
    # 403: the customer may not spend this.
    NOT_FAMILY_MEMBER = "not_family_member"
    NOT_PURCHASABLE = "benefit_not_purchasable"
    CHANNEL_NOT_ALLOWED = "channel_not_allowed"
    # 403: cancelling another's use, or one's own after the self-cancel window.
    CANCEL_NOT_ALLOWED = "cancel_not_allowed"
    CANCEL_WINDOW_PASSED = "cancel_window_passed"
    # 409: what is left says no.
    QUOTA_EXHAUSTED = "quota_exhausted"
    FAMILY_ALLOWANCE_EXHAUSTED = "family_allowance_exhausted"
    ALREADY_CANCELLED = "already_cancelled"
    # 409: a held use is given back through its fulfilment; a settled one cannot be released.
    USE_HELD = "use_held"
    ALREADY_SETTLED = "already_settled"
    DUPLICATE_PAYMENT_REFERENCE = "duplicate_payment_reference"
    FEEDBACK_EXISTS = "feedback_exists"
    # 404
    REDEMPTION_NOT_FOUND = "redemption_not_found"
    INVALID = "invalid"
    # 400: the agent cancelling their own use says why.
    CANCEL_REASON_REQUIRED = "cancel_reason_required"
