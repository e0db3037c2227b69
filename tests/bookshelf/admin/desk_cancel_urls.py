"""A URLconf for the tests of the desk's "Undo a recent use" card before the desk wires it in:
the site's customer admin with `DeskCancelMixin` composed in, its URLs first, and the desk page
rendered with the card (`recent_uses_context` in its context, the partial included), exactly
as the wiring lines in the notes do in bookshelf/admin/desk.py and desk.html.

Use it with `@pytest.mark.urls("tests.bookshelf.admin.desk_cancel_urls")`. The site is a copy
of the real one with only the customer admin swapped, so the global registry is untouched.
Once the desk's admin has the mixin, this is the real URLconf (and can be deleted)."""

from __future__ import annotations

import copy
from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.template.response import TemplateResponse
from django.urls import URLPattern, URLResolver, path

from bookshelf.admin.desk_cancel import DeskCancelMixin, recent_uses_context
from config.urls import handler400, handler404, handler500  # noqa: F401
from config.urls import urlpatterns as site_urlpatterns
from customers.models import Customer

# The desk page with the card included, as desk.html will include it.
DESK_WITH_CARD = engines["django"].from_string(
    '{% extends "admin/customers/customer/desk.html" %}'
    "{% block content %}"
    '{% include "admin/customers/customer/_recent_uses.html" %}{{ block.super }}'
    "{% endblock %}"
)

DeskAdmin: Any = type(admin.site._registry[Customer])


def _not_the_admin(pattern: URLPattern | URLResolver) -> bool:
    return str(pattern.pattern) != "admin/"


if issubclass(DeskAdmin, DeskCancelMixin):
    # The desk has wired the card in: the tests run against the real site.
    urlpatterns = list(site_urlpatterns)
else:

    class WiredDeskAdmin(DeskCancelMixin, DeskAdmin):  # type: ignore[misc, valid-type]
        def get_urls(self) -> list[Any]:
            return [*self.desk_cancel_urls(), *super().get_urls()]

        def change_view(
            self,
            request: HttpRequest,
            object_id: str,
            form_url: str = "",
            extra_context: dict[str, Any] | None = None,
        ) -> HttpResponse:
            response = super().change_view(request, object_id, form_url, extra_context)
            context = getattr(response, "context_data", None) or {}
            if isinstance(response, TemplateResponse) and "desk" in context:
                context.update(recent_uses_context(request, context["customer"]))
                response.template_name = DESK_WITH_CARD  # type: ignore[assignment]
            return response

    site = copy.copy(admin.site)
    site._registry = dict(admin.site._registry)
    site._registry[Customer] = WiredDeskAdmin(Customer, site)
    urlpatterns = [path("admin/", site.urls), *filter(_not_the_admin, site_urlpatterns)]
