"""Where each held use stands, and the operations queue.

- Fulfilments: read-only, each with its events (who, when, from, to, why); an agent sees
  their own customers' only, a supervisor their team's, product staff everyone's.
- The operations queue: the open cases (not confirmed or not delivered in time, failed) by
  supplier and kind, how late each is, the customer's agent, and "Close with a note" for
  supervisors and product staff (`case_close`). A strip above the list counts the open cases
  per supplier in one query.

Both lists read a fixed number of queries whatever the number of rows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from config.exceptions import DomainError
from customers.admin import CustomerScopedAdmin, ReadOnlyAdminMixin

from ..fulfilment.models import (
    ActorKind,
    CaseKind,
    Fulfilment,
    FulfilmentEvent,
    FulfilmentState,
    OperationsCase,
)
from ..fulfilment.selectors import open_cases, open_cases_by_supplier
from ..fulfilment.services import case_close

CLOSE_TEMPLATE = "admin/bookshelf/operationscase/close_note.html"
# The intermediate page lists this many of the selected cases, and counts the rest.
CLOSE_SHOWN = 20
NOTE_MAX_LENGTH = 300


def state_badge(state: str) -> SafeString:
    return format_html(
        '<span class="fulfilment-state state-{}">{}</span>', state, FulfilmentState(state).label
    )


def actor_label(event: FulfilmentEvent) -> str:
    """Who made the move: the supplier by its code, a staff user by login, else the kind."""
    if event.actor_kind == ActorKind.SUPPLIER and event.supplier is not None:
        return f"{ActorKind(event.actor_kind).label} {event.supplier.code}"
    if event.actor_kind == ActorKind.STAFF and event.actor_user is not None:
        return f"{ActorKind(event.actor_kind).label} {event.actor_user.get_username()}"
    return str(ActorKind(event.actor_kind).label)


def lateness(due: datetime | None, now: datetime) -> str:
    """How late, in whole days and hours ("2 days 3 hours"), or that it is not yet due."""
    if due is None or due >= now:
        return str(_("not yet due"))
    late = now - due
    days, hours = late.days, late.seconds // 3600
    parts = []
    if days:
        parts.append(ngettext("%(n)d day", "%(n)d days", days) % {"n": days})
    if hours or not days:
        parts.append(ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours})
    return " ".join(parts)


class UseNumberSearch:
    """A number searches the use's number (`#1234` or `1234`), anything else the benefit
    code's start."""

    use_field = "redemption_id"

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Any], search_term: str
    ) -> tuple[QuerySet[Any], bool]:
        term = search_term.strip().lstrip("#")
        if term.isdigit():
            return queryset.filter(**{self.use_field: int(term)}), False
        return super().get_search_results(request, queryset, search_term)  # type: ignore[misc]


class FulfilmentEventInline(admin.TabularInline):  # type: ignore[type-arg]
    model = FulfilmentEvent
    fields = readonly_fields = ("at", "who", "from_state", "to_state", "appointment_at", "reason")
    extra = 0
    can_delete = False
    verbose_name_plural = _("what happened")
    classes = ["no-original"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).select_related("supplier", "actor_user")

    @admin.display(description=_("by"))
    def who(self, obj: FulfilmentEvent) -> str:
        return actor_label(obj)


@admin.register(Fulfilment)
class FulfilmentAdmin(UseNumberSearch, ReadOnlyAdminMixin, CustomerScopedAdmin):
    customer_fields = ("holder", "beneficiary")
    list_display = [
        "use_col",
        "state_col",
        "kind",
        "benefit",
        "supplier",
        "holder",
        "appointment_at",
        "confirm_due_at",
        "deliver_due_at",
        "created_at",
    ]
    list_display_links = ["use_col"]
    list_filter = ["state", "supplier", "kind"]
    list_select_related = ["benefit", "supplier", "holder"]
    search_fields = ["^benefit__code"]
    search_help_text = _("The use's number, or the start of a benefit code.")
    show_full_result_count = False
    use_field = "redemption_id"
    fields = readonly_fields = (
        "redemption_col",
        "state",
        "kind",
        "benefit",
        "supplier",
        "holder",
        "beneficiary",
        "appointment_at",
        "place",
        "supplier_reference",
        "confirm_due_at",
        "deliver_due_at",
        "created_at",
        "updated_at",
    )
    inlines = [FulfilmentEventInline]

    @admin.display(description=_("use"), ordering="redemption_id")
    def use_col(self, obj: Fulfilment) -> str:
        return f"#{obj.redemption_id}"

    @admin.display(description=_("use"))
    def redemption_col(self, obj: Fulfilment) -> SafeString:
        url = reverse("admin:bookshelf_redemption_change", args=[obj.redemption_id])
        return format_html('<a href="{}">#{}</a>', url, obj.redemption_id)

    @admin.display(description=_("state"), ordering="state")
    def state_col(self, obj: Fulfilment) -> SafeString:
        return state_badge(obj.state)


class CaseStatusFilter(admin.SimpleListFilter):
    """Open cases unless asked for the closed ones (the queue is what is left to do)."""

    title = _("status")
    parameter_name = "status"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("closed", _("Closed")), ("all", _("All"))]

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
        if value == "closed":
            return queryset.filter(closed_at__isnull=False)
        if value == "all":
            return queryset
        return open_cases(queryset)


@admin.register(OperationsCase)
class OperationsCaseAdmin(UseNumberSearch, CustomerScopedAdmin):
    """The operations queue."""

    customer_fields = ("fulfilment__holder", "fulfilment__beneficiary")
    list_display = [
        "use_col",
        "kind",
        "supplier",
        "benefit_col",
        "state_col",
        "due_at",
        "late_col",
        "agent_col",
        "opened_at",
    ]
    list_display_links = ["use_col"]
    list_filter = [CaseStatusFilter, "supplier", "kind"]
    list_select_related = ["supplier", "fulfilment__benefit", "fulfilment__holder__agent"]
    search_fields = ["^fulfilment__benefit__code"]
    search_help_text = _("The use's number, or the start of a benefit code.")
    use_field = "fulfilment__redemption_id"
    ordering = ["supplier__code", "kind", "due_at", "opened_at"]
    show_full_result_count = False
    fields = readonly_fields = (
        "fulfilment_col",
        "kind",
        "supplier",
        "due_at",
        "opened_at",
        "closed_at",
        "closed_by",
        "note",
    )
    actions = ["close"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # the sweeps and the lifecycle open cases

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A case changes only by "Close with a note": its page is for reading.
        return obj is None and super().has_change_permission(request, obj)

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        extra = {
            **(extra_context or {}),
            "open_by_supplier": open_cases_by_supplier(self.get_queryset(request)),
        }
        return super().changelist_view(request, extra)

    @admin.display(description=_("use"), ordering="fulfilment__redemption_id")
    def use_col(self, obj: OperationsCase) -> str:
        return f"#{obj.fulfilment.redemption_id}"

    @admin.display(description=_("fulfilment"))
    def fulfilment_col(self, obj: OperationsCase) -> SafeString:
        url = reverse("admin:bookshelf_fulfilment_change", args=[obj.fulfilment_id])
        return format_html('<a href="{}">{}</a>', url, obj.fulfilment)

    @admin.display(description=_("benefit"), ordering="fulfilment__benefit__code")
    def benefit_col(self, obj: OperationsCase) -> str:
        return str(obj.fulfilment.benefit)

    @admin.display(description=_("state"), ordering="fulfilment__state")
    def state_col(self, obj: OperationsCase) -> SafeString:
        return state_badge(obj.fulfilment.state)

    @admin.display(description=_("how late"))
    def late_col(self, obj: OperationsCase) -> str:
        if obj.closed_at is not None:
            return str(_("closed"))
        # A failure is late from when it failed; a missed deadline from the deadline.
        due = obj.opened_at if obj.kind == CaseKind.FAILED else obj.due_at
        return lateness(due, timezone.now())

    @admin.display(description=_("customer's agent"))
    def agent_col(self, obj: OperationsCase) -> str:
        agent = obj.fulfilment.holder.agent
        return str(agent) if agent is not None else "-"

    @admin.action(description=_("Close with a note"), permissions=["change"])
    def close(
        self, request: HttpRequest, queryset: QuerySet[OperationsCase]
    ) -> TemplateResponse | None:
        """Ask for the note first (an intermediate page), then close each selected case."""
        note = (request.POST.get("note") or "").strip()
        if "confirm" not in request.POST or not note:
            if "confirm" in request.POST:
                self.message_user(
                    request, gettext("Say what was done about the cases."), messages.ERROR
                )
            return self._close_note_page(request, queryset)
        done = 0
        for case in queryset.select_related("fulfilment"):
            try:
                case_close(case=case, by=request.user, note=note)
            except DomainError as exc:
                self.message_user(
                    request, f"#{case.fulfilment.redemption_id}: {exc.message}", messages.WARNING
                )
            else:
                done += 1
        if done:
            self.message_user(
                request,
                ngettext("%(n)d case closed.", "%(n)d cases closed.", done) % {"n": done},
                messages.SUCCESS,
            )
        return None

    def _close_note_page(
        self, request: HttpRequest, queryset: QuerySet[OperationsCase]
    ) -> TemplateResponse:
        shown = list(
            queryset.select_related("supplier", "fulfilment__benefit").order_by(
                "supplier__code", "kind", "pk"
            )[:CLOSE_SHOWN]
        )
        total = len(shown) if len(shown) < CLOSE_SHOWN else queryset.count()
        return TemplateResponse(
            request,
            CLOSE_TEMPLATE,
            {
                **self.admin_site.each_context(request),
                "title": gettext("Close cases with a note"),
                "opts": self.opts,
                "cases": shown,
                "more": total - len(shown),
                "total": total,
                "selected": request.POST.getlist(ACTION_CHECKBOX_NAME),
                "select_across": request.POST.get("select_across", "0"),
                "action_checkbox_name": ACTION_CHECKBOX_NAME,
                "note_max": NOTE_MAX_LENGTH,
            },
        )
