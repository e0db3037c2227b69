"""The admin of the catalog: categories, benefits, their lifecycle, import/export and history.

Lifecycle moves (put on shelf, under review, retire, reinstate) are admin actions with a
confirmation page, and go through `benefits.services`; a benefit is never deleted, so its
code stays taken forever.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.text import format_lazy
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise
from import_export.admin import ImportExportModelAdmin
from import_export.formats.base_formats import CSV, XLSX

from config.display import join_list, money
from config.exceptions import DomainError
from config.history_admin import HistoryAdmin
from config.translated_admin import (
    LABEL,
    LANGUAGE_LABELS,
    LabelledExportForm,
    both,
    field_label,
)
from config.translated_admin import SideBySideTranslations as _SideBySide

from .models import Benefit, BenefitStatus, BenefitStatusChange, Category
from .resources import BenefitResource, adopt, benefit_texts_of
from .selectors import translation_missing_q, translations_missing
from .services import (
    benefit_create,
    benefit_put_on_shelf,
    benefit_put_under_review,
    benefit_reinstate,
    benefit_retire,
    category_create,
)
from .text import SUFFIXES


def status_badge(status: str) -> SafeString:
    return format_html(
        '<span class="status-badge status-{}">{}</span>', status, BenefitStatus(status).label
    )


class TopCategoryFilter(admin.SimpleListFilter):
    """Filter by a top-level category (the shelf's columns): a code prefix, so one index."""

    title = _("top category")
    parameter_name = "top"
    code_field = "code"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        tops = Category.objects.filter(parent__isnull=True).order_by("position", "path_code")
        return [(c.path_code, f"{c.path_code} {c.display_name}") for c in tops]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if not value:
            return queryset
        return queryset.filter(**{f"{self.code_field}__startswith": f"{value}."})


class BilingualForm(forms.ModelForm):  # type: ignore[type-arg]
    """A name is needed in at least one language (a draft pulled from Chinese requests has
    only its Chinese name until product staff add the English)."""

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if "name_en" in self.fields and not (data.get("name_en") or data.get("name_zh_hans")):
            self.add_error("name_en", gettext("Give a name in English or Chinese."))
        return data


class SideBySideTranslations(_SideBySide):
    """Both languages of a translated field on one row of the form, labelled by language
    ("Name · English", "Name · Chinese"), each optional (`BilingualForm` needs one name)."""

    form: Any = BilingualForm


class TranslationMissingFilter(admin.SimpleListFilter):
    """Benefits lacking a customer-facing text (name, description, how to use) in a language."""

    title = _("missing translation")
    parameter_name = "missing"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [
            ("zh-hans", LANGUAGE_LABELS["zh-hans"]),
            ("en", LANGUAGE_LABELS["en"]),
            ("any", _("Either language")),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if value == "any":
            return queryset.filter(translation_missing_q("en") | translation_missing_q("zh-hans"))
        if value not in LANGUAGE_LABELS:
            return queryset
        return queryset.filter(translation_missing_q(value))


@admin.register(Category)
class CategoryAdmin(SideBySideTranslations, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = [
        "path_code",
        "name_en_col",
        "name_zh_col",
        "parent",
        "position",
        "last_benefit_seq",
    ]
    list_select_related = ["parent"]
    list_filter = [("parent", admin.EmptyFieldListFilter)]
    search_fields = ["path_code", "name_en", "name_zh_hans"]
    fields = ["parent", "code", both("name"), "position", "path_code", "last_benefit_seq"]
    autocomplete_fields = ["parent"]
    readonly_fields = ["path_code", "last_benefit_seq"]
    ordering = ["path_code"]

    # The list's headers name each language as the form's labels do (not "名称 [zh-hans]").
    @admin.display(
        description=format_lazy(LABEL, field=_("name"), language=LANGUAGE_LABELS["en"]),
        ordering="name_en",
    )
    def name_en_col(self, obj: Category) -> str:
        return obj.name_en or "-"

    @admin.display(
        description=format_lazy(LABEL, field=_("name"), language=LANGUAGE_LABELS["zh-hans"]),
        ordering="name_zh_hans",
    )
    def name_zh_col(self, obj: Category) -> str:
        return obj.name_zh_hans or "-"

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # A code is part of every benefit code below it: fixed once created.
        if obj is not None:
            return ["parent", "code", "path_code", "last_benefit_seq"]
        return self.readonly_fields

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Category, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        created = category_create(
            code=obj.code,
            name=obj.name_en or "",
            name_zh_hans=obj.name_zh_hans or "",
            parent=obj.parent,
            position=obj.position,
        )
        adopt(obj, created)


class BenefitStatusChangeInline(admin.TabularInline):  # type: ignore[type-arg]
    model = BenefitStatusChange
    fields = ["created_at", "from_status", "to_status", "reason", "changed_by"]
    readonly_fields = ["created_at", "from_status", "to_status", "reason", "changed_by"]
    extra = 0
    can_delete = False
    verbose_name_plural = _("lifecycle")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).select_related("changed_by")


class LifecycleForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=255,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
    )

    def __init__(self, *args: Any, reason_required: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = reason_required


@dataclass(frozen=True)
class LifecycleMove:
    name: str
    title: StrOrPromise
    explanation: StrOrPromise
    done: StrOrPromise
    reason_required: bool
    apply: Callable[..., Benefit]


LIFECYCLE_MOVES = {
    move.name: move
    for move in [
        LifecycleMove(
            "put_on_shelf",
            _("Put on the shelf"),
            _("Customers of the tiers that hold these benefits can use them at once."),
            _("put on the shelf"),
            False,
            lambda *, benefit, reason, by: benefit_put_on_shelf(benefit=benefit, by=by),
        ),
        LifecycleMove(
            "put_under_review",
            _("Put under review"),
            _(
                "Customers can still use these benefits while the review decides whether "
                "they stay on the shelf."
            ),
            _("put under review"),
            False,
            lambda *, benefit, reason, by: benefit_put_under_review(
                benefit=benefit, reason=reason, by=by
            ),
        ),
        LifecycleMove(
            "retire",
            _("Retire"),
            _(
                "Retired benefits leave the shelf: customers can no longer use or buy them. "
                "Their codes stay reserved forever and past uses keep them."
            ),
            _("retired"),
            True,
            lambda *, benefit, reason, by: benefit_retire(benefit=benefit, reason=reason, by=by),
        ),
        LifecycleMove(
            "reinstate",
            _("Reinstate"),
            _("Retired benefits come back on the shelf with the same code."),
            _("reinstated"),
            False,
            lambda *, benefit, reason, by: benefit_reinstate(benefit=benefit, reason=reason, by=by),
        ),
    ]
}


def _lifecycle_action(
    model_admin: Any, request: HttpRequest, queryset: QuerySet[Benefit], move: LifecycleMove
) -> HttpResponse | None:
    """Ask for confirmation (and a reason), then move each benefit through the service."""
    benefits = list(queryset.select_related("category").order_by("code"))
    if request.POST.get("confirm") == "yes":
        form = LifecycleForm(request.POST, reason_required=move.reason_required)
        if form.is_valid():
            done = 0
            for benefit in benefits:
                try:
                    move.apply(benefit=benefit, reason=form.cleaned_data["reason"], by=request.user)
                except DomainError as exc:
                    model_admin.message_user(
                        request, f"{benefit.code}: {exc.message}", level=messages.ERROR
                    )
                else:
                    done += 1
            if done:
                model_admin.message_user(
                    request,
                    ngettext("%(count)d benefit %(done)s.", "%(count)d benefits %(done)s.", done)
                    % {"count": done, "done": move.done},
                    level=messages.SUCCESS,
                )
            return None
    else:
        form = LifecycleForm(reason_required=move.reason_required)
    context = {
        **model_admin.admin_site.each_context(request),
        "title": move.title,
        "subtitle": None,
        "move": move,
        "benefits": benefits,
        "form": form,
        "opts": model_admin.model._meta,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "media": model_admin.media,
    }
    return TemplateResponse(request, "admin/benefits/benefit/lifecycle_confirm.html", context)


@admin.register(Benefit)
class BenefitAdmin(SideBySideTranslations, ImportExportModelAdmin, HistoryAdmin):  # type: ignore[misc]
    resource_classes = [BenefitResource]
    formats = [CSV, XLSX]
    export_form_class = LabelledExportForm
    list_display = [
        "code",
        "name_col",
        "category",
        "status_col",
        "kind",
        "price_col",
        "shareable",
        "on_shelf_since",
    ]
    list_display_links = ["code", "name_col"]
    list_filter = ["status", TopCategoryFilter, TranslationMissingFilter, "kind", "shareable"]
    list_select_related = ["category"]
    search_fields = ["code", *both("name"), *both("provider")]
    autocomplete_fields = ["category"]
    ordering = ["code"]
    list_per_page = 50
    inlines: list[Any] = [BenefitStatusChangeInline]
    actions = ["put_on_shelf", "put_under_review", "retire", "reinstate"]
    status_fields = [
        "status",
        "on_shelf_since",
        "status_changed_at",
        "retired_at",
        "retired_reason",
    ]
    fieldsets = [
        (None, {"fields": ["code", "category", both("name"), both("unit")]}),
        (
            _("For the customer"),
            {"fields": [both("description"), both("how_to_use"), "tags"]},
        ),
        (_("For the provider"), {"fields": [both("provider"), both("provider_notes")]}),
        (
            _("Sharing and sale"),
            {"fields": ["shareable", "kind", "price", "uses_per_purchase", "purchase_valid_days"]},
        ),
        (_("Lifecycle"), {"fields": status_fields}),
    ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = ["code", *self.status_fields]
        if obj is not None:
            fields.append("category")  # the code carries it
        return fields

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # retire instead: the code must stay taken

    def get_import_data_kwargs(self, **kwargs: Any) -> Any:
        # One bad row and nothing is imported, on the dry run and on the real run alike.
        return {
            **super().get_import_data_kwargs(**kwargs),
            "rollback_on_validation_errors": True,
        }

    @admin.display(description=_("benefit name"), ordering="name")
    def name_col(self, obj: Benefit) -> str:
        return obj.display_name

    def get_list_display(self, request: HttpRequest) -> Any:
        """Filtered by a missing translation, the list says which texts are still to write."""
        columns = list(super().get_list_display(request))
        if request.GET.get(TranslationMissingFilter.parameter_name):
            columns.insert(2, "missing_col")
        return columns

    @admin.display(description=_("still to write"))
    def missing_col(self, obj: Benefit) -> str:
        missing = translations_missing(obj)
        labels = (field_label(Benefit, f"{text}_{SUFFIXES[lang]}") for text, lang in missing)
        return join_list(labels) or "-"

    @admin.display(description=_("status"), ordering="status")
    def status_col(self, obj: Benefit) -> SafeString:
        return status_badge(obj.status)

    @admin.display(description=Benefit._meta.get_field("price").verbose_name, ordering="price")
    def price_col(self, obj: Benefit) -> str:
        return money(obj.price)

    def save_model(self, request: HttpRequest, obj: Benefit, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        created = benefit_create(
            category=obj.category,
            **benefit_texts_of(obj),
            kind=obj.kind,
            price=obj.price,
            uses_per_purchase=obj.uses_per_purchase,
            purchase_valid_days=obj.purchase_valid_days,
            shareable=obj.shareable,
            tags=obj.tags,
        )
        adopt(obj, created)
        self.message_user(
            request,
            gettext("The new benefit got the code %(code)s.") % {"code": created.code},
            level=messages.INFO,
        )

    @admin.action(description=_("Put on the shelf"), permissions=["change"])
    def put_on_shelf(self, request: HttpRequest, queryset: QuerySet[Benefit]) -> Any:
        return _lifecycle_action(self, request, queryset, LIFECYCLE_MOVES["put_on_shelf"])

    @admin.action(description=_("Put under review"), permissions=["change"])
    def put_under_review(self, request: HttpRequest, queryset: QuerySet[Benefit]) -> Any:
        return _lifecycle_action(self, request, queryset, LIFECYCLE_MOVES["put_under_review"])

    @admin.action(description=_("Retire (with a reason)"), permissions=["change"])
    def retire(self, request: HttpRequest, queryset: QuerySet[Benefit]) -> Any:
        return _lifecycle_action(self, request, queryset, LIFECYCLE_MOVES["retire"])

    @admin.action(description=_("Reinstate"), permissions=["change"])
    def reinstate(self, request: HttpRequest, queryset: QuerySet[Benefit]) -> Any:
        return _lifecycle_action(self, request, queryset, LIFECYCLE_MOVES["reinstate"])


@admin.register(BenefitStatusChange)
class BenefitStatusChangeAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["created_at", "benefit", "from_status", "to_status", "reason", "changed_by"]
    list_filter = ["to_status", "from_status"]
    list_select_related = ["benefit", "changed_by"]
    search_fields = ["benefit__code", "reason"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
