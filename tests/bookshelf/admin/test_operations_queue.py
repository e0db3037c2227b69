"""The fulfilments list and the operations queue in the admin: scoped to the user's customers,
the queue shows exactly the open cases, a case closes once with a note, and both lists read a
fixed number of queries whatever the number of rows."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bookshelf.fulfilment.services import (
    Actor,
    Change,
    case_close,
    cases_open_overdue,
    fulfilment_transition,
    use_request,
)
from bookshelf.models import ActorKind, CaseKind, Fulfilment, FulfilmentState, OperationsCase
from config.exceptions import DomainError
from customers.models import Customer, Tier
from tests.bookshelf.admin.conftest import Office
from tests.factories import make_benefit, make_customer, make_supplier

pytestmark = pytest.mark.django_db

FULFILMENTS = "admin:bookshelf_fulfilment_changelist"
QUEUE = "admin:bookshelf_operationscase_changelist"


@pytest.fixture
def escort(db: Any) -> Any:
    benefit = make_benefit(cells={Tier.GOLD: 20}, fulfilment_kind="booked", name="Escort")
    supplier = make_supplier(
        "escort-co", benefits=[benefit], confirm_hours=4, deliver_hours=72, name="Escort Co"
    )
    return benefit, supplier


def _request(customer: Customer, benefit: Any) -> Fulfilment:
    fulfilment = use_request(customer=customer, benefit_code=benefit.code).fulfilment
    assert fulfilment is not None
    return fulfilment


def _fail(fulfilment: Fulfilment, supplier: Any, reason: str = "No escort free") -> None:
    fulfilment_transition(
        fulfilment_id=fulfilment.pk,
        target=FulfilmentState.FAILED,
        actor=Actor(ActorKind.SUPPLIER, supplier=supplier),
        change=Change(reason=reason),
    )


def _overdue() -> None:
    cases_open_overdue(now=timezone.now() + timedelta(hours=5))


def _user(office: Office, role: str) -> Any:
    return {
        "agent": office.agent.user,
        "supervisor": office.supervisor.user,
        "product": office.product,
        "other": office.other_agent.user,
    }[role]


@pytest.mark.parametrize(
    ("role", "sees_mine", "sees_theirs"),
    [("agent", True, False), ("other", False, True), ("supervisor", True, True),
     ("product", True, True)],
)  # fmt: skip
def test_the_fulfilment_list_shows_each_role_its_customers_only(
    office: Office, escort, role, sees_mine, sees_theirs
):
    benefit, _supplier = escort
    mine, theirs = _request(office.mine, benefit), _request(office.theirs, benefit)
    client = office.client_for(_user(office, role))
    body = client.get(reverse(FULFILMENTS)).content.decode()
    assert (f"#{mine.redemption_id}<" in body) is sees_mine
    assert (f"#{theirs.redemption_id}<" in body) is sees_theirs
    page = client.get(reverse("admin:bookshelf_fulfilment_change", args=[theirs.pk]))
    assert page.status_code == (200 if sees_theirs else 404)


def test_the_fulfilment_page_shows_its_events_and_cannot_be_edited(office: Office, escort):
    benefit, supplier = escort
    fulfilment = _request(office.mine, benefit)
    fulfilment_transition(
        fulfilment_id=fulfilment.pk,
        target=FulfilmentState.BOOKED,
        actor=Actor(ActorKind.SUPPLIER, supplier=supplier),
        change=Change(appointment_at=timezone.now() + timedelta(days=2), place="Ward 3"),
    )
    client = office.client_for(office.agent.user)
    url = reverse("admin:bookshelf_fulfilment_change", args=[fulfilment.pk])
    body = client.get(url).content.decode()
    assert "Ward 3" in body
    assert "escort-co" in body  # the event's who: the supplier
    assert 'name="_save"' not in body
    assert client.post(url, {"place": "elsewhere"}).status_code == 403
    fulfilment.refresh_from_db()
    assert fulfilment.place == "Ward 3"


def test_the_fulfilment_list_filters_by_state_and_finds_a_use_by_number(office: Office, escort):
    benefit, supplier = escort
    failed, waiting = _request(office.mine, benefit), _request(office.mine, benefit)
    _fail(failed, supplier)
    client = office.client_for(office.product)
    body = client.get(reverse(FULFILMENTS) + "?state__exact=failed").content.decode()
    assert f"#{failed.redemption_id}<" in body and f"#{waiting.redemption_id}<" not in body
    body = client.get(reverse(FULFILMENTS) + f"?q={waiting.redemption_id}").content.decode()
    assert f"#{waiting.redemption_id}<" in body and f"#{failed.redemption_id}<" not in body
    assert client.get(reverse(FULFILMENTS) + "?q=MED").status_code == 200


def test_the_queue_shows_exactly_the_open_cases(office: Office, escort):
    benefit, supplier = escort
    late, failed, on_time, closed = (_request(office.mine, benefit) for _ in range(4))
    fulfilment_transition(
        fulfilment_id=on_time.pk,
        target=FulfilmentState.BOOKED,
        actor=Actor(ActorKind.SUPPLIER, supplier=supplier),
        change=Change(appointment_at=timezone.now() + timedelta(days=1)),
    )
    _fail(failed, supplier)
    _fail(closed, supplier)
    case_close(
        case=OperationsCase.objects.get(fulfilment=closed), by=office.product, note="Refunded"
    )
    _overdue()  # late and failed... only `late` is still requested: one overdue case
    open_cases = OperationsCase.objects.filter(closed_at__isnull=True)
    assert {(c.fulfilment_id, c.kind) for c in open_cases} == {
        (late.pk, CaseKind.CONFIRM_OVERDUE),
        (failed.pk, CaseKind.FAILED),
    }
    client = office.client_for(office.product)
    body = client.get(reverse(QUEUE)).content.decode()
    shown = {
        f.redemption_id for f in (late, failed, on_time, closed) if f"#{f.redemption_id}<" in body
    }
    assert shown == {late.redemption_id, failed.redemption_id}
    assert "Not confirmed in time" in body and "Failed" in body
    assert office.agent.name in body  # the customer's agent
    # The summary strip: two open cases for the one supplier.
    strip = body.split('id="queue-summary"', 1)[1].split("</section>", 1)[0]
    assert "escort-co" in strip and "<strong>2</strong>" in strip
    # The closed ones are a filter away.
    closed_page = client.get(reverse(QUEUE) + "?status=closed").content.decode()
    assert f"#{closed.redemption_id}<" in closed_page
    assert f"#{late.redemption_id}<" not in closed_page


def test_an_agent_sees_the_cases_of_their_own_customers_and_cannot_close_them(
    office: Office, escort
):
    benefit, _supplier = escort
    mine, theirs = _request(office.mine, benefit), _request(office.theirs, benefit)
    _overdue()
    client = office.client_for(office.agent.user)
    body = client.get(reverse(QUEUE)).content.decode()
    assert f"#{mine.redemption_id}<" in body and f"#{theirs.redemption_id}<" not in body
    assert 'value="close"' not in body  # no close action without change_operationscase
    case = OperationsCase.objects.get(fulfilment=mine)
    response = client.post(
        reverse(QUEUE),
        {"action": "close", "_selected_action": [case.pk], "confirm": "yes", "note": "x"},
    )
    assert response.status_code in (200, 302, 403)
    case.refresh_from_db()
    assert case.closed_at is None


def test_close_with_a_note_asks_for_the_note_then_closes_once(office: Office, escort):
    benefit, _supplier = escort
    fulfilment = _request(office.mine, benefit)
    _overdue()
    case = OperationsCase.objects.get(fulfilment=fulfilment)
    client = office.client_for(office.supervisor.user)
    page = client.post(reverse(QUEUE), {"action": "close", "_selected_action": [case.pk]})
    assert page.status_code == 200 and 'id="id_note"' in page.content.decode()
    case.refresh_from_db()
    assert case.closed_at is None
    done = client.post(
        reverse(QUEUE),
        {"action": "close", "_selected_action": [case.pk], "confirm": "yes", "note": "Called"},
    )
    assert done.status_code == 302
    case.refresh_from_db()
    assert case.closed_at is not None
    assert case.closed_by == office.supervisor.user and case.note == "Called"
    # A second close (another tab, a colleague) is refused and keeps the first note.
    with pytest.raises(DomainError):
        case_close(case=case, by=office.product, note="Again")
    case.refresh_from_db()
    assert case.note == "Called" and case.closed_by == office.supervisor.user
    again = client.post(
        reverse(QUEUE) + "?status=all",
        {"action": "close", "_selected_action": [case.pk], "confirm": "yes", "note": "Again"},
        follow=True,
    )
    assert any("already closed" in str(m) for m in get_messages(again.wsgi_request))


def test_a_case_needs_a_note(office: Office, escort):
    benefit, _supplier = escort
    _request(office.mine, benefit)
    _overdue()
    case = OperationsCase.objects.get()
    with pytest.raises(DomainError):
        case_close(case=case, by=office.product, note="  ")
    case.refresh_from_db()
    assert case.closed_at is None


def test_the_admin_home_counts_the_open_cases_for_supervisors_and_product_staff(
    office: Office, escort
):
    benefit, _supplier = escort
    _request(office.mine, benefit)
    _request(make_customer(tier=Tier.GOLD, agent=office.outsider), benefit)
    _overdue()
    product = office.client_for(office.product).get(reverse("admin:index")).content.decode()
    assert 'id="workspace-queue"' in product and "2 open cases" in product
    # A supervisor counts their team's cases only.
    sup = office.client_for(office.supervisor.user).get(reverse("admin:index")).content.decode()
    assert "1 open case:" in sup
    agent = office.client_for(office.agent.user).get(reverse("admin:index")).content.decode()
    assert 'id="workspace-queue"' not in agent


def _queries(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("page", [QUEUE, FULFILMENTS])
def test_the_lists_read_a_fixed_number_of_queries(office: Office, escort, page):
    benefit, supplier = escort
    for customer in (office.mine, office.theirs):
        _fail(_request(customer, benefit), supplier)
        _request(customer, benefit)
    _overdue()
    client = office.client_for(office.product)
    client.get(reverse(page))  # the session's first page reads its user's permissions once
    few = _queries(client, reverse(page))
    other = make_supplier("second-co", benefits=[benefit], priority=0, confirm_hours=1)
    for _ in range(4):
        customer = make_customer(tier=Tier.GOLD, agent=office.other_agent)
        _fail(_request(customer, benefit), other)
        _request(customer, benefit)
    _overdue()
    assert OperationsCase.objects.filter(closed_at__isnull=True).count() >= 12
    many = _queries(client, reverse(page))
    assert many == few
    assert few <= 16
