"""The desk's "Open requests" card: each of the customer's uses still held for a supplier
(as holder or beneficiary), where it stands in words, its appointment and supplier, its
deadline and whether it is overdue (its open operations cases), and two actions: cancel it
with a reason (`use_cancel`) and, for a booked one, give it a new time and place
(`fulfilment_rebook`). The rules (open only; not within BOOKSHELF_REBOOK_CUTOFF_HOURS of
the appointment, supervisors exempt; a new time far enough ahead and within the service
level) are the fulfilment's (`bookshelf.fulfilment.rebooking`); the card only hides the
actions the rule would refuse, from the rows already loaded.

A POST is looked up under the customer in the user's scope, asks first (the desk's dialog,
or a page without scripts: nothing changes without `confirm`), and carries the page's
one-time token, consumed in the same transaction as the change: a double submit counts
once. The outcome is drawn in the card (`#outcome`)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import formats, timezone
from django.utils.translation import gettext

from benefits.models import FulfilmentKind
from config.exceptions import Conflict, DomainError
from customers.models import Customer

from ..fulfilment.error_codes import FulfilmentErrorCode
from ..fulfilment.models import Fulfilment, FulfilmentState, OperationsCase
from ..fulfilment.services import (
    REASON_MAX_LENGTH,
    change_window,
    cutoff_hours,
    fulfilment_rebook,
    use_cancel,
)
from ..integrations.services import form_token_consume
from ..ledger.selectors import redemption_for_customer
from ..reach.selectors import CustomerDesk
from .desk_outcome import OUTCOME_ANCHOR, SPOT_REQUESTS, desk_url, outcome_tags

CHANGE_PERMISSIONS = ("bookshelf.add_redemption", "bookshelf.change_redemption")
ACTIONS = ("cancel", "rebook")
CARD_ANCHOR = "open-requests"


def _may_change(user: Any) -> bool:
    return any(user.has_perm(p) for p in CHANGE_PERMISSIONS)


def _token_ref(user: Any) -> str:
    return f"desk-request:{getattr(user, 'pk', '-')}"


class CancelRequestInput(forms.Form):
    token = forms.CharField(max_length=64)
    reason = forms.CharField(max_length=REASON_MAX_LENGTH, required=False, strip=True)
    confirm = forms.BooleanField(required=False)


class RebookInput(forms.Form):
    token = forms.CharField(max_length=64)
    # The agent's local time (the admin's time zone), as a datetime-local field sends it.
    appointment_at = forms.DateTimeField(input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
    place = forms.CharField(max_length=200, required=False, strip=True)
    confirm = forms.BooleanField(required=False)


@dataclass(frozen=True)
class RequestRow:
    """One open request as the card shows it."""

    fulfilment: Fulfilment
    state_text: str
    used_by: str  # the beneficiary's number when it is not this customer
    deadline: datetime | None
    cases: list[OperationsCase]
    overdue: bool
    can_cancel: bool
    can_rebook: bool
    locked: bool  # past the cutoff: the actions are gone and the card says why


def _state_text(f: Fulfilment) -> str:
    if f.state == FulfilmentState.BOOKED and f.appointment_at:
        when = formats.date_format(timezone.localtime(f.appointment_at), "SHORT_DATETIME_FORMAT")
        return gettext("Booked for %(when)s") % {"when": when}
    if f.state == FulfilmentState.ISSUED:
        return gettext("Code issued: the customer uses it with the supplier")
    if f.kind == FulfilmentKind.BOOKED:
        return gettext("Requested: waiting for the supplier to confirm a time")
    return gettext("Requested: waiting for the supplier to issue it")


def _deadline(f: Fulfilment) -> datetime | None:
    if f.state == FulfilmentState.REQUESTED:
        return f.confirm_due_at or f.deliver_due_at
    if f.state == FulfilmentState.BOOKED:
        return f.deliver_due_at
    return None


def request_rows(desk: CustomerDesk, user: Any, now: datetime) -> list[RequestRow]:
    """The card's rows, from the requests and cases the desk already loaded: no query."""
    numbers = {rel.pk: rel.customer_no for rel, _r in desk.shelf.household.relatives}
    may = _may_change(user)
    rows = []
    for f in desk.open_requests:
        cases = desk.open_cases.get(f.pk, [])
        deadline = _deadline(f)
        allows = change_window(f, by=user).allows(now)
        rows.append(
            RequestRow(
                fulfilment=f,
                state_text=_state_text(f),
                used_by=""
                if f.beneficiary_id == desk.customer.pk
                else numbers.get(f.beneficiary_id, ""),
                deadline=deadline,
                cases=cases,
                overdue=bool(cases) or (deadline is not None and deadline < now),
                can_cancel=may and allows,
                can_rebook=may and allows and f.state == FulfilmentState.BOOKED,
                locked=may and not allows,
            )
        )
    return rows


def requests_card_context(request: HttpRequest, desk: CustomerDesk) -> dict[str, Any]:
    """The card's context, and the outcome spot it offers (where a cancel's or a
    rebooking's outcome is drawn)."""
    user = request.user
    may = _may_change(user)
    return {
        "open_requests": request_rows(desk, user, timezone.now()),
        "requests_token": uuid.uuid4().hex,
        "requests_reason_max": REASON_MAX_LENGTH,
        "requests_cutoff_hours": cutoff_hours(),
        "requests_can_change": may,
        "requests_spots": {SPOT_REQUESTS} if may else set(),
    }


class _AlreadySent(Exception):
    pass


class DeskRequestsMixin:
    """For the desk's customer admin: the URL and view that cancel or rebook a request."""

    admin_site: Any
    opts: Any
    get_object: Callable[..., Any]

    def desk_request_urls(self) -> list[Any]:
        return [
            path(
                "<path:object_id>/request/<int:redemption_id>/<str:action>/",
                self.admin_site.admin_view(self.desk_request_view),
                name="customers_customer_request",
            )
        ]

    def desk_request_view(
        self, request: HttpRequest, object_id: str, redemption_id: int, action: str
    ) -> HttpResponse:
        """Cancel or rebook one of the customer's open requests, once confirmed."""
        customer = self.get_object(request, unquote(object_id))
        if customer is None:
            raise Http404
        back = desk_url(customer, anchor=OUTCOME_ANCHOR)
        if request.method != "POST" or action not in ACTIONS:
            return HttpResponseRedirect(desk_url(customer, anchor=CARD_ANCHOR))
        if not _may_change(request.user):
            raise PermissionDenied
        form = (CancelRequestInput if action == "cancel" else RebookInput)(request.POST)
        tags = outcome_tags(SPOT_REQUESTS, "", redemption_id)
        if not form.is_valid():
            text = (
                gettext("Say why the request is cancelled.")
                if action == "cancel"
                else gettext("Give the new appointment's date and time.")
            )
            messages.error(request, text, extra_tags=tags)
            return HttpResponseRedirect(back)
        data = form.cleaned_data
        try:  # the customer's own use (as holder or beneficiary), or nothing
            redemption = redemption_for_customer(customer=customer, redemption_id=redemption_id)
        except DomainError:
            raise Http404 from None
        if not data["confirm"]:
            return self._request_confirm_page(request, customer, redemption, action, data)
        try:
            text = self._request_change(request, customer, redemption_id, action, data)
        except _AlreadySent:
            text = gettext("This form was already sent: nothing was changed.")
            messages.warning(request, text, extra_tags=tags)
        except DomainError as exc:
            messages.error(request, exc.message, extra_tags=tags)
        else:
            messages.success(request, text, extra_tags=tags)
        return HttpResponseRedirect(back)

    def _request_change(
        self,
        request: HttpRequest,
        customer: Customer,
        redemption_id: int,
        action: str,
        data: dict[str, Any],
    ) -> str:
        """The change itself, in one transaction with the token's consumption."""
        with transaction.atomic():
            if not form_token_consume(client_ref=_token_ref(request.user), token=data["token"]):
                raise _AlreadySent
            redemption = redemption_for_customer(customer=customer, redemption_id=redemption_id)
            values = {"benefit": redemption.benefit.display_name, "code": redemption.benefit_code}
            if action == "cancel":
                use_cancel(redemption=redemption, by=request.user, reason=data["reason"])
                return (
                    gettext(
                        "Cancelled the request for %(benefit)s (%(code)s): the use is given back."
                    )
                    % values
                )
            try:
                fulfilment_id = redemption.fulfilment.pk
            except ObjectDoesNotExist:
                raise Conflict(
                    FulfilmentErrorCode.NOT_BOOKED, gettext("This use has no booking to move.")
                ) from None
            result = fulfilment_rebook(
                fulfilment_id=fulfilment_id,
                appointment_at=data["appointment_at"],
                place=data["place"],
                by=request.user,
            )
        when = timezone.localtime(result.fulfilment.appointment_at)
        return gettext("Rebooked %(benefit)s (%(code)s) for %(when)s, %(place)s.") % {
            **values,
            "when": formats.date_format(when, "SHORT_DATETIME_FORMAT"),
            "place": result.fulfilment.place or "-",
        }

    def _request_confirm_page(
        self,
        request: HttpRequest,
        customer: Customer,
        redemption: Any,
        action: str,
        data: dict[str, Any],
    ) -> HttpResponse:
        """Without scripts: ask on a page (the same one-time token, posted with confirm)."""
        when = data.get("appointment_at")
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Cancel this request?")
            if action == "cancel"
            else gettext("Move this appointment?"),
            "opts": self.opts,
            "customer": customer,
            "redemption": redemption,
            "action": action,
            "data": data,
            "appointment_value": timezone.localtime(when).strftime("%Y-%m-%dT%H:%M")
            if when
            else "",
            "back_url": desk_url(customer, anchor=CARD_ANCHOR),
        }
        return TemplateResponse(
            request, "admin/customers/customer/desk_request_confirm.html", context
        )
