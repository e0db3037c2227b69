"""Reading the NPS loop: NPS (% promoters 9-10 minus % detractors 0-6) and answers by benefit,
tier, agent, channel and supplier; the response rate of survey invitations; the monthly
trend; and how fast agents and teams call their detractors back.

Every figure is aggregated in the database (one GROUP BY per table) from the answer's own
snapshots (`RedemptionFeedback.tier_snapshot`, `channel`, `supplier`, `agent`), so the report
reads a fixed number of queries whatever the data (`NPS_REPORT_QUERIES`). The median time
to first contact is taken in Python from one query of the durations (SQLite has no
percentile), the follow-ups of the period being few next to the answers.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from benefits.text import chooser
from customers.models import Agent, Tier
from customers.selectors import agents_visible_to, user_sees_all_customers

from ..ledger.models import Channel, RedemptionFeedback
from .followups import DETRACTOR_MAX
from .models import DetractorFollowUp, InvitationStatus, SurveyInvitation, SurveySettings

PROMOTER_MIN = 9
NPS_PERIODS = (30, 90, 180, 365)
NPS_DEFAULT_DAYS = 90
TREND_MONTHS = 12
# Pinned by the tests: settings, five NPS tables, response rates, the trend, follow-up counts
# and their durations.
NPS_REPORT_QUERIES = 10


def nps_of(answers: int, promoters: int, detractors: int) -> float | None:
    """NPS from -100 to 100, None without answers."""
    if not answers:
        return None
    return round(100 * (promoters - detractors) / answers, 1)


@dataclass(frozen=True)
class NpsRow:
    """NPS of one slice (a benefit, a tier, an agent...); `key` is its id or stored value."""

    key: Any
    label: str
    code: str
    answers: int
    promoters: int
    detractors: int

    @property
    def passives(self) -> int:
        return self.answers - self.promoters - self.detractors

    @property
    def nps(self) -> float | None:
        return nps_of(self.answers, self.promoters, self.detractors)


@dataclass(frozen=True)
class ResponseRow:
    key: Any
    label: str
    code: str
    sent: int
    answered: int

    @property
    def rate(self) -> float | None:
        return self.answered / self.sent if self.sent else None


@dataclass(frozen=True)
class MonthNps:
    month: date
    answers: int
    promoters: int
    detractors: int

    @property
    def nps(self) -> float | None:
        return nps_of(self.answers, self.promoters, self.detractors)


@dataclass
class FollowUpStats:
    """Detractor follow-ups of an agent or a team, opened in the period."""

    key: Any
    label: str
    code: str
    followups: int = 0
    contacted: int = 0
    contacted_in_time: int = 0
    escalated: int = 0
    open: int = 0
    durations: list[float] = field(default_factory=list, repr=False)  # hours to first contact

    @property
    def median_hours(self) -> float | None:
        return round(statistics.median(self.durations), 1) if self.durations else None

    @property
    def in_time_share(self) -> float | None:
        return self.contacted_in_time / self.followups if self.followups else None


@dataclass
class NpsReport:
    start: datetime
    end: datetime
    days: int
    followup_hours: int
    overall: NpsRow
    by_benefit: list[NpsRow]
    by_tier: list[NpsRow]
    by_agent: list[NpsRow]
    by_channel: list[NpsRow]
    by_supplier: list[NpsRow]
    responses: ResponseRow
    responses_by_benefit: list[ResponseRow]
    months: list[MonthNps]
    followups_by_agent: list[FollowUpStats]
    followups_by_team: list[FollowUpStats]
    # Whether the per-agent tables are the user's team only (a supervisor).
    team_only: bool = False


def _counts() -> dict[str, Any]:
    return {
        "answers": Count("id"),
        "promoters": Count("id", filter=Q(score__gte=PROMOTER_MIN)),
        "detractors": Count("id", filter=Q(score__lte=DETRACTOR_MAX)),
    }


def _grouped(qs: QuerySet[Any], *keys: str) -> list[dict[str, Any]]:
    """One GROUP BY over `keys`, the slices with the most answers first."""
    return list(qs.values(*keys).annotate(**_counts()).order_by("-answers", keys[0]))


def _row(key: Any, label: str, code: str, r: dict[str, Any]) -> NpsRow:
    return NpsRow(key, label, code, r["answers"], r["promoters"], r["detractors"])


def _nps_tables(answers: QuerySet[RedemptionFeedback], agents: QuerySet[Agent] | None) -> dict:
    name = chooser()
    no_agent, no_supplier = _("No agent"), _("No supplier")
    benefit = [
        _row(
            r["benefit_id"],
            name(r["benefit__name_en"], r["benefit__name_zh_hans"]),
            r["benefit__code"],
            r,
        )
        for r in _grouped(
            answers, "benefit_id", "benefit__code", "benefit__name_en", "benefit__name_zh_hans"
        )
    ]
    tier = sorted(
        (
            _row(r["tier_snapshot"], str(Tier(r["tier_snapshot"]).label), "", r)
            for r in _grouped(answers, "tier_snapshot")
        ),
        key=lambda row: row.key,
    )
    by_agent_qs = answers if agents is None else answers.filter(agent__in=agents)
    agent = [
        _row(r["agent_id"], r["agent__name"] or no_agent, r["agent__agent_no"] or "", r)
        for r in _grouped(by_agent_qs, "agent_id", "agent__name", "agent__agent_no")
    ]
    channel_labels = dict(Channel.choices)
    channel = [
        _row(r["channel"], str(channel_labels.get(r["channel"], _("Unknown channel"))), "", r)
        for r in _grouped(answers, "channel")
    ]
    supplier = [
        _row(r["supplier_id"], r["supplier__name"] or no_supplier, r["supplier__code"] or "", r)
        for r in _grouped(answers, "supplier_id", "supplier__code", "supplier__name")
    ]
    return {
        "by_benefit": benefit,
        "by_tier": tier,
        "by_agent": agent,
        "by_channel": channel,
        "by_supplier": supplier,
    }


def _overall(rows: Iterable[NpsRow]) -> NpsRow:
    """Every answer has a tier snapshot: the tiers' sum is the whole (no extra query)."""
    rows = list(rows)
    return NpsRow(
        None,
        _("All benefits"),
        "",
        sum(r.answers for r in rows),
        sum(r.promoters for r in rows),
        sum(r.detractors for r in rows),
    )


def _responses(start: datetime, end: datetime) -> tuple[ResponseRow, list[ResponseRow]]:
    """Invitations sent in the period (an answered one was sent), and how many were answered."""
    name = chooser()
    asked = [InvitationStatus.SENT, InvitationStatus.ANSWERED]
    rows = [
        ResponseRow(
            r["benefit_id"],
            name(r["benefit__name_en"], r["benefit__name_zh_hans"]),
            r["benefit__code"],
            r["sent"],
            r["answered"],
        )
        for r in SurveyInvitation.objects.filter(
            created_at__gte=start, created_at__lt=end, status__in=asked
        )
        .values("benefit_id", "benefit__code", "benefit__name_en", "benefit__name_zh_hans")
        .annotate(
            sent=Count("id"), answered=Count("id", filter=Q(status=InvitationStatus.ANSWERED))
        )
        .order_by("-sent", "benefit__code")
    ]
    total = ResponseRow(
        None, _("All benefits"), "", sum(r.sent for r in rows), sum(r.answered for r in rows)
    )
    return total, rows


def month_starts(end: datetime, months: int = TREND_MONTHS) -> list[date]:
    """The first days of the `months` months ending with `end`'s, oldest first."""
    first = timezone.localtime(end).date().replace(day=1)
    out = []
    for _i in range(months):
        out.append(first)
        first = (first - timedelta(days=1)).replace(day=1)
    return out[::-1]


def _trend(end: datetime) -> list[MonthNps]:
    starts = month_starts(end)
    since = timezone.make_aware(datetime.combine(starts[0], datetime.min.time()))
    found = {
        timezone.localtime(r["month"]).date() if isinstance(r["month"], datetime) else r["month"]: r
        for r in RedemptionFeedback.objects.filter(created_at__gte=since, created_at__lt=end)
        .annotate(month=TruncMonth("created_at"))
        .values("month")
        .annotate(**_counts())
        .order_by("month")
    }
    empty: dict[str, Any] = {"answers": 0, "promoters": 0, "detractors": 0}
    rows: dict[date, dict[str, Any]] = {m: dict(r) for m, r in found.items()}
    return [MonthNps(m, **{k: rows.get(m, empty)[k] for k in empty}) for m in starts]


def _followups(
    start: datetime, end: datetime, hours: int, agents: QuerySet[Agent] | None
) -> tuple[list[FollowUpStats], list[FollowUpStats]]:
    qs = DetractorFollowUp.objects.filter(opened_at__gte=start, opened_at__lt=end)
    if agents is not None:
        qs = qs.filter(agent__in=agents)
    in_time = F("opened_at") + timedelta(hours=hours)
    per_agent = (
        qs.values(
            "agent_id",
            "agent__name",
            "agent__agent_no",
            "agent__supervisor_id",
            "agent__supervisor__name",
            "agent__supervisor__agent_no",
        )
        .annotate(
            followups=Count("id"),
            contacted=Count("id", filter=Q(first_contact_at__isnull=False)),
            contacted_in_time=Count("id", filter=Q(first_contact_at__lte=in_time)),
            escalated=Count("id", filter=Q(escalated_at__isnull=False)),
            open=Count("id", filter=Q(closed_at__isnull=True)),
        )
        .order_by("-followups", "agent__agent_no")
    )
    waited = ExpressionWrapper(F("first_contact_at") - F("opened_at"), output_field=DurationField())
    durations: dict[Any, list[float]] = defaultdict(list)
    for agent_id, delta in (
        qs.filter(first_contact_at__isnull=False)
        .annotate(waited=waited)
        .values_list("agent_id", "waited")
    ):
        durations[agent_id].append(delta.total_seconds() / 3600)
    agents_out: list[FollowUpStats] = []
    teams: dict[Any, FollowUpStats] = {}
    counted = ("followups", "contacted", "contacted_in_time", "escalated", "open")
    for row in per_agent:
        r: dict[str, Any] = dict(row)
        stats = FollowUpStats(
            r["agent_id"],
            r["agent__name"] or _("No agent"),
            r["agent__agent_no"] or "",
            **{k: r[k] for k in counted},
            durations=durations[r["agent_id"]],
        )
        agents_out.append(stats)
        team = teams.setdefault(
            r["agent__supervisor_id"],
            FollowUpStats(
                r["agent__supervisor_id"],
                r["agent__supervisor__name"] or _("No supervisor"),
                r["agent__supervisor__agent_no"] or "",
            ),
        )
        for k in counted:
            setattr(team, k, getattr(team, k) + r[k])
        team.durations += stats.durations
    return agents_out, sorted(teams.values(), key=lambda t: (-t.followups, t.code))


def _followup_hours() -> int:
    """The setting, read without creating its row (a report writes nothing)."""
    stored = SurveySettings.objects.filter(pk=1).values_list("followup_hours", flat=True).first()
    default: int = SurveySettings._meta.get_field("followup_hours").default
    return stored if stored is not None else default


def nps_report(
    *, user: Any, days: int = NPS_DEFAULT_DAYS, now: datetime | None = None
) -> NpsReport:
    """The NPS report as `user` may read it: every answer in the slices by benefit, tier,
    channel and supplier; in the per-agent and per-team tables, a supervisor's team only."""
    end = now or timezone.now()
    start = end - timedelta(days=days)
    agents = None if user_sees_all_customers(user) else agents_visible_to(user)
    hours = _followup_hours()
    answers = RedemptionFeedback.objects.filter(created_at__gte=start, created_at__lt=end)
    tables = _nps_tables(answers, agents)
    responses, responses_by_benefit = _responses(start, end)
    by_agent, by_team = _followups(start, end, hours, agents)
    return NpsReport(
        start=start,
        end=end,
        days=days,
        followup_hours=hours,
        overall=_overall(tables["by_tier"]),
        responses=responses,
        responses_by_benefit=responses_by_benefit,
        months=_trend(end),
        followups_by_agent=by_agent,
        followups_by_team=by_team,
        team_only=agents is not None,
        **tables,
    )
