"""Check real answers against the OpenAPI schema the server publishes, strictly: every
documented field present (the schema marks them required), no field it does not document,
and a null only where the schema says `nullable`."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
from django.core.management import call_command

REF = "#/components/schemas/"


def generated_schema(tmp_dir: Path) -> dict[str, Any]:
    out = tmp_dir / "schema.json"
    call_command("spectacular", "--format", "openapi-json", "--file", str(out), "--validate")
    return json.loads(out.read_text())


def _strict(node: Any) -> Any:
    """OpenAPI 3.0 schema -> JSON Schema: `nullable` becomes a null alternative, refs point
    into `$defs`, and an object with properties admits no others."""
    if isinstance(node, list):
        return [_strict(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _strict(v) for k, v in node.items() if k not in {"nullable", "readOnly"}}
    if isinstance(out.get("$ref"), str):
        out["$ref"] = "#/$defs/" + out["$ref"][len(REF) :]
    if "properties" in out and "additionalProperties" not in out:
        out["additionalProperties"] = False
    if node.get("nullable"):
        return {"anyOf": [out, {"type": "null"}]}
    return out


@cache
def _operations(schema_json: str) -> dict[str, tuple[str, str, dict[str, Any]]]:
    schema = json.loads(schema_json)
    return {
        op["operationId"]: (path, method, op)
        for path, ops in schema["paths"].items()
        for method, op in ops.items()
    }


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"][len(REF) :]] if str(node.get("$ref", "")).startswith(REF) else []
        return own + [r for v in node.values() for r in _refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


def response_components(schema: dict[str, Any]) -> set[str]:
    """The components some response body reaches, directly or nested."""
    components = schema["components"]["schemas"]
    todo = [
        name
        for ops in schema["paths"].values()
        for op in ops.values()
        for name in _refs(op.get("responses", {}))
    ]
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name not in seen and name in components:
            seen.add(name)
            todo += _refs(components[name])
    return seen


class SchemaChecker:
    def __init__(self, schema: dict[str, Any]) -> None:
        self.schema = schema
        self.defs = {n: _strict(s) for n, s in schema["components"]["schemas"].items()}
        self.checked: set[tuple[str, str]] = set()

    def operation(self, operation_id: str) -> tuple[str, str, dict[str, Any]]:
        return _operations(json.dumps(self.schema))[operation_id]

    def check(self, operation_id: str, response: Any) -> Any:
        """Validate a test-client or requests response against the operation's documented
        answer for its status; returns the parsed body."""
        _path, _method, op = self.operation(operation_id)
        status = str(response.status_code)
        documented = op["responses"].get(status)
        assert documented is not None, f"{operation_id} answered undocumented {status}"
        self.checked.add((operation_id, status))
        content = documented.get("content")
        if not content:
            return None
        body = response.json()
        body_schema = {"$defs": self.defs, **_strict(content["application/json"]["schema"])}
        errors = sorted(
            jsonschema.Draft202012Validator(body_schema).iter_errors(body),
            key=lambda e: list(e.absolute_path),
        )
        assert not errors, f"{operation_id} {status}: " + "; ".join(
            f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}" for e in errors[:5]
        )
        return body
