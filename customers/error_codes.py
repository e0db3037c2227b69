from enum import Enum


class CustomerErrorCode(Enum):
    CUSTOMER_NOT_FOUND = "customer_not_found"
    INVALID = "invalid"
    FAMILY_SELF_LINK = "family_self_link"
    FAMILY_LINK_EXISTS = "family_link_exists"
