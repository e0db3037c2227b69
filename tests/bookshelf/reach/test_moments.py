from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bookshelf.integrations.services import subscription_create
from bookshelf.ledger.services import redemption_create
from bookshelf.models import (
    AgentSuggestion,
    OutboxMessage,
    Push,
    SuggestionStatus,
    WebhookEvent,
)
from bookshelf.reach.selectors import push_conversion
from bookshelf.reach.services import (
    customer_event_record,
    event_suggestions_create,
    quota_expiring_sweep,
    suggestion_accept,
    suggestion_dismiss,
)
from config.exceptions import DomainError
from customers.models import ProductLine, Tier
from tests.factories import AgentFactory, make_benefit, make_customer

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("celery_eager")]


def test_a_claim_becomes_a_suggestion_for_the_agent_once(django_capture_on_commit_callbacks):
    agent = AgentFactory()
    customer = make_customer(tier=Tier.GOLD, agent=agent)
    escort = make_benefit(cells={Tier.GOLD: 2}, category_code="MED", name="Hospital escort")
    make_benefit(cells={Tier.GOLD: 2}, category_code="GFT", name="Gift")
    with django_capture_on_commit_callbacks(execute=True):
        event, created = customer_event_record(
            customer=customer,
            kind="claim_filed",
            occurred_at=timezone.now() - timedelta(days=1),
            source="claims",
            external_id="C-1",
        )
    assert created
    suggestion = AgentSuggestion.objects.get()
    assert suggestion.agent == agent and suggestion.benefit == escort
    assert suggestion.reason == "Claim filed yesterday: offer Hospital escort"
    assert event_suggestions_create(event_id=event.pk) == 0  # done once
    assert AgentSuggestion.objects.count() == 1


def test_quota_expiring_sweep_is_idempotent():
    agent = AgentFactory()
    customer = make_customer(tier=Tier.GOLD, agent=agent)
    make_customer(tier=Tier.GOLD)  # no agent: nobody to tell
    monthly = make_benefit(cells={Tier.GOLD: 2}, period="calendar_month")
    yearly = make_benefit(cells={Tier.GOLD: 2}, period="calendar_year")
    today = date(2026, 11, 20)
    report = quota_expiring_sweep(days=15, today=today)
    assert report.suggestions == 1
    suggestion = AgentSuggestion.objects.get()
    assert suggestion.benefit == monthly and suggestion.customer == customer
    assert "2 of 2" in suggestion.reason and "2026-11-30" in suggestion.reason
    assert quota_expiring_sweep(days=15, today=today).suggestions == 0
    redemption_create(customer=customer, benefit_code=yearly.code, today=date(2026, 12, 1))
    december = quota_expiring_sweep(days=31, today=date(2026, 12, 1))
    assert december.suggestions == 2  # December's monthly period and the year's last month
    assert AgentSuggestion.objects.filter(benefit=yearly).get().reason.startswith("1 of 2")


def _expiring_events() -> list[dict]:
    return [e.payload for e in WebhookEvent.objects.filter(type="quota.expiring")]


def test_the_sweep_skips_what_the_customer_may_not_use():
    """The benefit centre's own-tier rule: the product line a benefit needs, and the age."""
    subscription_create(name="app", url="https://hooks.example.com/in", event_types=[])
    agent = AgentFactory()
    customer = make_customer(tier=Tier.GOLD, agent=agent, age=40, product_line="medical")
    plain = make_benefit(cells={Tier.GOLD: 2}, period="calendar_month", name="Plain")
    make_benefit(
        cells={Tier.GOLD: 2},
        period="calendar_month",
        requires_product_line=ProductLine.LONG_TERM_LIFE,
        name="Life holders only",
    )
    make_benefit(cells={Tier.GOLD: 2}, period="calendar_month", min_age=60, name="Seniors")
    report = quota_expiring_sweep(days=15, per_customer=5, today=date(2026, 11, 20))
    assert report.suggestions == 1
    assert AgentSuggestion.objects.get().benefit == plain
    assert [e["benefit"] for e in _expiring_events()] == [plain.code]
    assert customer.pk == AgentSuggestion.objects.get().customer_id


def test_the_sweep_covers_a_policy_year_ending_soon():
    """A policy year runs from the customer's anniversary (earliest in-force policy start)."""
    subscription_create(name="app", url="https://hooks.example.com/in", event_types=[])
    agent = AgentFactory()
    soon = make_customer(tier=Tier.GOLD, agent=agent, policy_start=date(2020, 12, 10))
    make_customer(tier=Tier.GOLD, agent=agent, policy_start=date(2020, 3, 1))  # year ends March
    checkup = make_benefit(cells={Tier.GOLD: 2}, period="policy_year", name="Check-up")
    redemption_create(customer=soon, benefit_code=checkup.code, today=date(2026, 11, 20))
    report = quota_expiring_sweep(days=30, today=date(2026, 11, 20))
    assert report.suggestions == 1
    suggestion = AgentSuggestion.objects.get()
    assert suggestion.customer == soon and suggestion.benefit == checkup
    assert suggestion.reason == "1 of 2 Check-up unused, period ends 2026-12-09"
    assert suggestion.dedupe_key.endswith(":2025-12-10")
    assert _expiring_events() == [
        {
            "customer_no": soon.customer_no,
            "benefit": checkup.code,
            "remaining": 1,
            "quota": 2,
            "period_end": "2026-12-09",
        }
    ]
    assert quota_expiring_sweep(days=30, today=date(2026, 11, 20)).suggestions == 0


def test_the_sweep_runs_the_same_queries_per_batch_whatever_its_size():
    subscription_create(name="app", url="https://hooks.example.com/in", event_types=[])
    agent = AgentFactory()
    for quota in (1, 2, 3):
        make_benefit(cells={Tier.GOLD: quota}, period="calendar_month", min_age=18)
    make_benefit(cells={Tier.GOLD: 2}, period="policy_year")
    today = date(2026, 11, 20)

    def sweep(batch_size: int = 1000) -> tuple[int, int]:
        AgentSuggestion.objects.all().delete()
        with CaptureQueriesContext(connection) as queries:
            made = quota_expiring_sweep(
                days=15, per_customer=2, today=today, batch_size=batch_size
            ).suggestions
        return made, len(queries)

    make_customer(tier=Tier.GOLD, agent=agent)
    quota_expiring_sweep(days=15, today=today)  # the shelf's cells are cached from now on
    small = sweep()
    for start in range(5):
        make_customer(tier=Tier.GOLD, agent=agent, policy_start=date(2020, 12, 1 + start))
    large = sweep()
    # The batch's customers, who of them consents to pushes (PIPL: one query per batch),
    # their policies, their balances; in one transaction (savepoint and release) the
    # suggestions already made, the new ones, the subscriptions, the events and their
    # deliveries; then the empty batch that ends the sweep. Nothing per customer.
    assert (small, large) == ((2, 12), (12, 12))
    assert sweep(batch_size=2) == (12, 3 * 11 + 1)


def test_accepting_a_suggestion_pushes_once_and_dismissing_closes_it(
    django_capture_on_commit_callbacks,
):
    agent = AgentFactory()
    customer = make_customer(tier=Tier.GOLD, agent=agent)
    benefit = make_benefit(cells={Tier.GOLD: 2}, period="calendar_month")
    quota_expiring_sweep(days=40)
    suggestion = AgentSuggestion.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        accepted = suggestion_accept(suggestion=suggestion, channel="sms", by=agent.user)
    assert accepted.status == SuggestionStatus.ACCEPTED
    push = Push.objects.get()
    assert push.benefit == benefit and push.channel == "sms" and accepted.push == push
    assert OutboxMessage.objects.get().status == "sent"
    with pytest.raises(DomainError):
        suggestion_accept(suggestion=suggestion, channel="sms")
    assert Push.objects.count() == 1
    other = AgentSuggestion.objects.create(
        agent=agent, customer=customer, benefit=benefit, reason="x", dedupe_key="manual"
    )
    assert suggestion_dismiss(suggestion=other).status == SuggestionStatus.DISMISSED


def test_push_conversion_by_agent_benefit_and_tier(django_capture_on_commit_callbacks):
    from bookshelf.reach.services import push_create

    agent = AgentFactory()
    one = make_customer(tier=Tier.GOLD, agent=agent)
    two = make_customer(tier=Tier.GOLD, agent=agent)
    benefit = make_benefit(cells={Tier.GOLD: 3})
    with django_capture_on_commit_callbacks(execute=True):
        push_create(
            customer=one, benefit_code=benefit.code, channel="app_message", pushed_by=agent.user
        )
        push_create(
            customer=two, benefit_code=benefit.code, channel="app_message", pushed_by=agent.user
        )
    redemption_create(customer=one, benefit_code=benefit.code)
    late = Push.objects.get(customer=two)
    Push.objects.filter(pk=late.pk).update(created_at=timezone.now() - timedelta(days=45))
    redemption_create(customer=two, benefit_code=benefit.code)  # 45 days later: not converted
    by_benefit = push_conversion(by="benefit")
    assert [(r.key, r.pushes, r.converted) for r in by_benefit] == [(benefit.code, 2, 1)]
    assert by_benefit[0].rate == 0.5
    assert [(r.pushes, r.converted) for r in push_conversion(by="agent")] == [(2, 1)]
    tier_rows = push_conversion(by="tier")
    assert tier_rows[0].label == "VIP gold"


def test_desk_shows_recommendations_and_suggestions_and_accepts(
    client, django_capture_on_commit_callbacks
):
    from django.contrib.auth.models import Group

    agent = AgentFactory()
    agent.user.groups.add(Group.objects.get(name="Agent"))
    customer = make_customer(tier=Tier.GOLD, agent=agent, tags=["chronic_condition"])
    make_benefit(
        cells={Tier.GOLD: 2},
        tags=["chronic_condition"],
        name="Chronic care",
        period="calendar_month",
    )
    quota_expiring_sweep(days=40)
    suggestion = AgentSuggestion.objects.get()
    client.force_login(agent.user)
    page = client.get(f"/admin/customers/customer/{customer.pk}/change/").content.decode()
    assert "Suggested now" in page and "Chronic care" in page and suggestion.reason in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/admin/customers/customer/{customer.pk}/suggestion/{suggestion.pk}/accept/",
            {"channel": "app_message"},
        )
    assert response.status_code == 302
    suggestion.refresh_from_db()
    assert suggestion.status == SuggestionStatus.ACCEPTED
    conversion = client.get("/admin/bookshelf/push/conversion/")
    assert conversion.status_code == 200
    assert "Chronic care" in conversion.content.decode()
