"""Every page that shows a customer's phone or ID number unmasked writes who saw it, which
customer, which fields, when, the request id and the page; superusers read the trail."""

from __future__ import annotations

import pytest
from django.urls import reverse

from customers.models import PiiAccessLog
from customers.services import pii_access_record
from tests.bookshelf.admin.conftest import Office

pytestmark = pytest.mark.django_db


def test_the_desk_with_personal_data_is_written_down(office: Office):
    # The desk shows the name; phone and ID number only when revealed (issue 15), each
    # written down with what was shown.
    client = office.client_for(office.agent.user)
    response = client.get(
        reverse("admin:customers_customer_change", args=[office.mine.pk]),
        HTTP_X_REQUEST_ID="trace-desk-0001",
        REMOTE_ADDR="10.1.2.3",
    )
    assert office.mine.name in response.content.decode()
    assert office.mine.phone not in response.content.decode()
    revealed = client.post(
        reverse("admin:customers_customer_reveal", args=[office.mine.pk]),
        {"field": "both"},
        HTTP_ACCEPT="application/json",
        HTTP_X_REQUEST_ID="trace-desk-0002",
        REMOTE_ADDR="10.1.2.3",
    )
    assert revealed.json()["phone"] == office.mine.phone
    seen, shown = PiiAccessLog.objects.order_by("id")
    for log in (seen, shown):
        assert log.user == office.agent.user
        assert log.username == office.agent.user.username
        assert (log.customer, log.customer_no) == (office.mine, office.mine.customer_no)
        assert log.remote_addr == "10.1.2.3"
    assert (seen.fields, seen.view_name, seen.request_id) == (
        ["name"],
        "admin:customers_customer_change",
        "trace-desk-0001",
    )
    assert (shown.fields, shown.view_name, shown.request_id) == (
        ["phone", "id_number"],
        "admin:customers_customer_reveal",
        "trace-desk-0002",
    )


@pytest.mark.parametrize("role", ["agent", "superuser"])
def test_the_record_page_is_written_down_each_time_it_shows(office: Office, role):
    user = getattr(office, role)
    client = office.client_for(getattr(user, "user", user))
    url = reverse("admin:customers_customer_edit", args=[office.mine.pk])
    response = client.get(url)
    assert office.mine.id_number in response.content.decode()
    if role == "superuser":  # a form sent back with an error shows the numbers again
        response = client.post(url, {"name": "", "phone": "123"})
        assert response.status_code == 200
    logs = list(PiiAccessLog.objects.order_by("id"))
    assert len(logs) == (2 if role == "superuser" else 1)
    assert {log.view_name for log in logs} == {"admin:customers_customer_edit"}


def test_masked_pages_and_lists_write_nothing(office: Office):
    product = office.client_for(office.product)
    for url in (
        reverse("admin:customers_customer_change", args=[office.mine.pk]),
        reverse("admin:customers_customer_edit", args=[office.mine.pk]),
        reverse("admin:customers_customer_changelist"),
    ):
        body = product.get(url).content.decode()
        assert office.mine.phone not in body
    agent = office.client_for(office.agent.user)
    agent.get(reverse("admin:customers_customer_changelist"))
    agent.get(f"/api/v1/customers/{office.mine.customer_no}/bookshelf")
    assert not PiiAccessLog.objects.exists()


def test_only_superusers_read_the_trail_and_nobody_edits_it(office: Office):
    pii_access_record(
        user=office.agent.user,
        customer=office.mine,
        fields=["phone"],
        view_name="admin:customers_customer_change",
        remote_addr="not-an-address",
    )
    log = PiiAccessLog.objects.get()
    assert log.remote_addr is None
    root = office.client_for(office.superuser)
    listing = root.get(reverse("admin:customers_piiaccesslog_changelist")).content.decode()
    assert office.mine.customer_no in listing and office.agent.user.username in listing
    page = root.get(reverse("admin:customers_piiaccesslog_change", args=[log.pk]))
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert root.get(reverse("admin:customers_piiaccesslog_add")).status_code == 403
    delete = reverse("admin:customers_piiaccesslog_delete", args=[log.pk])
    assert root.post(delete, {"post": "yes"}).status_code == 403
    assert PiiAccessLog.objects.count() == 1
    index = root.get(reverse("admin:index")).content.decode()
    assert reverse("admin:customers_piiaccesslog_changelist") in index
    agent_index = office.client_for(office.supervisor.user).get(reverse("admin:index"))
    assert reverse("admin:customers_piiaccesslog_changelist") not in agent_index.content.decode()
