from enum import Enum


class PrivacyErrorCode(Enum):
    # 409: the record's state forbids erasure now.
    POLICY_IN_FORCE = "erasure_policy_in_force"
    LEGAL_HOLD = "erasure_legal_hold"
    ALREADY_ERASED = "customer_already_erased"
    # 400: the request itself is incomplete.
    REASON_REQUIRED = "erasure_reason_required"
    # 403: the caller may not do this.
    NOT_ALLOWED = "privacy_not_allowed"
