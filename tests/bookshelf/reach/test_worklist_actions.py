"""Bulk push and bulk dismiss from the worklist: each item gets its own outcome, a refusal of
one changes nothing for it and stops none of the others, and nobody acts on an item of an
agent they do not act for. The jobs give their suggestions a due day."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from bookshelf.models import (
    AgentNotification,
    AgentSuggestion,
    DetractorFollowUp,
    OutboxMessage,
    Push,
    SuggestionStatus,
)
from bookshelf.reach.selectors import worklist
from bookshelf.reach.services import (
    customer_event_record,
    quota_expiring_sweep,
    worklist_dismiss,
    worklist_push,
)
from config.exceptions import DomainError
from customers.models import Tier
from tests.bookshelf.reach.test_worklist import (
    Desk,
    detractor,
    failed_case,
    make_desk,
    notice,
    suggest,
)
from tests.factories import make_benefit, make_customer

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("celery_eager")]


@pytest.fixture
def desk(db: Any) -> Desk:
    return make_desk()


def test_push_pushes_each_usable_suggestion_and_reports_the_others(desk: Desk, today):
    usable = suggest(desk.mine, desk.gift, due=today)
    retired_shelf = make_benefit(cells={Tier.PLATINUM: 1}, name="Not for gold")
    not_usable = suggest(desk.mine, retired_shelf, due=today)
    silent = make_customer(tier=Tier.GOLD, agent=desk.agent, consent=False)
    no_consent = suggest(silent, desk.gift, due=today)
    handled = suggest(desk.rich, desk.gift, due=today)
    AgentSuggestion.objects.filter(pk=handled.pk).update(status=SuggestionStatus.DISMISSED)
    theirs = suggest(desk.theirs, desk.gift, due=today)
    call = detractor(desk.mine, desk.gift)
    result = worklist_push(
        item_ids=[
            f"suggestion:{not_usable.pk}",
            f"suggestion:{usable.pk}",
            f"suggestion:{no_consent.pk}",
            f"suggestion:{handled.pk}",
            f"suggestion:{theirs.pk}",
            f"followup:{call.pk}",
        ],
        channel="app_message",
        agent_ids=[desk.agent.pk],
        by=desk.agent.user,
    )
    assert result.outcomes == {
        f"suggestion:{not_usable.pk}": "not_usable",
        f"suggestion:{usable.pk}": "pushed",
        f"suggestion:{no_consent.pk}": "no_consent",
        f"suggestion:{handled.pk}": "already_handled",
        f"suggestion:{theirs.pk}": "not_found",
        f"followup:{call.pk}": "refused",
    }
    usable.refresh_from_db()
    assert usable.status == SuggestionStatus.ACCEPTED and usable.push is not None
    assert Push.objects.get().customer == desk.mine and OutboxMessage.objects.count() == 1
    for untouched in (not_usable, no_consent, theirs):
        untouched.refresh_from_db()
        assert untouched.status == SuggestionStatus.OPEN and untouched.push is None
    assert result.totals() == {
        "not_usable": 1,
        "pushed": 1,
        "no_consent": 1,
        "already_handled": 1,
        "not_found": 1,
        "refused": 1,
    }
    # Pushed, it leaves the list; the others stay.
    ids = {i.id for i in worklist(agent_ids=[desk.agent.pk]).items}
    assert f"suggestion:{usable.pk}" not in ids and f"suggestion:{not_usable.pk}" in ids


def test_a_benefit_pushed_a_moment_ago_is_reported_and_its_suggestion_stays_open(desk: Desk, today):
    first = suggest(desk.mine, desk.gift, due=today)
    second = suggest(desk.mine, desk.gift, due=today)
    result = worklist_push(
        item_ids=[f"suggestion:{first.pk}", f"suggestion:{second.pk}"],
        channel="sms",
        agent_ids=[desk.agent.pk],
    )
    assert list(result.outcomes.values()) == ["pushed", "recently_pushed"]
    second.refresh_from_db()
    assert second.status == SuggestionStatus.OPEN and Push.objects.count() == 1


def test_dismiss_closes_suggestions_marks_notices_read_and_refuses_calls_and_cases(
    desk: Desk, today
):
    a, b = suggest(desk.mine, desk.gift, due=today), suggest(desk.rich, desk.gift, due=today)
    theirs = suggest(desk.theirs, desk.gift, due=today)
    note, their_note = notice(desk.agent, desk.gift), notice(desk.other, desk.gift)
    call = detractor(desk.mine, desk.gift)
    case = failed_case(desk.mine, desk.escort, desk.supplier)
    asked = [
        f"suggestion:{a.pk}",
        f"suggestion:{b.pk}",
        f"suggestion:{theirs.pk}",
        f"notice:{note.pk}",
        f"notice:{their_note.pk}",
        f"followup:{call.pk}",
        f"case:{case.pk}",
    ]
    result = worklist_dismiss(item_ids=asked, agent_ids=[desk.agent.pk], by=desk.agent.user)
    assert list(result.outcomes.values()) == [
        "dismissed",
        "dismissed",
        "not_found",
        "marked_read",
        "not_found",
        "refused",
        "refused",
    ]
    assert set(
        AgentSuggestion.objects.filter(status=SuggestionStatus.DISMISSED).values_list(
            "pk", flat=True
        )
    ) == {a.pk, b.pk}
    assert AgentNotification.objects.get(pk=note.pk).read_at is not None
    assert AgentNotification.objects.get(pk=their_note.pk).read_at is None
    assert DetractorFollowUp.objects.get(pk=call.pk).closed_at is None
    case.refresh_from_db()
    assert case.closed_at is None
    again = worklist_dismiss(item_ids=asked[:1], agent_ids=[desk.agent.pk])
    assert again.outcomes == {f"suggestion:{a.pk}": "already_handled"}


def test_dismissing_suggestions_is_one_update(desk: Desk, today, django_assert_num_queries):
    made = [suggest(desk.mine, desk.gift, due=today) for _ in range(10)]
    ids = [f"suggestion:{s.pk}" for s in made]
    # Savepoint, lock the suggestions, one UPDATE, lock the notices (none asked: no query).
    with django_assert_num_queries(4):
        result = worklist_dismiss(item_ids=ids, agent_ids=[desk.agent.pk])
    assert result.totals() == {"dismissed": 10}


@pytest.mark.parametrize(
    ("item_ids", "channel"),
    [
        ([], "sms"),
        (["suggestion:abc"], "sms"),
        (["push:1"], "sms"),
        ([f"suggestion:{n}" for n in range(1, 300)], "sms"),
        (["suggestion:1"], "pigeon"),
    ],
)
def test_bad_requests_are_refused_whole_and_change_nothing(desk: Desk, today, item_ids, channel):
    made = suggest(desk.mine, desk.gift, due=today)
    with pytest.raises(DomainError) as refused:
        worklist_push(
            item_ids=[*item_ids, f"suggestion:{made.pk}"] if item_ids else [],
            channel=channel,
            agent_ids=[desk.agent.pk],
        )
    assert refused.value.code == "invalid" and refused.value.status == 400
    with pytest.raises(DomainError):
        worklist_dismiss(item_ids=["nonsense"], agent_ids=[desk.agent.pk])
    made.refresh_from_db()
    assert made.status == SuggestionStatus.OPEN and not Push.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_agents_pushing_one_suggestion_at_once_push_it_once(desk: Desk, today):
    """A double click, or the agent and the supervisor at once: one push, one "pushed"."""
    made = suggest(desk.mine, desk.gift, due=today)

    def push(_n: int) -> str:
        try:
            result = worklist_push(
                item_ids=[f"suggestion:{made.pk}"],
                channel="app_message",
                agent_ids=[desk.agent.pk, desk.supervisor.pk],
            )
            return result.outcomes[f"suggestion:{made.pk}"]
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(push, range(8)))
    assert outcomes.count("pushed") == 1
    assert set(outcomes) <= {"pushed", "already_handled", "recently_pushed"}
    assert Push.objects.count() == 1 and OutboxMessage.objects.count() == 1


def test_the_jobs_give_their_suggestions_a_due_day(desk: Desk, django_capture_on_commit_callbacks):
    monthly = make_benefit(cells={Tier.GOLD: 2}, period="calendar_month", name="Monthly")
    quota_expiring_sweep(days=15, today=date(2026, 11, 20))
    expiring = AgentSuggestion.objects.filter(benefit=monthly, customer=desk.mine).get()
    assert expiring.due_on == date(2026, 11, 30)  # the period's end
    make_benefit(cells={Tier.GOLD: 2}, category_code="MED", name="Hospital escort")
    occurred = timezone.now() - timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        customer_event_record(customer=desk.rich, kind="claim_filed", occurred_at=occurred)
    moment = AgentSuggestion.objects.filter(customer=desk.rich, event__isnull=False).first()
    assert moment is not None
    assert moment.due_on == timezone.localdate(occurred) + timedelta(days=7)
