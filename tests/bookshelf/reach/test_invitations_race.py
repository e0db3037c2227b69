"""Survey invitations under real concurrent transactions on PostgreSQL: sweeps running at
once decide each use once (its unique row), and a customer whose two uses are fulfilled at
once is invited once (the throttle's conditional UPDATE, or its unique key when it is new).

Each thread closes its database connection when done (CI's PostgreSQL allows 100 to two
workers of the suite); a barrier releases the threads together.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from bookshelf.ledger.services import redemption_create
from bookshelf.models import OutboxMessage, SurveyInvitation, SurveySettings, SurveyThrottle
from bookshelf.reach.services import survey_invitations_sweep, survey_throttle_claim
from customers.models import Tier
from tests.factories import make_benefit, make_customer

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

WORKERS = 10


def _together(fn, n=WORKERS):
    barrier = threading.Barrier(n)

    def one(i):
        try:
            barrier.wait(timeout=60)
            return fn(i)
        except Exception as exc:  # a crash is an outcome to count
            return f"crash: {exc!r}"
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(one, range(n), timeout=300))


def test_sweeps_at_once_decide_each_use_once_and_invite_each_customer_once():
    SurveySettings.objects.update_or_create(pk=1, defaults={"sample_rate": 1.0})
    benefit = make_benefit(cells={Tier.GOLD: None}, name="Checkup", name_zh_hans="体检")
    customers = [make_customer(tier=Tier.GOLD, consent=False) for _ in range(20)]
    for customer in customers:  # two uses each, fulfilled at the same moment
        for _ in range(2):
            redemption_create(customer=customer, benefit_code=benefit.code)
    now = timezone.now() + timedelta(minutes=1)
    reports = _together(lambda _i: survey_invitations_sweep(now=now))
    assert not [r for r in reports if isinstance(r, str)], reports
    assert SurveyInvitation.objects.count() == 40
    statuses = Counter(SurveyInvitation.objects.values_list("status", flat=True))
    assert statuses == {"sent": 20, "throttled": 20}
    sent_to = Counter(
        SurveyInvitation.objects.filter(status="sent").values_list("customer_id", flat=True)
    )
    assert set(sent_to) == {c.pk for c in customers} and set(sent_to.values()) == {1}
    assert OutboxMessage.objects.count() == 20
    assert SurveyThrottle.objects.count() == 20
    # What the sweeps say they decided is what was decided.
    assert sum(r.sent for r in reports) == 20
    assert sum(r.throttled for r in reports) == 20


@pytest.mark.parametrize("invited_before", [None, 40], ids=["first ever", "40 days ago"])
def test_two_uses_fulfilled_at_once_claim_the_customers_invitation_once(invited_before):
    customer = make_customer(tier=Tier.GOLD, consent=False)
    now = timezone.now()
    if invited_before is not None:
        SurveyThrottle.objects.create(
            customer=customer, invited_at=now - timedelta(days=invited_before)
        )

    def claim(_i):
        with transaction.atomic():
            won = survey_throttle_claim(customer_id=customer.pk, now=now, days=30)
            time.sleep(0.05)  # hold the claim while the others try theirs
            return won

    outcomes = _together(claim)
    assert Counter(outcomes) == {True: 1, False: WORKERS - 1}, outcomes
    assert SurveyThrottle.objects.get(customer=customer).invited_at == now
