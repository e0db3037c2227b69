"""Product staff's contract prices: what each supplier is paid per fulfilled use of a benefit.

The list shows one row per supplier and benefit: the price in force today, the next one
scheduled (with a link to withdraw it while it is not in force) and how many earlier prices
it replaced; "All prices" shows every row, the history included. Delivered benefits with no
price yet are named above the list. "Set a new price" calls `price_set` (a day from today
on, a benefit the supplier delivers); a saved price is never edited, and only a scheduled one
may be withdrawn (`price_withdraw`). Prices are imported and exported like the catalog
(`ContractPriceResource`); a new row dated in the past is an error row.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.widgets import AdminDateWidget
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportModelAdmin
from import_export.formats.base_formats import CSV, XLSX

from benefits.models import Benefit
from config.display import money
from config.exceptions import DomainError
from config.translated_admin import LabelledExportForm

from ..fulfilment.models import BenefitSupplier, Supplier
from ..money import services as money_services
from ..money.models import ContractPrice
from ..money.resources import ContractPriceResource

SET_TEMPLATE = "admin/bookshelf/contractprice/set_price.html"
WITHDRAW_TEMPLATE = "admin/bookshelf/contractprice/withdraw.html"
ALL = "all"  # ?show=all: every price, the history included
MISSING_SHOWN = 12


class PriceSetForm(forms.Form):
    """A new price: a supplier, one of the benefits it delivers, the unit cost in yuan and
    the first day (today or later). The rules are `price_check`'s, shown on their field."""

    supplier = forms.ModelChoiceField(
        queryset=Supplier.objects.none(), label=_("supplier"), empty_label=None
    )
    benefit = forms.ModelChoiceField(queryset=Benefit.objects.none(), label=_("benefit"))
    unit_cost = forms.DecimalField(
        label=_("unit cost (yuan)"),
        min_value=0,
        max_digits=12,
        decimal_places=2,
        help_text=_("Paid to the supplier for each fulfilled use, e.g. 120.50."),
    )
    valid_from = forms.DateField(
        label=_("valid from"),
        widget=AdminDateWidget,
        help_text=_("Today or later. Uses fulfilled from this day are priced with it."),
    )
    note = forms.CharField(label=_("note"), max_length=200, required=False)

    def __init__(self, *args: Any, supplier_id: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = timezone.localdate()
        supplier_field: Any = self.fields["supplier"]
        benefit_field: Any = self.fields["benefit"]
        supplier_field.queryset = Supplier.objects.order_by("code")
        benefits = Benefit.objects.filter(suppliers__isnull=False)
        if supplier_id is not None:  # only the benefits this supplier delivers
            benefits = benefits.filter(suppliers__supplier_id=supplier_id)
        benefit_field.queryset = benefits.distinct().order_by("code")
        benefit_field.label_from_instance = lambda b: f"{b.code} {b.name}"
        supplier_field.label_from_instance = lambda s: f"{s.code} {s.name}"
        self.fields["valid_from"].initial = self.today

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        try:
            money_services.price_check(
                supplier_id=data["supplier"].pk,
                benefit_id=data["benefit"].pk,
                unit_cost=data["unit_cost"],
                valid_from=data["valid_from"],
                today=self.today,
            )
        except DomainError as exc:
            self.add_error(exc.field if exc.field in self.fields else None, exc.message)
        return data


def _in_force_pk(today: Any) -> Subquery:
    return Subquery(
        ContractPrice.objects.filter(
            supplier_id=OuterRef("supplier_id"),
            benefit_id=OuterRef("benefit_id"),
            valid_from__lte=today,
        )
        .order_by("-valid_from")
        .values("pk")[:1]
    )


def _after(today: Any, field: str) -> Subquery:
    """A field of the first price scheduled after today for the same pair."""
    return Subquery(
        ContractPrice.objects.filter(
            supplier_id=OuterRef("supplier_id"),
            benefit_id=OuterRef("benefit_id"),
            valid_from__gt=today,
        )
        .order_by("valid_from")
        .values(field)[:1]
    )


class ShowFilter(admin.SimpleListFilter):
    """Today's prices (one row per supplier and benefit) or every price, the history too."""

    title = _("prices shown")
    parameter_name = "show"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [(ALL, _("All, the history included"))]

    def choices(self, changelist: Any) -> Any:
        choices = list(super().choices(changelist))
        choices[0]["display"] = gettext("In force today and next")  # instead of "All"
        return choices

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset  # the admin's get_queryset reads the choice


@admin.register(ContractPrice)
class ContractPriceAdmin(ImportExportModelAdmin):  # type: ignore[misc]
    resource_classes = [ContractPriceResource]
    formats = [CSV, XLSX]
    export_form_class = LabelledExportForm
    change_list_template = "admin/bookshelf/contractprice/change_list.html"
    list_display = [
        "supplier_col",
        "benefit_col",
        "unit_cost_col",
        "valid_from_col",
        "state_col",
        "next_col",
        "history_col",
        "note",
    ]
    list_filter = [ShowFilter, "supplier"]
    search_fields = ["benefit__code", "benefit__name", "supplier__code", "supplier__name"]
    list_select_related = ["supplier", "benefit"]
    list_per_page = 100
    sortable_by: list[str] = []  # one order (supplier, benefit, newest first): narrower headers
    ordering = ["supplier__code", "benefit__code", "-valid_from"]

    # -- the list ---------------------------------------------------------------------------
    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        today = timezone.localdate()
        qs = (
            super()
            .get_queryset(request)
            .annotate(
                in_force_pk=_in_force_pk(today),
                next_cost=_after(today, "unit_cost"),
                next_from=_after(today, "valid_from"),
                next_pk=_after(today, "pk"),
                earlier=Subquery(
                    ContractPrice.objects.filter(
                        supplier_id=OuterRef("supplier_id"),
                        benefit_id=OuterRef("benefit_id"),
                        valid_from__lt=OuterRef("valid_from"),
                    )
                    .order_by()
                    .values("benefit_id")
                    .annotate(n=Count("pk"))
                    .values("n")[:1]
                ),
            )
        )
        if request.GET.get("show") == ALL or getattr(request, "_prices_all", False):
            return qs
        # One row per pair: the price in force, or the first scheduled one if none is.
        has_in_force = Exists(
            ContractPrice.objects.filter(
                supplier_id=OuterRef("supplier_id"),
                benefit_id=OuterRef("benefit_id"),
                valid_from__lte=today,
            )
        )
        return qs.alias(has_in_force=has_in_force).filter(
            Q(pk=_in_force_pk(today)) | Q(has_in_force=False, pk=_after(today, "pk"))
        )

    @admin.display(description=_("supplier"), ordering="supplier__code")
    def supplier_col(self, obj: ContractPrice) -> str:
        return format_html(
            '<span class="code" title="{}">{}</span>', obj.supplier.name, obj.supplier.code
        )

    @admin.display(description=_("benefit"), ordering="benefit__code")
    def benefit_col(self, obj: ContractPrice) -> str:
        return format_html('<span class="code">{}</span> {}', obj.benefit.code, obj.benefit.name)

    @admin.display(description=_("unit cost (yuan)"), ordering="unit_cost")
    def unit_cost_col(self, obj: ContractPrice) -> str:
        return format_html('<span class="num">{}</span>', money(obj.unit_cost, decimals=2))

    @admin.display(description=_("valid from"), ordering="valid_from")
    def valid_from_col(self, obj: ContractPrice) -> str:
        return obj.valid_from.isoformat()

    @admin.display(description=_("state"))
    def state_col(self, obj: ContractPrice) -> str:
        if obj.valid_from > timezone.localdate():
            withdraw = reverse("admin:bookshelf_contractprice_withdraw", args=[obj.pk])
            return format_html(
                '{} <a class="withdraw-link" href="{}">{}</a>',
                gettext("scheduled"),
                withdraw,
                gettext("withdraw"),
            )
        if obj.pk == getattr(obj, "in_force_pk", None):
            return gettext("in force")
        return gettext("replaced")

    @admin.display(description=_("next price"))
    def next_col(self, obj: Any) -> str:
        next_pk = getattr(obj, "next_pk", None)
        if next_pk is None:
            return "-"
        if next_pk == obj.pk:  # no price in force yet: this row is the next one
            return self.state_col(obj)
        withdraw = reverse("admin:bookshelf_contractprice_withdraw", args=[next_pk])
        return format_html(
            '<span class="num">{}</span> <a class="withdraw-link" href="{}">{}</a><br>{}',
            money(obj.next_cost, decimals=2),
            withdraw,
            gettext("withdraw"),
            gettext("from %(day)s") % {"day": obj.next_from.isoformat()},
        )

    @admin.display(description=_("earlier prices"))
    def history_col(self, obj: ContractPrice) -> str:
        n = getattr(obj, "earlier", None) or 0
        if not n:
            return "0"
        query = urlencode(
            {"show": ALL, "supplier__id__exact": str(obj.supplier_id), "q": obj.benefit.code}
        )
        url = reverse("admin:bookshelf_contractprice_changelist") + "?" + query
        return format_html('<a href="{}">{}</a>', url, n)

    def get_list_display(self, request: HttpRequest) -> Any:
        # The note and the state only with the history: today's list fits at 1440 px.
        if request.GET.get("show") == ALL:
            return [c for c in self.list_display if c not in ("next_col", "history_col")]
        return [c for c in self.list_display if c not in ("note", "state_col")]

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        missing = (
            BenefitSupplier.objects.filter(active=True)
            .alias(
                priced=Exists(
                    ContractPrice.objects.filter(
                        supplier_id=OuterRef("supplier_id"), benefit_id=OuterRef("benefit_id")
                    )
                )
            )
            .filter(priced=False)
            .select_related("supplier", "benefit")
            .order_by("supplier__code", "benefit__code")
        )
        shown = list(missing[: MISSING_SHOWN + 1])
        add_url = reverse("admin:bookshelf_contractprice_add")
        extra = {
            **(extra_context or {}),
            "missing": [
                (
                    link,
                    add_url
                    + "?"
                    + urlencode({"supplier": link.supplier_id, "benefit": link.benefit_id}),
                )
                for link in shown[:MISSING_SHOWN]
            ],
            "missing_more": len(shown) > MISSING_SHOWN,
            "today": timezone.localdate(),
        }
        return super().changelist_view(request, extra)

    # -- never edited, withdrawn only while scheduled ---------------------------------------
    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a scheduled price is withdrawn on its own page

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        return {}

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        """A saved price has no form: its pair's history instead."""
        price = self.get_object(request, unquote(object_id))
        if price is None or not self.has_view_permission(request, price):
            raise Http404(gettext("Not found."))
        query = urlencode(
            {"show": ALL, "supplier__id__exact": price.supplier_id, "q": price.benefit.code}
        )
        return HttpResponseRedirect(
            reverse("admin:bookshelf_contractprice_changelist") + "?" + query
        )

    def get_urls(self) -> list[Any]:
        return [
            path(
                "<path:object_id>/withdraw/",
                self.admin_site.admin_view(self.withdraw_view),
                name="bookshelf_contractprice_withdraw",
            ),
            *super().get_urls(),
        ]

    def _context(self, request: HttpRequest, title: str) -> dict[str, Any]:
        return {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.opts,
            "changelist_url": reverse("admin:bookshelf_contractprice_changelist"),
        }

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        """Set a new price through `price_set`."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        source = request.POST if request.method == "POST" else request.GET
        supplier_id = _int(source.get("supplier"))
        initial = {"supplier": supplier_id, "benefit": _int(request.GET.get("benefit"))}
        form = PriceSetForm(
            request.POST if request.method == "POST" else None,
            supplier_id=supplier_id,
            initial={k: v for k, v in initial.items() if v is not None},
        )
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                price = money_services.price_set(
                    supplier_id=data["supplier"].pk,
                    benefit_id=data["benefit"].pk,
                    unit_cost=data["unit_cost"],
                    valid_from=data["valid_from"],
                    note=data["note"],
                    by=request.user,
                )
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                self.log_addition(request, price, [{"added": {}}])
                self.message_user(
                    request,
                    gettext("%(supplier)s is paid %(cost)s for %(benefit)s from %(day)s.")
                    % {
                        "supplier": price.supplier.code,
                        "cost": money(price.unit_cost, decimals=2),
                        "benefit": price.benefit.code,
                        "day": price.valid_from.isoformat(),
                    },
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:bookshelf_contractprice_changelist"))
        context = {
            **self._context(request, gettext("Set a new price")),
            "form": form,
            "media": self.media + form.media,
            "supplier_id": supplier_id,
        }
        return TemplateResponse(request, SET_TEMPLATE, context)

    def withdraw_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Confirm, then withdraw a price not yet in force."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        price = (
            ContractPrice.objects.select_related("supplier", "benefit")
            .filter(pk=_int(object_id) or 0)
            .first()
        )
        if price is None:
            raise Http404(gettext("Not found."))
        back = reverse("admin:bookshelf_contractprice_changelist")
        if request.method == "POST":
            try:
                money_services.price_withdraw(price_id=price.pk)
            except DomainError as exc:
                self.message_user(request, exc.message, messages.ERROR)
            else:
                self.log_deletions(request, [price])
                self.message_user(request, gettext("The scheduled price was withdrawn."))
            return HttpResponseRedirect(back)
        context = {**self._context(request, gettext("Withdraw a scheduled price")), "price": price}
        context["in_force"] = price.valid_from <= timezone.localdate()
        return TemplateResponse(request, WITHDRAW_TEMPLATE, context)


def _int(value: Any) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None
