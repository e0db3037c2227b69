"""The desk shows the phone and resident ID number masked, even to a user who may see them:
the agent asks for a field in full ("Reveal", a POST), and only then is it shown and written
to the personal-data access log, exactly as the record page writes it. Data minimisation:
a plain look at the desk no longer puts the numbers on screen or in the log.

Hooked into the desk (`CustomerDeskAdmin`) by `reveal_urls`; the script
bookshelf/static/bookshelf/desk.js posts the form and swaps the value in place (JSON), and
without scripts the form's POST answers with a small page showing the numbers."""

from __future__ import annotations

from typing import Any

from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext

from customers.admin import pii_access_record_for_request
from customers.pii import can_view_pii

from .desk_outcome import desk_url
from .forms import RevealInput

REVEAL_FIELDS = {"phone": ["phone"], "id_number": ["id_number"], "both": ["phone", "id_number"]}


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def reveal_view(model_admin: Any, request: HttpRequest, object_id: str) -> HttpResponse:
    """Show one customer's phone and/or ID number in full to a user with the personal-data
    permission, for a customer in their scope, and write one access record for it."""
    customer = model_admin.get_object(request, unquote(object_id))
    if customer is None:
        raise Http404
    if not model_admin.has_view_or_change_permission(request, customer):
        raise PermissionDenied
    if request.method != "POST":
        return HttpResponseRedirect(desk_url(customer))
    if not can_view_pii(request.user):
        raise PermissionDenied
    form = RevealInput(request.POST)
    if not form.is_valid():
        message = gettext("Choose the phone, the ID number or both to reveal.")
        if _wants_json(request):
            return JsonResponse({"code": "invalid", "message": message}, status=400)
        return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
    fields = REVEAL_FIELDS[form.cleaned_data["field"]]
    pii_access_record_for_request(request, customer=customer, fields=fields)
    values = {name: getattr(customer, name) for name in fields}
    # Both answers carry the admin's never_cache: the numbers never sit in a cache.
    if _wants_json(request):
        return JsonResponse(values)
    return TemplateResponse(
        request,
        "admin/customers/customer/desk_reveal.html",
        {
            **model_admin.admin_site.each_context(request),
            "title": gettext("Personal data of %(no)s") % {"no": customer.customer_no},
            "opts": model_admin.opts,
            "customer": customer,
            "values": values,
            "desk_url": desk_url(customer),
        },
    )


def reveal_urls(model_admin: Any) -> list[Any]:
    wrap = model_admin.admin_site.admin_view

    def view(request: HttpRequest, object_id: str) -> HttpResponse:
        return reveal_view(model_admin, request, object_id)

    return [path("<path:object_id>/reveal/", wrap(view), name="customers_customer_reveal")]
