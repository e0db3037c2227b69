"""The NPS report: the figures (NPS by slice, response rates, trend, follow-up speed) are
right, a supervisor's per-agent tables hold their team, the page needs its permission and
reads a fixed number of queries whatever the data."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bookshelf.ledger.services import redemption_create
from bookshelf.models import FollowUpOutcome, InvitationStatus, SurveyInvitation
from bookshelf.reach.selectors import NPS_REPORT_QUERIES, nps_of, nps_report
from bookshelf.reach.services import feedback_record, followup_call_record, followups_escalate
from customers.models import Tier
from tests.factories import make_benefit

pytestmark = pytest.mark.django_db

REPORT = "admin:bookshelf_nps_report"


@pytest.fixture
def benefit(db):
    return make_benefit(cells={Tier.GOLD: 50, Tier.ORDINARY: 50}, name="Green channel")


def answer(customer, benefit, score, **kw):
    use = redemption_create(customer=customer, benefit_code=benefit.code).redemption
    return feedback_record(redemption=use, score=score, **kw)


@pytest.fixture
def answers(office, benefit):
    """mine: 10, 9, 3 (NPS 33.3); theirs: 8, 0 (-50); outside: 10 (100)."""
    for score in (10, 9, 3):
        answer(office.mine, benefit, score)
    for score in (8, 0):
        answer(office.theirs, benefit, score)
    answer(office.outside, benefit, 10)


def test_nps_is_promoters_minus_detractors_over_answers():
    assert nps_of(6, 3, 2) == 16.7
    assert nps_of(2, 0, 1) == -50.0
    assert nps_of(0, 0, 0) is None


def test_the_report_slices_every_answer(office, answers, benefit):
    report = nps_report(user=office.product)
    overall = report.overall
    assert (overall.answers, overall.promoters, overall.detractors) == (6, 3, 2)
    assert overall.nps == 16.7
    assert [(r.code, r.answers, r.nps) for r in report.by_benefit] == [(benefit.code, 6, 16.7)]
    by_agent = {r.key: (r.answers, r.nps) for r in report.by_agent}
    assert by_agent == {
        office.agent.pk: (3, 33.3),
        office.other_agent.pk: (2, -50.0),
        office.outsider.pk: (1, 100.0),
    }
    by_tier = {r.key: (r.answers, r.nps) for r in report.by_tier}
    assert by_tier == {Tier.GOLD: (5, 0.0), Tier.ORDINARY: (1, 100.0)}
    assert sum(r.answers for r in report.by_channel) == 6
    assert sum(r.answers for r in report.by_supplier) == 6
    this_month = report.months[-1]
    assert len(report.months) == 12
    assert (this_month.answers, this_month.nps) == (6, 16.7)


def test_answers_outside_the_period_are_left_out(office, benefit):
    answer(office.mine, benefit, 0, created_at=timezone.now() - timedelta(days=100))
    answer(office.mine, benefit, 10)
    assert nps_report(user=office.product).overall.answers == 1
    assert nps_report(user=office.product, days=180).overall.answers == 2


def test_response_rate_is_answered_over_sent(office, benefit):
    statuses = (
        [InvitationStatus.SENT] * 3
        + [InvitationStatus.ANSWERED]
        + [
            InvitationStatus.NOT_SAMPLED,
            InvitationStatus.THROTTLED,
        ]
    )
    for i, status in enumerate(statuses):
        SurveyInvitation.objects.create(
            redemption_id=9000 + i, customer=office.mine, benefit=benefit, status=status
        )
    report = nps_report(user=office.product)
    assert (report.responses.sent, report.responses.answered) == (4, 1)
    assert report.responses.rate == 0.25
    assert [(r.code, r.sent, r.answered) for r in report.responses_by_benefit] == [
        (benefit.code, 4, 1)
    ]


def test_followup_speed_per_agent_and_team(office, benefit):
    quick = answer(office.mine, benefit, 2).followup
    slow = answer(office.mine, benefit, 1).followup
    never = answer(office.theirs, benefit, 0).followup
    followup_call_record(
        followup_id=quick.pk,
        outcome=FollowUpOutcome.RESOLVED,
        now=quick.opened_at + timedelta(hours=4),
    )
    followup_call_record(
        followup_id=slow.pk,
        outcome=FollowUpOutcome.RESOLVED,
        now=slow.opened_at + timedelta(hours=60),
    )
    followups_escalate(now=never.due_at + timedelta(minutes=1))
    report = nps_report(user=office.product)
    agents = {s.key: s for s in report.followups_by_agent}
    ann = agents[office.agent.pk]
    assert (ann.followups, ann.contacted, ann.contacted_in_time, ann.escalated) == (2, 2, 1, 0)
    assert ann.median_hours == 32.0  # (4 + 60) / 2
    assert ann.in_time_share == 0.5
    bob = agents[office.other_agent.pk]
    assert (bob.followups, bob.contacted, bob.escalated, bob.median_hours) == (1, 0, 1, None)
    team = {s.key: s for s in report.followups_by_team}[office.supervisor.pk]
    assert (team.followups, team.contacted_in_time, team.escalated) == (3, 1, 1)
    assert team.median_hours == 32.0


def test_a_supervisor_sees_only_their_teams_agents(office, answers):
    report = nps_report(user=office.supervisor.user)
    assert {r.key for r in report.by_agent} == {office.agent.pk, office.other_agent.pk}
    assert report.overall.answers == 6  # the other slices stay whole
    assert office.outsider.pk not in {s.key for s in report.followups_by_agent}
    assert report.team_only


def test_the_page_needs_the_report_permission(office, answers):
    assert office.client_for(office.agent.user).get(reverse(REPORT)).status_code == 403
    for user in (office.supervisor.user, office.product):
        response = office.client_for(user).get(reverse(REPORT))
        assert response.status_code == 200
        assert 'id="nps-chart"' in response.content.decode()
        assert 'id="nav-nps"' in response.content.decode()


def test_a_period_not_offered_falls_back_to_90_days(office):
    response = office.client_for(office.product).get(reverse(REPORT) + "?days=7")
    assert response.context["report"].days == 90


def test_the_report_reads_a_fixed_number_of_queries(office, benefit, django_assert_num_queries):
    """The user's permissions and agent are the request's (cached by then): warmed first."""
    product, supervisor = office.product, office.supervisor.user
    product.has_perm("bookshelf.view_nps_report")
    supervisor.has_perm("bookshelf.view_nps_report")
    assert supervisor.agent == office.supervisor
    client = office.client_for(product)
    client.get(reverse(REPORT))  # the session and the admin's own caches
    with django_assert_num_queries(NPS_REPORT_QUERIES):
        nps_report(user=product)
    with CaptureQueriesContext(connection) as empty_page:
        client.get(reverse(REPORT))
    for customer in (office.mine, office.theirs, office.outside):
        for score in (0, 5, 9, 10):
            answer(customer, make_benefit(cells={customer.tier: 5}), score)
    with django_assert_num_queries(NPS_REPORT_QUERIES):
        nps_report(user=product)
    with django_assert_num_queries(NPS_REPORT_QUERIES):
        nps_report(user=supervisor)
    with django_assert_num_queries(len(empty_page.captured_queries)):
        client.get(reverse(REPORT))
