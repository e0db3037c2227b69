"""What a review proposes (retire a rarely used benefit or one costly for its use, pull in a
loudly requested one), and
product staff's answers: approve, keep, or no answer in time (auto-retire). A retirement
goes through `benefits.services.benefit_retire` (never a delete) and tells the agents of
customers who used the benefit recently, once each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from benefits.models import Benefit, BenefitStatus, Category
from benefits.services import (
    benefit_create,
    benefit_put_on_shelf,
    benefit_put_under_review,
    benefit_retire,
)
from config.exceptions import Conflict, DomainError
from config.users import acting_user

from ..ledger.models import Redemption, RedemptionStatus
from .demand_groups import demand_group_missing
from .error_codes import ReviewErrorCode
from .models import (
    AgentNotification,
    DemandSignal,
    DiscoverabilityFinding,
    NotificationKind,
    Proposal,
    ProposalKind,
    ProposalStatus,
    ReviewFinding,
    ReviewRun,
    Verdict,
)
from .savings import annualised, smaller_quotas
from .thresholds import review_thresholds_for, run_window

NOTIFY_BATCH = 1000


def _money_text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _cost_evidence(
    run: ReviewRun, finding: ReviewFinding, tiers: list[ReviewFinding], t: dict[str, Any]
) -> dict[str, Any]:
    """The cost side of a retirement's evidence (yuan as text, exact in JSON); a costly
    benefit's also offers a smaller quota per costly tier."""
    evidence: dict[str, Any] = {
        "costly": finding.verdict == Verdict.COSTLY,
        "cost": _money_text(finding.cost),
        "cost_per_use": _money_text(finding.cost_per_use),
        "cost_per_user": _money_text(finding.cost_per_user),
        "cost_per_promoter": _money_text(finding.cost_per_promoter),
        "max_cost_per_user": t.get("max_cost_per_user"),
    }
    if finding.verdict == Verdict.COSTLY and t.get("max_cost_per_user") is not None:
        evidence["smaller_quotas"] = smaller_quotas(
            tiers, Decimal(str(t["max_cost_per_user"])), run.window_days
        )
    return evidence


def _retire_evidence(run: ReviewRun, finding: ReviewFinding) -> dict[str, Any]:
    t = review_thresholds_for(run, finding.benefit.category.top_code)
    tiers = list(
        ReviewFinding.objects.filter(
            run=run, benefit_id=finding.benefit_id, tier__isnull=False
        ).order_by("tier")
    )
    return {
        "best_rate": finding.rate,
        "threshold": float(t["min_usage_rate"]),
        "low_reviews": finding.low_streak,
        "needed": int(t["consecutive_reviews"]),
        "window_days": run.window_days,
        "nps": finding.nps,
        "responses": finding.responses,
        "tiers": {
            str(f.tier): {
                "eligible": f.eligible,
                "users": f.users,
                "uses": f.uses,
                "rate": f.rate,
                "cost": _money_text(f.cost),
                "cost_per_user": _money_text(f.cost_per_user),
            }
            for f in tiers
        },
        **_cost_evidence(run, finding, tiers, t),
    }


def _in_grace(run: ReviewRun, benefit: Benefit, thresholds: dict[str, Any]) -> bool:
    """A benefit on the shelf for less than the grace period is never proposed (a costly one
    is shown as costly, not proposed)."""
    since = benefit.on_shelf_since or timezone.now()
    return since + timedelta(days=int(thresholds["grace_days"])) > run_window(run).end_at


def retirements_propose(run: ReviewRun, now: datetime) -> int:
    """A retirement proposal for each benefit the run found low long enough, or costly for
    its use (past its grace period), with what it saves a year."""
    made = 0
    candidates = (
        ReviewFinding.objects.filter(
            run=run, tier__isnull=True, verdict__in=[Verdict.RETIRE, Verdict.COSTLY]
        )
        .select_related("benefit", "benefit__category")
        .order_by("benefit__code")
    )
    for finding in candidates:
        benefit = finding.benefit
        thresholds = review_thresholds_for(run, benefit.category.top_code)
        if finding.verdict == Verdict.COSTLY and _in_grace(run, benefit, thresholds):
            continue
        days = int(thresholds["response_days"])
        _proposal, created = Proposal.objects.get_or_create(
            run=run,
            kind=ProposalKind.RETIRE,
            key=f"benefit:{benefit.code}",
            defaults={
                "benefit": benefit,
                "category": benefit.category,
                "title": str(benefit)[:500],
                "evidence": _retire_evidence(run, finding),
                "saving_per_year": annualised(finding.cost, run.window_days),
                "deadline": now + timedelta(days=days),
                "created_at": now,
            },
        )
        if created:
            made += 1
            if benefit.status == BenefitStatus.ON_SHELF:
                benefit_put_under_review(
                    benefit=benefit,
                    reason=_("Proposed for retirement by the shelf review of %(end)s.")
                    % {"end": run.window_end.isoformat()},
                )
    return made


@dataclass(frozen=True)
class _Demand:
    """A group of requests loud enough for a pull proposal: one benefit asked for, or one
    demand group (requests naming no benefit, worded however)."""

    key: str  # the proposal's key: benefit:<code>, or group:<demand group id>
    signals: Q  # the group's requests among the window's
    benefit_id: int | None
    category_id: int | None
    requests: int
    customers: int


def pulls_propose(run: ReviewRun, now: datetime) -> int:
    """One pull proposal per loud group of the window's requests, unless the same request is
    already proposed, accepted, or was dismissed during this window. Requests for what the
    customer's tier already holds are not pulls: they are the run's discoverability findings.
    Requests written in bulk without a group (the demo, the scale seeder) are grouped first."""
    window = run_window(run)
    threshold = int(run.thresholds["default"]["demand_threshold"])
    base = DemandSignal.objects.filter(
        created_at__gte=window.start_at, created_at__lt=window.end_at
    )
    demand_group_missing(base)
    made = 0
    for demand in [*_demand_by_benefit(base, threshold), *_demand_by_group(base, threshold)]:
        if not _pull_settled(run, demand.key, window.start_at):
            made += int(_pull_propose(run, demand, base, threshold, now))
    discoverability_record(run, base)
    return made


def _demand_by_benefit(base: QuerySet[DemandSignal], threshold: int) -> list[_Demand]:
    """Groups by benefit: the requests that name a benefit, one group per benefit."""
    rows: Any = (
        base.filter(benefit__isnull=False)
        .values("benefit_id", "benefit__code", "benefit__category_id")
        .annotate(n=Count("id"), customers=Count("customer_id", distinct=True))
        .filter(n__gte=threshold)
        .order_by("benefit__code")
    )
    return [
        _Demand(
            key=f"benefit:{row['benefit__code']}",
            signals=Q(benefit_id=row["benefit_id"]),
            benefit_id=row["benefit_id"],
            category_id=row["benefit__category_id"],
            requests=row["n"],
            customers=row["customers"],
        )
        for row in rows
    ]


# The requests of a group that are pulls: naming no benefit, and not for one the customer's
# tier already holds.
_PULLS = Q(benefit__isnull=True, held_benefit__isnull=True)


def _demand_by_group(base: QuerySet[DemandSignal], threshold: int) -> list[_Demand]:
    """Groups by wish: the requests naming no benefit that the tier does not hold, one group
    per demand group (variant wordings, both scripts), counted across the group."""
    rows: Any = (
        base.filter(_PULLS, group__isnull=False)
        .values("group_id", "group__category_id")
        .annotate(n=Count("id"), customers=Count("customer_id", distinct=True))
        .filter(n__gte=threshold)
        .order_by("group_id")
    )
    return [
        _Demand(
            key=f"group:{row['group_id']}",
            signals=_PULLS & Q(group_id=row["group_id"]),
            benefit_id=None,
            category_id=row["group__category_id"],
            requests=row["n"],
            customers=row["customers"],
        )
        for row in rows
    ]


def discoverability_record(run: ReviewRun, base: QuerySet[DemandSignal]) -> int:
    """The run's discoverability findings: per group and benefit held, the requests of
    customers whose tier already held what they asked for (three queries, then one insert;
    a repeated finish replaces them)."""
    held = base.filter(benefit__isnull=True, held_benefit__isnull=False)
    pairs = ("group_id", "held_benefit_id")
    totals: Any = (
        held.values(*pairs)
        .annotate(n=Count("id"), customers=Count("customer_id", distinct=True))
        .order_by(*pairs)
    )
    wordings: dict[tuple[Any, Any], str] = {}
    for row in held.values(*pairs, "text").annotate(n=Count("id")).order_by(*pairs, "-n", "text"):
        wordings.setdefault((row["group_id"], row["held_benefit_id"]), row["text"])
    tiers: dict[tuple[Any, Any], dict[str, int]] = {}
    for row in held.values(*pairs, "tier_snapshot").annotate(n=Count("id")).order_by(*pairs):
        by_tier = tiers.setdefault((row["group_id"], row["held_benefit_id"]), {})
        by_tier[str(row["tier_snapshot"])] = row["n"]
    findings = [
        DiscoverabilityFinding(
            run=run,
            group_id=row["group_id"],
            benefit_id=row["held_benefit_id"],
            wording=wordings.get((row["group_id"], row["held_benefit_id"]), "")[:500],
            requests=row["n"],
            customers=row["customers"],
            tiers=tiers.get((row["group_id"], row["held_benefit_id"]), {}),
        )
        for row in totals
    ]
    DiscoverabilityFinding.objects.filter(run=run).delete()
    DiscoverabilityFinding.objects.bulk_create(findings)
    return len(findings)


def _pull_settled(run: ReviewRun, key: str, window_start: datetime) -> bool:
    """Another run already proposed it (open or accepted), or staff dismissed it during this
    window: not proposed again."""
    return (
        Proposal.objects.filter(kind=ProposalKind.PULL, key=key)
        .exclude(run=run)
        .filter(
            Q(status__in=[ProposalStatus.PENDING, ProposalStatus.APPROVED])
            | Q(status=ProposalStatus.DECLINED, decided_at__gte=window_start)
        )
        .exists()
    )


def _pull_propose(
    run: ReviewRun, demand: _Demand, base: QuerySet[DemandSignal], threshold: int, now: datetime
) -> bool:
    """One proposal per group (get_or_create: a repeated finish makes none), with the tiers
    asking and the group's most frequent wording as its title. True if it was made."""
    signals = base.filter(demand.signals)
    tiers = {
        ("none" if tier is None else str(tier)): n
        for tier, n in signals.values("tier_snapshot")
        .annotate(n=Count("id"))
        .order_by("tier_snapshot")
        .values_list("tier_snapshot", "n")
    }
    sample: Any = (
        signals.values("text").annotate(n=Count("id")).order_by("-n", "text").first() or {}
    )
    _proposal, created = Proposal.objects.get_or_create(
        run=run,
        kind=ProposalKind.PULL,
        key=demand.key,
        defaults={
            "benefit_id": demand.benefit_id,
            "category_id": demand.category_id,
            "title": (sample.get("text") or demand.key)[:500],
            "requests": demand.requests,
            "customers": demand.customers,
            "tiers": tiers,
            "evidence": {"threshold": threshold, "window_days": run.window_days},
            "created_at": now,
        },
    )
    return created


def recent_uses_with_agent(proposal: Proposal, benefit: Benefit, now: datetime) -> QuerySet[Any]:
    """The uses of the benefit in the last `notify_recent_days` by customers who have an
    agent: whom a retirement tells, through their agents (the confirmation page counts them
    from this same query)."""
    days = int(review_thresholds_for(proposal.run, benefit.category.top_code)["notify_recent_days"])
    return Redemption.objects.filter(
        benefit=benefit,
        status=RedemptionStatus.COMPLETED,
        created_at__gte=now - timedelta(days=days),
        beneficiary__agent__isnull=False,
    )


def _notify_agents_of_retirement(proposal: Proposal, benefit: Benefit, now: datetime) -> int:
    """One notification per agent whose customers used the benefit recently; once ever per
    proposal (unique (agent, event_key)), however often this runs."""
    rows = (
        recent_uses_with_agent(proposal, benefit, now)
        .values("beneficiary__agent_id")
        .annotate(customers=Count("beneficiary_id", distinct=True))
        .order_by("beneficiary__agent_id")
    )
    event_key = f"benefit_retired:{benefit.code}:{proposal.pk}"
    batch: list[AgentNotification] = []
    sent = 0
    for row in rows.iterator(chunk_size=NOTIFY_BATCH):
        batch.append(
            AgentNotification(
                agent_id=row["beneficiary__agent_id"],
                kind=NotificationKind.BENEFIT_RETIRED,
                event_key=event_key,
                benefit=benefit,
                customers=row["customers"],
                created_at=now,
            )
        )
        if len(batch) >= NOTIFY_BATCH:
            sent += len(AgentNotification.objects.bulk_create(batch, ignore_conflicts=True))
            batch = []
    if batch:
        sent += len(AgentNotification.objects.bulk_create(batch, ignore_conflicts=True))
    return sent


def _locked_pending(pk: int, kind: str | None = None) -> Proposal:
    """The proposal, locked for this transaction, if it still waits for an answer (and is of
    this kind): the one check before any answer is recorded."""
    locked = Proposal.objects.select_for_update().select_related("run").get(pk=pk)
    if locked.status != ProposalStatus.PENDING:
        raise Conflict(
            ReviewErrorCode.PROPOSAL_ALREADY_DECIDED,
            _("This proposal has already been answered."),
        )
    if kind is not None and locked.kind != kind:
        raise Conflict(
            ReviewErrorCode.PROPOSAL_NOT_RETIREMENT, _("This is not a retirement proposal.")
        )
    return locked


# The answers a proposal can get, by kind: only a retirement is carried out at its deadline.
_ANSWERS: dict[str, set[str]] = {
    ProposalKind.RETIRE: {
        ProposalStatus.APPROVED,
        ProposalStatus.DECLINED,
        ProposalStatus.AUTO_RETIRED,
    },
    ProposalKind.PULL: {ProposalStatus.APPROVED, ProposalStatus.DECLINED},
}


def _proposal_decide(
    locked: Proposal, *, status: str, by: Any, note: str, now: datetime
) -> Proposal:
    """Record the answer to a proposal that `_locked_pending` locked and found pending: the
    new status (one this kind of proposal can get), when, who answered (`acting_user`: nobody
    for the deadline or an API client) and the note, cut to the column's 500 characters.
    The one place a proposal's status changes."""
    if status not in _ANSWERS[locked.kind]:
        raise ValueError(f"a {locked.kind} proposal cannot be answered {status}")
    locked.status = status
    locked.decided_at = now
    locked.decided_by = acting_user(by)
    locked.note = note[:500]
    locked.save(update_fields=["status", "decided_at", "decided_by", "note"])
    return locked


def _retire(locked: Proposal, *, status: str, by: Any, note: str, now: datetime) -> Proposal:
    """Carry out a retirement proposal: retire the benefit (unless it already is), record the
    answer, tell the agents."""
    assert locked.benefit_id is not None  # a constraint: retirements name their benefit
    benefit = Benefit.objects.select_related("category").get(pk=locked.benefit_id)
    if benefit.status != BenefitStatus.RETIRED:
        reason = (
            _("Retired automatically: nobody answered the shelf review's proposal in time.")
            if status == ProposalStatus.AUTO_RETIRED
            else _("Retired on the shelf review's proposal.")
        )
        if note:
            reason = f"{reason} {note}"
        benefit_retire(benefit=benefit, reason=reason, by=by)
    _proposal_decide(locked, status=status, by=by, note=note, now=now)
    _notify_agents_of_retirement(locked, benefit, now)
    return locked


# How many of a pull's distinct wordings the draft benefit's description quotes.
DRAFT_WORDINGS = 5


def pull_request_words(proposal: Proposal) -> list[tuple[str, int]]:
    """The wordings of a pull's requests in its review window, most frequent first, with how
    often each was used (at most `DRAFT_WORDINGS`)."""
    window = run_window(proposal.run)
    signals = DemandSignal.objects.filter(
        created_at__gte=window.start_at, created_at__lt=window.end_at
    )
    if proposal.key.startswith("benefit:"):
        signals = signals.filter(benefit__code=proposal.key.removeprefix("benefit:"))
    elif proposal.key.startswith("group:"):
        group_id = proposal.key.removeprefix("group:")
        signals = signals.filter(_PULLS, group_id=int(group_id) if group_id.isdigit() else None)
    else:  # text:<category path or ->:<text key>: proposals made before demand groups
        _text, path, text_key = proposal.key.split(":", 2)
        in_category = Q(category__isnull=True) if path == "-" else Q(category__path_code=path)
        signals = signals.filter(in_category, benefit__isnull=True, text_key=text_key)
    rows = signals.values("text").annotate(n=Count("id")).order_by("-n", "text")
    return [(row["text"], row["n"]) for row in rows[:DRAFT_WORDINGS]]


def _has_cjk(text: str) -> bool:
    return any("\u3400" <= ch <= "\u9fff" for ch in text)


def _pull_draft_create(locked: Proposal, category: Category | None) -> Benefit:
    """A draft benefit in the requested category, named and described with the requests'
    own words, for product staff to complete (quotas, supplier, price) and put on the shelf."""
    category = category or locked.category
    if category is None:
        raise DomainError(
            ReviewErrorCode.PULL_NEEDS_CATEGORY,
            _("These requests name no category: choose the category of the new benefit."),
            field="category",
        )
    words = pull_request_words(locked)
    name = (locked.title or (words[0][0] if words else locked.key))[:120]
    chinese = _has_cjk(name)
    english_note, chinese_note = (
        _pull_draft_description(locked, words, language) for language in ("en", "zh-hans")
    )
    # The requests' wording goes in the language it was written in; the note in both.
    return benefit_create(
        category=category,
        name="" if chinese else name,
        name_zh_hans=name if chinese else "",
        description=english_note,
        description_zh_hans=chinese_note,
        status=BenefitStatus.DRAFT,
    )


def _pull_draft_description(locked: Proposal, words: list[tuple[str, int]], language: str) -> str:
    """The draft's description in `language`: where it came from and the customers' words."""
    with translation.override(language):
        quoted = "\n".join(
            ngettext("“%(text)s” (%(n)s request)", "“%(text)s” (%(n)s requests)", n)
            % {"text": text, "n": n}
            for text, n in words
        )
        description = ngettext(
            "Drafted from a shelf review's pull proposal: %(n)s request from %(c)s customers "
            "in the %(days)s days before %(end)s. Their words:",
            "Drafted from a shelf review's pull proposal: %(n)s requests from %(c)s customers "
            "in the %(days)s days before %(end)s. Their words:",
            locked.requests,
        ) % {
            "n": locked.requests,
            "c": locked.customers,
            "days": locked.run.window_days,
            "end": locked.run.window_end.isoformat(),
        }
    return f"{description}\n{quoted}"


def _pull_accept(
    locked: Proposal, *, by: Any, note: str, now: datetime, category: Category | None
) -> Proposal:
    """Accept a pull: a request for a benefit not in the catalogue gets a draft benefit,
    linked from the proposal; a request naming an existing benefit keeps that benefit."""
    if locked.benefit_id is None:
        locked.benefit = _pull_draft_create(locked, category)
        if locked.category_id is None:
            locked.category = locked.benefit.category
        locked.save(update_fields=["benefit", "category"])
    return _proposal_decide(locked, status=ProposalStatus.APPROVED, by=by, note=note, now=now)


@transaction.atomic
def proposal_approve(
    *, proposal: Proposal, by: Any = None, note: str = "", category: Category | None = None
) -> Proposal:
    """Product staff say yes: retire the benefit (never deleted), or accept the pull (a
    request for something not in the catalogue becomes a draft benefit in the requested
    category, or in `category` when the requests named none)."""
    locked = _locked_pending(proposal.pk)
    now = timezone.now()
    if locked.kind == ProposalKind.RETIRE:
        return _retire(locked, status=ProposalStatus.APPROVED, by=by, note=note, now=now)
    return _pull_accept(locked, by=by, note=note, now=now, category=category)


@transaction.atomic
def proposal_decline(*, proposal: Proposal, by: Any = None, note: str = "") -> Proposal:
    """Product staff keep the benefit (it goes back on the shelf) or dismiss the request."""
    locked = _locked_pending(proposal.pk)
    now = timezone.now()
    if (
        locked.kind == ProposalKind.RETIRE
        and locked.benefit is not None
        and locked.benefit.status == BenefitStatus.UNDER_REVIEW
    ):
        benefit_put_on_shelf(benefit=locked.benefit, by=by)
    return _proposal_decide(locked, status=ProposalStatus.DECLINED, by=by, note=note, now=now)


def proposals_auto_retire(*, now: datetime | None = None) -> int:
    """Retire the benefits of retirement proposals nobody answered by their deadline.
    Each in its own transaction; a proposal answered meanwhile is skipped."""
    now = now or timezone.now()
    due = list(
        Proposal.objects.filter(
            kind=ProposalKind.RETIRE, status=ProposalStatus.PENDING, deadline__lte=now
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    retired = 0
    for pk in due:
        with transaction.atomic():
            try:
                locked = _locked_pending(pk, kind=ProposalKind.RETIRE)
            except (Proposal.DoesNotExist, Conflict):
                continue  # answered (or its run deleted) since the list was read
            _retire(locked, status=ProposalStatus.AUTO_RETIRED, by=None, note="", now=now)
            retired += 1
    return retired
