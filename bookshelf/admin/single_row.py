"""Settings kept in one row (customer value weights, survey settings): the list is that row's
page, since a list of one would be a click for nothing; "Save" comes back to it; the row is
never added twice nor deleted."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import Model
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse


class SingleRowAdminMixin:
    """Set `single_row` to the service that returns the row (made with its defaults when
    missing), as a staticmethod."""

    single_row: Callable[[], Model]

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        if not self.has_view_or_change_permission(request):  # type: ignore[attr-defined]
            return super().changelist_view(request, extra_context)  # type: ignore[misc]  # its own refusal
        return self.change_view(  # type: ignore[attr-defined,no-any-return]
            request, str(self.single_row().pk), extra_context=extra_context
        )

    def response_change(self, request: HttpRequest, obj: Model) -> HttpResponse:
        response = super().response_change(request, obj)  # type: ignore[misc]
        if "_continue" not in request.POST:
            meta = obj._meta
            return HttpResponseRedirect(
                reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
            )
        return response  # type: ignore[no-any-return]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
