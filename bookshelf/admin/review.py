"""Admin pages of the living shelf: review settings, review runs (table and chart of what the
review saw), proposals (why, and approve or keep), customers' requests, satisfaction answers
and agents' notices.

Thin: the approve / keep actions call `bookshelf.review` services; the pages only read.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from config.dates import SafeDateHierarchyMixin
from config.exceptions import DomainError
from customers.admin import (
    CustomerScopedAdmin,
    NotFoundWhenHiddenMixin,
    OfferedLookupsOnlyMixin,
    tier_badge,
)
from customers.models import Tier
from customers.selectors import agents_visible_to

from ..ledger.models import RedemptionFeedback
from ..review.models import (
    AgentNotification,
    DemandSignal,
    DemandSource,
    Proposal,
    ProposalKind,
    ReviewFinding,
    ReviewRun,
    ReviewSettings,
    ReviewStatus,
    Verdict,
)
from ..review.selectors import review_thresholds_for, tier_label
from ..review.services import demand_signal_create, proposal_approve, proposal_decline
from .charts import RateBar, rate_chart

CHART_ROWS = 40

# Most telling first: what the review proposes, then what it flags, then the rest.
VERDICT_ORDER = [
    Verdict.RETIRE,
    Verdict.PROMOTE,
    Verdict.PENDING,
    Verdict.LOW,
    Verdict.GRACE,
    Verdict.HEALTHY,
    Verdict.TOO_FEW,
]


def _rate(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f}%"


def _nps(value: int | None, responses: int) -> str:
    return "–" if value is None else f"{value:+d} ({responses})"


@admin.register(ReviewSettings)
class ReviewSettingsAdmin(admin.ModelAdmin):
    list_display = (
        "__str__",
        "min_usage_rate",
        "min_eligible",
        "consecutive_reviews",
        "grace_days",
        "promote_nps",
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
        (
            gettext_lazy("Schedule and windows (default row only)"),
            {"fields": ("window_days", "review_every_days", "nps_days", "demand_threshold")},
        ),
    )


class ProposalInline(admin.TabularInline):
    model = Proposal
    extra = 0
    can_delete = False
    show_change_link = True
    fields = ("kind", "title", "status", "requests", "deadline")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ReviewRun)
class ReviewRunAdmin(SafeDateHierarchyMixin, admin.ModelAdmin):
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
        "benefits_reviewed",
        "retire_proposals",
        "pull_proposals",
        "thresholds_table",
        "usage_chart",
        "findings_table",
        "error",
    )
    fields = readonly_fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # runs come from the schedule or `manage.py review_shelf`

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def _benefit_rows(self, run: ReviewRun) -> QuerySet[ReviewFinding]:
        order = Case(
            *(When(verdict=v, then=Value(i)) for i, v in enumerate(VERDICT_ORDER)),
            output_field=IntegerField(),
        )
        return (
            run.findings.filter(tier__isnull=True)
            .select_related("benefit", "benefit__category")
            .annotate(verdict_order=order)
            .order_by("verdict_order", "rate", "benefit__code")
        )

    @admin.display(description=gettext_lazy("thresholds used"))
    def thresholds_table(self, run: ReviewRun) -> SafeString:
        rows = [(_("Default"), run.thresholds.get("default", {}))]
        rows += sorted(run.thresholds.get("categories", {}).items())
        keys = list(rows[0][1]) if rows[0][1] else []
        head = format_html_join("", "<th>{}</th>", ((k,) for k in keys))
        body = format_html_join(
            "",
            "<tr><th>{}</th>{}</tr>",
            (
                (name, format_html_join("", "<td>{}</td>", ((values.get(k, ""),) for k in keys)))
                for name, values in rows
            ),
        )
        return format_html("<table><tr><th></th>{}</tr>{}</table>", head, body)

    @admin.display(description=gettext_lazy("why: usage rates"))
    def usage_chart(self, run: ReviewRun) -> SafeString:
        if run.status != ReviewStatus.DONE:
            return mark_safe("")
        rows = [f for f in self._benefit_rows(run) if f.rate is not None]
        rows.sort(key=lambda f: (f.verdict != Verdict.RETIRE, f.rate or 0))
        rows = rows[:CHART_ROWS]
        peak_rate = {f.benefit_id: f.rate for f in rows}
        best: dict[int, ReviewFinding] = {}
        for t in run.findings.filter(tier__isnull=False, benefit_id__in=list(peak_rate)):
            if t.rate is not None and t.rate == peak_rate[t.benefit_id]:
                best.setdefault(t.benefit_id, t)
        bars = []
        for f in rows:
            peak = best.get(f.benefit_id)
            detail = f"{tier_label(peak.tier)} {peak.users}/{peak.eligible}" if peak else ""
            bars.append(
                RateBar(
                    label=f"{f.benefit.code} {f.benefit.display_name}",
                    value=f.rate,
                    verdict=f.verdict,
                    threshold=float(
                        review_thresholds_for(run, f.benefit.category.top_code)["min_usage_rate"]
                    ),
                    note=f"{f.get_verdict_display()}: {detail}",
                )
            )
        return rate_chart(
            bars,
            title=_("Best tier's usage rate, the %(n)s lowest (red: proposed for retirement)")
            % {"n": len(bars)},
        )

    @admin.display(description=gettext_lazy("findings"))
    def findings_table(self, run: ReviewRun) -> SafeString:
        benefit_rows = list(self._benefit_rows(run))
        tiers: dict[int, list[ReviewFinding]] = {}
        for f in run.findings.filter(tier__isnull=False).order_by("benefit_id", "tier"):
            tiers.setdefault(f.benefit_id, []).append(f)
        header = format_html_join(
            "",
            "<th>{}</th>",
            (
                (h,)
                for h in (
                    _("Benefit"),
                    _("Verdict"),
                    _("Best tier's rate"),
                    _("Low reviews in a row"),
                    _("Users / could use"),
                    _("Uses"),
                    _("NPS (answers)"),
                    _("By tier: users / could use (rate)"),
                )
            ),
        )
        body = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{} / {}</td><td>{}</td>"
            "<td>{}</td><td>{}</td></tr>",
            (
                (
                    f.benefit,
                    f.get_verdict_display(),
                    _rate(f.rate),
                    f.low_streak,
                    f.users,
                    f.eligible,
                    f.uses,
                    _nps(f.nps, f.responses),
                    "; ".join(
                        f"{tier_label(t.tier)} {t.users}/{t.eligible} ({_rate(t.rate)})"
                        for t in tiers.get(f.benefit_id, [])
                    ),
                )
                for f in benefit_rows
            ),
        )
        return format_html("<table><thead><tr>{}</tr></thead>{}</table>", header, body)


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
        "nps",
        "responses",
        "low_streak",
        "run",
    )
    list_filter = ("verdict", "tier", "run")
    search_fields = ("benefit__code", "benefit__name", "benefit__name_zh")
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
        return _rate(finding.rate)


@admin.register(Proposal)
class ProposalAdmin(admin.ModelAdmin):
    list_display = ("title", "kind", "status", "requests", "deadline", "run", "decided_by")
    list_filter = ("kind", "status")
    search_fields = ("title", "key", "benefit__code")
    list_select_related = ("run", "decided_by", "benefit")
    actions = ["approve", "decline"]
    readonly_fields = (
        "kind",
        "title",
        "benefit",
        "category",
        "status",
        "deadline",
        "run",
        "why",
        "requests",
        "customers",
        "tiers_asking",
        "decided_at",
        "decided_by",
        "created_at",
    )
    fields = (*readonly_fields, "note")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def _act(self, request: HttpRequest, queryset: QuerySet[Proposal], approve: bool) -> None:
        done = 0
        for proposal in queryset.order_by("pk"):
            try:
                if approve:
                    proposal_approve(proposal=proposal, by=request.user, note=proposal.note)
                else:
                    proposal_decline(proposal=proposal, by=request.user, note=proposal.note)
                done += 1
            except DomainError as exc:
                self.message_user(request, f"{proposal}: {exc.message}", messages.WARNING)
        if done:
            self.message_user(
                request, _("%(n)s proposals answered.") % {"n": done}, messages.SUCCESS
            )

    @admin.action(
        description=gettext_lazy("Approve: retire the benefit / accept the request"),
        permissions=["change"],
    )
    def approve(self, request: HttpRequest, queryset: QuerySet[Proposal]) -> None:
        self._act(request, queryset, approve=True)

    @admin.action(
        description=gettext_lazy("Keep the benefit / dismiss the request"),
        permissions=["change"],
    )
    def decline(self, request: HttpRequest, queryset: QuerySet[Proposal]) -> None:
        self._act(request, queryset, approve=False)

    @admin.display(description=gettext_lazy("requests by tier"))
    def tiers_asking(self, proposal: Proposal) -> str:
        if not proposal.tiers:
            return "–"
        parts = []
        for key, n in sorted(proposal.tiers.items()):
            label = _("No customer (agent)") if key == "none" else Tier(int(key)).label
            parts.append(f"{label}: {n}")
        return ", ".join(parts)

    @admin.display(description=gettext_lazy("why"))
    def why(self, proposal: Proposal) -> SafeString:
        if proposal.kind == ProposalKind.PULL:
            return format_html(
                "{}",
                _(
                    "%(n)s requests from %(c)s customers in %(days)s days "
                    "(threshold %(t)s): see the tiers asking below."
                )
                % {
                    "n": proposal.requests,
                    "c": proposal.customers,
                    "days": proposal.evidence.get("window_days"),
                    "t": proposal.evidence.get("threshold"),
                },
            )
        ev = proposal.evidence
        assert proposal.benefit_id is not None  # a retirement names its benefit
        summary = format_html(
            "<p>{}</p>",
            _(
                "Best tier's usage rate %(rate)s is below the threshold %(threshold)s for "
                "%(low)s reviews in a row (%(needed)s needed), over %(days)s-day windows. "
                "NPS: %(nps)s."
            )
            % {
                "rate": _rate(ev.get("best_rate")),
                "threshold": _rate(ev.get("threshold")),
                "low": ev.get("low_reviews"),
                "needed": ev.get("needed"),
                "days": ev.get("window_days"),
                "nps": _nps(ev.get("nps"), ev.get("responses") or 0),
            },
        )
        bars = [
            RateBar(
                label=str(Tier(int(tier)).label),
                value=row.get("rate"),
                verdict=Verdict.RETIRE,
                threshold=ev.get("threshold"),
                note=f"{row.get('users')}/{row.get('eligible')}",
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
    list_display = ["created_at", "text", "category", "benefit", "customer", "source", "tier_col"]
    list_filter = ["source", "tier_snapshot", "category", "created_at"]
    list_select_related = ["category", "benefit", "customer"]
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
