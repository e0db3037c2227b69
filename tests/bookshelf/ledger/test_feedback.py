"""Satisfaction answers: once per use, 0-10, copied for the review's NPS."""

import pytest

from bookshelf.ledger.error_codes import LedgerErrorCode
from bookshelf.ledger.services import (
    redemption_cancel,
    redemption_create,
    redemption_feedback_create,
)
from bookshelf.models import RedemptionFeedback
from config.exceptions import Conflict, DomainError
from customers.models import Tier
from tests.factories import make_benefit, make_customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def redemption():
    customer = make_customer(tier=Tier.GOLD)
    benefit = make_benefit(cells={Tier.GOLD: 3})
    return redemption_create(customer=customer, benefit_code=benefit.code).redemption


def test_feedback_is_stored_with_the_benefit_and_tier_of_the_use(redemption):
    feedback = redemption_feedback_create(redemption=redemption, score=9, comment="  Great  ")
    assert feedback.benefit_id == redemption.benefit_id
    assert feedback.tier_snapshot == Tier.GOLD
    assert feedback.customer_id == redemption.beneficiary_id
    assert feedback.comment == "Great"


def test_a_second_answer_for_the_same_use_is_a_conflict(redemption):
    redemption_feedback_create(redemption=redemption, score=10)
    with pytest.raises(Conflict) as exc:
        redemption_feedback_create(redemption=redemption, score=3)
    assert exc.value.code == LedgerErrorCode.FEEDBACK_EXISTS.value
    assert RedemptionFeedback.objects.get().score == 10


@pytest.mark.parametrize("score", [-1, 11, 7.5, True, "9"])
def test_scores_outside_0_to_10_are_refused(redemption, score):
    with pytest.raises(DomainError) as exc:
        redemption_feedback_create(redemption=redemption, score=score)
    assert exc.value.field == "score"
    assert not RedemptionFeedback.objects.exists()


@pytest.mark.parametrize("score", [0, 10])
def test_the_ends_of_the_scale_are_accepted(redemption, score):
    assert redemption_feedback_create(redemption=redemption, score=score).score == score


def test_a_cancelled_use_cannot_be_rated(redemption):
    redemption_cancel(redemption=redemption)
    redemption.refresh_from_db()
    with pytest.raises(Conflict):
        redemption_feedback_create(redemption=redemption, score=8)
