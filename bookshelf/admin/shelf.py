"""Product staff's shelf: the benefit page (its record, its place on the shelf, its usage
chart), shelf cells with import/export and history, the shelf matrix, eligibility rules."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.safestring import SafeString
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportModelAdmin
from import_export.formats.base_formats import CSV, XLSX

from benefits.admin import BenefitAdmin, TopCategoryFilter, status_badge
from benefits.models import Benefit
from benefits.selectors import benefits_missing_translation
from config.history_admin import HistoryAdmin
from customers.admin import (
    profile_tags_formfield,
    tier_badge,
)

from ..money.selectors import COST_BANDS
from ..review.selectors import benefit_usage_by_month, shelf_matrix
from ..shelf.models import Eligibility, ShelfCell
from ..shelf.resources import ShelfCellResource
from .charts import stacked_usage_chart
from .costs import cost_view

# The shelf matrix's two views: counts and usage per cell (the default), or every benefit.
MATRIX_COMPACT = "compact"
MATRIX_DETAIL = "detail"
MATRIX_VIEWS = (MATRIX_COMPACT, MATRIX_DETAIL)
# What colours the cells: the usage rate (the default) or the cost per user.
MATRIX_COLOURS = ("usage", "cost")


def cost_legend() -> list[tuple[str, str]]:
    """The cost bands as the legend shows them: (band, "¥50–200"), cheapest first."""
    floors = [floor for _band, floor in COST_BANDS]
    out = []
    for i, (band, floor) in enumerate(COST_BANDS):
        if i == 0:
            out.append((band, f"< ¥{floors[1]:,}"))
        elif i == len(COST_BANDS) - 1:
            out.append((band, f"≥ ¥{floor:,}"))
        else:
            out.append((band, f"¥{floor:,}–{floors[i + 1]:,}"))
    return out


class ShelfCellInline(admin.TabularInline):  # type: ignore[type-arg]
    model = ShelfCell
    fields = ["tier", "period", "quota", "family_quota"]
    extra = 0
    verbose_name_plural = _("on the shelf for tiers")
    classes = ["no-original"]  # each row's tier is its first column: no "tier · benefit" line


class EligibilityInline(admin.StackedInline):  # type: ignore[type-arg]
    model = Eligibility
    fields = ["requires_product_line", "min_age", "max_age"]
    extra = 0
    max_num = 1


admin.site.unregister(Benefit)


@admin.register(Benefit)
class BenefitShelfAdmin(BenefitAdmin):
    """The benefit page: its record, its place on the shelf, and its usage over time."""

    inlines = [ShelfCellInline, EligibilityInline, *BenefitAdmin.inlines]

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "tags":
            return profile_tags_formfield(db_field)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        extra = dict(extra_context or {})
        if request.method == "GET":
            benefit = self.get_object(request, unquote(object_id))
            if benefit is not None:
                usage = benefit_usage_by_month(benefit_id=benefit.pk)
                extra["usage"] = usage
                extra["usage_chart"] = stacked_usage_chart(usage)
        return super().change_view(request, object_id, form_url, extra)


class BenefitTopCategoryFilter(TopCategoryFilter):
    code_field = "benefit__code"


@admin.register(ShelfCell)
class ShelfCellAdmin(ImportExportModelAdmin, HistoryAdmin):  # type: ignore[misc]
    resource_classes = [ShelfCellResource]
    formats = [CSV, XLSX]
    list_display = [
        "tier_col",
        "benefit_code",
        "benefit_name",
        "period",
        "quota",
        "family_quota",
        "benefit_status",
    ]
    list_display_links = ["benefit_code"]
    list_filter = ["tier", BenefitTopCategoryFilter, "period", "benefit__status"]
    list_select_related = ["benefit"]
    search_fields = ["benefit__code", "benefit__name_en", "benefit__name_zh_hans"]
    autocomplete_fields = ["benefit"]
    ordering = ["-tier", "benefit__code"]
    list_per_page = 100

    def get_urls(self) -> list[Any]:
        return [
            path(
                "matrix/",
                self.admin_site.admin_view(self.matrix_view),
                name="bookshelf_shelf_matrix",
            ),
            path(
                "costs/",
                self.admin_site.admin_view(self.cost_view),
                name="bookshelf_costs",
            ),
            *super().get_urls(),
        ]

    def matrix_view(self, request: HttpRequest) -> HttpResponse:
        """The shelf at a glance: tiers x top categories. Compact by default (per cell: how
        many benefits, the share of the tier who used any, the benefits on demand), so the
        whole shelf fits a laptop screen; `?view=detail` shows every benefit. Coloured by
        usage, or by cost per user with `?colour=cost` (one more query)."""
        if not request.user.has_perm("bookshelf.view_shelf_matrix"):
            raise PermissionDenied
        view = request.GET.get("view", MATRIX_COMPACT)
        if view not in MATRIX_VIEWS:
            messages.warning(
                request,
                gettext("Unknown view “%(view)s”: showing the compact matrix.")
                % {"view": view[:40]},
            )
            view = MATRIX_COMPACT
        colour = request.GET.get("colour", "usage")
        if colour not in MATRIX_COLOURS:
            messages.warning(
                request,
                gettext("Unknown colouring “%(colour)s”: coloured by usage.")
                % {"colour": colour[:40]},
            )
            colour = "usage"
        # Costs are for whoever reads the cost lines (product staff), not every matrix reader.
        sees_costs = request.user.has_perm("bookshelf.view_costentry")
        if colour == "cost" and not sees_costs:
            raise PermissionDenied
        matrix = shelf_matrix(colour=colour)
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("The benefits bookshelf"),
            "subtitle": None,
            "opts": self.opts,
            "matrix": matrix,
            "view": view,
            "colour": colour,
            "sees_costs": sees_costs,
            "cost_legend": cost_legend() if colour == "cost" else [],
            "has_view_permission": True,
            # Benefits lacking a name, description or how to use in a language: one count,
            # linked to the catalogue filtered by "translation missing".
            "translations_missing": benefits_missing_translation().count(),
        }
        return TemplateResponse(request, "admin/bookshelf/shelf_matrix.html", context)

    def cost_view(self, request: HttpRequest) -> HttpResponse:
        """What the shelf costs (bookshelf/admin/costs.py)."""
        return cost_view(self, request)

    def get_import_data_kwargs(self, **kwargs: Any) -> Any:
        return {
            **super().get_import_data_kwargs(**kwargs),
            "rollback_on_validation_errors": True,
        }

    @admin.display(description=_("tier"), ordering="tier")
    def tier_col(self, obj: ShelfCell) -> SafeString:
        return tier_badge(obj.tier)

    @admin.display(description=_("benefit code"), ordering="benefit__code")
    def benefit_code(self, obj: ShelfCell) -> str:
        return obj.benefit.code

    @admin.display(description=_("benefit"))
    def benefit_name(self, obj: ShelfCell) -> str:
        return obj.benefit.display_name

    @admin.display(description=_("benefit status"), ordering="benefit__status")
    def benefit_status(self, obj: ShelfCell) -> SafeString:
        return status_badge(obj.benefit.status)


@admin.register(Eligibility)
class EligibilityAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["benefit", "requires_product_line", "min_age", "max_age"]
    list_filter = ["requires_product_line"]
    list_select_related = ["benefit"]
    search_fields = ["benefit__code", "benefit__name"]
    autocomplete_fields = ["benefit"]
