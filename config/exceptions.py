"""One error type for the domain, and the one JSON shape the API answers errors with.

Services raise `DomainError` subclasses carrying a machine-readable code (an enum member from
the app's `error_codes.py`) and a translated message. The DRF exception handler turns those,
validation errors and everything DRF raises into `{"code", "message", "fields"}` and rolls the
transaction back.
"""

from __future__ import annotations

import enum
import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from rest_framework import exceptions, status
from rest_framework.response import Response

from .logs import scrub


class DomainError(Exception):
    """A business rule said no. `status` is the HTTP status the API answers with."""

    status: int = status.HTTP_400_BAD_REQUEST

    def __init__(
        self,
        code: enum.Enum | str,
        message: str,
        *,
        field: str | None = None,
        status_code: int | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code.value if isinstance(code, enum.Enum) else code
        self.message = message
        self.field = field
        # More keys of the answer, e.g. the current `state` of a refused transition.
        self.extra = dict(extra or {})
        if status_code is not None:
            self.status = status_code

    def as_dict(self) -> dict[str, Any]:
        fields = {self.field: [self.message]} if self.field else {}
        return {**self.extra, "code": self.code, "message": self.message, "fields": fields}


class NotFound(DomainError):
    status = status.HTTP_404_NOT_FOUND


class NotAllowed(DomainError):
    """The caller may not do this (ineligible, wrong role)."""

    status = status.HTTP_403_FORBIDDEN


class Conflict(DomainError):
    """The state of the shelf forbids it now (no quota left, already cancelled)."""

    status = status.HTTP_409_CONFLICT


class Unprocessable(DomainError):
    status = status.HTTP_422_UNPROCESSABLE_ENTITY


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = _lazy("The request body is larger than the limit.")
    default_code = "request_too_large"


# The database is unreachable or dropped the connection (or asked for a retry: deadlock,
# statement timeout). The request did nothing; the client may retry.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
log = logging.getLogger("config.errors")


def service_unavailable_body() -> dict[str, Any]:
    return {
        "code": "service_unavailable",
        "message": _("The service is briefly unavailable. Please retry."),
        "fields": {},
    }


def internal_error_body() -> dict[str, Any]:
    return {
        "code": "internal_error",
        "message": _("Something went wrong on our side. It has been logged."),
        "fields": {},
    }


def _flatten(detail: Any) -> dict[str, list[str]]:
    if isinstance(detail, dict):
        out: dict[str, list[str]] = {}
        for key, value in detail.items():
            if isinstance(value, dict):
                for sub, msgs in _flatten(value).items():
                    out[f"{key}.{sub}"] = msgs
            elif isinstance(value, list):
                out[str(key)] = [str(v) for v in value]
            else:
                out[str(key)] = [str(value)]
        return out
    if isinstance(detail, list):
        return {"non_field_errors": [str(v) for v in detail]}
    return {"non_field_errors": [str(detail)]}


_DRF_CODES = {
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.AuthenticationFailed: "authentication_failed",
    exceptions.PermissionDenied: "permission_denied",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "throttled",
    exceptions.ParseError: "malformed_request",
    RequestTooLarge: "request_too_large",
}


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Answer every error in one shape, and never leave a half-done transaction behind."""
    from rest_framework.views import set_rollback  # DRF's views import this module's users

    headers: dict[str, str] = {}
    if isinstance(exc, DomainError):
        body, code = exc.as_dict(), exc.status
    elif isinstance(exc, DjangoValidationError):
        fields = (
            {k: [str(m) for m in v] for k, v in exc.message_dict.items()}
            if hasattr(exc, "error_dict")
            else {"non_field_errors": [str(m) for m in exc.messages]}
        )
        body = {"code": "invalid", "message": _("The request is not valid."), "fields": fields}
        code = status.HTTP_400_BAD_REQUEST
    elif isinstance(exc, exceptions.ValidationError):
        body = {
            "code": "invalid",
            "message": _("The request is not valid."),
            "fields": _flatten(exc.detail),
        }
        code = status.HTTP_400_BAD_REQUEST
    elif isinstance(exc, Http404):
        body = {"code": "not_found", "message": _("Not found."), "fields": {}}
        code = status.HTTP_404_NOT_FOUND
    elif isinstance(exc, DjangoPermissionDenied):
        body = {"code": "permission_denied", "message": _("Permission denied."), "fields": {}}
        code = status.HTTP_403_FORBIDDEN
    elif isinstance(exc, exceptions.APIException):
        name = next((v for k, v in _DRF_CODES.items() if isinstance(exc, k)), "error")
        detail = exc.detail
        message = str(detail) if not isinstance(detail, dict | list) else str(exc.default_detail)
        body = {"code": name, "message": message, "fields": {}}
        code = exc.status_code
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header  # type: ignore[attr-defined]
        if getattr(exc, "wait", None) is not None:
            headers["Retry-After"] = str(int(exc.wait))  # type: ignore[attr-defined]
    elif isinstance(exc, RequestDataTooBig):
        body = {
            "code": "request_too_large",
            "message": str(RequestTooLarge.default_detail),
            "fields": {},
        }
        code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    elif isinstance(exc, SuspiciousOperation):  # too many fields, a bad host...
        body = {"code": "malformed_request", "message": _("Malformed request."), "fields": {}}
        code = status.HTTP_400_BAD_REQUEST
    elif isinstance(exc, DATABASE_UNAVAILABLE):
        log.warning("database unavailable: %s", type(exc).__name__)
        body, code = service_unavailable_body(), status.HTTP_503_SERVICE_UNAVAILABLE
        headers["Retry-After"] = "5"
    elif settings.DEBUG:
        return None  # in development, Django's debug page shows the bug
    else:
        # The last resort: a bug. Logged with its traceback; the client sees the error shape
        # and nothing of the internals.
        log.error("unhandled error in %s", _view_name(context), exc_info=exc)
        body, code = internal_error_body(), status.HTTP_500_INTERNAL_SERVER_ERROR
    set_rollback()
    return Response(_without_personal_numbers(body), status=code, headers=headers)


def _without_personal_numbers(body: dict[str, Any]) -> dict[str, Any]:
    """An error may quote what the caller sent ("No benefit with code ...", an unknown
    parameter's name): phone and ID numbers are masked in its message, its field names and
    its field messages, with the logs' scrubber, so no error body ever carries one."""
    return {
        **body,
        "message": scrub(str(body["message"])),
        "fields": {scrub(str(k)): [scrub(str(m)) for m in v] for k, v in body["fields"].items()},
    }


def _view_name(context: dict[str, Any]) -> str:
    view = context.get("view")
    return type(view).__name__ if view is not None else "?"
