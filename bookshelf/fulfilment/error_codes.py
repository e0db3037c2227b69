from enum import Enum


class FulfilmentErrorCode(Enum):
    # 409: the transition table does not allow this from the fulfilment's current state.
    ILLEGAL_TRANSITION = "illegal_transition"
    # 409: an issued benefit's pool has no code left; nothing was spent.
    CODE_POOL_EMPTY = "code_pool_empty"
    # 409: a booked or issued benefit with no active supplier to deliver it.
    NO_SUPPLIER = "no_supplier"
    # 404: no such fulfilment for this supplier (another supplier's is "not found" too).
    FULFILMENT_NOT_FOUND = "fulfilment_not_found"
    SUPPLIER_NOT_FOUND = "supplier_not_found"
    # 401: a supplier callback without a valid signature, or one older than the window.
    SIGNATURE_INVALID = "signature_invalid"
    SIGNATURE_EXPIRED = "signature_expired"
    # 403: a correctly signed callback of a supplier that was switched off.
    SUPPLIER_INACTIVE = "supplier_inactive"
    # 409: the same event id came back with a different event.
    EVENT_ID_REUSED = "event_id_reused"
    # 409: a booked request within BOOKSHELF_REBOOK_CUTOFF_HOURS of its appointment (or past
    # it) is no longer cancelled or rebooked by an agent or the app (rebooking.py).
    CHANGE_CUTOFF_PASSED = "change_cutoff_passed"
    # 409: only a booked request (the supplier gave a time) can be rebooked.
    NOT_BOOKED = "not_booked"
    # 403: a staff user who neither records nor cancels uses.
    CHANGE_NOT_ALLOWED = "change_not_allowed"
    # 400: a new appointment not far enough ahead, or past the supplier's service level.
    APPOINTMENT_TOO_SOON = "appointment_too_soon"
    APPOINTMENT_OUTSIDE_SERVICE_LEVEL = "appointment_outside_service_level"
    # 400
    INVALID = "invalid"
    CANCEL_REASON_REQUIRED = "cancel_reason_required"
    CODE_FILE_INVALID = "code_file_invalid"
