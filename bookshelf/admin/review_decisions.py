"""Product staff answer a proposal: on its own page (Approve / Keep buttons) or for several
at once (the list's bulk actions). Both go through the same review services; approving
always passes a confirmation page that shows what it will do: for a retirement, who used
the benefit recently, who is told and who holds it; for a pull, the draft benefit it creates.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from benefits.models import BenefitStatus, Category
from config.exceptions import DomainError

from ..review.models import Proposal, ProposalKind, ProposalStatus
from ..review.selectors import RetirementImpact, pull_request_words, retirement_impact, tier_label
from ..review.services import proposal_approve, proposal_decline
from .review_pages import colon, count, list_sep


class DecisionForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("Note (optional)"),
        max_length=500,
        required=False,
        widget=forms.TextInput(attrs={"size": 60}),
    )


class PullCategoryForm(DecisionForm):
    category = forms.ModelChoiceField(
        label=gettext_lazy("Category of the new benefit"),
        queryset=Category.objects.order_by("path_code"),
        help_text=gettext_lazy("The requests name no category: choose where the draft goes."),
    )


@dataclass
class Pending:
    """One proposal on the confirmation page, with what approving it does."""

    proposal: Proposal
    impact: RetirementImpact | None = None
    words: list[tuple[str, int]] | None = None

    @property
    def tiers_holding(self) -> str:
        if self.impact is None:
            return ""
        return list_sep().join(
            colon(tier_label(tier), count(n)) for tier, n in self.impact.holders_by_tier.items()
        )

    @property
    def creates_draft(self) -> bool:
        return self.proposal.kind == ProposalKind.PULL and self.proposal.benefit_id is None


def _pending(proposal: Proposal) -> Pending:
    if proposal.kind == ProposalKind.RETIRE:
        return Pending(proposal, impact=retirement_impact(proposal=proposal))
    return Pending(proposal, words=pull_request_words(proposal))


def _approved_message(request: HttpRequest, proposal: Proposal) -> None:
    benefit = proposal.benefit
    if proposal.kind == ProposalKind.RETIRE:
        messages.success(request, _("%(benefit)s is retired.") % {"benefit": benefit})
    elif benefit is not None and benefit.status == BenefitStatus.DRAFT:
        url = reverse("admin:benefits_benefit_change", args=[benefit.pk])
        messages.success(
            request,
            format_html(
                '{} <a href="{}">{}</a>',
                _("Accepted: draft benefit %(code)s created.") % {"code": benefit.code},
                url,
                _("Complete the draft benefit"),
            ),
        )
    else:
        messages.success(request, _("Accepted: %(title)s.") % {"title": proposal.shown_title})


class ProposalDecisions:
    """Mixed into the proposal admin: the answer views and the confirmation page."""

    admin_site: Any
    model: type[Proposal]
    confirm_template = "admin/bookshelf/proposal/approve_confirm.html"

    has_change_permission: Callable[..., bool]  # the ModelAdmin's

    def decision_urls(self) -> list[Any]:
        wrap = self.admin_site.admin_view
        return [
            path(
                "<int:object_id>/approve/",
                wrap(self.approve_view),
                name="bookshelf_proposal_approve",
            ),
            path(
                "<int:object_id>/decline/",
                wrap(require_POST(self.decline_view)),
                name="bookshelf_proposal_decline",
            ),
        ]

    def _answerable(self, request: HttpRequest, object_id: int) -> Proposal:
        proposal = get_object_or_404(
            Proposal.objects.select_related("run", "benefit", "category"), pk=object_id
        )
        if not self.has_change_permission(request, proposal):
            raise PermissionDenied
        return proposal

    @staticmethod
    def _back(proposal: Proposal) -> HttpResponseRedirect:
        return HttpResponseRedirect(reverse("admin:bookshelf_proposal_change", args=[proposal.pk]))

    def approve_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        """GET, or POST without `confirm`: the confirmation page. POST with it: approve."""
        proposal = self._answerable(request, object_id)
        if proposal.status != ProposalStatus.PENDING:
            messages.warning(request, _("This proposal has already been answered."))
            return self._back(proposal)
        needs_category = proposal.kind == ProposalKind.PULL and (
            proposal.benefit_id is None and proposal.category_id is None
        )
        form_class = PullCategoryForm if needs_category else DecisionForm
        confirmed = request.method == "POST" and request.POST.get("confirm") == "yes"
        form = form_class(request.POST if confirmed else None, initial={"note": proposal.note})
        if confirmed and form.is_valid():
            try:
                done = proposal_approve(
                    proposal=proposal,
                    by=request.user,
                    note=form.cleaned_data["note"],
                    category=form.cleaned_data.get("category"),
                )
            except DomainError as exc:
                messages.error(request, exc.message)
                return self._back(proposal)
            _approved_message(request, done)
            return self._back(proposal)
        return self.confirm_response(request, [proposal], form=form, bulk=False)

    def decline_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        proposal = self._answerable(request, object_id)
        form = DecisionForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("The note is at most 500 characters."))
            return self._back(proposal)
        try:
            proposal_decline(proposal=proposal, by=request.user, note=form.cleaned_data["note"])
        except DomainError as exc:
            messages.error(request, exc.message)
            return self._back(proposal)
        if proposal.kind == ProposalKind.RETIRE:
            messages.success(
                request, _("Kept: %(benefit)s stays on the shelf.") % {"benefit": proposal.benefit}
            )
        else:
            messages.success(request, _("Dismissed: %(title)s.") % {"title": proposal.shown_title})
        return self._back(proposal)

    def confirm_response(
        self,
        request: HttpRequest,
        proposals: list[Proposal] | QuerySet[Proposal],
        *,
        form: forms.Form,
        bulk: bool,
    ) -> TemplateResponse:
        items = [_pending(p) for p in proposals]
        if bulk:
            label = ngettext("Yes, approve it", "Yes, approve all %(n)s", len(items)) % {
                "n": len(items)
            }
        elif items and items[0].impact is not None:
            label = _("Yes, retire it")
        else:
            label = _("Yes, approve")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": ngettext(
                "Approve this proposal?", "Approve these %(n)s proposals?", len(items)
            )
            % {"n": len(items)},
            "items": items,
            "confirm_label": label,
            "form": form,
            "bulk": bulk,
        }
        return TemplateResponse(request, self.confirm_template, context)
