"""A request id that follows a request through the logs and into the Celery tasks it causes."""

from __future__ import annotations

import contextvars
import itertools
import re
import uuid
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
# A number unique to each request this process serves (0: outside a request). Unlike the id,
# which a caller may send, it tells one request from the next: what a request looked up for
# its own use (`bookshelf.shelf.cache.version_hint`) is recognised as its own by it.
request_serial_var: contextvars.ContextVar[int] = contextvars.ContextVar(
    "request_serial", default=0
)
_serials = itertools.count(1)
HEADER = "X-Request-ID"
_VALID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def current_request_id() -> str:
    return request_id_var.get()


def current_request_serial() -> int:
    return request_serial_var.get()


class RequestIdMiddleware:
    """Takes a well-formed X-Request-ID from the caller or makes one; echoes it back."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get(HEADER, "")
        rid = incoming if _VALID.match(incoming) else uuid.uuid4().hex
        token = request_id_var.set(rid)
        serial = request_serial_var.set(next(_serials))
        request.request_id = rid  # type: ignore[attr-defined]
        try:
            response = self.get_response(request)
        finally:
            request_serial_var.reset(serial)
            request_id_var.reset(token)
        response[HEADER] = rid
        return response


def connect_celery(app: Any) -> None:
    """Carry the request id in task headers, and restore it in the worker."""
    from celery.signals import before_task_publish, task_postrun, task_prerun

    @before_task_publish.connect(weak=False)
    def _add_header(headers: dict[str, Any] | None = None, **_kw: Any) -> None:
        if headers is not None and "request_id" not in headers:
            headers["request_id"] = current_request_id()

    tokens: dict[str, contextvars.Token[str]] = {}

    @task_prerun.connect(weak=False)
    def _restore(task_id: str | None = None, task: Any = None, **_kw: Any) -> None:
        rid = getattr(task.request, "request_id", None) if task is not None else None
        if rid is None and task is not None:
            rid = (getattr(task.request, "headers", None) or {}).get("request_id")
        if rid is None and current_request_id() != "-":
            rid = current_request_id()  # an eager task runs inside the request it serves
        tokens[task_id or "-"] = request_id_var.set(rid or f"task-{uuid.uuid4().hex[:12]}")

    @task_postrun.connect(weak=False)
    def _clear(task_id: str | None = None, **_kw: Any) -> None:
        token = tokens.pop(task_id or "-", None)
        if token is not None:
            request_id_var.reset(token)
