"""The API's one JSON parser, bounded: a body over DATA_UPLOAD_MAX_MEMORY_SIZE is a 413, and
bytes that are not UTF-8, JSON that is not strict, or nesting deeper than MAX_DEPTH are a 400
(`malformed_request`). Never a 500 (Python's json raises RecursionError on deep nesting),
never a slow answer (the body is read once, at most limit + 1 bytes)."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from .exceptions import RequestTooLarge

MAX_DEPTH = 32


def _strict_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def json_depth_exceeds(document: Any, limit: int) -> bool:
    """True when `document` nests containers deeper than `limit` (iterative: no recursion)."""
    stack: list[tuple[Any, int]] = [(document, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict | list):
            if depth > limit:
                return True
            children = node.values() if isinstance(node, dict) else node
            stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


class BoundedJSONParser(JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE  # None: no limit
        size = -1 if limit is None else limit + 1
        raw = b"" if stream is None else stream.read(size)
        if limit is not None and len(raw) > limit:
            raise RequestTooLarge()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise ParseError(_("The body is not valid UTF-8.")) from None
        try:
            document = json.loads(text, parse_constant=_strict_constant)
        except RecursionError:
            raise ParseError(_("The JSON document is nested too deeply.")) from None
        except ValueError as exc:
            raise ParseError(_("The body is not valid JSON: %(error)s") % {"error": exc}) from None
        if json_depth_exceeds(document, MAX_DEPTH):
            raise ParseError(_("The JSON document is nested too deeply."))
        return document
