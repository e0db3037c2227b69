"""The review on the demo shelf: the rarely used benefits go, the loudly requested come."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from bookshelf.devtools.demo import DemoBuilder
from bookshelf.devtools.demo_catalog import BENEFITS
from bookshelf.models import (
    DiscoverabilityFinding,
    Proposal,
    ProposalKind,
    ReviewFinding,
    Verdict,
)
from bookshelf.review.services import review_run

pytestmark = pytest.mark.django_db

POPULARITY = {spec["name"]: float(spec.get("popularity", 0.1)) for spec in BENEFITS}


@pytest.fixture(scope="module")
def demo_review(django_db_setup, django_db_blocker):
    """One demo shelf and one review for the module (the demo takes a few seconds)."""
    with django_db_blocker.unblock():
        from django.db import transaction

        from tests.factories import ensure_reference_data

        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            # Before the per-test fixture does: a transactional test that ran earlier in this
            # worker flushed the review settings and tier rules, and the tests must review
            # under the same settings as this first review.
            ensure_reference_data()
            DemoBuilder(customers=300, seed=1).run()
            report = review_run(window_days=90)
            yield report
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def test_rarely_used_benefits_are_proposed_for_retirement(demo_review):
    run = demo_review.run
    retire = list(
        Proposal.objects.filter(run=run, kind=ProposalKind.RETIRE).select_related("benefit")
    )
    # Benefits costly for their use are proposed too (the demo's prices): each costs more
    # per user than its threshold; the rest are the rarely used ones.
    costly = [p for p in retire if p.evidence.get("costly")]
    for p in costly:
        assert Decimal(p.evidence["cost_per_user"]) > Decimal(str(p.evidence["max_cost_per_user"]))
    retire = [p for p in retire if not p.evidence.get("costly")]
    assert retire, "the demo has rarely used benefits"
    proposed = {p.benefit.name for p in retire}
    healthy = set(
        ReviewFinding.objects.filter(
            run=run, tier__isnull=True, verdict=Verdict.HEALTHY
        ).values_list("benefit__name", flat=True)
    )
    # Every proposal is below the threshold, and the demo's rare benefits are the ones picked.
    for p in retire:
        assert p.evidence["best_rate"] < p.evidence["threshold"]
    mean = lambda names: sum(POPULARITY[n] for n in names) / len(names)  # noqa: E731
    assert mean(proposed) < mean(healthy) / 3
    assert all(POPULARITY[n] <= 0.1 for n in proposed)
    popular = {n for n, p in POPULARITY.items() if p >= 0.3}
    assert not proposed & popular


def test_loud_requests_are_proposed_for_the_shelf_and_quiet_ones_are_not(demo_review):
    titles = set(
        Proposal.objects.filter(run=demo_review.run, kind=ProposalKind.PULL).values_list(
            "title", flat=True
        )
    )
    pulls = Proposal.objects.filter(run=demo_review.run, kind=ProposalKind.PULL)
    # Each loud wish is one pull, its English and Chinese requests together (L1).
    for loud in ("Pet vet video consultation", "Postpartum confinement care (yuezi)"):
        assert loud in titles
    assert pulls.count() == len(titles) == 3
    # The demo shelf holds "Dental cleaning" (洁牙) in some tiers, not a dental check: "Dental
    # cleaning and check" / 洗牙及口腔检查 asks for more than it, so it is a pull, not a
    # discoverability finding.
    assert "Dental cleaning and check" in titles
    assert not DiscoverabilityFinding.objects.filter(
        run=demo_review.run, benefit__name="Dental cleaning"
    ).exists()
    for quiet in (
        "Traditional Chinese medicine physiotherapy",
        "EV charging discount",
        "Home appliance cleaning",
    ):
        assert quiet not in titles
    pet = Proposal.objects.get(run=demo_review.run, title="Pet vet video consultation")
    assert sum(pet.tiers.values()) == pet.requests


def test_reviewing_the_same_window_again_changes_nothing(demo_review):
    before = (
        list(Proposal.objects.order_by("pk").values_list("pk", "key", "status")),
        ReviewFinding.objects.count(),
    )
    again = review_run(window_days=90)
    assert again.already_done
    assert again.run.pk == demo_review.run.pk
    after = (
        list(Proposal.objects.order_by("pk").values_list("pk", "key", "status")),
        ReviewFinding.objects.count(),
    )
    assert before == after


def test_next_weeks_review_does_not_repeat_open_proposals(demo_review):
    first = set(Proposal.objects.filter(run=demo_review.run).values_list("key", flat=True))
    later = review_run(window_end=timezone.localdate() + timedelta(days=7), window_days=90)
    assert later.run.pk != demo_review.run.pk
    new = list(later.run.proposals.all())
    assert not {p.key for p in new} & first  # still open: not proposed again
    # What it does propose is a benefit reaching its consecutive low reviews only now.
    for proposal in new:
        assert proposal.kind == ProposalKind.RETIRE
        assert proposal.evidence["low_reviews"] == proposal.evidence["needed"] > 1
