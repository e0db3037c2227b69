"""The OpenAPI contract as a generated client reads it: clear operation names, descriptions
written for the app team, every field the server always sends required, nulls only where
they happen, every error code listed, the headers the server sends declared."""

from __future__ import annotations

import ast
import enum
import importlib
import inspect
import re
from pathlib import Path

import pytest
from django.conf import settings

from tests.bookshelf.api.schema_check import generated_schema, response_components

ROOT = Path(settings.BASE_DIR)
ID_RULE = re.compile(r"^[a-z]+(_[a-z]+)+$")
# What an operation does, as the last word of its id: a list answers many, `get` one object.
ACTIONS = {
    "get": {"get"},
    "post": {"create", "cancel", "record", "rotate"},
    "delete": {"delete"},
}


@pytest.fixture(scope="module")
def schema(tmp_path_factory):
    return generated_schema(tmp_path_factory.mktemp("schema"))


def _operations(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            yield path, method, operation


def _is_list(schema, operation) -> bool:
    ok = next(r for code, r in operation["responses"].items() if code.startswith("2"))
    body = (ok.get("content") or {}).get("application/json", {}).get("schema", {})
    if body.get("type") == "array":
        return True
    ref = body.get("$ref", "").rsplit("/", 1)[-1]
    component = schema["components"]["schemas"].get(ref, {})
    return "results" in component.get("properties", {})


def test_every_operation_has_a_clear_unique_id(schema):
    ids = [op["operationId"] for _p, _m, op in _operations(schema)]
    assert len(ids) == len(set(ids)), "operationIds are unique"
    for path, method, operation in _operations(schema):
        op_id = operation["operationId"]
        assert ID_RULE.match(op_id), f"{op_id}: lower-case words joined by _"
        assert not op_id.startswith("v1_"), f"{op_id}: no URL prefix in a name"
        assert not op_id.endswith("_retrieve"), f"{op_id}: say `_get` or `_list`"
        if _is_list(schema, operation):
            assert op_id.endswith("_list"), f"{method} {path} answers a list: {op_id}"
        else:
            action = op_id.rsplit("_", 1)[-1]
            assert action in ACTIONS[method], f"{method} {path}: {op_id} ends in {action}"
    named = {op["operationId"] for _p, _m, op in _operations(schema)}
    assert {
        "customer_redemptions_list",
        "customer_redemption_create",
        "customer_purchases_list",
        "customer_bookshelf_get",
        "benefit_get",
        "benefits_list",
    } <= named


def _docstrings() -> set[str]:
    """Every class docstring in the API package: notes for developers, not for clients."""
    found = set()
    for path in (ROOT / "bookshelf" / "api").glob("*.py"):
        module = importlib.import_module(f"bookshelf.api.{path.stem}")
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            for klass in cls.__mro__:
                doc = inspect.getdoc(klass)
                if doc and klass.__module__.startswith(("bookshelf.", "rest_framework.")):
                    found.add(" ".join(doc.split()))
    return found


INTERNAL_NOTES = ("Resolves the customer", "Unknown query parameters are a 400", "scoped to")


def test_every_operation_is_described_for_the_app_team(schema):
    docstrings = _docstrings()
    for path, method, operation in _operations(schema):
        text = " ".join((operation.get("description") or "").split())
        where = f"{method} {path}"
        assert len(text) >= 40, f"{where}: a description of what it does for the app"
        assert text not in docstrings, f"{where}: its description is a code docstring"
        for note in INTERNAL_NOTES:
            assert note not in text, f"{where}: internal note {note!r}"
        assert operation.get("summary"), where


def test_every_field_a_response_carries_is_required(schema):
    schemas = schema["components"]["schemas"]
    reached = response_components(schema)
    assert {"BenefitOut", "ShelfEntry", "RedemptionOut", "PurchaseOut", "Error"} <= reached
    for name in reached:
        properties = schemas[name].get("properties", {})
        missing = set(properties) - set(schemas[name].get("required", []))
        assert not missing, f"{name}: always sent, so required: {sorted(missing)}"
    benefit = schemas["BenefitOut"]
    assert {"status", "kind", "description", "price", "retired_at"} <= set(benefit["required"])
    assert {"status", "created_at"} <= set(schemas["RedemptionOut"]["required"])


def test_a_field_is_nullable_only_with_a_word_on_when(schema):
    """A nullable field says when it is null, so a client knows what null means."""
    for name in response_components(schema):
        for field, prop in schema["components"]["schemas"][name].get("properties", {}).items():
            if prop.get("nullable"):
                text = prop.get("description", "").lower()
                assert "null" in text or "none" in text, f"{name}.{field}: when is it null?"


def test_an_unlimited_benefit_documents_no_placeholder_period(schema):
    entry = schema["components"]["schemas"]["ShelfEntry"]["properties"]
    assert entry["period_start"]["nullable"]
    assert "unlimited" in entry["period_start"]["description"]
    assert "2000-01-01" not in str(schema)


def _room_enums() -> list[type[enum.Enum]]:
    found = []
    for path in sorted(ROOT.glob("**/error_codes.py")):
        if ".venv" in path.parts:
            continue
        module = importlib.import_module(".".join(path.relative_to(ROOT).with_suffix("").parts))
        found += [
            cls
            for _n, cls in inspect.getmembers(module, inspect.isclass)
            if issubclass(cls, enum.Enum)
            and cls is not enum.Enum
            and cls.__module__ == module.__name__
        ]
    return found


ERROR_CLASSES = {"DomainError", "NotFound", "NotAllowed", "Conflict", "Unprocessable"}


def _literal_codes() -> set[str]:
    """Codes written as string literals in runtime code: the first argument of a domain
    error, or the `code` of an error body (a dict with a `message`)."""
    codes = set()
    for path in ROOT.glob("**/*.py"):
        rel = path.relative_to(ROOT).parts
        if rel[0] in {".venv", "tests"} or "migrations" in rel or "devtools" in rel:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and node.args:
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                first = node.args[0]
                if name in ERROR_CLASSES and isinstance(first, ast.Constant):
                    codes.add(first.value)
            if isinstance(node, ast.Dict):
                keys = [k.value for k in node.keys if isinstance(k, ast.Constant)]
                if "code" in keys and "message" in keys:
                    value = node.values[keys.index("code")]
                    if isinstance(value, ast.Constant):
                        codes.add(value.value)
    return codes


def test_error_code_is_an_enum_of_every_code(schema):
    from bookshelf.api import error_codes as api_error_codes
    from config.exceptions import _DRF_CODES

    enum_values = schema["components"]["schemas"]["ErrorCodeEnum"]["enum"]
    code = schema["components"]["schemas"]["Error"]["properties"]["code"]
    assert code["allOf"][0]["$ref"].endswith("/ErrorCodeEnum")
    listed = set(enum_values)
    rooms = _room_enums()
    assert set(rooms) == set(api_error_codes.ROOM_CODES), "every room's error codes are listed"
    for room in rooms:
        missing = {m.value for m in room} - listed
        assert not missing, f"{room.__name__}: {sorted(missing)}"
    assert set(_DRF_CODES.values()) <= listed
    literal = _literal_codes()
    assert {"internal_error", "service_unavailable", "malformed_request"} <= literal
    assert literal <= listed, sorted(literal - listed)
    assert "idempotency_key_required" in listed


def test_the_headers_the_server_sends_are_declared(schema):
    for path, method, operation in _operations(schema):
        for code in ("429", "503"):
            assert "Retry-After" in operation["responses"][code].get("headers", {}), (
                f"{method} {path} {code}"
            )
    for op_id in ("customer_redemption_create", "customer_purchase_create"):
        operation = next(op for _p, _m, op in _operations(schema) if op["operationId"] == op_id)
        created = operation["responses"]["201"]
        assert "Idempotent-Replayed" in created["headers"]
        key = next(p for p in operation["parameters"] if p["name"] == "Idempotency-Key")
        assert key["in"] == "header" and key["required"] is True


def test_every_success_answer_is_described(schema):
    for path, method, operation in _operations(schema):
        for code, response in operation["responses"].items():
            if code.startswith("2"):
                assert response.get("description"), f"{method} {path} {code}"
    created = {
        op["operationId"]: op["responses"]["201"]["description"]
        for _p, _m, op in _operations(schema)
        if "201" in op["responses"]
    }
    assert all(text != "" for text in created.values()) and len(created) >= 6


def test_event_out_kind_is_the_enum_of_its_input(schema):
    schemas = schema["components"]["schemas"]
    out_kind = schemas["EventOut"]["properties"]["kind"]
    in_kind = schemas["EventInRequest"]["properties"]["kind"]
    assert out_kind == in_kind == {"$ref": "#/components/schemas/EventKindEnum"}


def test_every_operation_documents_the_readers_language(schema):
    """Accept-Language on every operation (default en, the values shown), Content-Language on
    every answer it documents, errors included: the API answers in the reader's language."""
    components = schema["components"]

    def resolved(node):
        kind, name = node.get("$ref", "#/x/y/").split("/")[2:4]
        return components.get(kind, {}).get(name, node) if "$ref" in node else node

    for path, method, operation in _operations(schema):
        where = f"{method} {path}"
        parameters = [resolved(p) for p in operation.get("parameters", [])]
        asked = [p for p in parameters if p["name"] == "Accept-Language"]
        assert len(asked) == 1, where
        parameter = asked[0]
        assert parameter["in"] == "header" and parameter.get("required", False) is False, where
        assert parameter["schema"] == {"type": "string", "default": "en"}, where
        assert {"en", "zh-CN", "zh-TW"} <= set(parameter["examples"]), where
        for code, response in operation["responses"].items():
            said = response.get("headers", {}).get("Content-Language")
            assert said is not None, f"{where} {code}"
            said = resolved(said)
            assert said["schema"] == {"type": "string", "enum": ["en", "zh-hans"]}, where
