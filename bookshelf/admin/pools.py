"""Product staff's code pools: each pool's stock counted in one query, a notice of the pools
running low, the supplier's file imported (check first if you like), and the codes listed
by state and validity. No page ever shows a code or its fingerprint: a code is shown once,
to the customer whose use claimed it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from benefits.models import Benefit, FulfilmentKind
from benefits.text import translated
from config.exceptions import DomainError

from ..fulfilment.models import CodePool, CodeState, PoolCode, Supplier
from ..fulfilment.selectors import pools_low_stock, pools_with_stock
from ..fulfilment.services import codes_import

# The codes a pool's page lists; the codes list has them all, paginated.
INLINE_CODES = 50
MAX_FILE_BYTES = 20 * 1024 * 1024
INLINE_FIELDS = ("status", "valid_from", "valid_until", "claimed_at", "claimed_by")
CODE_FIELDS = (
    "pool",
    "status",
    "valid_from",
    "valid_until",
    "claimed_at",
    "claimed_by",
    "imported_at",
)


class CodeFileForm(forms.Form):
    file = forms.FileField(
        label=_("Supplier's file"),
        help_text=_(
            "CSV (UTF-8 or GB18030) or Excel .xlsx. First row: code, valid_from, valid_until "
            "(or 券码, 生效日期, 失效日期); dates as YYYY-MM-DD; only the code is required."
        ),
    )
    check_only = forms.BooleanField(
        label=_("Check only, import nothing"),
        required=False,
        help_text=_("Reads and counts the file; choose it again without this to import."),
    )

    def clean_file(self) -> Any:
        file = self.cleaned_data["file"]
        if file.size > MAX_FILE_BYTES:
            raise forms.ValidationError(
                gettext("The file is larger than %(mb)d MB: split it.")
                % {"mb": MAX_FILE_BYTES // (1024 * 1024)}
            )
        if not file.name.lower().endswith((".csv", ".txt", ".xlsx")):
            raise forms.ValidationError(gettext("Choose a .csv or .xlsx file."))
        return file


def lazy_str(text: Callable[[], str]) -> Any:
    """A text made in the reader's language when it is shown, not when the module loads."""
    return lazy(text, str)()


def code_status(code: PoolCode) -> str:
    """The code's state, saying why an unclaimed one cannot be claimed today."""
    today = timezone.localdate()
    if code.state == CodeState.AVAILABLE:
        if code.valid_until is not None and code.valid_until < today:
            return gettext("Expired unclaimed")
        if code.valid_from is not None and code.valid_from > today:
            return gettext("Not yet valid")
    return str(code.get_state_display())


def claimed_by_link(code: PoolCode) -> SafeString | str:
    if code.redemption_id_claimed is None:
        return "-"
    url = reverse("admin:bookshelf_redemption_change", args=[code.redemption_id_claimed])
    return format_html('<a href="{}">#{}</a>', url, code.redemption_id_claimed)


class PoolCodeInline(admin.TabularInline):  # type: ignore[type-arg]
    """The pool's first codes in the order they are claimed: state and validity, never the
    code."""

    model = PoolCode
    fields = INLINE_FIELDS
    readonly_fields = INLINE_FIELDS
    extra = 0
    max_num = 0
    can_delete = False
    classes = ["no-original"]
    verbose_name_plural = lazy_str(
        lambda: (
            gettext("codes (the first %(n)d; every code is on the codes list)")
            % {"n": INLINE_CODES}
        )
    )

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[PoolCode]:
        # A formset filters by its pool afterwards, so the limit is a subquery, not a slice.
        match = request.resolver_match
        object_id = str(match.kwargs.get("object_id", "")) if match else ""
        pool_id = int(object_id) if object_id.isdigit() else 0
        first = (
            PoolCode.objects.filter(pool_id=pool_id)
            .order_by("state", "valid_until", "id")
            .values("pk")[:INLINE_CODES]
        )
        return PoolCode.objects.filter(pk__in=first).order_by("state", "valid_until", "id")

    @admin.display(description=_("claimed by use"))
    def claimed_by(self, obj: PoolCode) -> SafeString | str:
        return claimed_by_link(obj)

    @admin.display(description=_("state"), ordering="state")
    def status(self, obj: PoolCode) -> str:
        return code_status(obj)


class CodePoolForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = CodePool
        fields = ["benefit", "supplier", "low_stock_threshold"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "benefit" in self.fields:
            field = self.fields["benefit"]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = Benefit.objects.filter(fulfilment_kind=FulfilmentKind.ISSUED)
            field.help_text = _("Benefits of the issued kind (codes, vouchers, e-cards).")
        if "supplier" in self.fields:
            field = self.fields["supplier"]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = Supplier.objects.filter(active=True)
            field.help_text = _("It must deliver the benefit, or its codes are never claimed.")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        benefit, supplier = data.get("benefit"), data.get("supplier")
        if benefit and supplier and not supplier.benefits.filter(benefit=benefit).exists():
            self.add_error("supplier", gettext("This supplier does not deliver this benefit."))
        return data


@admin.register(CodePool)
class CodePoolAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    form = CodePoolForm
    list_display = [
        "benefit_name",
        "supplier_name",
        "available",
        "claimed",
        "void",
        "low_stock_threshold",
        "alert",
    ]
    list_select_related = ["benefit", "supplier"]
    list_filter = ["supplier"]
    search_fields = [
        "^benefit__code",
        "benefit__name_en",
        "benefit__name_zh_hans",
        "^supplier__code",
    ]
    readonly_fields = ["stock", "low_stock_alerted_at", "codes_link"]
    change_list_template = "admin/bookshelf/codepool/change_list.html"
    change_form_template = "admin/bookshelf/codepool/change_form.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return pools_with_stock(timezone.localdate())

    def get_inlines(self, request: HttpRequest, obj: Any = None) -> Any:
        return [PoolCodeInline] if obj is not None else []

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ["benefit", "supplier", "low_stock_threshold"]
        return ["low_stock_threshold", "low_stock_alerted_at", "stock", "codes_link"]

    def get_urls(self) -> list[Any]:
        return [
            path(
                "<path:object_id>/import/",
                self.admin_site.admin_view(self.import_view),
                name="bookshelf_codepool_import",
            ),
            *super().get_urls(),
        ]

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        extra = {**(extra_context or {}), "low_pools": pools_low_stock(timezone.localdate())}
        return super().changelist_view(request, extra)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        pool = self.get_object(request, unquote(object_id))
        extra = {
            **(extra_context or {}),
            "may_import": pool is not None and self.has_change_permission(request, pool),
        }
        return super().change_view(request, object_id, form_url, extra)

    def import_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Upload the supplier's file: all of it is imported, or (a bad row) none of it."""
        pool = self.get_object(request, unquote(object_id))
        if pool is None:
            raise Http404
        if not self.has_change_permission(request, pool):
            raise PermissionDenied
        form = CodeFileForm(request.POST or None, request.FILES or None)
        report = refusal = None
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                report = codes_import(
                    pool=pool,
                    file=upload,
                    filename=upload.name,
                    check_only=form.cleaned_data["check_only"],
                )
            except DomainError as exc:
                refusal = exc
            else:
                if not report.checked_only:
                    self.message_user(request, self._imported_text(report), messages.SUCCESS)
                    pool = self.get_object(request, unquote(object_id)) or pool  # fresh counts
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Import codes"),
            "subtitle": str(pool),
            "opts": self.opts,
            "original": pool,
            "pool_name": self.benefit_name(pool),
            "form": form,
            "report": report,
            "refusal": refusal,
        }
        return TemplateResponse(request, "admin/bookshelf/codepool/import.html", context)

    @staticmethod
    def _imported_text(report: Any) -> str:
        return ngettext("%(n)d code imported.", "%(n)d codes imported.", report.imported) % {
            "n": report.imported
        }

    @admin.display(description=_("benefit"), ordering="benefit__code")
    def benefit_name(self, obj: CodePool) -> str:
        return f"{obj.benefit.code} {translated(obj.benefit, 'name')}"

    @admin.display(description=_("supplier"), ordering="supplier__code")
    def supplier_name(self, obj: CodePool) -> str:
        return translated(obj.supplier, "name")

    @admin.display(description=_("available now"), ordering="available")
    def available(self, obj: Any) -> int:
        return int(obj.available)

    @admin.display(description=_("not yet valid"), ordering="upcoming")
    def upcoming(self, obj: Any) -> int:
        return int(obj.upcoming)

    @admin.display(description=_("claimed"), ordering="claimed")
    def claimed(self, obj: Any) -> int:
        return int(obj.claimed)

    @admin.display(description=_("void"), ordering="void")
    def void(self, obj: Any) -> int:
        return int(obj.void)

    @admin.display(description=_("expired unclaimed"), ordering="expired")
    def expired(self, obj: Any) -> int:
        return int(obj.expired)

    @admin.display(description=_("low stock"))
    def alert(self, obj: Any) -> SafeString | str:
        if obj.low_stock_threshold and obj.available < obj.low_stock_threshold:
            return format_html('<span class="stock-low">{}</span>', gettext("Running low"))
        return "-"

    @admin.display(description=_("stock"))
    def stock(self, obj: Any) -> str:
        return gettext(
            "%(available)d available now, %(upcoming)d not yet valid, %(claimed)d claimed, "
            "%(void)d void, %(expired)d expired unclaimed"
        ) % {
            "available": obj.available,
            "upcoming": obj.upcoming,
            "claimed": obj.claimed,
            "void": obj.void,
            "expired": obj.expired,
        }

    @admin.display(description=_("codes"))
    def codes_link(self, obj: CodePool) -> SafeString:
        url = reverse("admin:bookshelf_poolcode_changelist") + f"?pool__id__exact={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, gettext("Every code of this pool"))


@admin.register(PoolCode)
class PoolCodeAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Every code by state and validity, never the code itself; found by the use that
    claimed it. (No search by code: the typed code would travel in the address, into
    access logs.)"""

    list_display = ["pool", "status", "valid_from", "valid_until", "claimed_at", "claimed_by"]
    list_filter = ["state", "pool"]
    list_select_related = ["pool__benefit", "pool__supplier"]
    fields = CODE_FIELDS
    readonly_fields = CODE_FIELDS
    search_fields = ["=redemption_id_claimed"]
    search_help_text = _("The number of the use that claimed a code.")
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("claimed by use"))
    def claimed_by(self, obj: PoolCode) -> SafeString | str:
        return claimed_by_link(obj)

    @admin.display(description=_("state"), ordering="state")
    def status(self, obj: PoolCode) -> str:
        return code_status(obj)
