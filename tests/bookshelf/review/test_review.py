"""The shelf review on targeted data: what it counts, what it proposes, and that it holds
still when run again."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from benefits.models import Benefit, BenefitStatus, BenefitStatusChange
from bookshelf.ledger.services import redemption_create, redemption_feedback_create
from bookshelf.models import (
    AgentNotification,
    DemandSignal,
    Proposal,
    ProposalKind,
    ProposalStatus,
    Redemption,
    ReviewFinding,
    ReviewRun,
    ReviewSettings,
    Verdict,
)
from bookshelf.review.selectors import review_settings_default
from bookshelf.review.services import (
    demand_signal_create,
    proposal_approve,
    proposal_decline,
    proposals_auto_retire,
    review_chunk_compute,
    review_run,
    review_run_finish,
)
from config.exceptions import Conflict
from customers.models import ProductLine, Tier
from tests.factories import AgentFactory, category, make_benefit, make_customer

pytestmark = pytest.mark.django_db


def _settings(**changes) -> ReviewSettings:
    row = review_settings_default()
    values = {
        "min_usage_rate": "0.25",
        "min_eligible": 1,
        "consecutive_reviews": 2,
        "grace_days": 30,
        "promote_nps": 50,
        "min_responses": 2,
        "demand_threshold": 3,
        **changes,
    }
    for name, value in values.items():
        setattr(row, name, value)
    row.save()
    return row


def _age(benefit: Benefit, days: int = 200) -> None:
    """Put a benefit on the shelf `days` ago (past the grace period)."""
    Benefit.objects.filter(pk=benefit.pk).update(
        on_shelf_since=timezone.now() - timedelta(days=days)
    )


def _use(customer, benefit, days_ago: int = 0) -> Redemption:
    redemption = redemption_create(customer=customer, benefit_code=benefit.code).redemption
    if days_ago:
        Redemption.objects.filter(pk=redemption.pk).update(
            created_at=timezone.now() - timedelta(days=days_ago)
        )
        redemption.refresh_from_db()
    return redemption


@pytest.fixture
def shelf():
    """Ten gold customers (two agents) and benefits used a lot, a little, or not at all."""
    _settings()
    agent_a, agent_b = AgentFactory(), AgentFactory()
    customers = [
        make_customer(tier=Tier.GOLD, agent=agent_a if i < 5 else agent_b) for i in range(10)
    ]
    popular = make_benefit(cells={Tier.GOLD: 10}, name="Popular")
    rare = make_benefit(cells={Tier.GOLD: 10}, name="Rare")
    new = make_benefit(cells={Tier.GOLD: 10}, name="New and rare")
    loved = make_benefit(cells={Tier.GOLD: 10}, name="Rare but loved")
    for b in (popular, rare, loved):
        _age(b)
    for c in customers[:6]:
        _use(c, popular)
    for c in customers[:2]:  # agent A's customers, 2 of 10: below 25%
        _use(c, rare)
    for c in customers[5:7]:  # used months ago, rated 10: keep and promote
        redemption = _use(c, loved, days_ago=120)
        redemption_feedback_create(redemption=redemption, score=10)
    return {
        "customers": customers,
        "agents": (agent_a, agent_b),
        "popular": popular,
        "rare": rare,
        "new": new,
        "loved": loved,
    }


def _verdicts(run: ReviewRun) -> dict[str, str]:
    return {
        f.benefit.name: f.verdict
        for f in run.findings.filter(tier__isnull=True).select_related("benefit")
    }


def _tomorrow():
    return timezone.localdate() + timedelta(days=1)


def test_review_counts_usage_and_proposes_the_rarely_used(shelf):
    report = review_run(window_end=_tomorrow(), window_days=90)
    run = report.run
    assert run.status == "done"
    assert _verdicts(run) == {
        "Popular": Verdict.HEALTHY,
        "Rare": Verdict.RETIRE,
        "New and rare": Verdict.GRACE,
        "Rare but loved": Verdict.PROMOTE,
    }
    rare = ReviewFinding.objects.get(run=run, benefit=shelf["rare"], tier=Tier.GOLD)
    assert (rare.eligible, rare.users, rare.uses) == (10, 2, 2)
    assert rare.rate == pytest.approx(0.2)
    loved = ReviewFinding.objects.get(run=run, benefit=shelf["loved"], tier__isnull=True)
    assert (loved.nps, loved.responses) == (100, 2)

    proposal = Proposal.objects.get(run=run, kind=ProposalKind.RETIRE)
    assert proposal.benefit == shelf["rare"]
    assert proposal.evidence["tiers"][str(Tier.GOLD)]["users"] == 2
    assert proposal.evidence["low_reviews"] == 2
    assert proposal.deadline > timezone.now()
    shelf["rare"].refresh_from_db()
    assert shelf["rare"].status == BenefitStatus.UNDER_REVIEW
    assert (run.retire_proposals, run.benefits_reviewed) == (1, 4)


def test_one_low_review_is_not_enough_when_two_are_needed(shelf):
    # The rare benefit was used a lot two weeks ago: the previous review's window saw it
    # used by 5 of 10; only this review's window is low.
    for c in shelf["customers"][2:5]:
        _use(c, shelf["rare"], days_ago=95)
    review = review_run(window_end=_tomorrow(), window_days=90).run
    finding = ReviewFinding.objects.get(run=review, benefit=shelf["rare"], tier__isnull=True)
    assert finding.low_streak == 1
    assert finding.verdict == Verdict.LOW
    assert not Proposal.objects.filter(kind=ProposalKind.RETIRE).exists()


def test_eligibility_rules_narrow_who_could_use_it(shelf):
    life = make_customer(tier=Tier.GOLD, product_line=ProductLine.LONG_TERM_LIFE)
    benefit = make_benefit(
        cells={Tier.GOLD: 5}, requires_product_line=ProductLine.LONG_TERM_LIFE, name="Life"
    )
    _use(life, benefit)
    run = review_run(window_end=_tomorrow(), window_days=90).run
    finding = ReviewFinding.objects.get(run=run, benefit=benefit, tier=Tier.GOLD)
    assert (finding.eligible, finding.users, finding.rate) == (1, 1, 1.0)


def test_running_the_same_review_again_changes_nothing(shelf):
    first = review_run(window_end=_tomorrow(), window_days=90)
    snapshot = (
        list(ReviewFinding.objects.order_by("pk").values()),
        list(Proposal.objects.order_by("pk").values()),
        BenefitStatusChange.objects.count(),
    )
    again = review_run(window_end=_tomorrow(), window_days=90)
    assert again.already_done
    assert again.run.pk == first.run.pk
    # A chunk redelivered after the run finished, or the finish step retried, is a no-op.
    review_chunk_compute(run_id=first.run.pk, benefit_ids=[shelf["rare"].pk])
    review_run_finish(run_id=first.run.pk)
    assert ReviewRun.objects.count() == 1
    assert snapshot == (
        list(ReviewFinding.objects.order_by("pk").values()),
        list(Proposal.objects.order_by("pk").values()),
        BenefitStatusChange.objects.count(),
    )


def test_a_chunk_computed_twice_before_the_finish_gives_the_same_findings(shelf):
    from bookshelf.review.services import review_chunks, review_run_open

    run, _ = review_run_open(window_end=_tomorrow(), window_days=90)
    chunks = review_chunks(run=run, size=2)
    assert len(chunks) == 2
    for ids in chunks:
        review_chunk_compute(run_id=run.pk, benefit_ids=ids)
    first = list(ReviewFinding.objects.order_by("benefit_id", "tier").values())
    review_chunk_compute(run_id=run.pk, benefit_ids=chunks[0])  # a retried task
    again = list(ReviewFinding.objects.order_by("benefit_id", "tier").values())
    strip = [{k: v for k, v in row.items() if k != "id"} for row in first]
    assert strip == [{k: v for k, v in row.items() if k != "id"} for row in again]
    review_run_finish(run_id=run.pk)
    review_run_finish(run_id=run.pk)
    assert Proposal.objects.filter(kind=ProposalKind.RETIRE).count() == 1


def test_a_dry_run_stores_nothing(shelf):
    report = review_run(window_end=_tomorrow(), window_days=90, dry_run=True)
    assert [p.benefit_id for p in report.proposals] == [shelf["rare"].pk]
    assert not ReviewRun.objects.exists()
    assert not Proposal.objects.exists()
    shelf["rare"].refresh_from_db()
    assert shelf["rare"].status == BenefitStatus.ON_SHELF


def test_approving_retires_without_deleting_and_tells_each_agent_once(shelf):
    run = review_run(window_end=_tomorrow(), window_days=90).run
    proposal = Proposal.objects.get(run=run, kind=ProposalKind.RETIRE)
    proposal_approve(proposal=proposal, note="Partner contract ends")

    rare = Benefit.objects.get(pk=shelf["rare"].pk)
    assert rare.status == BenefitStatus.RETIRED
    assert "Partner contract ends" in rare.retired_reason
    assert Redemption.objects.filter(benefit=rare).count() == 2  # history kept
    agent_a, _agent_b = shelf["agents"]
    notice = AgentNotification.objects.get()
    assert (notice.agent, notice.customers, notice.benefit) == (agent_a, 2, rare)
    assert rare.code in notice.message

    with pytest.raises(Conflict):
        proposal_approve(proposal=proposal)
    from bookshelf.review.proposals import _notify_agents_of_retirement

    proposal.refresh_from_db()
    _notify_agents_of_retirement(proposal, rare, timezone.now())  # a retried step
    assert AgentNotification.objects.count() == 1


def test_keeping_puts_it_back_and_it_is_not_proposed_again_at_once(shelf):
    run = review_run(window_end=_tomorrow(), window_days=90).run
    proposal = Proposal.objects.get(run=run, kind=ProposalKind.RETIRE)
    proposal_decline(proposal=proposal, note="Strategic partner")
    shelf["rare"].refresh_from_db()
    assert shelf["rare"].status == BenefitStatus.ON_SHELF
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.DECLINED

    next_week = review_run(window_end=_tomorrow() + timedelta(days=7), window_days=90).run
    finding = ReviewFinding.objects.get(run=next_week, benefit=shelf["rare"], tier__isnull=True)
    assert finding.verdict == Verdict.LOW
    assert not Proposal.objects.filter(run=next_week, kind=ProposalKind.RETIRE).exists()


def test_an_open_proposal_is_not_made_twice_by_the_next_review(shelf):
    review_run(window_end=_tomorrow(), window_days=90)
    later = review_run(window_end=_tomorrow() + timedelta(days=7), window_days=90).run
    finding = ReviewFinding.objects.get(run=later, benefit=shelf["rare"], tier__isnull=True)
    assert finding.verdict == Verdict.PENDING
    assert Proposal.objects.filter(kind=ProposalKind.RETIRE).count() == 1


def test_unanswered_proposals_retire_after_the_deadline(shelf):
    run = review_run(window_end=_tomorrow(), window_days=90).run
    proposal = Proposal.objects.get(run=run, kind=ProposalKind.RETIRE)
    assert proposals_auto_retire(now=proposal.deadline - timedelta(minutes=1)) == 0
    assert proposals_auto_retire(now=proposal.deadline + timedelta(minutes=1)) == 1
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.AUTO_RETIRED
    assert Benefit.objects.get(pk=shelf["rare"].pk).status == BenefitStatus.RETIRED
    assert AgentNotification.objects.count() == 1
    assert proposals_auto_retire(now=proposal.deadline + timedelta(days=1)) == 0


def test_loud_requests_become_a_pull_proposal_with_the_tiers_asking(shelf):
    lif = category("LIF")
    gold, other = shelf["customers"][0], make_customer(tier=Tier.PLATINUM)
    for text, customer in [
        ("Pet vet video consultation", gold),
        ("pet-vet: VIDEO consultation!", other),
        ("Video consultation for the pet vet", None),
    ]:
        demand_signal_create(text=text, category=lif, customer=customer)
    demand_signal_create(text="EV charging discount", category=lif, customer=gold)
    demand_signal_create(text="EV charging discount", category=lif, customer=other)
    # Asked for long ago: outside the window.
    old = demand_signal_create(text="Pet vet video consultation", category=lif, customer=gold)
    DemandSignal.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=200))

    run = review_run(window_end=_tomorrow(), window_days=90).run
    pull = Proposal.objects.get(run=run, kind=ProposalKind.PULL)
    assert pull.requests == 3
    assert pull.customers == 2
    assert pull.tiers == {str(Tier.GOLD): 1, str(Tier.PLATINUM): 1, "none": 1}
    assert "pet" in pull.title.lower()
    assert pull.category == lif
    assert run.pull_proposals == 1
    # The next review does not repeat an open pull proposal.
    later = review_run(window_end=_tomorrow() + timedelta(days=7), window_days=90).run
    assert not later.proposals.filter(kind=ProposalKind.PULL).exists()


def test_per_category_settings_override_the_default(shelf):
    med = category("MED").parent
    ReviewSettings.objects.create(category=med, min_usage_rate="0.1", min_eligible=1)
    run = review_run(window_end=_tomorrow(), window_days=90).run
    # The test benefits are in MED: 2 of 10 (20%) is not low against 10%.
    assert _verdicts(run)["Rare"] == Verdict.HEALTHY
    assert run.thresholds["categories"]["MED"]["min_usage_rate"] == 0.1


def test_the_command_reviews_and_a_second_run_changes_nothing(shelf):
    out = StringIO()
    end = _tomorrow().isoformat()
    call_command(
        "review_shelf", "--window-days", "90", "--window-end", end, "--no-progress", stdout=out
    )
    assert "1 retirement" in out.getvalue()
    assert "Rare" in out.getvalue()
    out = StringIO()
    call_command(
        "review_shelf", "--window-days", "90", "--window-end", end, "--no-progress", stdout=out
    )
    assert "already reviewed" in out.getvalue()
    assert ReviewRun.objects.count() == 1
    assert Proposal.objects.count() == 1


def test_the_admin_shows_why(shelf, admin_client):
    run = review_run(window_end=_tomorrow(), window_days=90).run
    proposal = Proposal.objects.get(run=run, kind=ProposalKind.RETIRE)
    page = admin_client.get(f"/admin/bookshelf/reviewrun/{run.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html
    assert "Propose retirement" in html
    assert shelf["rare"].code in html
    page = admin_client.get(f"/admin/bookshelf/proposal/{proposal.pk}/change/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "2 / 10" in html
    assert "<svg" in html

    response = admin_client.post(
        "/admin/bookshelf/proposal/",
        {"action": "approve", "_selected_action": [proposal.pk], "confirm": "yes"},
    )
    assert response.status_code == 302
    assert Benefit.objects.get(pk=shelf["rare"].pk).status == BenefitStatus.RETIRED


def test_a_chunk_takes_the_same_queries_however_many_uses_there_are(shelf):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bookshelf.review.services import review_chunks, review_run_open

    def count_queries(end) -> int:
        run, _ = review_run_open(window_end=end, window_days=90)
        (ids,) = review_chunks(run=run, size=100)
        with CaptureQueriesContext(connection) as ctx:
            review_chunk_compute(run_id=run.pk, benefit_ids=ids)
        return len(ctx.captured_queries)

    few = count_queries(_tomorrow())
    for customer in shelf["customers"]:
        for _ in range(3):
            _use(customer, shelf["popular"])
    many = count_queries(_tomorrow() + timedelta(days=1))
    assert few == many


def test_the_default_schedule_is_seeded_and_names_registered_tasks():
    from django_celery_beat.models import PeriodicTask

    from config.celery import app

    app.loader.import_default_modules()
    tasks = dict(PeriodicTask.objects.values_list("task", "crontab__hour"))
    assert tasks == {
        "customers.tiers_recalculate": "2",
        "bookshelf.shelf_review": "3",
        "bookshelf.proposals_auto_retire": "4",
        "bookshelf.tasks.webhooks_sweep": None,  # every 30 seconds, an interval not a crontab
        "bookshelf.tasks.peer_usage_refresh_task": "1",
        "bookshelf.tasks.suggestions_sweep": "7",
        "bookshelf.tasks.requeue_pending_pushes": None,  # every minute
        "bookshelf.tasks.idempotency_prune_task": "3",
        "bookshelf.redemption_partitions_ensure": "1",
        "bookshelf.fulfilment_overdue_sweep": None,  # every 10 minutes
        "bookshelf.fulfilment_expire_sweep": "0",
        "bookshelf.statements_draft_month": "2",  # the 1st of each month
        "bookshelf.customer_values_refresh": "3",  # nightly at 03:30
        "bookshelf.survey_invitations_sweep": None,  # every 10 minutes
        "bookshelf.followups_escalate": None,  # every 10 minutes
    }
    for name in tasks:
        assert name in app.tasks


def test_a_chunk_is_one_transaction_and_a_fixed_number_of_queries(shelf, django_assert_num_queries):
    """Every step of a chunk is one query for all its benefits and tiers: a query per benefit
    (or per tier) would show here. Pinned for a chunk of four benefits in up to three tiers
    with different eligibility rules, feedback and a staff decision."""
    from django.db import connection

    from bookshelf.review.services import review_chunks, review_run_open

    make_benefit(
        cells={Tier.ORDINARY: 5, Tier.GOLD: 5, Tier.PLATINUM: 5},
        min_age=18,
        max_age=60,
        name="Three tiers",
    )
    make_benefit(
        cells={Tier.GOLD: 5}, requires_product_line=ProductLine.LONG_TERM_LIFE, name="Life"
    )
    earlier = review_run(window_end=_tomorrow(), window_days=90).run
    proposal_decline(proposal=Proposal.objects.get(run=earlier, kind=ProposalKind.RETIRE))
    run, _ = review_run_open(window_end=_tomorrow() + timedelta(days=7), window_days=90)
    first, second = review_chunks(run=run, size=4)
    assert (len(first), len(second)) == (4, 2)
    # The run, SET LOCAL work_mem (PostgreSQL only), the benefits, their cells, who could use
    # them (the first chunk of a run counts the run's customers: the benefits to review, their
    # rules, one GROUP BY; later chunks read that from the cache), who used them, their
    # feedback, staff's kept and pending proposals, the delete and the insert of the findings;
    # and the savepoint and its release: the chunk's own transaction, inside the test's.
    work_mem = int(connection.vendor == "postgresql")
    with django_assert_num_queries(14 + work_mem) as first_queries:
        assert review_chunk_compute(run_id=run.pk, benefit_ids=first) == 4
    with django_assert_num_queries(11 + work_mem) as later_queries:
        assert review_chunk_compute(run_id=run.pk, benefit_ids=second) == 2
    for captured in (first_queries.captured_queries, later_queries.captured_queries):
        savepoints = [q["sql"] for q in captured if q["sql"].startswith("SAVEPOINT")]
        assert len(savepoints) == 1  # one transaction per chunk
    assert ReviewFinding.objects.filter(run=run, tier__isnull=True).count() == 6


def _review_metrics() -> dict[str, float]:
    from prometheus_client import REGISTRY

    def sample(name: str, **labels: str) -> float:
        return REGISTRY.get_sample_value(name, labels) or 0.0

    values = {
        "runs": sample("bookshelf_review_duration_seconds_count"),
        "seconds": sample("bookshelf_review_duration_seconds_sum"),
    }
    for verdict in Verdict.values:
        values[verdict] = sample("bookshelf_review_findings_total", verdict=verdict)
    return values


def _metrics_change(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    return {name: after[name] - before[name] for name in after if after[name] != before[name]}


def test_a_finished_review_records_its_duration_and_verdicts_once(
    shelf, django_capture_on_commit_callbacks
):
    before = _review_metrics()
    with django_capture_on_commit_callbacks(execute=True):
        run = review_run(window_end=_tomorrow(), window_days=90).run
    assert run.finished_at is not None
    change = _metrics_change(before, _review_metrics())
    seconds = change.pop("seconds", 0.0)
    assert seconds == pytest.approx((run.finished_at - run.started_at).total_seconds())
    # One run; one finding per benefit (the benefit-level ones, not the per-tier ones).
    assert change == {
        "runs": 1,
        Verdict.HEALTHY: 1,
        Verdict.RETIRE: 1,
        Verdict.GRACE: 1,
        Verdict.PROMOTE: 1,
    }

    # The same run finished again, or reviewed again: done already, nothing recorded.
    recorded = _review_metrics()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        review_run_finish(run_id=run.pk)
        assert review_run(window_end=_tomorrow(), window_days=90).already_done
    assert callbacks == []
    assert _review_metrics() == recorded


def test_a_dry_run_records_no_review_metrics(shelf, django_capture_on_commit_callbacks):
    before = _review_metrics()
    with django_capture_on_commit_callbacks(execute=True):
        report = review_run(window_end=_tomorrow(), window_days=90, dry_run=True)
    assert report.proposals  # it did review
    assert _review_metrics() == before


def test_every_answer_records_who_when_and_the_note_in_one_place(shelf, admin_user):
    from types import SimpleNamespace

    lif = category("LIF")
    for text in ("Pet vet video consultation", "EV charging discount"):
        for customer in shelf["customers"][:3]:
            demand_signal_create(text=text, category=lif, customer=customer)
    run = review_run(window_end=_tomorrow(), window_days=90).run
    pet, ev = Proposal.objects.filter(run=run, kind=ProposalKind.PULL).order_by("title")
    retire = Proposal.objects.get(run=run, kind=ProposalKind.RETIRE)

    answered = proposal_approve(proposal=pet, by=admin_user, note="x" * 600)
    pet.refresh_from_db()
    assert (pet.status, pet.decided_by, pet.note) == (
        ProposalStatus.APPROVED,
        admin_user,
        "x" * 500,
    )
    assert pet.decided_at == answered.decided_at
    # An API client's principal has no primary key: nobody is recorded as the one answering.
    proposal_decline(proposal=ev, by=SimpleNamespace(pk=None), note="Not for now")
    ev.refresh_from_db()
    assert (ev.status, ev.decided_by, ev.note) == (ProposalStatus.DECLINED, None, "Not for now")
    proposal_decline(proposal=retire, note="Strategic partner")
    retire.refresh_from_db()
    assert (retire.status, retire.decided_by, retire.note) == (
        ProposalStatus.DECLINED,
        None,
        "Strategic partner",
    )
    assert None not in (ev.decided_at, retire.decided_at)


def test_a_pull_proposal_cannot_be_retired_at_a_deadline(shelf):
    from bookshelf.review.proposals import _proposal_decide

    lif = category("LIF")
    for customer in shelf["customers"][:3]:
        demand_signal_create(text="EV charging discount", category=lif, customer=customer)
    run = review_run(window_end=_tomorrow(), window_days=90).run
    pull = Proposal.objects.get(run=run, kind=ProposalKind.PULL)
    with pytest.raises(ValueError, match="cannot be answered"):
        _proposal_decide(
            pull, status=ProposalStatus.AUTO_RETIRED, by=None, note="", now=timezone.now()
        )
    pull.refresh_from_db()
    assert pull.status == ProposalStatus.PENDING


@pytest.mark.parametrize("meanwhile", ["answered", "deleted"])
def test_the_deadline_skips_a_proposal_answered_after_it_was_listed(shelf, monkeypatch, meanwhile):
    from bookshelf.review import proposals

    run = review_run(window_end=_tomorrow(), window_days=90).run
    proposal = Proposal.objects.get(run=run, kind=ProposalKind.RETIRE)
    lock = proposals._locked_pending

    def answered_meanwhile(pk: int, kind: str | None = None) -> Proposal:
        rows = Proposal.objects.filter(pk=pk)
        if meanwhile == "answered":
            rows.update(status=ProposalStatus.DECLINED)
        else:
            rows.delete()
        return lock(pk, kind)

    monkeypatch.setattr(proposals, "_locked_pending", answered_meanwhile)
    assert proposals_auto_retire(now=proposal.deadline + timedelta(minutes=1)) == 0
    assert Benefit.objects.get(pk=shelf["rare"].pk).status == BenefitStatus.UNDER_REVIEW
    assert not AgentNotification.objects.exists()
