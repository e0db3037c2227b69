"""Schema post-processing: every operation documents the errors any request can meet.

Views document the answers of their own rules (409 quota, 422 idempotency...). What every
request can meet whatever the view (a malformed query, no or bad token, a missing scope, the
throttle, a body too large, the database down) is added here once, in the one error shape, so
the schema is true for every status code the API can answer.
"""

from __future__ import annotations

from typing import Any

ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "code": {"type": "string", "description": "Machine-readable error code."},
        "message": {"type": "string", "description": "A translated, human-readable message."},
        "fields": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
            "description": "Messages per input field, when the error is about fields.",
        },
    },
    "required": ["code", "message", "fields"],
}

EVERY_REQUEST = {
    "400": "Malformed request or unknown query parameter (`code` says which).",
    "401": "No or bad credentials.",
    "403": "Not allowed; `code` says why.",
    "405": "Method not allowed.",
    "406": "Only JSON is served.",
    "429": "Throttled; retry after `Retry-After` seconds.",
    "503": "The database is briefly unavailable; retry after `Retry-After` seconds.",
}
WITH_BODY = {
    "413": "The body is larger than the limit (1 MiB).",
    "415": "The body must be JSON.",
}
WITH_OBJECTS = {"404": "No such customer, object or page."}


def error_responses(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("Error", ERROR_SCHEMA)
    ref = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for path, operations in result.get("paths", {}).items():
        for operation in operations.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            codes = dict(EVERY_REQUEST)
            if "requestBody" in operation:
                codes.update(WITH_BODY)
            names = {p.get("name") for p in operation.get("parameters", [])}
            if "{" in path or "page" in names:
                codes.update(WITH_OBJECTS)
            responses = operation["responses"]
            for code, description in codes.items():
                responses.setdefault(code, {"description": description, "content": ref})
    return result
