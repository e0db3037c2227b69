"""Detractor follow-ups in the admin: the list (agents their own, supervisors their team's and
those escalated to them, product staff all, read only) and one page per follow-up with the
answer, the use, the customer's desk, the calls so far and the form to record a call.

The page is `admin:bookshelf_detractorfollowup_change` (the worklist's "Call back" opens
it); the form posts to `admin:bookshelf_detractorfollowup_call`, which calls
`reach.services.followup_call_record`. The NPS report hangs on this admin too
(`admin:bookshelf_nps_report`, `admin/nps.py`).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from config.exceptions import DomainError
from customers.admin import CustomerScopedAdmin
from customers.models import Customer
from customers.pii import can_view_pii, mask_name

from ..ledger.models import Redemption
from ..reach.models import DetractorFollowUp, FollowUpOutcome
from ..reach.selectors import followups_visible_to
from ..reach.services import followup_call_record
from .desk_outcome import desk_url
from .nps import nps_report_view

CALL_PERMISSION = "bookshelf.add_followupcall"


def customer_label(customer: Customer, *, personal: bool) -> str:
    """As the customer list shows them: the number, and the name masked unless the reader
    may see personal data (phone and ID numbers are never in a list)."""
    name = customer.name if personal else mask_name(customer.name)
    return f"{customer.customer_no} {name}"


class FollowUpStateFilter(admin.SimpleListFilter):
    """Open ones unless asked otherwise: the list is what is left to call."""

    title = _("status")
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [
            ("overdue", _("Overdue")),
            ("escalated", _("Escalated")),
            ("closed", _("Closed")),
            ("all", _("All")),
        ]

    def choices(self, changelist: Any) -> Any:
        yield {
            "selected": self.value() is None,
            "query_string": changelist.get_query_string(remove=[self.parameter_name]),
            "display": _("Open"),
        }
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if value == "all":
            return queryset
        if value == "closed":
            return queryset.filter(closed_at__isnull=False)
        queryset = queryset.filter(closed_at__isnull=True)
        if value == "overdue":
            return queryset.filter(due_at__lt=timezone.now())
        if value == "escalated":
            return queryset.filter(escalated_at__isnull=False)
        return queryset


class CallForm(forms.Form):
    outcome = forms.ChoiceField(label=_("outcome"), choices=FollowUpOutcome.choices)
    note = forms.CharField(
        label=_("note"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=_("What the customer said; for a compensation, what they were given."),
    )


@admin.register(DetractorFollowUp)
class DetractorFollowUpAdmin(CustomerScopedAdmin):
    list_display = ["due", "score", "benefit_col", "customer_col", "agent", "attempts", "state"]
    list_display_links = ["due"]
    list_filter = [FollowUpStateFilter]
    list_select_related = ["customer", "benefit", "agent"]
    search_fields = ["=customer__customer_no"]
    show_full_result_count = False
    change_form_template = "admin/bookshelf/detractorfollowup/change_form.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return followups_visible_to(request.user).select_related(*self.list_select_related)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Never edited as a form: calls are recorded through the call form (its own right).
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_urls(self) -> list[Any]:
        return [
            path(
                "nps/",
                self.admin_site.admin_view(lambda request: nps_report_view(self, request)),
                name="bookshelf_nps_report",
            ),
            path(
                "<path:object_id>/call/",
                self.admin_site.admin_view(self.call_view),
                name="bookshelf_detractorfollowup_call",
            ),
            *super().get_urls(),
        ]

    @admin.display(description=_("call back by"), ordering="due_at")
    def due(self, obj: DetractorFollowUp) -> SafeString:
        late = obj.closed_at is None and obj.due_at < timezone.now()
        return format_html(
            '<span class="{}">{}</span>',
            "followup-overdue" if late else "",
            timezone.localtime(obj.due_at).strftime("%Y-%m-%d %H:%M"),
        )

    @admin.display(description=_("benefit"), ordering="benefit__code")
    def benefit_col(self, obj: DetractorFollowUp) -> str:
        return str(obj.benefit)

    @admin.display(description=_("customer"), ordering="customer__customer_no")
    def customer_col(self, obj: DetractorFollowUp) -> str:
        return customer_label(obj.customer, personal=True)

    @admin.display(description=_("customer"), ordering="customer__customer_no")
    def customer_masked(self, obj: DetractorFollowUp) -> str:
        return customer_label(obj.customer, personal=False)

    @admin.display(description=_("status"))
    def state(self, obj: DetractorFollowUp) -> str:
        return followup_state(obj)

    def get_list_display(self, request: HttpRequest) -> Any:
        if can_view_pii(request.user):
            return self.list_display
        return [c if c != "customer_col" else "customer_masked" for c in self.list_display]

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        followup = self.get_object(request, unquote(object_id))
        extra = {**(extra_context or {}), **self._page_context(request, followup)}
        return super().change_view(request, object_id, form_url, extra)

    def _page_context(self, request: HttpRequest, followup: DetractorFollowUp) -> dict[str, Any]:
        feedback = followup.feedback
        used_at = (
            Redemption.objects.filter(pk=followup.redemption_id)
            .values_list("created_at", flat=True)
            .first()
        )
        can_call = followup.closed_at is None and request.user.has_perm(CALL_PERMISSION)
        return {
            "followup": followup,
            "feedback": feedback,
            "supplier": feedback.supplier,
            "used_at": used_at,
            "state": followup_state(followup),
            "overdue": followup.closed_at is None and followup.due_at < timezone.now(),
            "customer_name": customer_label(followup.customer, personal=can_view_pii(request.user)),
            "customer_url": desk_url(followup.customer),
            "calls": list(followup.calls.select_related("called_by")),
            "call_form": CallForm() if can_call else None,
            "call_url": reverse("admin:bookshelf_detractorfollowup_call", args=[followup.pk]),
        }

    def call_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Record one call back, for a follow-up in the user's scope."""
        followup = self.get_object(request, unquote(object_id))
        page = reverse("admin:bookshelf_detractorfollowup_change", args=[followup.pk])
        if request.method != "POST":
            return HttpResponseRedirect(page)
        if not request.user.has_perm(CALL_PERMISSION):
            raise PermissionDenied
        form = CallForm(request.POST)
        if not form.is_valid():
            messages.error(request, gettext("Choose what came of the call."))
            return HttpResponseRedirect(page)
        try:
            done = followup_call_record(
                followup_id=followup.pk,
                outcome=form.cleaned_data["outcome"],
                note=form.cleaned_data["note"],
                by=request.user,
            )
        except DomainError as exc:
            messages.error(request, exc.message)
            return HttpResponseRedirect(page)
        if done.closed_at is None:
            messages.success(request, gettext("Call recorded. The follow-up stays open."))
        else:
            messages.success(request, gettext("Call recorded. The follow-up is closed."))
        return HttpResponseRedirect(page)


def followup_state(followup: DetractorFollowUp) -> str:
    if followup.closed_at is not None:
        return str(followup.get_outcome_display())
    if followup.escalated_at is not None:
        return gettext("Escalated to the supervisor")
    if followup.due_at < timezone.now():
        return gettext("Overdue")
    return gettext("Open")
