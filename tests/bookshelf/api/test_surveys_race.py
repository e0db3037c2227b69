"""A detractor's answer posted ten times at once through the survey token, on PostgreSQL:
one is recorded (201), the others are replays (200, `Idempotent-Replayed`), and there is
exactly one answer, one follow-up and one `feedback.detractor` webhook. Ten different answers
at once: one wins, the nine others are told it was answered (409)."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from bookshelf.ledger.services import redemption_create
from bookshelf.models import (
    DetractorFollowUp,
    RedemptionFeedback,
    SurveyInvitation,
    SurveySettings,
    WebhookEvent,
    WebhookSubscription,
)
from bookshelf.reach.invitations import survey_token
from bookshelf.reach.services import survey_invitations_sweep
from customers.models import Tier
from tests.factories import make_benefit, make_customer

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

WORKERS = 10


def _token() -> str:
    SurveySettings.objects.update_or_create(pk=1, defaults={"sample_rate": 1.0})
    WebhookSubscription.objects.create(name="crm", url="https://hooks.example.com/x", secret="s")
    benefit = make_benefit(cells={Tier.GOLD: None}, name="Escort", name_zh_hans="陪诊")
    customer = make_customer(tier=Tier.GOLD, consent=False)
    redemption_create(customer=customer, benefit_code=benefit.code)
    survey_invitations_sweep(now=timezone.now() + timedelta(seconds=1))
    return survey_token(SurveyInvitation.objects.get())


def _post_together(token: str, bodies: list[dict]) -> list[tuple[int, str]]:
    barrier = threading.Barrier(len(bodies))

    def one(body: dict) -> tuple[int, str]:
        try:
            barrier.wait(timeout=60)
            response = APIClient().post(f"/api/v1/surveys/{token}", body, format="json")
            return response.status_code, response.get("Idempotent-Replayed", "")
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(bodies)) as pool:
        return list(pool.map(one, bodies, timeout=300))


def test_the_same_detractor_answer_posted_ten_times_at_once_counts_once():
    token = _token()
    outcomes = Counter(_post_together(token, [{"score": 3, "comment": "Late."}] * WORKERS))
    assert outcomes == {(201, ""): 1, (200, "true"): WORKERS - 1}, outcomes
    assert RedemptionFeedback.objects.count() == 1
    assert DetractorFollowUp.objects.count() == 1
    assert WebhookEvent.objects.filter(type="feedback.detractor").count() == 1
    invitation = SurveyInvitation.objects.get()
    assert invitation.status == "answered"
    assert invitation.feedback_id == RedemptionFeedback.objects.get().pk


def test_ten_different_answers_at_once_one_wins():
    token = _token()
    outcomes = Counter(code for code, _ in _post_together(token, [{"score": n} for n in range(10)]))
    assert outcomes == {201: 1, 409: WORKERS - 1}, outcomes
    feedback = RedemptionFeedback.objects.get()
    assert SurveyInvitation.objects.get().feedback_id == feedback.pk
    assert DetractorFollowUp.objects.count() == (1 if feedback.score <= 6 else 0)
