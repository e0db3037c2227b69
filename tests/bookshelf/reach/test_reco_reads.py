"""The recommender's hot path: its per-customer reads in the benefit centre's one statement
(`reach.reco_reads`), answering what their ORM twins answer, and the cheap scorer giving the
same score as the explained one."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bookshelf.ledger.selectors import usage_recent
from bookshelf.ledger.services import redemption_create
from bookshelf.models import CustomerValue, RecommendationWeights
from bookshelf.reach import recommendations as reco
from bookshelf.reach.reco_reads import (
    consents_from_rows,
    consents_read,
    uses_from_rows,
    uses_read,
)
from bookshelf.reach.recommendations import Candidate, RecoContext, pointed_at
from bookshelf.reach.selectors import recommendations_for_customer
from bookshelf.reach.services import customer_event_record
from config.db_batch import fetch_batch
from customers.models import ConsentChannel, ConsentPurpose, ConsentText, Customer, Tier
from customers.selectors import consents_current
from customers.services import CONSENT_TEXTS_V1, consent_withdraw
from tests.factories import give_consents, make_benefit, make_customer

pytestmark = pytest.mark.django_db


def _batched_consents(customer: Customer):
    at = timezone.now()
    (rows,) = fetch_batch([consents_read(customer.pk, at)])
    return consents_from_rows(customer.pk, at, rows)


def _states(consents):
    return [
        (
            s.purpose,
            s.valid,
            s.granted,
            s.lapsed,
            s.record.pk if s.record else None,
            s.record.channel if s.record else None,
            s.record.created_at if s.record else None,
            s.record.text.version if s.record and s.record.text else None,
        )
        for s in consents
    ]


def test_consents_in_the_statement_are_those_of_consents_current():
    never = make_customer(consent=False)
    assert _states(_batched_consents(never)) == _states(consents_current(customer=never))
    assert not any(s.record for s in _batched_consents(never))

    customer = make_customer()  # grants every purpose
    sms, app = ConsentPurpose.MARKETING_SMS, ConsentPurpose.MARKETING_APP_MESSAGE
    consent_withdraw(customer=customer, purpose=sms, channel=ConsentChannel.APP)
    give_consents(customer, [app])  # a second grant: the latest counts
    ConsentText.objects.filter(purpose=app, version=CONSENT_TEXTS_V1[app][0]).update(
        retired_at=timezone.now() - timedelta(minutes=1)
    )
    batched = _batched_consents(customer)
    assert _states(batched) == _states(consents_current(customer=customer))
    assert not batched.valid(sms) and batched.states[sms].record is not None
    assert batched.states[app].lapsed  # granted on a text retired since
    assert isinstance(batched.states[app].record.granted, bool)

    Customer.objects.filter(pk=customer.pk).update(erased_at=timezone.now())
    erased = _batched_consents(customer)
    assert _states(erased) == _states(consents_current(customer=customer))
    assert not any(s.record for s in erased)


def test_uses_in_the_statement_are_the_rollup_s(django_capture_on_commit_callbacks):
    customer = make_customer(tier=Tier.GOLD)
    twice = make_benefit(cells={Tier.GOLD: 5})
    once = make_benefit(cells={Tier.GOLD: 5})
    for benefit in (twice, twice, once):
        redemption_create(customer=customer, benefit_code=benefit.code)
    today = timezone.localdate()
    (rows,) = fetch_batch([uses_read(customer.pk, today)])
    assert uses_from_rows(rows) == usage_recent(customer_id=customer.pk, today=today)
    assert uses_from_rows(rows) == {twice.pk: 2, once.pk: 1}


def test_the_live_read_is_one_statement_with_the_segment_and_events():
    customer = make_customer(tier=Tier.GOLD, tags=["chronic_condition"])
    care = make_benefit(cells={Tier.GOLD: 2}, tags=["chronic_condition"], category_code="MED")
    redemption_create(customer=customer, benefit_code=care.code)
    customer_event_record(customer=customer, kind="claim_filed", external_id="C-1")
    CustomerValue.objects.create(customer=customer, segment="at_risk", score=1.0)
    recommendations_for_customer(customer=customer)  # warm: weights, peers, the shelf
    with CaptureQueriesContext(connection) as ctx:
        result = recommendations_for_customer(customer=customer)
    assert len(ctx.captured_queries) == 1
    reasons = result.recommendations[0].reasons
    assert any("Claim filed" in r for r in reasons), reasons
    assert "used 1 time in the last year" in reasons
    assert "at risk of leaving: a benefit they liked" in reasons  # the segment, read too
    # The desk passes the value profile it read: the statement leaves the segment out.
    with CaptureQueriesContext(connection) as ctx:
        without = recommendations_for_customer(customer=customer, value=None)
    assert len(ctx.captured_queries) == 1
    assert "at risk of leaving: a benefit they liked" not in without.recommendations[0].reasons
    assert "segment" not in ctx.captured_queries[0]["sql"]
    assert result.consents is not None
    assert result.consents.valid(ConsentPurpose.MARKETING_APP_MESSAGE)


def _random_context(rng: random.Random, today) -> tuple[RecoContext, list[Candidate]]:
    tags = ["chronic_condition", "fitness", "young_children", "frequent_traveller", "senior"]
    candidates = [
        Candidate(
            benefit_id=n,
            code=f"B{n:03d}",
            name_en=f"Benefit {n}",
            name_zh_hans=f"权益{n}",
            category_code=rng.choice(["MED.01", "HLT.02", "TRV.01", "GFT.03", "WLT.01"]),
            tags=frozenset(rng.sample(tags, rng.randint(0, 3))),
            remaining=rng.choice([None, 0, 1, 3]),
            quota=rng.choice([None, 3, 4]),
            period_end=rng.choice([None, today + timedelta(days=rng.randint(0, 60))]),
            requires_product_line=rng.choice(["", "medical", "accident"]),
        )
        for n in range(40)
    ]
    kinds = list(reco.EVENT_AFFINITY)
    ctx = RecoContext(
        today=today,
        tier=Tier.GOLD,
        age=rng.randint(20, 80),
        tags=set(rng.sample(tags, rng.randint(0, 3))),
        family_tags={t: f"family {t}" for t in rng.sample(tags, rng.randint(0, 2))},
        product_lines=set(rng.sample(["medical", "accident"], rng.randint(0, 2))),
        events=[
            (rng.choice(kinds), today - timedelta(days=rng.randint(0, 120)))
            for _ in range(rng.randint(0, 3))
        ],
        uses={n: rng.randint(1, 5) for n in rng.sample(range(40), 8)},
        peers={n: rng.random() * 0.4 for n in rng.sample(range(40), 15)},
        candidates=candidates,
        segment=rng.choice(["", "at_risk", "dormant", "loyal"]),
    )
    return ctx, candidates


def test_the_cheap_scorer_and_the_pointing_rule_agree_with_the_explained_score():
    rng = random.Random(20)
    today = timezone.localdate()
    weights = RecommendationWeights()
    for _ in range(30):
        ctx, candidates = _random_context(rng, today)
        score = reco._scorer(ctx, weights)
        for c in candidates:
            explained, reasons = reco._score(c, ctx, weights)
            assert score(c) == explained
            assert pointed_at(c, ctx, weights) == any(r != "not used yet" for r in reasons)


@pytest.mark.parametrize(
    ("query", "status", "count"),
    [
        ("", 200, 5),
        ("?limit=07", 200, 7),
        ("?limit=3.0", 200, 3),
        ("?limit=٣", 200, 3),
        ("?limit=-1", 400, 0),
    ],
)
def test_the_limit_is_read_as_the_serializer_reads_it(app_api, query, status, count):
    customer = make_customer(tier=Tier.GOLD)
    for _ in range(8):
        make_benefit(cells={Tier.GOLD: 2})
    response = app_api.get(f"/api/v1/customers/{customer.customer_no}/recommendations{query}")
    assert response.status_code == status
    if status == 200:
        assert len(response.json()["recommendations"]) == count
