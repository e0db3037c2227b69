"""The desk's "Undo a recent use" card: the agent who recorded a use cancels it (a mis-click)
within BOOKSHELF_SELF_CANCEL_MINUTES, saying why, through the one cancel service
(`use_cancel`, which applies the ledger's rule); after the window it takes a supervisor, in
the records admin.

Hooked into the desk's customer admin by `DeskCancelMixin` (its `desk_cancel_urls`) and
`recent_uses_context`; the card is templates/admin/customers/customer/_recent_uses.html.
A POST carries a one-time token, consumed in the same transaction as the cancel, so a
double click cancels once and says so."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.translation import gettext

from config.exceptions import DomainError
from customers.models import Customer

from ..fulfilment.services import REASON_MAX_LENGTH, use_cancel
from ..integrations.services import form_token_consume
from ..ledger.selectors import redemption_for_customer, redemptions_self_cancellable

# Who sees the card and may post it: whoever records uses at the desk, or cancels them.
DESK_CANCEL_PERMISSIONS = ("bookshelf.add_redemption", "bookshelf.change_redemption")


class CancelUseInput(forms.Form):
    """What a posted cancel carries; the service decides whether it may happen."""

    token = forms.CharField(widget=forms.HiddenInput, max_length=64)
    reason = forms.CharField(max_length=REASON_MAX_LENGTH, required=False, strip=True)


def _may_use_card(user: Any) -> bool:
    return any(user.has_perm(p) for p in DESK_CANCEL_PERMISSIONS)


def _token_ref(user: Any) -> str:
    return f"desk-cancel:{getattr(user, 'pk', '-')}"


def recent_uses_context(request: HttpRequest, customer: Customer) -> dict[str, Any]:
    """The card's context: the customer's uses this user recorded and may still cancel, with
    the minutes left (one query; none for a user who cannot record or cancel uses)."""
    if not _may_use_card(request.user):
        return {"recent_uses": []}
    return {
        "recent_uses": redemptions_self_cancellable(customer=customer, user=request.user),
        "recent_uses_token": uuid.uuid4().hex,
        "recent_uses_reason_max": REASON_MAX_LENGTH,
        "recent_uses_supervisor": request.user.has_perm("bookshelf.change_redemption"),
        "self_cancel_minutes": settings.BOOKSHELF_SELF_CANCEL_MINUTES,
    }


class DeskCancelMixin:
    """For the desk's customer admin: the URL and view that cancel a recent use."""

    # Provided by the ModelAdmin it is mixed into (annotations only: nothing is shadowed).
    admin_site: Any
    get_object: Callable[..., Any]
    # Where on the desk the agent lands after a cancel: the top by default, where the
    # outcome message is shown; set it to the desk's outcome area's id if it has one.
    desk_cancel_anchor = ""

    def desk_cancel_urls(self) -> list[Any]:
        return [
            path(
                "<path:object_id>/cancel/<int:redemption_id>/",
                self.admin_site.admin_view(self.desk_cancel_view),
                name="customers_customer_cancel_use",
            )
        ]

    def desk_cancel_view(
        self, request: HttpRequest, object_id: str, redemption_id: int
    ) -> HttpResponse:
        """Cancel one of the customer's uses (looked up under the customer, in the user's
        scope) with the reason given, if the cancel service lets this user."""
        customer = self.get_object(request, unquote(object_id))
        if customer is None:
            raise Http404
        back = reverse("admin:customers_customer_change", args=[customer.pk])
        if self.desk_cancel_anchor:
            back += f"#{self.desk_cancel_anchor}"
        if request.method != "POST":
            return HttpResponseRedirect(back)
        if not _may_use_card(request.user):
            raise PermissionDenied
        form = CancelUseInput(request.POST)
        if not form.is_valid():
            messages.error(
                request,
                gettext("Say why the use is cancelled, in at most %(n)d characters.")
                % {"n": REASON_MAX_LENGTH},
            )
            return HttpResponseRedirect(back)
        try:
            with transaction.atomic():
                redemption = redemption_for_customer(customer=customer, redemption_id=redemption_id)
                if not form_token_consume(
                    client_ref=_token_ref(request.user), token=form.cleaned_data["token"]
                ):
                    messages.warning(
                        request, gettext("This form was already sent: nothing was cancelled.")
                    )
                    return HttpResponseRedirect(back)
                redemption = use_cancel(
                    redemption=redemption, by=request.user, reason=form.cleaned_data["reason"]
                )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                gettext("Cancelled the use of %(benefit)s (%(code)s): it is given back.")
                % {"benefit": redemption.benefit.display_name, "code": redemption.benefit_code},
            )
        return HttpResponseRedirect(back)
