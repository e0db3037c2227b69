"""What the schema promises a generated client, beyond what the serializers say by
themselves (a drf-spectacular post-processing hook, after `config.openapi.error_responses`).

- Every field of a response is `required`: the API always sends every field it documents
  (a value that may be missing is `null`, and only such fields are `nullable`), so a
  generated client gets plain attributes instead of "unset" wrappers.
- A success answer without a description of its own is described by the operation's
  summary.
- The headers the API sends are declared where it sends them: `Idempotent-Replayed` on the
  success answers of operations taking an `Idempotency-Key`, `Retry-After` on 429 and 503.
- The reader's language (config/language.py): every operation takes `Accept-Language` and
  every answer, errors included, says its language in `Content-Language`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from config.language import ACCEPTED_EXAMPLES, ANSWER_LANGUAGES

REF = "#/components/schemas/"

IDEMPOTENT_REPLAYED = {
    "description": "`true` when this is the stored answer to an earlier request with the same "
    "Idempotency-Key and body (nothing was done again); absent on a first answer.",
    "schema": {"type": "string", "enum": ["true"]},
}
RETRY_AFTER = {
    "description": "Seconds to wait before retrying.",
    "schema": {"type": "integer", "minimum": 0},
}

ACCEPT_LANGUAGE = {
    "name": "Accept-Language",
    "in": "header",
    "required": False,
    "description": "The reader's language: names, reasons and error messages come back in "
    "it. Any Chinese (zh, zh-CN, zh-hans, zh-SG; Traditional zh-TW, zh-HK, zh-Hant too) reads "
    "Simplified Chinese; English and any language the API does not have read English. A "
    "weighted list takes the best-weighted one the API has. A text missing in that language "
    "falls back to the other one. The answer's `Content-Language` says which was used.",
    "schema": {"type": "string", "default": "en"},
    "examples": {
        key: {"value": value, "summary": summary}
        for (value, summary), key in zip(
            ACCEPTED_EXAMPLES.items(), ("en", "zh-CN", "zh-TW", "weighted"), strict=True
        )
    },
}
CONTENT_LANGUAGE = {
    "description": "The language this answer's texts are in: `en` or `zh-hans` (Simplified "
    "Chinese), from `Accept-Language`. Answers vary by it (`Vary: Accept-Language`).",
    "schema": {"type": "string", "enum": list(ANSWER_LANGUAGES)},
}


def _refs(node: Any) -> Iterator[str]:
    """The component names a schema fragment refers to."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(REF):
            yield ref[len(REF) :]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def response_components(result: dict[str, Any]) -> set[str]:
    """Every component a response body reaches, directly or nested."""
    schemas = result.get("components", {}).get("schemas", {})
    todo = [
        name
        for operations in result.get("paths", {}).values()
        for operation in operations.values()
        if isinstance(operation, dict)
        for name in _refs(operation.get("responses", {}))
    ]
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name in seen or name not in schemas:
            continue
        seen.add(name)
        todo.extend(_refs(schemas[name]))
    return seen


def _operations(result: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if isinstance(operation, dict) and "responses" in operation:
                yield operation


def contract_complete(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    components = result.setdefault("components", {})
    components.setdefault("parameters", {})["AcceptLanguage"] = ACCEPT_LANGUAGE
    components.setdefault("headers", {})["ContentLanguage"] = CONTENT_LANGUAGE
    schemas = components.get("schemas", {})
    for name in response_components(result):
        properties = schemas[name].get("properties")
        if properties:
            schemas[name]["required"] = sorted(properties)
    for operation in _operations(result):
        responses = operation["responses"]
        for code, response in responses.items():
            if code.startswith("2") and not response.get("description"):
                response["description"] = operation.get("summary", "")
        headers = {
            p.get("name") for p in operation.get("parameters", []) if p.get("in") == "header"
        }
        if "Idempotency-Key" in headers:
            for code, response in responses.items():
                if code.startswith("2"):
                    response.setdefault("headers", {})["Idempotent-Replayed"] = IDEMPOTENT_REPLAYED
        for code in ("429", "503"):
            if code in responses:
                responses[code].setdefault("headers", {})["Retry-After"] = RETRY_AFTER
        _readers_language(operation)
    return result


def _readers_language(operation: dict[str, Any]) -> None:
    """Both once in the components, referred to by every operation and answer."""
    parameters = operation.setdefault("parameters", [])
    parameters.append({"$ref": "#/components/parameters/AcceptLanguage"})
    for response in operation["responses"].values():
        headers = response.setdefault("headers", {})
        headers["Content-Language"] = {"$ref": "#/components/headers/ContentLanguage"}
