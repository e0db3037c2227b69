"""Plumbing shared by every API view: strict query parameters, bounded pagination."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request

from config.exceptions import DomainError
from config.logs import scrub


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

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> Any:
        raw = request.query_params.get(self.page_query_param)
        if raw is not None and not 1 <= _whole_number(raw) <= self.max_page:
            raise DomainError(
                "invalid_page",
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
                "invalid_page_size",
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
                "unknown_parameter",
                _("Unknown query parameters: %(names)s.") % {"names": ", ".join(unknown)},
                field=unknown[0],
            )


class ErrorSerializer(serializers.Serializer):
    """The one shape of every error answer."""

    code = serializers.CharField(help_text="Machine-readable error code, e.g. quota_exhausted.")
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
            "count": serializers.IntegerField(),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": child(many=True),
            "__module__": __name__,
        },
    )
