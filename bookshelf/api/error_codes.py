"""The codes the API itself answers with (its protocol, not a capability's rule), and the
list of every code a client can meet, which the schema's `Error.code` enumerates."""

from __future__ import annotations

from enum import Enum

from benefits.error_codes import BenefitErrorCode
from customers.error_codes import CustomerErrorCode

from ..fulfilment.error_codes import FulfilmentErrorCode
from ..integrations.error_codes import IntegrationErrorCode
from ..ledger.error_codes import LedgerErrorCode
from ..money.error_codes import MoneyErrorCode
from ..privacy.error_codes import PrivacyErrorCode
from ..reach.error_codes import ReachErrorCode
from ..review.error_codes import ReviewErrorCode
from ..shelf.error_codes import ShelfErrorCode


class ApiErrorCode(Enum):
    # 400: a query parameter the operation does not know, or a page out of range.
    UNKNOWN_PARAMETER = "unknown_parameter"
    INVALID_PAGE = "invalid_page"
    INVALID_PAGE_SIZE = "invalid_page_size"
    # 400: a spending request (a use, a purchase) without an Idempotency-Key.
    IDEMPOTENCY_KEY_REQUIRED = "idempotency_key_required"


# What the one exception handler and the request guards answer whatever the view
# (config/exceptions.py, config/middleware.py, config/health.py), DRF's errors included.
GENERIC_ERROR_CODES = (
    "invalid",
    "not_found",
    "permission_denied",
    "not_authenticated",
    "authentication_failed",
    "method_not_allowed",
    "not_acceptable",
    "unsupported_media_type",
    "throttled",
    "malformed_request",
    "request_too_large",
    "service_unavailable",
    "internal_error",
    "error",
)

ROOM_CODES: tuple[type[Enum], ...] = (
    ApiErrorCode,
    BenefitErrorCode,
    CustomerErrorCode,
    FulfilmentErrorCode,
    IntegrationErrorCode,
    LedgerErrorCode,
    MoneyErrorCode,
    PrivacyErrorCode,
    ReachErrorCode,
    ReviewErrorCode,
    ShelfErrorCode,
)


def every_error_code() -> list[str]:
    """Every `code` an error answer can carry, sorted: the rooms' enums and the generic
    codes of the one exception handler (config.exceptions)."""
    codes = {str(member.value) for enum in ROOM_CODES for member in enum}
    return sorted(codes | set(GENERIC_ERROR_CODES))


# For the schema's enum name (SPECTACULAR_SETTINGS' ENUM_NAME_OVERRIDES).
ERROR_CODE_CHOICES = every_error_code()
