"""Plumbing shared by every API view: strict query parameters, bounded pagination."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request

from config.exceptions import DomainError


class BoundedPagination(PageNumberPagination):
    """`page_size` up to 200; a larger or malformed one is a 400, never a silent clamp."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not raw.isdigit() or not 1 <= int(raw) <= self.max_page_size:
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
        unknown = sorted(set(request.query_params) - self.allowed_query_params())
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
