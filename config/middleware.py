"""What no client and no broken part may cause: a stack trace or a hanging request.

- A body announced larger than DATA_UPLOAD_MAX_MEMORY_SIZE is refused before it is read
  (413 `request_too_large`) on the API; the JSON parser bounds bodies sent without a length.
- The database unreachable (`OperationalError`, `InterfaceError`): a 503 `service_unavailable`
  in the error shape on /api/, a plain 503 page elsewhere, `Retry-After` on both. Django
  drops a broken connection at the end of the request and opens a new one on the next, so
  service comes back by itself when the database does.
- Any other unexpected exception on /api/: a 500 `internal_error` in the error shape, logged
  with its traceback, nothing of it in the body.

`handler500`/`handler400` (config/urls.py) do the same for exceptions raised outside a view
(in a middleware, or while saving the session), and `handler404` answers the error shape for
an unknown /api/ URL.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

from .exceptions import DATABASE_UNAVAILABLE, internal_error_body, service_unavailable_body

log = logging.getLogger("config.errors")
API_PREFIX = "/api/"
RETRY_AFTER = "5"


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def service_unavailable(request: HttpRequest) -> HttpResponse:
    response: HttpResponse
    if is_api(request):
        response = JsonResponse(service_unavailable_body(), status=503)
    else:
        response = HttpResponse(
            _("The service is briefly unavailable. Please retry in a few seconds."),
            status=503,
            content_type="text/plain; charset=utf-8",
        )
    response["Retry-After"] = RETRY_AFTER
    return response


def request_too_large() -> HttpResponse:
    body = {
        "code": "request_too_large",
        "message": _("The request body is larger than the limit."),
        "fields": {},
    }
    return JsonResponse(body, status=413)


class ServiceGuardMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if is_api(request) and limit is not None and _announced_length(request) > limit:
            return request_too_large()
        if _has_nul(request):
            return malformed(request)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, DATABASE_UNAVAILABLE):
            log.warning("database unavailable on %s: %s", request.path, type(exception).__name__)
            return service_unavailable(request)
        if is_api(request) and not settings.DEBUG:
            log.error("unhandled error on %s", request.path, exc_info=exception)
            return JsonResponse(internal_error_body(), status=500)
        return None


def _has_nul(request: HttpRequest) -> bool:
    """NUL has no business in a URL, and PostgreSQL refuses it in text: answer 400 at once."""
    query = request.META.get("QUERY_STRING", "")
    return "\x00" in request.path or "%00" in query or "\x00" in query


def malformed(request: HttpRequest) -> HttpResponse:
    if is_api(request):
        body = {"code": "malformed_request", "message": _("Malformed request."), "fields": {}}
        return JsonResponse(body, status=400)
    return HttpResponse(
        _("Malformed request."), status=400, content_type="text/plain; charset=utf-8"
    )


def _announced_length(request: HttpRequest) -> int:
    raw = request.META.get("CONTENT_LENGTH") or "0"
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 19 else 0


def server_error(request: HttpRequest) -> HttpResponse:
    """`handler500`: called while the exception is being handled, so it can look at it."""
    exception = sys.exc_info()[1]
    if isinstance(exception, DATABASE_UNAVAILABLE):
        return service_unavailable(request)
    if is_api(request):
        return JsonResponse(internal_error_body(), status=500)
    from django.views.defaults import server_error as default

    return default(request)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """`handler400`: a SuspiciousOperation outside the API's views (too many fields...)."""
    from django.core.exceptions import RequestDataTooBig

    if is_api(request):
        if isinstance(exception, RequestDataTooBig):
            return request_too_large()
        return malformed(request)
    from django.views.defaults import bad_request as default

    return default(request, exception)


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """`handler404`: an unknown URL under /api/ answers the error shape too; any other says
    where the admin and the API docs are (with DEBUG on, Django's own page answers)."""
    if is_api(request):
        body = {"code": "not_found", "message": _("Not found."), "fields": {}}
        return JsonResponse(body, status=404)
    from .front_door import front_door

    return front_door(
        request,
        status=404,
        heading=_("Page not found"),
        lead=_("There is no page at this address. The Benefits Bookshelf is here:"),
    )
