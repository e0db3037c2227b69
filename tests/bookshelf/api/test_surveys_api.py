"""The survey endpoint: no login (the signed token is the credential), what the page shows
(never the customer's name or phone), one answer per invitation (replayed: the same answer,
nothing recorded twice; another: 409), a tampered token 404, a closed one 410, a use rated
in the app first 409; a detractor's answer opens one follow-up and one webhook, replayed or
not; throttled per client address."""

from __future__ import annotations

from datetime import timedelta

import pytest
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
from bookshelf.reach.services import feedback_record, survey_invitations_sweep
from customers.models import Tier
from tests.factories import make_benefit, make_customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def invited():
    """A customer's use, invited: (invitation, its token, the customer)."""
    SurveySettings.objects.update_or_create(pk=1, defaults={"sample_rate": 1.0})
    benefit = make_benefit(cells={Tier.GOLD: None}, name="Dental check", name_zh_hans="口腔检查")
    customer = make_customer(tier=Tier.GOLD, name="李四")
    redemption_create(customer=customer, benefit_code=benefit.code)
    survey_invitations_sweep(now=timezone.now() + timedelta(seconds=1))
    invitation = SurveyInvitation.objects.select_related("benefit").get()
    return invitation, survey_token(invitation), customer


@pytest.fixture
def anonymous():
    return APIClient()  # no session, no bearer token


def _url(token):
    return f"/api/v1/surveys/{token}"


def test_the_page_shows_the_benefit_the_day_and_the_question_never_the_customer(invited, anonymous):
    invitation, token, customer = invited
    response = anonymous.get(_url(token))
    assert response.status_code == 200
    body = response.json()
    assert body["benefit"] == {
        "code": invitation.benefit.code,
        "name_en": "Dental check",
        "name_zh_hans": "口腔检查",
    }
    assert body["used_on"] == timezone.localdate(invitation.used_at).isoformat()
    assert "Dental check" in body["question"]
    assert (body["answered"], body["answer"]) == (False, None)
    text = response.content.decode()
    for personal in (customer.name, customer.phone, customer.customer_no, customer.id_number):
        assert personal not in text


def test_an_answer_is_recorded_once_and_a_replay_changes_nothing(invited, anonymous):
    invitation, token, _customer = invited
    answer = {"score": 9, "comment": "On time."}
    first = anonymous.post(_url(token), answer, format="json")
    assert first.status_code == 201, first.json()
    assert first.json()["answer"]["score"] == 9 and first.json()["answered"] is True
    assert not first.has_header("Idempotent-Replayed")
    feedback = RedemptionFeedback.objects.get()
    assert (feedback.redemption_id, feedback.score, feedback.comment) == (
        invitation.redemption_id,
        9,
        "On time.",
    )
    invitation.refresh_from_db()
    assert (invitation.status, invitation.feedback_id) == ("answered", feedback.pk)

    again = anonymous.post(_url(token), answer, format="json")
    assert again.status_code == 200
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["answer"] == first.json()["answer"]
    other = anonymous.post(_url(token), {"score": 3}, format="json")
    assert other.status_code == 409
    assert other.json()["code"] == "survey_already_answered"
    assert other.json()["answer"] == {"score": 9, "comment": "On time."}
    assert RedemptionFeedback.objects.count() == 1
    # The page now shows the answer.
    shown = anonymous.get(_url(token)).json()
    assert shown["answered"] is True and shown["answer"]["score"] == 9


def test_a_detractor_answer_opens_one_follow_up_and_one_webhook_even_when_replayed(
    invited, anonymous
):
    WebhookSubscription.objects.create(name="crm", url="https://hooks.example.com/x", secret="s")
    _invitation, token, customer = invited
    for _ in range(3):
        response = anonymous.post(_url(token), {"score": 2, "comment": "Late."}, format="json")
        assert response.status_code in (200, 201)
    assert DetractorFollowUp.objects.filter(customer=customer).count() == 1
    assert WebhookEvent.objects.filter(type="feedback.detractor").count() == 1


def test_a_tampered_or_unknown_token_is_404_and_changes_nothing(invited, anonymous):
    invitation, token, _customer = invited
    signed, signature = token.rsplit(":", 1)
    other = signed.replace(f"{invitation.pk}.", f"{invitation.pk + 1}.", 1)
    for bad in (f"{other}:{signature}", token[:-2] + "xx", "nothing", f"{invitation.pk}"):
        for response in (
            anonymous.get(_url(bad)),
            anonymous.post(_url(bad), {"score": 10}, format="json"),
        ):
            assert response.status_code == 404, bad
            assert response.json()["code"] == "survey_token_invalid"
    # A token with the right id but a nonce of its own, however signed, is not ours either.
    SurveyInvitation.objects.filter(pk=invitation.pk).update(nonce="changed")
    assert anonymous.get(_url(token)).status_code == 404
    assert not RedemptionFeedback.objects.exists()


def test_a_closed_survey_is_410_and_an_answered_one_still_shows_its_answer(invited, anonymous):
    invitation, token, _customer = invited
    SurveyInvitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    for response in (
        anonymous.get(_url(token)),
        anonymous.post(_url(token), {"score": 10}, format="json"),
    ):
        assert response.status_code == 410
        assert response.json()["code"] == "survey_expired"
    assert not RedemptionFeedback.objects.exists()
    assert SurveyInvitation.objects.get().status == "sent"


def test_a_use_rated_in_the_app_first_is_409_feedback_exists(invited, anonymous):
    invitation, token, _customer = invited
    from bookshelf.models import Redemption

    feedback_record(redemption=Redemption.objects.get(pk=invitation.redemption_id), score=8)
    response = anonymous.post(_url(token), {"score": 8}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "feedback_exists"
    # The claim was rolled back with the refusal: the invitation is not marked answered.
    invitation.refresh_from_db()
    assert (invitation.status, invitation.feedback_id) == ("sent", None)


@pytest.mark.parametrize("body", [{"score": 11}, {"score": -1}, {"score": "ten"}, {}])
def test_bad_scores_are_400_and_change_nothing(invited, anonymous, body):
    _invitation, token, _customer = invited
    response = anonymous.post(_url(token), body, format="json")
    assert response.status_code == 400
    assert "score" in response.json()["fields"]
    assert SurveyInvitation.objects.get().status == "sent"


def test_requests_are_throttled_per_client_address(invited, anonymous, settings):
    settings.BOOKSHELF_SURVEY_THROTTLE_RATE = "3/min"
    _invitation, token, _customer = invited
    codes = [anonymous.get(_url(token)).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    elsewhere = anonymous.get(_url(token), REMOTE_ADDR="10.1.2.3")
    assert elsewhere.status_code == 200


def test_the_answers_match_the_published_schema(invited, anonymous, tmp_path):
    from tests.bookshelf.api.schema_check import SchemaChecker, generated_schema

    _invitation, token, _customer = invited
    check = SchemaChecker(generated_schema(tmp_path)).check
    check("survey_get", anonymous.get(_url(token)))
    check("survey_answer_record", anonymous.post(_url(token), {"score": 7}, format="json"))
    check("survey_answer_record", anonymous.post(_url(token), {"score": 7}, format="json"))
    check("survey_get", anonymous.get(_url(token)))
    check("survey_answer_record", anonymous.post(_url(token), {"score": 1}, format="json"))
    check("survey_get", anonymous.get(_url("bad-token")))
