from enum import Enum


class ReachErrorCode(Enum):
    # Pushes: only a benefit the customer can use now may be pushed.
    PUSH_NOT_USABLE = "push_benefit_not_usable"
    INVALID = "invalid"
    # PIPL: no valid consent for the push's channel (marketing app messages, SMS).
    CONSENT_REQUIRED = "consent_required"
    # 409: the benefit was pushed to this customer a moment ago (any channel, any agent).
    DUPLICATE_PUSH = "duplicate_push"
