"""Product staff's review pages: run a review now and the next scheduled one, a short run page
with thresholds by name, approving with a confirmation (who a retirement touches, the draft a
pull creates), answer buttons on a proposal's page, and numbers and Chinese text formatted
one way."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone, translation
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

from benefits.models import Benefit, BenefitStatus
from bookshelf import jobs
from bookshelf.models import (
    AgentNotification,
    Proposal,
    ProposalKind,
    ProposalStatus,
    ReviewRun,
    ReviewStatus,
)
from bookshelf.review.selectors import (
    pull_request_words,
    retirement_impact,
    review_next_scheduled,
)
from bookshelf.review.services import (
    demand_signal_create,
    proposal_approve,
    review_run,
    review_run_request,
)
from bookshelf.roles import AGENT, PRODUCT_STAFF, staff_groups_sync
from config.exceptions import Conflict, DomainError
from customers.models import Tier
from tests.bookshelf.review.test_review import _tomorrow
from tests.factories import category, make_benefit

pytestmark = pytest.mark.django_db

RUNS = "/admin/bookshelf/reviewrun/"


def _staff(client: Any, group: str = PRODUCT_STAFF, name: str = "keeper") -> Any:
    staff_groups_sync()
    user = get_user_model().objects.create_user(username=name, password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    client.force_login(user)
    return user


def _enqueued(callbacks: list[Any]) -> list[tuple[Any, ...]]:
    """The jobs the captured on-commit callbacks would send: (name, *args)."""
    return [cb.args for cb in callbacks if getattr(cb, "func", None) is jobs.enqueue]


# -- 1. run a review now, and when the next one runs ----------------------------------------


def test_run_now_queues_the_scheduled_task_for_todays_window(
    shelf, client, django_capture_on_commit_callbacks, celery_eager
):
    _staff(client)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(f"{RUNS}run-now/", follow=True)
    run = ReviewRun.objects.get()
    assert run.window_end == timezone.localdate()
    # The same task beat sends for the review, for today's window.
    assert _enqueued(callbacks) == [(jobs.SHELF_REVIEW, 90, run.window_end.isoformat())]
    assert "is queued" in response.content.decode()
    for callback in callbacks:  # the worker's part, here in-process
        callback()
    run.refresh_from_db()
    assert run.status == ReviewStatus.DONE
    assert run.retire_proposals >= 1 and run.findings.exists()


def test_run_now_is_refused_while_a_review_runs_and_once_today_is_reviewed(
    shelf, client, django_capture_on_commit_callbacks
):
    _staff(client)
    running = ReviewRun.objects.create(window_end=_tomorrow(), window_days=90)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        page = client.post(f"{RUNS}run-now/", follow=True).content.decode()
    assert "A review is already running" in page
    assert _enqueued(callbacks) == []
    assert ReviewRun.objects.count() == 1
    with pytest.raises(Conflict) as refused:
        review_run_request()
    assert refused.value.code == "review_in_progress"

    running.delete()
    review_run(window_end=timezone.localdate(), window_days=90)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        page = client.post(f"{RUNS}run-now/", follow=True).content.decode()
    assert "already reviewed" in page
    assert _enqueued(callbacks) == []


def test_a_run_left_running_for_hours_is_queued_again_to_finish(
    shelf, django_capture_on_commit_callbacks
):
    stuck = ReviewRun.objects.create(
        window_end=timezone.localdate(),
        window_days=90,
        started_at=timezone.now() - timedelta(hours=3),
    )
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert review_run_request().pk == stuck.pk
    assert len(_enqueued(callbacks)) == 1


def test_run_now_needs_the_permission_and_a_post(shelf, client):
    _staff(client, AGENT, "agent-x")
    assert client.post(f"{RUNS}run-now/").status_code == 403
    assert not ReviewRun.objects.exists()
    _staff(client, PRODUCT_STAFF, "keeper-y")
    assert client.get(f"{RUNS}run-now/").status_code == 405
    page = client.get(RUNS).content.decode()
    assert 'id="run-review-now"' in page


def _monday_3am(after: datetime) -> datetime:
    local = timezone.localtime(after)
    days = (7 - local.weekday()) % 7
    candidate = local.replace(hour=3, minute=0, second=0, microsecond=0) + timedelta(days=days)
    return candidate if candidate > local else candidate + timedelta(days=7)


def test_the_next_scheduled_review_is_read_from_beats_schedule():
    seeded = PeriodicTask.objects.get(task=jobs.SHELF_REVIEW)  # Mondays 03:00, Asia/Shanghai
    now = timezone.now()
    upcoming = review_next_scheduled(now=now)
    assert upcoming is not None and upcoming.name == seeded.name
    assert timezone.localtime(upcoming.next_run_at) == _monday_3am(now)

    # An interval counts from the last run.
    every_day = IntervalSchedule.objects.create(every=1, period=IntervalSchedule.DAYS)
    PeriodicTask.objects.create(
        name="Review daily",
        task=jobs.SHELF_REVIEW,
        interval=every_day,
        last_run_at=now - timedelta(hours=20),
    )
    upcoming = review_next_scheduled(now=now)
    assert upcoming is not None and upcoming.name == "Review daily"
    assert abs(upcoming.next_run_at - (now + timedelta(hours=4))) < timedelta(seconds=2)

    PeriodicTask.objects.filter(task=jobs.SHELF_REVIEW).update(enabled=False)
    assert review_next_scheduled(now=now) is None


def test_the_run_list_says_when_the_next_review_runs_and_hints_when_empty(client):
    _staff(client)
    page = client.get(RUNS).content.decode()
    assert 'id="review-empty-hint"' in page
    assert "Run a review now" in page
    when = _monday_3am(timezone.now())
    assert f"{when:%Y}" in page and "Asia/Shanghai" in page
    assert "Review the shelf (weekly)" in page

    PeriodicTask.objects.filter(task=jobs.SHELF_REVIEW).update(enabled=False)
    CrontabSchedule.objects.all()  # the crontab stays; only the task is off
    page = client.get(RUNS).content.decode()
    assert "not scheduled" in page


# -- 2. a short run page, thresholds by name ----------------------------------------------


def test_the_run_page_names_thresholds_and_summarises_before_the_groups(shelf, admin_client):
    run = review_run(window_end=_tomorrow(), window_days=90).run
    page = admin_client.get(f"{RUNS}{run.pk}/change/").content.decode()
    for key in run.thresholds["default"]:
        assert f">{key}<" not in page  # no raw key as a header or cell
    assert "Minimum usage rate" in page and "25.0%" in page
    assert "Low reviews in a row before proposing" in page
    summary = page.index('class="review-summary"')
    groups = page.index('class="findings-group"')
    assert summary < page.index('aria-label="Best tier') < groups
    assert re.search(r'<tr data-verdict="retire">.*?>1<', page, re.S)
    # One group per verdict, the most telling open first.
    assert re.search(r'<details class="findings-group" id="findings-retire"[^>]* open>', page)
    assert 'id="findings-healthy"' in page


def test_a_verdict_group_shows_its_first_rows_and_links_to_the_rest(
    shelf, admin_client, monkeypatch
):
    from bookshelf.admin import review_pages

    monkeypatch.setattr(review_pages, "GROUP_ROWS", 1)
    for i in range(3):
        make_benefit(cells={Tier.GOLD: 5}, name=f"Too new {i}")
    run = review_run(window_end=_tomorrow(), window_days=90).run
    page = admin_client.get(f"{RUNS}{run.pk}/change/").content.decode()
    group = re.search(r'id="findings-grace".*?</details>', page, re.S)
    assert group is not None
    assert group.group(0).count("<tr data-code=") == 1
    assert "Showing 1 of 4" in group.group(0)
    assert f"run__id__exact={run.pk}&amp;verdict__exact=grace" in group.group(0)


def test_the_run_page_reads_a_fixed_number_of_queries_whatever_the_shelf(
    shelf, admin_client, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def page_queries(end: Any) -> int:
        run = review_run(window_end=end, window_days=90).run
        url = f"{RUNS}{run.pk}/change/"
        admin_client.get(url)  # sessions and permissions cached alike
        with CaptureQueriesContext(connection) as ctx:
            assert admin_client.get(url).status_code == 200
        return len(ctx.captured_queries)

    few = page_queries(_tomorrow())
    for i in range(6):
        make_benefit(cells={Tier.GOLD: 5, Tier.PLATINUM: 2}, name=f"More {i}")
    many = page_queries(_tomorrow() + timedelta(days=1))
    assert few == many
    run = ReviewRun.objects.order_by("-window_end").first()
    with django_assert_num_queries(many):
        admin_client.get(f"{RUNS}{run.pk}/change/")


# -- 3. approving a retirement asks first; a pull creates a draft ----------------------------


def _retirement(shelf_data: dict[str, Any]) -> Proposal:
    run = review_run(window_end=_tomorrow(), window_days=90).run
    return Proposal.objects.get(run=run, kind=ProposalKind.RETIRE)


def test_approving_a_retirement_shows_who_is_affected_and_retires_only_on_confirm(
    shelf, admin_client
):
    proposal = _retirement(shelf)
    url = f"/admin/bookshelf/proposal/{proposal.pk}/approve/"
    page = admin_client.post(url).content.decode()  # the button: no confirm yet
    assert Benefit.objects.get(pk=shelf["rare"].pk).status == BenefitStatus.UNDER_REVIEW
    impact = retirement_impact(proposal=proposal)
    # Two of agent A's customers used it: one agent told, about two customers.
    assert (impact.recent_users, impact.agents_told, impact.customers_of_agents_told) == (2, 1, 2)
    assert impact.holders == 10  # ten gold customers could use it
    assert re.search(rf'id="impact-recent-{proposal.pk}".*?data-n="2"', page, re.S)
    assert re.search(rf'id="impact-told-{proposal.pk}".*?data-n="1"', page, re.S)
    assert re.search(rf'id="impact-holders-{proposal.pk}".*?data-n="10"', page, re.S)
    assert "sends customers themselves no message" in page

    response = admin_client.post(url, {"confirm": "yes", "note": "Rarely used"})
    assert response.status_code == 302
    assert Benefit.objects.get(pk=shelf["rare"].pk).status == BenefitStatus.RETIRED
    proposal.refresh_from_db()
    assert (proposal.status, proposal.note) == (ProposalStatus.APPROVED, "Rarely used")
    # The page said one agent would be told: one was.
    assert AgentNotification.objects.count() == impact.agents_told


def test_the_bulk_action_confirms_a_retirement_before_it_retires(shelf, admin_client):
    proposal = _retirement(shelf)
    form = {"action": "approve", "_selected_action": [proposal.pk]}
    page = admin_client.post("/admin/bookshelf/proposal/", form)
    assert page.status_code == 200
    assert "Approve this proposal?" in page.content.decode() or "Approve" in page.content.decode()
    assert Benefit.objects.get(pk=shelf["rare"].pk).status == BenefitStatus.UNDER_REVIEW
    response = admin_client.post("/admin/bookshelf/proposal/", {**form, "confirm": "yes"})
    assert response.status_code == 302
    assert Benefit.objects.get(pk=shelf["rare"].pk).status == BenefitStatus.RETIRED


def _pull(shelf_data: dict[str, Any], text: str = "Pet vet video consultation", **kw: Any) -> Any:
    lif = category("LIF")
    for i, customer in enumerate(shelf_data["customers"][:4]):
        words = text if i else text.lower() + "  "  # the same words, written another way
        demand_signal_create(text=words, customer=customer, **({"category": lif} | kw))
    run = review_run(window_end=_tomorrow(), window_days=90).run
    return Proposal.objects.get(run=run, kind=ProposalKind.PULL), lif


def test_approving_a_pull_creates_a_draft_in_the_requested_category_with_the_requests_words(
    shelf, admin_client
):
    proposal, lif = _pull(shelf)
    before = Benefit.objects.count()
    url = f"/admin/bookshelf/proposal/{proposal.pk}/approve/"
    page = admin_client.post(url).content.decode()
    assert "creates a draft benefit" in page
    assert Benefit.objects.count() == before  # nothing until confirmed
    admin_client.post(url, {"confirm": "yes"})
    proposal.refresh_from_db()
    draft = proposal.benefit
    assert draft is not None and Benefit.objects.count() == before + 1
    assert (draft.status, draft.category_id) == (BenefitStatus.DRAFT, lif.pk)
    assert draft.code.startswith(f"{lif.path_code}.")
    assert draft.name == "Pet vet video consultation"
    assert "“Pet vet video consultation” (3 requests)" in draft.description
    assert "4 requests from 4 customers" in draft.description
    assert proposal.status == ProposalStatus.APPROVED
    page = admin_client.get(f"/admin/bookshelf/proposal/{proposal.pk}/change/").content.decode()
    assert "Complete the draft benefit" in page
    assert f"/admin/benefits/benefit/{draft.pk}/change/" in page


def test_a_pull_naming_no_category_asks_for_one_and_changes_nothing_without(shelf):
    demand = [("牙齿美白", c) for c in shelf["customers"][:3]]
    for text, customer in demand:
        demand_signal_create(text=text, customer=customer)
    run = review_run(window_end=_tomorrow(), window_days=90).run
    proposal = Proposal.objects.get(run=run, kind=ProposalKind.PULL)
    assert proposal.category_id is None
    before = Benefit.objects.count()
    with pytest.raises(DomainError) as refused:
        proposal_approve(proposal=proposal)
    assert refused.value.code == "pull_needs_category"
    proposal.refresh_from_db()
    assert (proposal.status, Benefit.objects.count()) == (ProposalStatus.PENDING, before)

    hlt = category("HLT")
    proposal_approve(proposal=proposal, category=hlt)
    proposal.refresh_from_db()
    assert proposal.benefit is not None
    # The requests' wording is Chinese: the draft is named in Chinese, and reads so in English
    # too until product staff add the English name.
    assert (proposal.benefit.name_en, proposal.benefit.name_zh_hans) == ("", "牙齿美白")
    assert proposal.benefit.name == "牙齿美白"
    assert proposal.benefit.category_id == hlt.pk == proposal.category_id
    assert pull_request_words(proposal) == [("牙齿美白", 3)]


# -- 4. answer buttons on the proposal's page -------------------------------------------------


def test_the_proposal_page_has_approve_and_keep_buttons_going_through_the_service(shelf, client):
    _staff(client)
    proposal = _retirement(shelf)
    url = f"/admin/bookshelf/proposal/{proposal.pk}/"
    page = client.get(f"{url}change/").content.decode()
    assert 'id="approve-button"' in page and 'id="decline-button"' in page
    assert 'name="csrfmiddlewaretoken"' in page
    assert client.get(f"{url}decline/").status_code == 405
    client.post(f"{url}decline/", {"note": "Strategic partner"})
    proposal.refresh_from_db()
    assert (proposal.status, proposal.note) == (ProposalStatus.DECLINED, "Strategic partner")
    assert proposal.decided_by is not None
    assert Benefit.objects.get(pk=shelf["rare"].pk).status == BenefitStatus.ON_SHELF
    # Answered: the buttons are gone, and a second answer changes nothing.
    page = client.get(f"{url}change/").content.decode()
    assert 'id="approve-button"' not in page
    page = client.post(f"{url}approve/", {"confirm": "yes"}, follow=True).content.decode()
    assert "already been answered" in page
    assert Benefit.objects.get(pk=shelf["rare"].pk).status == BenefitStatus.ON_SHELF


def test_the_answer_buttons_need_the_change_permission(shelf, client):
    proposal = _retirement(shelf)
    _staff(client, AGENT, "agent-z")
    url = f"/admin/bookshelf/proposal/{proposal.pk}/"
    assert client.post(f"{url}approve/", {"confirm": "yes"}).status_code == 403
    assert client.post(f"{url}decline/").status_code == 403
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.PENDING


def test_a_note_longer_than_the_column_is_refused_and_nothing_changes(shelf, admin_client):
    proposal = _retirement(shelf)
    url = f"/admin/bookshelf/proposal/{proposal.pk}/"
    page = admin_client.post(f"{url}decline/", {"note": "x" * 501}, follow=True)
    assert "at most 500 characters" in page.content.decode()
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.PENDING


# -- 5. names, numbers and Chinese punctuation ------------------------------------------------


def test_tiers_and_numbers_read_as_words_and_chinese_uses_chinese_punctuation(shelf, admin_client):
    proposal, _lif = _pull(shelf)
    url = f"/admin/bookshelf/proposal/{proposal.pk}/change/"
    page = admin_client.get(url).content.decode()
    assert "VIP gold: 4" in page
    assert "4 requests from 4 customers" in page
    with translation.override("zh-hans"):
        page = admin_client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "：4" in page  # VIP 黄金：4, the full-width colon
    run = proposal.run
    with translation.override("zh-hans"):
        page = admin_client.get(
            f"{RUNS}{run.pk}/change/", HTTP_ACCEPT_LANGUAGE="zh-hans"
        ).content.decode()
    # After a Chinese word, never an ASCII ", " or ": " (Django's own label suffix aside).
    text = re.sub(r"<label[^>]*>.*?</label>", "", page, flags=re.S)
    assert not re.search(r"[\u4e00-\u9fff][,:] ", text)
    assert "、" in page


def test_large_counts_get_thousands_separators():
    from bookshelf.admin.review_pages import count, nps_text, pct

    assert count(1566516) == "1,566,516"
    assert pct(0.0123) == "1.2%"
    assert nps_text(50, 1) == "+50 (1 answer)"
    assert nps_text(-5, 1200) == "-5 (1,200 answers)"
