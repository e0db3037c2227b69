"""Product staff's supplier statements: the list (figures computed in one query), a
statement's page (summary, totals by benefit, carried corrections, the lines paginated),
its CSV/XLSX export, approval (refusals shown as messages), and drafting this month's or
last month's statements. Reconciliation has its own page (`<id>/reconcile/`)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from benefits.text import translated
from config.dates import SafeDateHierarchyMixin
from config.exceptions import DomainError

from ..money.models import Statement, StatementStatus
from ..money.selectors import (
    export_file_name,
    last_month,
    statement_csv,
    statement_lines,
    statement_totals,
    statement_xlsx,
    statements_with_figures,
)
from ..money.services import statement_approve, statements_draft_month

LINES_PER_PAGE = 100
EXPORTS = {
    "csv": ("text/csv; charset=utf-8", statement_csv),
    "xlsx": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        statement_xlsx,
    ),
}


def reconcile_url(statement: Statement) -> str:
    """The reconcile page (built by its own module); a plain path until it is registered."""
    try:
        return reverse("admin:bookshelf_statement_reconcile", args=[statement.pk])
    except NoReverseMatch:
        return reverse("admin:bookshelf_statement_changelist") + f"{statement.pk}/reconcile/"


@admin.register(Statement)
class StatementAdmin(SafeDateHierarchyMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = [
        "supplier_name",
        "month_shown",
        "status",
        "uses_shown",
        "total_shown",
        "open_items_shown",
        "bills_shown",
    ]
    list_filter = ["status", "supplier"]
    date_hierarchy = "month"
    change_list_template = "admin/bookshelf/statement/change_list.html"
    list_per_page = 50

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return statements_with_figures()

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # statements are drafted (monthly, or by the button on the list)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_urls(self) -> list[Any]:
        view = self.admin_site.admin_view
        return [
            path("draft/", view(self.draft_view), name="bookshelf_statement_draft"),
            path(
                "<path:object_id>/approve/",
                view(self.approve_view),
                name="bookshelf_statement_approve",
            ),
            path(
                "<path:object_id>/export/<str:kind>/",
                view(self.export_view),
                name="bookshelf_statement_export",
            ),
            *super().get_urls(),
        ]

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        today = timezone.localdate()
        extra = {
            **(extra_context or {}),
            "may_draft": self.has_change_permission(request),
            "this_month": today.replace(day=1),
            "last_month": last_month(today),
        }
        return super().changelist_view(request, extra)

    def _statement(self, request: HttpRequest, object_id: str) -> Statement:
        statement = self.get_queryset(request).filter(pk=unquote(object_id)).first()
        if statement is None or not str(object_id).isdigit():
            raise Http404
        if not self.has_view_permission(request, statement):
            raise PermissionDenied
        return statement

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        if not str(object_id).isdigit():
            raise Http404
        statement = self._statement(request, object_id)
        lines = statement_lines(statement).select_related("benefit").order_by("fulfilled_at", "id")
        page = Paginator(lines, LINES_PER_PAGE).get_page(request.GET.get("p"))
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Statement"),
            "subtitle": self._heading(statement),
            "opts": self.opts,
            "original": statement,
            "heading": self._heading(statement),
            "totals": statement_totals(statement),
            "page": page,
            "lines": [(line, self._benefit(line)) for line in page.object_list],
            "may_approve": statement.status == StatementStatus.DRAFT
            and self.has_change_permission(request, statement),
            "reconcile_url": reconcile_url(statement),
            "approved": statement.status == StatementStatus.APPROVED,
        }
        return TemplateResponse(request, "admin/bookshelf/statement/change_form.html", context)

    @staticmethod
    def _benefit(line: Any) -> str:
        if line.benefit is None:
            return "-"
        return f"{line.benefit.code} {translated(line.benefit, 'name')}"

    @staticmethod
    def _heading(statement: Statement) -> str:
        return f"{translated(statement.supplier, 'name')} · {statement.month:%Y-%m}"

    def approve_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return require_POST(self._approve)(request, object_id)

    def _approve(self, request: HttpRequest, object_id: str) -> HttpResponse:
        statement = self._statement(request, object_id)
        if not self.has_change_permission(request, statement):
            raise PermissionDenied
        try:
            approved = statement_approve(statement_id=statement.pk, by=request.user)
        except DomainError as refusal:
            self.message_user(request, refusal.message, messages.ERROR)
        else:
            self.message_user(
                request,
                gettext("Approved: %(uses)d uses, %(total)s yuan. It will not change again.")
                % {"uses": approved.uses, "total": f"{approved.total:.2f}"},
                messages.SUCCESS,
            )
        return HttpResponseRedirect(
            reverse("admin:bookshelf_statement_change", args=[statement.pk])
        )

    def export_view(self, request: HttpRequest, object_id: str, kind: str) -> HttpResponse:
        if kind not in EXPORTS:
            raise Http404
        statement = self._statement(request, object_id)
        content_type, render = EXPORTS[kind]
        response = HttpResponse(render(statement), content_type=content_type)
        name = export_file_name(statement, kind)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response

    def draft_view(self, request: HttpRequest) -> HttpResponse:
        return require_POST(self._draft)(request)

    def _draft(self, request: HttpRequest) -> HttpResponse:
        if not self.has_change_permission(request):
            raise PermissionDenied
        today = timezone.localdate()
        month = last_month(today) if request.POST.get("month") == "last" else today.replace(day=1)
        drafted = statements_draft_month(month=month)
        self.message_user(
            request,
            ngettext(
                "%(month)s: %(n)d supplier's statement is drafted.",
                "%(month)s: %(n)d suppliers' statements are drafted.",
                len(drafted),
            )
            % {"month": f"{month:%Y-%m}", "n": len(drafted)},
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse("admin:bookshelf_statement_changelist"))

    @admin.display(description=_("supplier"), ordering="supplier__code")
    def supplier_name(self, obj: Statement) -> str:
        return translated(obj.supplier, "name")

    @admin.display(description=_("month"), ordering="month")
    def month_shown(self, obj: Statement) -> str:
        return f"{obj.month:%Y-%m}"

    @admin.display(description=_("uses"), ordering="figure_uses")
    def uses_shown(self, obj: Any) -> int:
        return int(obj.figure_uses)

    @admin.display(description=_("total (yuan)"), ordering="figure_total")
    def total_shown(self, obj: Any) -> str:
        return f"{obj.figure_total:,.2f}"

    @admin.display(description=_("open items"), ordering="open_items")
    def open_items_shown(self, obj: Any) -> int:
        return int(obj.open_items)

    @admin.display(description=_("bills"), ordering="bills_count")
    def bills_shown(self, obj: Any) -> int:
        return int(obj.bills_count)
