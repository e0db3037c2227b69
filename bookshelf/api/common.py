"""Plumbing shared by every API view: strict query parameters, bounded pagination."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.utils import DatabaseError
from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response

from config.exceptions import DomainError
from config.logs import scrub
from config.replicas import replica_reads_begin, replica_reads_end, replica_reads_fall_back

from ..shelf.selectors import LIFETIME_START
from .error_codes import ERROR_CODE_CHOICES, ApiErrorCode


def _whole_number(raw: str) -> int:
    """A short ASCII whole number, or -1. (`str.isdigit` accepts "²" and "١", which `int`
    refuses or reads; `int` refuses more than 4300 digits.)"""
    if not raw.isascii() or not raw.isdigit() or len(raw) > 9:
        return -1
    return int(raw)


class BoundedPagination(PageNumberPagination):
    """`page_size` up to 200; a larger or malformed one is a 400, never a silent clamp.
    `page` is a whole number from 1 (else 400); a page past the last one is a 404."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    max_page = 1_000_000

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        documented = super().get_paginated_response_schema(schema)
        properties = documented["properties"]
        properties["count"]["description"] = "How many there are in all."
        properties["next"]["description"] = "The next page; null on the last one."
        properties["previous"]["description"] = "The previous page; null on the first one."
        return documented

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> Any:
        raw = request.query_params.get(self.page_query_param)
        if raw is not None and not 1 <= _whole_number(raw) <= self.max_page:
            raise DomainError(
                ApiErrorCode.INVALID_PAGE,
                _("page must be a whole number from 1 to %(max)s.") % {"max": self.max_page},
                field="page",
            )
        return super().paginate_queryset(queryset, request, view)

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not 1 <= _whole_number(raw) <= self.max_page_size:
            raise DomainError(
                ApiErrorCode.INVALID_PAGE_SIZE,
                _("page_size must be a whole number from 1 to %(max)s.")
                % {"max": self.max_page_size},
                field="page_size",
            )
        return int(raw)


class StrictQueryParamsMixin:
    """Unknown query parameters are a 400: a typo in a filter must not return everything."""

    extra_query_params: tuple[str, ...] = ()

    def allowed_query_params(self) -> set[str]:
        allowed = {"page", "page_size", "format", *self.extra_query_params}
        filterset_class = getattr(self, "filterset_class", None)
        if filterset_class is not None:
            allowed |= set(filterset_class.base_filters)
        return allowed

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        # A name is echoed back masked: an app may put a phone number where a name goes.
        unknown = [
            scrub(n) for n in sorted(set(request.query_params) - self.allowed_query_params())
        ]
        if unknown:
            raise DomainError(
                ApiErrorCode.UNKNOWN_PARAMETER,
                _("Unknown query parameters: %(names)s.") % {"names": ", ".join(unknown)},
                field=unknown[0],
            )


class ReplicaReadsMixin:
    """A read-only view whose reads may be slightly stale: once the caller is authenticated,
    throttled and allowed (all on the primary: a revoked token stops at once), the handler
    reads from a replica (`config.replicas`), the customer of the URL seeing their own
    writes. A replica that fails mid-read is marked down and the handler runs again on the
    primary: the caller sees no error."""

    replica_token: Any = None

    def replica_customer_no(self) -> str | None:
        return getattr(self, "kwargs", {}).get("customer_no")

    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]
        finally:  # whatever escaped, the next request on this thread starts on the primary
            self._replica_reads_end()

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        self.replica_token = replica_reads_begin(self.replica_customer_no())

    def _replica_reads_end(self) -> None:
        if self.replica_token is not None:
            replica_reads_end(self.replica_token)
            self.replica_token = None

    def handle_exception(self, exc: Exception) -> Response:
        # Any database error while on a replica (down, or behind on a migration the primary
        # already has): the handler runs again on the primary.
        if isinstance(exc, DatabaseError) and replica_reads_fall_back():
            request: Any = self.request  # type: ignore[attr-defined]
            handler = getattr(self, request.method.lower())
            try:
                return handler(request, *self.args, **self.kwargs)  # type: ignore[attr-defined]
            except Exception as again:
                exc = again
        return super().handle_exception(exc)  # type: ignore[misc]

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        self._replica_reads_end()
        return super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]


class ErrorSerializer(serializers.Serializer):
    """The one shape of every error answer."""

    code = serializers.ChoiceField(
        choices=ERROR_CODE_CHOICES,
        help_text="Machine-readable error code, e.g. quota_exhausted: one of a fixed list, "
        "which grows only with a new version of this schema.",
    )
    message = serializers.CharField(help_text="A translated, human-readable message.")
    fields = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Messages per input field, when the error is about fields.",
    )


def paginated(child: type[serializers.Serializer], name: str) -> type[serializers.Serializer]:
    """The documented shape of one page of `child` (what `BoundedPagination` answers)."""
    return type(
        name,
        (serializers.Serializer,),
        {
            "count": serializers.IntegerField(help_text="How many there are in all."),
            "next": serializers.URLField(
                allow_null=True, help_text="The next page; null on the last one."
            ),
            "previous": serializers.URLField(
                allow_null=True, help_text="The previous page; null on the first one."
            ),
            "results": child(many=True),
            "__module__": __name__,
        },
    )


def period_start_shown(start: date | None) -> str | None:
    """A period's first day as the API shows it: none for an unlimited benefit, whose uses
    all count against one lifetime bucket (its stored start is a placeholder, not a date the
    customer's period began)."""
    return None if start is None or start == LIFETIME_START else start.isoformat()


class PeriodStartField(serializers.DateField):
    """`period_start`: null for an unlimited benefit (see `period_start_shown`)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault(
            "help_text", "The period's first day; null for an unlimited benefit (no period)."
        )
        super().__init__(allow_null=True, **kwargs)

    def to_representation(self, value: Any) -> Any:
        return period_start_shown(value)
