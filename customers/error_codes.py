from enum import Enum


class CustomerErrorCode(Enum):
    CUSTOMER_NOT_FOUND = "customer_not_found"
    INVALID = "invalid"
    FAMILY_SELF_LINK = "family_self_link"
    FAMILY_LINK_EXISTS = "family_link_exists"
    # Consent (PIPL): the purpose, channel or text version given is not one we know.
    CONSENT_PURPOSE_UNKNOWN = "consent_purpose_unknown"
    CONSENT_TEXT_UNKNOWN = "consent_text_unknown"
    CONSENT_CHANNEL_NOT_ALLOWED = "consent_channel_not_allowed"
