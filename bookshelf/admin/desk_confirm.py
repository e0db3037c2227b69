"""Ask before recording a use: a use posted without `confirm` is not recorded, this page asks
first, naming the benefit, who uses it and what is left (the desk's dialog asks the same in
place, bookshelf/static/bookshelf/desk.js, and posts `confirm=1`). The page re-posts the same
one-time token, so a confirmed form still counts once."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext

from customers.models import Customer
from customers.pii import mask_name

from ..reach.selectors import customer_desk
from .desk_outcome import desk_url, entry_for_code, left_label


def _beneficiary_label(customer: Customer, desk: Any, beneficiary_no: str) -> str:
    """Who uses it, by number and masked name (no personal data on this page)."""
    if not beneficiary_no or beneficiary_no == customer.customer_no:
        return gettext("%(no)s %(name)s (the customer)") % {
            "no": customer.customer_no,
            "name": mask_name(customer.name),
        }
    for relative, _relation in desk.shelf.household.relatives:
        if relative.customer_no == beneficiary_no:
            return f"{relative.customer_no} {mask_name(relative.name)}"
    return beneficiary_no


def redeem_confirm_page(
    model_admin: Any, request: HttpRequest, customer: Customer, data: dict[str, Any]
) -> HttpResponse:
    """The confirmation step for a use the agent asked to record: nothing is written."""
    desk = customer_desk(customer=customer)
    code = data["benefit"]
    beneficiary = data["beneficiary"] or ""
    entry = entry_for_code(desk, code)
    usable = entry is not None and (entry.remaining is None or entry.remaining > 0)
    family = bool(beneficiary) and beneficiary != customer.customer_no
    context = {
        **model_admin.admin_site.each_context(request),
        "title": gettext("Record a use?"),
        "opts": model_admin.opts,
        "customer": customer,
        "entry": entry,
        "code": code,
        "usable": usable,
        "beneficiary": beneficiary,
        "beneficiary_label": _beneficiary_label(customer, desk, beneficiary),
        "left": left_label(entry, family=family),
        "token": data["token"],
        "back_url": desk_url(customer, benefit=code),
    }
    return TemplateResponse(request, "admin/customers/customer/desk_confirm.html", context)
