"""Admin pages of the living shelf: review settings, review runs (table and chart of what the
review saw), proposals (why, and approve or keep), customers' requests, satisfaction answers
and agents' notices.

Thin: "Run a review now" and the approve / keep buttons and actions call `bookshelf.review`
services (the answer views are in `review_decisions`, the run page's parts in
`review_pages`); the pages only read.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Case, QuerySet, When
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from benefits.models import BenefitStatus
from config.dates import SafeDateHierarchyMixin
from config.exceptions import DomainError
from customers.admin import (
    CustomerScopedAdmin,
    NotFoundWhenHiddenMixin,
    OfferedLookupsOnlyMixin,
    tier_badge,
)
from customers.selectors import agents_visible_to

from ..ledger.models import RedemptionFeedback
from ..review.models import (
    AgentNotification,
    DemandSignal,
    DemandSource,
    Proposal,
    ProposalKind,
    ProposalStatus,
    ReviewFinding,
    ReviewRun,
    ReviewSettings,
    ReviewStatus,
    Verdict,
)
from ..review.selectors import (
    review_in_progress,
    review_next_scheduled,
    review_thresholds_for,
    run_verdict_counts,
    tier_label,
)
from ..review.services import (
    demand_signal_create,
    proposal_approve,
    proposal_decline,
    review_run_request,
)
from .charts import RateBar, rate_chart
from .review_decisions import DecisionForm, ProposalDecisions
from .review_demand import (
    DemandTopCategoryFilter,
    discoverability_table,
    pull_wordings,
    split_into_new_group,
)
from .review_pages import (
    colon,
    count,
    findings_groups,
    list_sep,
    nps_text,
    pct,
    proposal_cost,
    summary_table,
    thresholds_table,
    users_of,
    yuan,
)

CHART_ROWS = 20
# Who may run a review now: whoever may change the review's settings (Product staff).
RUN_REVIEW_PERMISSION = "bookshelf.change_reviewsettings"


@admin.register(ReviewSettings)
class ReviewSettingsAdmin(admin.ModelAdmin):
    list_display = (
        "__str__",
        "min_usage_rate_pct",
        "min_eligible",
        "consecutive_reviews",
        "grace_days",
        "promote_nps",
        "max_cost_yuan",
        "response_days",
        "demand_threshold",
    )
    fieldsets = (
        (None, {"fields": ("category",)}),
        (
            gettext_lazy("Retiring what customers don't use"),
            {
                "fields": (
                    "min_usage_rate",
                    "min_eligible",
                    "consecutive_reviews",
                    "grace_days",
                    "promote_nps",
                    "min_responses",
                    "response_days",
                    "notify_recent_days",
                )
            },
        ),
        (gettext_lazy("Cost for its use"), {"fields": ("max_cost_per_user",)}),
        (
            gettext_lazy("Schedule and windows (default row only)"),
            {"fields": ("window_days", "review_every_days", "nps_days", "demand_threshold")},
        ),
    )

    @admin.display(description=gettext_lazy("minimum usage rate"), ordering="min_usage_rate")
    def min_usage_rate_pct(self, row: ReviewSettings) -> str:
        return pct(float(row.min_usage_rate))

    @admin.display(
        description=gettext_lazy("highest cost per active user (yuan)"),
        ordering="max_cost_per_user",
    )
    def max_cost_yuan(self, row: ReviewSettings) -> str:
        return yuan(row.max_cost_per_user)


class ProposalInline(admin.TabularInline):
    model = Proposal
    extra = 0
    can_delete = False
    # Each row's title links to its page: no "proposal: title · view" line above the row.
    classes = ["no-original"]
    fields = ("kind", "title_link", "status", "requests", "deadline")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Proposal]:
        return super().get_queryset(request).select_related("benefit")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=gettext_lazy("title"))
    def title_link(self, proposal: Proposal) -> str:
        url = reverse("admin:bookshelf_proposal_change", args=[proposal.pk])
        return format_html('<a href="{}">{}</a>', url, proposal.shown_title)


@admin.register(ReviewRun)
class ReviewRunAdmin(SafeDateHierarchyMixin, admin.ModelAdmin):
    change_list_template = "admin/bookshelf/reviewrun/change_list.html"
    list_display = (
        "__str__",
        "status",
        "benefits_reviewed",
        "retire_proposals",
        "pull_proposals",
        "started_at",
        "finished_at",
    )
    list_filter = ("status",)
    date_hierarchy = "window_end"
    inlines = [ProposalInline]
    readonly_fields = (
        "window_end",
        "window_days",
        "status",
        "started_at",
        "finished_at",
        "summary",
        "thresholds_table",
        "usage_chart",
        "findings_groups",
        "discoverability",
        "error",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # runs come from the schedule, "Run a review now" or `manage.py review_shelf`

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        head = ["window_end", "window_days", "status", "started_at", "finished_at"]
        if obj is not None and obj.status == ReviewStatus.FAILED:
            head.append("error")
        return [
            (None, {"fields": head}),
            (gettext_lazy("Summary"), {"fields": ["summary"]}),
            (
                gettext_lazy("Thresholds used"),
                {"fields": ["thresholds_table"], "classes": ["collapse"]},
            ),
            (gettext_lazy("Why: usage rates"), {"fields": ["usage_chart"]}),
            (gettext_lazy("Findings by verdict"), {"fields": ["findings_groups"]}),
            (
                gettext_lazy("Asked for what their tier already holds"),
                {"fields": ["discoverability"]},
            ),
        ]

    def get_urls(self) -> list[Any]:
        return [
            path(
                "run-now/",
                self.admin_site.admin_view(require_POST(self.run_now_view)),
                name="bookshelf_reviewrun_run_now",
            ),
            *super().get_urls(),
        ]

    @staticmethod
    def may_run_review(request: HttpRequest) -> bool:
        return bool(request.user.has_perm(RUN_REVIEW_PERMISSION))

    def run_now_view(self, request: HttpRequest) -> HttpResponse:
        """Queue the scheduled review's task for today's window (POST, permission-checked)."""
        if not self.may_run_review(request):
            raise PermissionDenied
        try:
            run = review_run_request()
        except DomainError as exc:
            self.message_user(request, exc.message, messages.WARNING)
        else:
            self.message_user(
                request,
                _(
                    "%(run)s is queued: it appears in this list now, and its findings and "
                    "proposals when it is done."
                )
                % {"run": run},
                messages.SUCCESS,
            )
        return HttpResponseRedirect(reverse("admin:bookshelf_reviewrun_changelist"))

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        context = {
            "next_review": review_next_scheduled(),
            "running_review": review_in_progress(),
            "can_run_review": self.may_run_review(request),
            "timezone_name": timezone.get_current_timezone_name(),
            **(extra_context or {}),
        }
        return super().changelist_view(request, extra_context=context)

    def _chart_rows(self, run: ReviewRun) -> QuerySet[ReviewFinding]:
        return (
            run.findings.filter(tier__isnull=True, rate__isnull=False)
            .select_related("benefit", "benefit__category")
            .annotate(retire_first=Case(When(verdict=Verdict.RETIRE, then=0), default=1))
            .order_by("retire_first", "rate", "benefit__code")
        )

    @staticmethod
    def _counts(run: ReviewRun) -> dict[str, int]:
        """Benefits per verdict, read once per page (the summary and the groups use them)."""
        if not hasattr(run, "_verdict_counts"):
            run._verdict_counts = run_verdict_counts(run)  # type: ignore[attr-defined]
        return run._verdict_counts  # type: ignore[attr-defined,no-any-return]

    @admin.display(description=gettext_lazy("benefits by verdict"))
    def summary(self, run: ReviewRun) -> SafeString:
        return summary_table(run, self._counts(run))

    @admin.display(description=gettext_lazy("thresholds used"))
    def thresholds_table(self, run: ReviewRun) -> SafeString:
        return thresholds_table(run)

    @admin.display(description=gettext_lazy("why: usage rates"))
    def usage_chart(self, run: ReviewRun) -> SafeString:
        if run.status != ReviewStatus.DONE:
            return mark_safe("")
        rows = list(self._chart_rows(run)[:CHART_ROWS])
        peak_rate = {f.benefit_id: f.rate for f in rows}
        best: dict[int, ReviewFinding] = {}
        for t in run.findings.filter(tier__isnull=False, benefit_id__in=list(peak_rate)):
            if t.rate is not None and t.rate == peak_rate[t.benefit_id]:
                best.setdefault(t.benefit_id, t)
        bars = []
        for f in rows:
            peak = best.get(f.benefit_id)
            detail = (
                colon(tier_label(peak.tier), users_of(peak.users, peak.eligible)) if peak else ""
            )
            bars.append(
                RateBar(
                    label=Truncator(f"{f.benefit.code} {f.benefit.display_name}").chars(34),
                    value=f.rate,
                    verdict=f.verdict,
                    threshold=float(
                        review_thresholds_for(run, f.benefit.category.top_code)["min_usage_rate"]
                    ),
                    note=colon(f.get_verdict_display(), detail),
                )
            )
        return rate_chart(
            bars,
            title=_("Best tier's usage rate, the %(n)s lowest (red: proposed for retirement)")
            % {"n": len(bars)},
        )

    @admin.display(description=gettext_lazy("findings"))
    def findings_groups(self, run: ReviewRun) -> SafeString:
        return findings_groups(run, self._counts(run))

    @admin.display(description=gettext_lazy("discoverability"))
    def discoverability(self, run: ReviewRun) -> SafeString:
        return discoverability_table(run)


@admin.register(ReviewFinding)
class ReviewFindingAdmin(admin.ModelAdmin):
    list_display = (
        "benefit",
        "tier_name",
        "verdict",
        "rate_pct",
        "users",
        "eligible",
        "uses",
        "cost_yuan",
        "per_user_yuan",
        "nps",
        "responses",
        "low_streak",
        "run",
    )
    list_filter = ("verdict", "tier", "run")

    class Media:
        css = {"all": ["bookshelf/review.css"]}  # the yuan columns right-aligned

    search_fields = ("benefit__code", "benefit__name_en", "benefit__name_zh_hans")
    list_select_related = ("benefit", "run")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=gettext_lazy("tier"), ordering="tier")
    def tier_name(self, finding: ReviewFinding) -> str:
        return tier_label(finding.tier)

    @admin.display(description=gettext_lazy("usage rate"), ordering="rate")
    def rate_pct(self, finding: ReviewFinding) -> str:
        return pct(finding.rate)

    @admin.display(description=gettext_lazy("cost"), ordering="cost")
    def cost_yuan(self, finding: ReviewFinding) -> str:
        return yuan(finding.cost)

    @admin.display(description=gettext_lazy("cost per user"))
    def per_user_yuan(self, finding: ReviewFinding) -> str:
        return yuan(finding.cost_per_user)


@admin.register(Proposal)
class ProposalAdmin(ProposalDecisions, admin.ModelAdmin):
    change_form_template = "admin/bookshelf/proposal/change_form.html"
    list_display = (
        "title_shown",
        "kind",
        "status",
        "requests",
        "saving_yuan",
        "deadline",
        "run",
        "decided_by",
    )
    list_filter = ("kind", "status")

    class Media:
        css = {"all": ["bookshelf/review.css"]}  # the yuan column right-aligned

    search_fields = ("title", "key", "benefit__code")
    list_select_related = ("run", "decided_by", "benefit")
    actions = ["approve", "decline"]
    readonly_fields = (
        "kind",
        "title_shown",
        "benefit_link",
        "category",
        "status",
        "deadline",
        "run",
        "why",
        "cost_text",
        "requests_text",
        "tiers_asking",
        "wordings",
        "decided_at",
        "decided_by",
        "created_at",
    )

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is not None and obj.kind == ProposalKind.PULL:
            fields = ["kind", "title_shown", "category", "benefit_link", "status", "run", "why"]
            fields += ["requests_text", "tiers_asking", "wordings"]
        else:
            fields = ["kind", "title_shown", "benefit_link", "category", "status", "deadline"]
            fields += ["run"]
            fields += ["why", "cost_text"]
        return [*fields, "decided_at", "decided_by", "created_at", "note"]

    @admin.display(description=gettext_lazy("title"), ordering="title")
    def title_shown(self, proposal: Proposal) -> str:
        return proposal.shown_title

    @admin.display(description=gettext_lazy("saving a year"), ordering="saving_per_year")
    def saving_yuan(self, proposal: Proposal) -> str:
        return yuan(proposal.saving_per_year)

    @admin.display(description=gettext_lazy("cost"))
    def cost_text(self, proposal: Proposal) -> SafeString:
        return proposal_cost(proposal)

    def get_urls(self) -> list[Any]:
        return [*self.decision_urls(), *super().get_urls()]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def _act(
        self, request: HttpRequest, queryset: QuerySet[Proposal], approve: bool, note: str = ""
    ) -> None:
        done = 0
        for proposal in queryset.order_by("pk"):
            try:
                if approve:
                    proposal_approve(proposal=proposal, by=request.user, note=note or proposal.note)
                else:
                    proposal_decline(proposal=proposal, by=request.user, note=note or proposal.note)
                done += 1
            except DomainError as exc:
                self.message_user(request, colon(proposal, exc.message), messages.WARNING)
        if done:
            self.message_user(
                request,
                ngettext("%(n)s proposal answered.", "%(n)s proposals answered.", done)
                % {"n": done},
                messages.SUCCESS,
            )

    @admin.action(
        description=gettext_lazy("Approve: retire the benefit / accept the request"),
        permissions=["change"],
    )
    def approve(self, request: HttpRequest, queryset: QuerySet[Proposal]) -> Any:
        """Asks first (what each retirement touches, what each pull creates); answers once
        the confirmation page is submitted."""
        if request.POST.get("confirm") != "yes":
            pending = queryset.filter(status=ProposalStatus.PENDING).select_related(
                "run", "benefit", "category"
            )
            return self.confirm_response(
                request, list(pending.order_by("pk")), form=DecisionForm(), bulk=True
            )
        form = DecisionForm(request.POST)
        note = form.cleaned_data["note"] if form.is_valid() else ""
        self._act(request, queryset, approve=True, note=note)
        return None

    @admin.action(
        description=gettext_lazy("Keep the benefit / dismiss the request"),
        permissions=["change"],
    )
    def decline(self, request: HttpRequest, queryset: QuerySet[Proposal]) -> None:
        self._act(request, queryset, approve=False)

    @admin.display(description=gettext_lazy("benefit"))
    def benefit_link(self, proposal: Proposal) -> SafeString | str:
        """The benefit, and for an accepted pull its draft: "Complete the draft benefit"."""
        benefit = proposal.benefit
        if benefit is None:
            return _("None yet: approving creates a draft benefit from the requests' words.")
        url = reverse("admin:benefits_benefit_change", args=[benefit.pk])
        if proposal.kind == ProposalKind.PULL and benefit.status == BenefitStatus.DRAFT:
            return format_html(
                '{} <a class="button" id="complete-draft" href="{}">{}</a>',
                benefit,
                url,
                _("Complete the draft benefit"),
            )
        return format_html('<a href="{}">{}</a>', url, benefit)

    @admin.display(description=gettext_lazy("requests"))
    def requests_text(self, proposal: Proposal) -> str:
        return ngettext(
            "%(n)s request from %(c)s customers",
            "%(n)s requests from %(c)s customers",
            proposal.requests,
        ) % {"n": count(proposal.requests), "c": count(proposal.customers)}

    @admin.display(description=gettext_lazy("how they asked"))
    def wordings(self, proposal: Proposal) -> SafeString:
        return pull_wordings(proposal)

    @admin.display(description=gettext_lazy("requests by tier"))
    def tiers_asking(self, proposal: Proposal) -> str:
        if not proposal.tiers:
            return "–"
        ordered = sorted(proposal.tiers.items(), key=lambda i: -1 if i[0] == "none" else int(i[0]))
        return list_sep().join(
            colon(
                _("No customer (agent)") if key == "none" else tier_label(int(key)),
                count(n),
            )
            for key, n in ordered
        )

    @admin.display(description=gettext_lazy("why"))
    def why(self, proposal: Proposal) -> SafeString:
        ev = proposal.evidence
        if proposal.kind == ProposalKind.PULL:
            return format_html(
                "<p>{}</p>",
                ngettext(
                    "%(n)s request in %(days)s days; a pull is proposed from %(t)s requests "
                    "for the same thing.",
                    "%(n)s requests in %(days)s days; a pull is proposed from %(t)s requests "
                    "for the same thing.",
                    proposal.requests,
                )
                % {
                    "n": count(proposal.requests),
                    "days": count(ev.get("window_days")),
                    "t": count(ev.get("threshold")),
                },
            )
        assert proposal.benefit_id is not None  # a retirement names its benefit
        summary = format_html(
            "<p>{}</p>",
            (
                _(
                    "Its uses cost %(per_user)s per active user in the window, above the "
                    "threshold %(max)s. Best tier's usage rate %(rate)s. NPS: %(nps)s."
                )
                if ev.get("costly")
                else _(
                    "Best tier's usage rate %(rate)s is below the threshold %(threshold)s for "
                    "%(low)s reviews in a row (%(needed)s needed), over %(days)s-day windows. "
                    "NPS: %(nps)s."
                )
            )
            % {
                "per_user": yuan(ev.get("cost_per_user")),
                "max": yuan(ev.get("max_cost_per_user")),
                "rate": pct(ev.get("best_rate")),
                "threshold": pct(ev.get("threshold")),
                "low": ev.get("low_reviews"),
                "needed": ev.get("needed"),
                "days": ev.get("window_days"),
                "nps": nps_text(ev.get("nps"), ev.get("responses") or 0),
            },
        )
        bars = [
            RateBar(
                label=tier_label(int(tier)),
                value=row.get("rate"),
                verdict=Verdict.RETIRE,
                threshold=ev.get("threshold"),
                note=users_of(row.get("users") or 0, row.get("eligible") or 0),
            )
            for tier, row in sorted(ev.get("tiers", {}).items(), key=lambda i: int(i[0]))
        ]
        history = [
            RateBar(
                label=str(f.run),
                value=f.rate,
                verdict=f.verdict,
                threshold=ev.get("threshold"),
            )
            for f in ReviewFinding.objects.filter(
                benefit_id=proposal.benefit_id,
                tier__isnull=True,
                run__status=ReviewStatus.DONE,
                run__window_end__lte=proposal.run.window_end,
            )
            .select_related("run")
            .order_by("-run__window_end")[:8]
        ]
        link = reverse("admin:bookshelf_reviewfinding_changelist")
        return format_html(
            '{}{}{}<p><a href="{}?benefit__id__exact={}">{}</a></p>',
            summary,
            rate_chart(bars, title=_("Usage rate by tier in this review")),
            rate_chart(history, title=_("Best tier's rate in recent reviews")),
            link,
            proposal.benefit_id,
            _("Every finding for this benefit"),
        )


@admin.register(RedemptionFeedback)
class RedemptionFeedbackAdmin(CustomerScopedAdmin):
    """Answers about the user's own customers only (an agent's, a supervisor's team's)."""

    list_display = ("redemption", "benefit", "score", "tier_snapshot", "created_at")
    list_filter = ("score", "tier_snapshot")
    search_fields = ("benefit__code", "customer__customer_no")
    list_select_related = ("benefit", "redemption")
    raw_id_fields = ("redemption", "customer", "benefit")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # answers come from the app through the API

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AgentNotification)
class AgentNotificationAdmin(OfferedLookupsOnlyMixin, NotFoundWhenHiddenMixin, admin.ModelAdmin):
    """An agent reads their own notices; a supervisor their team's."""

    list_display = ("agent", "kind", "message", "created_at", "read_at")
    list_filter = ("kind",)
    search_fields = ("agent__agent_no", "agent__name", "event_key")
    list_select_related = ("agent", "benefit")

    def get_queryset(self, request: HttpRequest) -> QuerySet[AgentNotification]:
        return super().get_queryset(request).filter(agent__in=agents_visible_to(request.user))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(DemandSignal)
class DemandSignalAdmin(CustomerScopedAdmin):
    list_display = [
        "created_at",
        "text",
        "group",
        "category",
        "benefit",
        "customer",
        "source",
        "tier_col",
    ]
    # By group: a demand group's page links to its requests (templates/.../demandgroup/).
    list_filter = [
        "source",
        "tier_snapshot",
        DemandTopCategoryFilter,
        "group",
        "group_manual",
        "created_at",
    ]
    list_select_related = ["category", "benefit", "customer", "group"]
    actions = [split_into_new_group]
    search_fields = ["text", "=customer__customer_no"]
    autocomplete_fields = ["category", "benefit", "customer"]
    fields = ["text", "category", "benefit", "customer", "source"]
    show_full_result_count = False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ["text", "customer", "source"] if obj is not None else []

    @admin.display(description=gettext_lazy("customer's tier then"), ordering="tier_snapshot")
    def tier_col(self, obj: DemandSignal) -> SafeString | str:
        return "-" if obj.tier_snapshot is None else tier_badge(obj.tier_snapshot)

    def save_model(self, request: HttpRequest, obj: DemandSignal, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        created = demand_signal_create(
            text=obj.text,
            category=obj.category,
            benefit=obj.benefit,
            customer=obj.customer,
            source=obj.source or DemandSource.AGENT,
        )
        obj.pk = created.pk
        obj.tier_snapshot = created.tier_snapshot
        obj.created_at = created.created_at
        obj._state.adding = False
