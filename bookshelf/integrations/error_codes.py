from enum import Enum


class IntegrationErrorCode(Enum):
    # 422: the same Idempotency-Key came back with another request.
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"
    INVALID = "invalid"
    # 400: a webhook URL that leads inside (loopback, private, metadata...) or is not https.
    WEBHOOK_URL_REFUSED = "webhook_url_refused"
    # 400: an event type the subscribing client's scopes may not read.
    WEBHOOK_EVENT_NOT_PERMITTED = "webhook_event_not_permitted"
