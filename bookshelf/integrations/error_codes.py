from enum import Enum


class IntegrationErrorCode(Enum):
    # 422: the same Idempotency-Key came back with another request.
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"
    INVALID = "invalid"
