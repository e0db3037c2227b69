"""The agent's desk: the customer page shows the customer's bookshelf at a glance and lets the
agent record a use or push a benefit (`CustomerDeskAdmin`, which extends the customers app's
admin: only the bookshelf knows both customers and their shelf). Thin: every action calls
one service; the one-time form token is consumed in the same transaction as the work."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext

from config.exceptions import DomainError
from customers.admin import (
    CustomerAdmin,
    pii_access_record_for_request,
    pii_access_records_for_request,
)
from customers.models import Customer
from customers.pii import can_view_pii, mask_name
from customers.selectors import customers_visible_to

from ..fulfilment.services import use_request
from ..integrations.services import form_token_consume
from ..ledger.models import Channel, Source
from ..money.selectors import budgets_exhausted
from ..reach.models import PushChannel
from ..reach.selectors import (
    CustomerDesk,
    customer_desk,
    open_suggestions_by_customer,
    recommendations_for_customer,
)
from ..reach.services import (
    push_create,
    suggestion_accept,
    suggestion_dismiss,
)
from ..review.selectors import demand_asked_held
from .consents import consent_card, consent_urls
from .desk_cancel import DeskCancelMixin, recent_uses_context
from .desk_confirm import redeem_confirm_page
from .desk_outcome import (
    OUTCOME_ANCHOR,
    SPOT_PUSH,
    SPOT_RECORD,
    SPOT_SUGGESTED,
    code_once_keep,
    code_once_show,
    desk_url,
    left_label,
    outcome_context,
    outcome_from_messages,
    outcome_tags,
    use_outcome_text,
)
from .desk_requests import DeskRequestsMixin, requests_card_context
from .desk_reveal import reveal_urls
from .forms import PushForm, PushInput, RedeemForm, RedeemInput

# A shelf with more rows than this opens with its categories collapsed (their counts show);
# a smaller one fits the screen open.
DESK_OPEN_ROWS = 15


@dataclass(frozen=True)
class DeskRelative:
    """A relative on the desk's family card: the name as this user may see it, and whether
    their own desk is this user's to open."""

    customer: Customer
    relation: str
    name: str
    linked: bool


def budget_gone_codes(desk: CustomerDesk) -> set[str]:
    """The benefits on the desk whose budget is used up this period (one query): shown as
    "Budget used up" and not offered in the use form. A purchase is never refused, so it is
    not counted."""
    budgeted = {e.benefit_id: e.code for e in desk.shelf.entries if e.source != Source.PURCHASE}
    states = budgets_exhausted(benefit_ids=list(budgeted), on=desk.shelf.today, codes=budgeted)
    return {budgeted[pk] for pk in states}


def _without(form: RedeemForm, desk: CustomerDesk, gone: set[str]) -> RedeemForm:
    """The use form without the benefits whose budget is gone, unless the customer bought
    some (a use the budget refuses is paid with the purchase); an option group left empty
    goes too."""
    bought = {e.code for e in desk.usable_entries if e.source == Source.PURCHASE}
    blocked = {e.code for e in desk.usable_entries if e.code in gone} - bought
    if blocked:
        field = form._choice("benefit")
        groups = cast("list[tuple[str, list[tuple[str, str]]]]", field.choices)
        field.choices = [
            (label, kept)
            for label, options in groups
            if (kept := [(c, text) for c, text in options if c not in blocked])
        ]
    return form


class _AlreadySent(Exception):
    """The desk form's one-time token came back: this submission was already handled."""


def _once[T](user: Any, token: str, work: Callable[[], T]) -> T:
    """Run a desk form's work in one transaction with the consumption of its one-time token,
    as the API does with an Idempotency-Key: a double click or a back button counts once,
    and work that fails gives the token back with everything else."""
    with transaction.atomic():
        if not form_token_consume(client_ref=f"desk:{getattr(user, 'pk', '-')}", token=token):
            raise _AlreadySent
        return work()


admin.site.unregister(Customer)


@admin.register(Customer)
class CustomerDeskAdmin(DeskRequestsMixin, DeskCancelMixin, CustomerAdmin):
    """The customer page is the desk; the record's own form moves to `<id>/edit/`."""

    desk_template = "admin/customers/customer/desk.html"

    def get_urls(self) -> list[Any]:
        wrap = self.admin_site.admin_view
        return [
            path("<path:object_id>/edit/", wrap(self.edit_view), name="customers_customer_edit"),
            path(
                "<path:object_id>/redeem/",
                wrap(self.redeem_view),
                name="customers_customer_redeem",
            ),
            path("<path:object_id>/push/", wrap(self.push_view), name="customers_customer_push"),
            path(
                "<path:object_id>/suggestion/<int:suggestion_id>/<str:action>/",
                wrap(self.suggestion_view),
                name="customers_customer_suggestion",
            ),
            *self.desk_cancel_urls(),
            *self.desk_request_urls(),
            *consent_urls(self),
            *reveal_urls(self),
            *super().get_urls(),
        ]

    def edit_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """The stock change form (the customer's record), for whoever may see it."""
        self.get_object(request, unquote(object_id))  # 404 outside the user's customers
        return super().change_view(request, object_id)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        customer = self.get_object(request, unquote(object_id))
        if not self.has_view_or_change_permission(request, customer):
            raise PermissionDenied
        if request.method == "POST":
            return super().change_view(request, object_id, form_url, extra_context)
        desk = customer_desk(customer=customer)
        context = {
            **self.admin_site.each_context(request),
            **self._desk_context(request, desk),
        }
        return TemplateResponse(request, self.desk_template, context)

    def _desk_context(self, request: HttpRequest, desk: CustomerDesk) -> dict[str, Any]:
        """What the desk page shows. Phone and ID number stay masked here (the agent reveals
        them on request, `desk_reveal`); the name is shown to who may see personal data, so
        each such view writes the name, and only the name, to the access log."""
        customer = desk.customer
        user = request.user
        pii = can_view_pii(user)
        token = uuid.uuid4().hex
        can_redeem = user.has_perm("bookshelf.add_redemption")
        can_push = user.has_perm("bookshelf.add_push")
        usable = bool(desk.usable_entries)
        if pii:
            pii_access_record_for_request(request, customer=customer, fields=["name"])
        recommendations = recommendations_for_customer(customer=customer, limit=5, value=desk.value)
        suggestions = open_suggestions_by_customer(customer_ids=[customer.pk]).get(customer.pk, [])
        family, unmasked = self._family(request, desk)
        chosen = desk.default_code(
            clicked=request.GET.get("benefit", ""),
            suggested=[s.benefit.code for s in suggestions],
            recommended=[r.code for r in recommendations.recommendations],
        )
        cards = {SPOT_SUGGESTED}
        cards |= {SPOT_RECORD} if can_redeem and usable else set()
        cards |= {SPOT_PUSH} if can_push and usable else set()
        requests_card = requests_card_context(request, desk)
        cards |= requests_card["requests_spots"]
        top_messages, outcome = outcome_from_messages(
            messages.get_messages(request), desk=desk, cards=cards
        )
        code_once_show(request, outcome)
        name = customer.name if pii else mask_name(customer.name)
        initial = {"token": token, "benefit": chosen}
        gone = budget_gone_codes(desk)
        return {
            "title": f"{customer.customer_no} {name}",
            "subtitle": None,
            "opts": self.opts,
            "original": customer,
            "customer": customer,
            "desk": desk,
            "pii": pii,
            "token": token,
            "can_redeem": can_redeem and usable,
            "can_redeem_perm": can_redeem,
            "can_push": can_push and usable,
            "can_edit": self.has_change_permission(request, customer),
            "redeem_form": _without(
                RedeemForm(desk=desk, unmasked=unmasked, initial=initial), desk, gone
            ),
            "budget_gone": gone,
            "family": family,
            "push_form": PushForm(desk=desk, initial=initial),
            "has_view_permission": True,
            "recommendations": recommendations,
            **consent_card(request, recommendations.consents),
            "suggestions": suggestions,
            # One query: what the customer asked for that their tier already holds.
            "asked_held": demand_asked_held(customer=customer, now=timezone.now()),
            **recent_uses_context(request, customer),
            **requests_card,
            "top_messages": top_messages,
            **outcome_context(outcome, desk),
            "collapse_groups": len(desk.shelf.entries) > DESK_OPEN_ROWS,
            "left_labels": {
                e.code: {"self": left_label(e), "family": left_label(e, family=True)}
                for e in desk.usable_entries
            },
        }

    def _family(self, request: HttpRequest, desk: Any) -> tuple[list[DeskRelative], set[int]]:
        """The customer's relatives as the desk shows them: unmasked only to a user with the
        personal-data permission who may see that relative (an agent's own customer, a
        supervisor's team's), and each one shown unmasked is written to the access log."""
        relatives = desk.shelf.household.relatives
        visible: set[int] = set()
        if relatives:
            visible = set(
                customers_visible_to(request.user)
                .filter(pk__in=[rel.pk for rel, _relation in relatives])
                .values_list("pk", flat=True)
            )
        unmasked = visible if can_view_pii(request.user) else set()
        shown = [rel for rel, _relation in relatives if rel.pk in unmasked]
        pii_access_records_for_request(request, customers=shown, fields=["name"])
        family = [
            DeskRelative(
                customer=rel,
                relation=relation,
                name=rel.name if rel.pk in unmasked else mask_name(rel.name),
                linked=rel.pk in visible,
            )
            for rel, relation in relatives
        ]
        return family, unmasked

    def suggestion_view(
        self, request: HttpRequest, object_id: str, suggestion_id: int, action: str
    ) -> HttpResponse:
        """Act on a suggestion: push its benefit (app message) or dismiss it."""
        customer = self.get_object(request, unquote(object_id))
        if request.method != "POST" or action not in {"accept", "dismiss"}:
            return HttpResponseRedirect(desk_url(customer))
        if not request.user.has_perm("bookshelf.add_push"):
            raise PermissionDenied
        suggestion = customer.suggestions.filter(pk=suggestion_id).select_related("benefit").first()
        tags = outcome_tags("suggested", suggestion.benefit.code if suggestion else "")
        if suggestion is None:
            messages.error(
                request, gettext("This suggestion is not for this customer."), extra_tags=tags
            )
            return HttpResponseRedirect(desk_url(customer, anchor=OUTCOME_ANCHOR))
        try:
            if action == "accept":
                suggestion_accept(
                    suggestion=suggestion,
                    channel=request.POST.get("channel") or PushChannel.APP_MESSAGE,
                    by=request.user,
                )
                text = gettext("Pushed %(benefit)s.") % {"benefit": suggestion.benefit.display_name}
                messages.success(request, text, extra_tags=tags)
            else:
                suggestion_dismiss(suggestion=suggestion)
                messages.info(request, gettext("Suggestion dismissed."), extra_tags=tags)
        except DomainError as exc:
            messages.error(request, exc.message, extra_tags=tags)
        return HttpResponseRedirect(desk_url(customer, anchor=OUTCOME_ANCHOR))

    def _desk_form(
        self,
        request: HttpRequest,
        object_id: str,
        *,
        perm: str,
        form_class: Any,
        kind: str,
        invalid: str,
    ) -> tuple[Customer, Any, HttpResponse | None]:
        """The shared steps of a desk form: the customer in the user's scope, a POST, the
        permission, a valid form. Returns (customer, form, early response)."""
        customer = self.get_object(request, unquote(object_id))
        if customer is None:
            raise Http404
        if request.method != "POST":
            return customer, None, HttpResponseRedirect(desk_url(customer))
        if not request.user.has_perm(perm):
            raise PermissionDenied
        form = form_class(request.POST)
        if not form.is_valid():
            code = str(request.POST.get("benefit", ""))[:40]
            messages.error(request, invalid, extra_tags=outcome_tags(kind, code))
            return customer, None, HttpResponseRedirect(desk_url(customer, anchor=OUTCOME_ANCHOR))
        return customer, form, None

    def redeem_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Record one use on the customer's behalf (channel: agent), through the service,
        once the agent has confirmed it: a use posted without `confirm` is not recorded,
        the confirmation page is shown (the desk's dialog confirms without it)."""
        customer, data, done = self._desk_form(
            request,
            object_id,
            perm="bookshelf.add_redemption",
            form_class=RedeemInput,
            kind="use",
            invalid=gettext("Choose a benefit to record a use of."),
        )
        if done is not None:
            return done
        form = data
        code = form.cleaned_data["benefit"]
        beneficiary = form.cleaned_data["beneficiary"]
        if not form.cleaned_data["confirm"]:
            return redeem_confirm_page(self, request, customer, form.cleaned_data)
        tags = outcome_tags("use", code)
        try:
            result = _once(
                request.user,
                form.cleaned_data["token"],
                lambda: use_request(
                    customer=customer,
                    benefit_code=code,
                    channel=Channel.AGENT,
                    beneficiary_no=beneficiary or None,
                    recorded_by=request.user,
                ),
            )
        except _AlreadySent:
            text = gettext("This form was already sent: nothing was recorded.")
            messages.warning(request, text, extra_tags=tags)
        except DomainError as exc:
            messages.error(request, exc.message, extra_tags=tags)
        else:
            # A code is shown on the next page only: kept server side, never in the message.
            code_once_keep(request, result)
            tags = outcome_tags("use", code, result.redemption.pk)
            messages.success(request, use_outcome_text(result), extra_tags=tags)
        return HttpResponseRedirect(desk_url(customer, benefit=code, anchor=OUTCOME_ANCHOR))

    def push_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Push a benefit the customer can use; it is delivered after the commit."""
        customer, data, done = self._desk_form(
            request,
            object_id,
            perm="bookshelf.add_push",
            form_class=PushInput,
            kind="push",
            invalid=gettext("Choose a benefit and a channel to push."),
        )
        if done is not None:
            return done
        form = data
        code = form.cleaned_data["benefit"]
        tags = outcome_tags("push", code)
        try:
            push = _once(
                request.user,
                form.cleaned_data["token"],
                lambda: push_create(
                    customer=customer,
                    benefit_code=code,
                    channel=form.cleaned_data["channel"],
                    note=form.cleaned_data["note"],
                    pushed_by=request.user,
                ),
            )
        except _AlreadySent:
            text = gettext("This form was already sent: nothing was pushed.")
            messages.warning(request, text, extra_tags=tags)
        except DomainError as exc:
            messages.error(request, exc.message, extra_tags=tags)
        else:
            messages.success(
                request,
                gettext("Pushed %(benefit)s (%(code)s) by %(channel)s.")
                % {
                    "benefit": push.benefit.display_name,
                    "code": push.benefit_code,
                    "channel": push.get_channel_display(),
                },
                extra_tags=tags,
            )
        return HttpResponseRedirect(desk_url(customer, benefit=code, anchor=OUTCOME_ANCHOR))
