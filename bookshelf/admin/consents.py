"""The desk's Consents card (PIPL): each purpose's state, and the agent records a consent the
customer gives or withdraws (POST, with the desk's one-time token, through the service).

Hooked into the desk (`CustomerDeskAdmin`) by `consent_urls` and `consent_card`; the card is
templates/admin/customers/customer/_consents.html."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from config.exceptions import DomainError
from customers.models import ConsentChannel, ConsentPurpose, ConsentText, Customer
from customers.selectors import ConsentSet, ConsentState, consent_texts_current
from customers.services import CONSENT_CHANNELS_FOR_STAFF, consent_record

from ..integrations.services import form_token_consume
from ..reach.models import PushChannel
from ..reach.services import PUSH_CONSENT

CONSENT_PERM = "customers.add_consent"


class ConsentInput(forms.Form):
    """What a posted consent carries; the service checks the rest."""

    token = forms.CharField(widget=forms.HiddenInput, max_length=64)
    purpose = forms.ChoiceField(choices=ConsentPurpose.choices)
    granted = forms.TypedChoiceField(
        choices=[("1", _("Give")), ("0", _("Withdraw"))], coerce=lambda v: v == "1"
    )
    channel = forms.ChoiceField(
        label=_("How the customer said so"),
        choices=[(c, ConsentChannel(c).label) for c in CONSENT_CHANNELS_FOR_STAFF],
    )
    text_version = forms.CharField(max_length=40, required=False)


@dataclass(frozen=True)
class ConsentRow:
    """One purpose on the card: its state, the push channel it opens, the texts to give on."""

    state: ConsentState
    push_channel: str
    texts: list[ConsentText]

    @property
    def push_channel_label(self) -> str:
        return str(PushChannel(self.push_channel).label) if self.push_channel else ""


def consent_card(request: HttpRequest, consents: ConsentSet | None) -> dict[str, Any]:
    """The card's context: the customer's consents (already loaded with the
    recommendations: no query of their own) and, for who may record one, the form's
    choices (one query for the current texts)."""
    if consents is None or not request.user.has_perm("customers.view_consent"):
        return {"consent_card": None}
    can_record = request.user.has_perm(CONSENT_PERM)
    texts = consent_texts_current() if can_record else {}
    channel_of = {purpose: channel for channel, purpose in PUSH_CONSENT.items()}
    rows = [
        ConsentRow(
            state=s, push_channel=channel_of.get(s.purpose, ""), texts=texts.get(s.purpose, [])
        )
        for s in consents
    ]
    return {
        "consent_card": rows,
        "consent_can_record": can_record,
        "consent_channels": ConsentInput.base_fields["channel"].choices,  # type: ignore[attr-defined]
    }


def _desk_url(customer: Customer) -> str:
    return reverse("admin:customers_customer_change", args=[customer.pk]) + "#consents"


def consent_view(model_admin: Any, request: HttpRequest, object_id: str) -> HttpResponse:
    """Record a consent given or withdrawn at the desk, for a customer in the user's scope."""
    customer = model_admin.get_object(request, unquote(object_id))
    if customer is None:
        raise Http404
    if request.method != "POST":
        return HttpResponseRedirect(_desk_url(customer))
    if not request.user.has_perm(CONSENT_PERM):
        raise PermissionDenied
    form = ConsentInput(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("Choose a purpose and how the customer said so."))
        return HttpResponseRedirect(_desk_url(customer))
    data = form.cleaned_data
    try:
        with transaction.atomic():
            if not form_token_consume(client_ref=f"desk:{request.user.pk}", token=data["token"]):
                messages.warning(
                    request, gettext("This form was already sent: nothing was recorded.")
                )
                return HttpResponseRedirect(_desk_url(customer))
            _record, created = consent_record(
                customer=customer,
                purpose=data["purpose"],
                granted=data["granted"],
                channel=data["channel"],
                text_version=data["text_version"],
                recorded_by=request.user,
            )
    except DomainError as exc:
        messages.error(request, exc.message)
        return HttpResponseRedirect(_desk_url(customer))
    label = ConsentPurpose(data["purpose"]).label
    if not created:
        messages.info(request, gettext("Nothing changed: %(purpose)s.") % {"purpose": label})
    elif data["granted"]:
        messages.success(request, gettext("Consent given: %(purpose)s.") % {"purpose": label})
    else:
        messages.success(request, gettext("Consent withdrawn: %(purpose)s.") % {"purpose": label})
    return HttpResponseRedirect(_desk_url(customer))


def consent_urls(model_admin: Any) -> list[Any]:
    wrap = model_admin.admin_site.admin_view

    def view(request: HttpRequest, object_id: str) -> HttpResponse:
        return consent_view(model_admin, request, object_id)

    return [path("<path:object_id>/consent/", wrap(view), name="customers_customer_consent")]
