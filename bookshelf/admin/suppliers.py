"""Product staff's suppliers: who delivers each benefit, at what service level, and the keys
their callbacks are signed with.

A supplier's page holds its names side by side in both languages, its contact, service hours
and time zone (a real IANA zone), the benefits it delivers (priority, hours to confirm and to
deliver) and its keys, read-only: a key's secret is never shown again after the page that
made it. "Rotate callback key" makes a new key through the callbacks' service and shows its
secret once; the old key keeps working for the overlap. Suppliers and benefit↔supplier links
are imported and exported like the catalog.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import OuterRef, Subquery
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from import_export.admin import ImportExportModelAdmin
from import_export.formats.base_formats import CSV, XLSX

from config.display import money
from config.exceptions import DomainError
from config.translated_admin import (
    LABEL,
    LANGUAGE_LABELS,
    LabelledExportForm,
    SideBySideTranslations,
    both,
)

from ..fulfilment import services as fulfilment_services
from ..fulfilment.models import BenefitSupplier, Supplier, SupplierKey
from ..fulfilment.resources import BenefitSupplierResource, SupplierResource, time_zone_check
from ..money.models import ContractPrice

KEY_ROTATED_TEMPLATE = "admin/bookshelf/supplier/key_rotated.html"
# How long a rotated key keeps working beside the new one, so the supplier can switch.
KEY_OVERLAP_HOURS = 24


class SupplierForm(forms.ModelForm):  # type: ignore[type-arg]
    """A name in at least one language; a time zone the clock knows (Asia/Shanghai)."""

    class Meta:
        model = Supplier
        fields = [
            "code",
            "name_en",
            "name_zh_hans",
            "contact_name",
            "contact_email",
            "contact_phone",
            "service_hours",
            "time_zone",
            "active",
        ]

    def clean_time_zone(self) -> str:
        return time_zone_check(self.cleaned_data.get("time_zone") or "")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if "name_en" in self.fields and not (data.get("name_en") or data.get("name_zh_hans")):
            self.add_error("name_en", gettext("Give a name in English or Chinese."))
        return data


class BenefitSupplierInline(admin.TabularInline):  # type: ignore[type-arg]
    model = BenefitSupplier
    fields = ["benefit", "priority", "confirm_hours", "deliver_hours", "active"]
    autocomplete_fields = ["benefit"]
    extra = 0
    verbose_name_plural = _("benefits it delivers")
    classes = ["no-original"]

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).select_related("benefit")


class SupplierKeyInline(admin.TabularInline):  # type: ignore[type-arg]
    """The keys, never their secrets."""

    model = SupplierKey
    fields = readonly_fields = ("key_id", "created_at", "expires_at")
    extra = 0
    can_delete = False
    verbose_name_plural = _("callback keys")
    classes = ["no-original"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # made by "Rotate callback key", which shows the secret once

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class PriceInForceInline(admin.TabularInline):  # type: ignore[type-arg]
    """The supplier's prices in force today, read-only: prices are set on their own page."""

    model = ContractPrice
    fields = readonly_fields = ("benefit", "unit_cost_col", "valid_from", "note")
    extra = 0
    can_delete = False
    verbose_name_plural = _("contract prices in force today")
    classes = ["no-original"]

    def get_queryset(self, request: HttpRequest) -> Any:
        today = timezone.localdate()
        in_force = (
            ContractPrice.objects.filter(
                supplier_id=OuterRef("supplier_id"),
                benefit_id=OuterRef("benefit_id"),
                valid_from__lte=today,
            )
            .order_by("-valid_from")
            .values("pk")[:1]
        )
        return (
            super()
            .get_queryset(request)
            .filter(pk=Subquery(in_force))
            .select_related("benefit")
            .order_by("benefit__code")
        )

    @admin.display(description=_("unit cost (yuan)"))
    def unit_cost_col(self, obj: ContractPrice) -> str:
        return money(obj.unit_cost, decimals=2)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # "Set a new price" (the prices' page) checks the date and the link

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _name(obj: Any, suffix: str) -> str:
    """One language's column of the name (django-modeltranslation's `name_en`...)."""
    return getattr(obj, f"name_{suffix}", None) or "-"


def _name_column(language: str) -> Any:
    return format_lazy(LABEL, field=_("name"), language=LANGUAGE_LABELS[language])


@admin.register(Supplier)
class SupplierAdmin(SideBySideTranslations, ImportExportModelAdmin):  # type: ignore[misc]
    form = SupplierForm
    resource_classes = [SupplierResource]
    formats = [CSV, XLSX]
    export_form_class = LabelledExportForm
    list_display = [
        "code",
        "name_en_col",
        "name_zh_col",
        "contact_name",
        "contact_phone",
        "service_hours",
        "time_zone",
        "active",
    ]
    list_filter = ["active"]
    search_fields = ["code", "name_en", "name_zh_hans"]
    fieldsets = [
        (None, {"fields": ["code", both("name"), "active"]}),
        (
            _("Contact"),
            {"fields": ["contact_name", "contact_email", "contact_phone"]},
        ),
        (_("When it answers"), {"fields": ["service_hours", "time_zone"]}),
    ]
    inlines = [BenefitSupplierInline, PriceInForceInline, SupplierKeyInline]

    @admin.display(description=_name_column("en"), ordering="name_en")
    def name_en_col(self, obj: Supplier) -> str:
        return _name(obj, "en")

    @admin.display(description=_name_column("zh-hans"), ordering="name_zh_hans")
    def name_zh_col(self, obj: Supplier) -> str:
        return _name(obj, "zh_hans")

    def get_inlines(self, request: HttpRequest, obj: Any = None) -> Any:
        # A new supplier has no prices yet (and its form posts no formset for them).
        inlines = super().get_inlines(request, obj)
        return inlines if obj is not None else [i for i in inlines if i is not PriceInForceInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # The code is in the supplier's callback address: fixed once created.
        return ["code"] if obj is not None else []

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # its fulfilments keep it; make it inactive instead

    def get_import_data_kwargs(self, **kwargs: Any) -> Any:
        return {**super().get_import_data_kwargs(**kwargs), "rollback_on_validation_errors": True}

    def get_urls(self) -> list[Any]:
        return [
            path(
                "<path:object_id>/rotate-key/",
                self.admin_site.admin_view(require_POST(self.rotate_key_view)),
                name="bookshelf_supplier_rotate_key",
            ),
            *super().get_urls(),
        ]

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        extra = {
            **(extra_context or {}),
            "can_rotate_key": request.user.has_perm("bookshelf.add_supplierkey"),
            "can_view_prices": request.user.has_perm("bookshelf.view_contractprice"),
            "can_set_price": request.user.has_perm("bookshelf.add_contractprice"),
        }
        return super().change_view(request, object_id, form_url, extra)

    def rotate_key_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """A new callback key for the supplier; its secret on this page only (never stored
        in plain, never cached, never shown again)."""
        if not request.user.has_perm("bookshelf.add_supplierkey"):
            raise PermissionDenied
        supplier = self.get_object(request, unquote(object_id))
        if supplier is None:
            raise Http404(gettext("Not found."))
        change_url = reverse("admin:bookshelf_supplier_change", args=[supplier.pk])
        try:
            key, secret = fulfilment_services.supplier_key_rotate(
                supplier=supplier, overlap_hours=KEY_OVERLAP_HOURS
            )
        except (DomainError, ValidationError) as exc:
            self.message_user(request, getattr(exc, "message", str(exc)), messages.ERROR)
            return HttpResponseRedirect(change_url)
        response = TemplateResponse(
            request,
            KEY_ROTATED_TEMPLATE,
            {
                **self.admin_site.each_context(request),
                "title": gettext("New callback key for %(supplier)s") % {"supplier": supplier},
                "opts": self.opts,
                "original": supplier,
                "key": key,
                "secret": secret,
                "overlap_hours": KEY_OVERLAP_HOURS,
                "change_url": change_url,
            },
        )
        response["Cache-Control"] = "no-store"
        return response


@admin.register(BenefitSupplier)
class BenefitSupplierAdmin(ImportExportModelAdmin):  # type: ignore[misc]
    """Which supplier delivers which benefit, as one list: import and export it here."""

    resource_classes = [BenefitSupplierResource]
    formats = [CSV, XLSX]
    export_form_class = LabelledExportForm
    list_display = [
        "benefit",
        "supplier",
        "priority",
        "confirm_hours",
        "deliver_hours",
        "active",
    ]
    list_filter = ["active", "supplier"]
    list_select_related = ["benefit", "supplier"]
    search_fields = ["benefit__code", "supplier__code"]
    autocomplete_fields = ["benefit"]
    ordering = ["benefit__code", "priority", "supplier__code"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # make a link inactive instead: fulfilments remember who delivered

    def get_import_data_kwargs(self, **kwargs: Any) -> Any:
        return {**super().get_import_data_kwargs(**kwargs), "rollback_on_validation_errors": True}
