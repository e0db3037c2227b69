"""Product staff's reconciliation of a supplier statement: import the supplier's bill (its
column mapping pre-filled from the supplier's last one, the file's headers shown when it does
not fit), see what differs by kind, and decide each difference with a note.

The page is `admin:bookshelf_statement_reconcile` (the statements page links to it). It is
registered here, on the reconciliation items' admin, which also lists every item read-only.
Reading needs the items' view permission; importing and deciding their change permission.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils.formats import number_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from benefits.text import translated
from config.exceptions import DomainError

from ..money.models import ItemStatus, ReconciliationItem, Statement
from ..money.selectors import reconciliation_of
from ..money.services import Decision, bill_import, item_decide

MAX_FILE_BYTES = 10 * 1024 * 1024
ZERO = Decimal("0.00")


class BillForm(forms.Form):
    file = forms.FileField(
        label=_("Supplier's bill"),
        help_text=_("CSV (UTF-8 or GBK) or Excel .xlsx, with a header row; at most 10 MB."),
    )
    reference = forms.CharField(
        label=_("Reference column"),
        max_length=80,
        help_text=_("The column with the supplier's order number, e.g. 订单号."),
    )
    amount = forms.CharField(
        label=_("Amount column"), max_length=80, help_text=_("The amount in yuan, e.g. 金额.")
    )
    date = forms.CharField(label=_("Date column"), max_length=80, required=False)
    benefit = forms.CharField(label=_("Benefit column"), max_length=80, required=False)

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


class DecideForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            (Decision.ACCEPT, _("Accept theirs")),
            (Decision.DISPUTE, _("Dispute (ours stands)")),
            (Decision.ADJUST, _("Adjust to agreed")),
        ],
    )
    agreed = forms.CharField(label=_("Agreed amount (yuan)"), required=False, max_length=20)
    note = forms.CharField(label=_("Note"), max_length=300)


def yuan(amount: Decimal | None) -> str:
    return "–" if amount is None else number_format(amount, 2, force_grouping=True)


def _statement_links(statement: Statement) -> tuple[str | None, str | None]:
    """The statements list and this statement's page, when the statements admin is there."""
    try:
        return (
            reverse("admin:bookshelf_statement_changelist"),
            reverse("admin:bookshelf_statement_change", args=[statement.pk]),
        )
    except NoReverseMatch:
        return None, None


@admin.register(ReconciliationItem)
class ReconciliationItemAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["reference", "kind", "statement", "ours", "theirs", "status", "decided_by"]
    list_filter = ["kind", "status"]
    list_select_related = ["statement__supplier", "decided_by"]
    search_fields = ["=reference"]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return [f.name for f in self.model._meta.fields]

    def get_urls(self) -> list[Any]:
        return [
            path(
                "statement/<int:statement_id>/reconcile/",
                self.admin_site.admin_view(self.reconcile_view),
                name="bookshelf_statement_reconcile",
            ),
            *super().get_urls(),
        ]

    def reconcile_view(self, request: HttpRequest, statement_id: int) -> HttpResponse:
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        statement = Statement.objects.select_related("supplier").filter(pk=statement_id).first()
        if statement is None:
            raise Http404
        may_change = self.has_change_permission(request)
        if request.method == "POST":
            if not may_change:
                raise PermissionDenied
            if request.POST.get("action") == "decide":
                return self._decide(request, statement)
        view = reconciliation_of(statement)
        refusal: DomainError | None = None
        form = self._bill_form(request, view)
        if request.method == "POST" and form.is_valid():
            refusal = self._import(request, statement, form)
            if refusal is None:
                return HttpResponseRedirect(request.path)
        return self._page(request, statement, view, form, refusal, may_change)

    @staticmethod
    def _bill_form(request: HttpRequest, view: Any) -> BillForm:
        if request.method == "POST":
            return BillForm(request.POST, request.FILES)
        mapping = view.mapping
        initial = (
            {
                "reference": mapping.reference_column,
                "amount": mapping.amount_column,
                "date": mapping.date_column,
                "benefit": mapping.benefit_column,
            }
            if mapping
            else {"reference": "订单号", "amount": "金额"}
        )
        return BillForm(initial=initial)

    def _import(self, request: HttpRequest, statement: Statement, form: BillForm) -> Any:
        upload = form.cleaned_data["file"]
        try:
            report = bill_import(
                statement_id=statement.pk,
                file=upload,
                file_name=upload.name,
                mapping_fields={
                    k: form.cleaned_data[k] for k in ("reference", "amount", "date", "benefit")
                },
                by=request.user,
            )
        except DomainError as exc:
            return exc
        self.message_user(
            request,
            gettext(
                "Bill imported: %(lines)s lines. %(missing)s missing from it, %(extra)s not in "
                "our records, %(mismatch)s with different amounts."
            )
            % {
                "lines": report.bill.lines,
                "missing": report.missing,
                "extra": report.extra,
                "mismatch": report.mismatch,
            },
            messages.SUCCESS,
        )
        return None

    def _decide(self, request: HttpRequest, statement: Statement) -> HttpResponse:
        form = DecideForm(request.POST)
        item_id = request.POST.get("item", "")
        if not item_id.isdigit() or not statement.items.filter(pk=int(item_id)).exists():
            raise Http404
        if not form.is_valid():
            errors = "; ".join(str(e) for errs in form.errors.values() for e in errs)
            self.message_user(request, errors, messages.ERROR)
            return HttpResponseRedirect(request.path)
        try:
            item = item_decide(
                item_id=int(item_id),
                decision=form.cleaned_data["decision"],
                note=form.cleaned_data["note"],
                agreed=form.cleaned_data["agreed"] or None,
                by=request.user,
            )
        except DomainError as exc:
            self.message_user(request, exc.message, messages.ERROR)
        else:
            self.message_user(
                request,
                gettext("%(reference)s: %(status)s.")
                % {"reference": item.reference, "status": item.get_status_display()},
                messages.SUCCESS,
            )
        return HttpResponseRedirect(request.path)

    def _page(
        self,
        request: HttpRequest,
        statement: Statement,
        view: Any,
        form: BillForm,
        refusal: DomainError | None,
        may_change: bool,
    ) -> TemplateResponse:
        statements_url, statement_url = _statement_links(statement)
        groups = [
            {
                "kind": kind,
                "label": label,
                "rows": [
                    {
                        "item": item,
                        "ours": yuan(item.ours),
                        "theirs": yuan(item.theirs),
                        "difference": yuan((item.theirs or ZERO) - (item.ours or ZERO)),
                        "agreed": yuan(item.agreed),
                        "open": item.status == ItemStatus.OPEN,
                    }
                    for item in items
                ],
            }
            for kind, label, items in view.groups
        ]
        bill_total = view.bills[0].total if view.bills else None
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Reconciliation"),
            "subtitle": None,
            "opts": self.opts,
            "statement": statement,
            "supplier_name": translated(statement.supplier, "name"),
            "statements_url": statements_url,
            "statement_url": statement_url,
            "view": view,
            "groups": groups,
            "our_total": yuan(view.our_total),
            "bill_total": yuan(bill_total),
            "bills": [{"bill": b, "total": yuan(b.total)} for b in view.bills],
            "form": form,
            "decide_form": DecideForm(),
            "refusal": refusal,
            "may_change": may_change and statement.status != "approved",
        }
        return TemplateResponse(request, "admin/bookshelf/reconcile/reconcile.html", context)
