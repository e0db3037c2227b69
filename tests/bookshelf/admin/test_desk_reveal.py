"""Phone and resident ID number on the desk (issue 15): masked by default, even for a user
with the personal-data permission; revealed on request (a POST) and only then written to the
personal-data access log; refused (403, nothing written) without the permission."""

from __future__ import annotations

import pytest
from django.urls import reverse

from customers.models import PiiAccessLog
from customers.pii import mask_id_number, mask_phone
from tests.bookshelf.admin.conftest import Office

pytestmark = pytest.mark.django_db

JSON = {"HTTP_ACCEPT": "application/json"}


def _reveal(client, customer, field, **extra):
    url = reverse("admin:customers_customer_reveal", args=[customer.pk])
    return client.post(url, {"field": field}, **extra)


def test_the_desk_shows_no_full_phone_or_id_and_logs_only_the_name(office: Office):
    customer = office.mine
    client = office.client_for(office.agent.user)
    body = client.get(reverse("admin:customers_customer_change", args=[customer.pk]))
    html = body.content.decode()
    assert customer.phone not in html and customer.id_number not in html
    assert customer.birth_date.strftime("%Y") not in html.split('id="customer-tier"')[0][-400:]
    assert mask_phone(customer.phone) in html and mask_id_number(customer.id_number) in html
    assert html.count("data-reveal") == 2  # one "Reveal" per field, for who may see them
    assert [log.fields for log in PiiAccessLog.objects.all()] == [["name"]]


@pytest.mark.parametrize(
    ("field", "fields"),
    [("phone", ["phone"]), ("id_number", ["id_number"]), ("both", ["phone", "id_number"])],
)
def test_reveal_returns_the_numbers_and_writes_one_access_record(office: Office, field, fields):
    customer = office.mine
    client = office.client_for(office.agent.user)
    response = _reveal(client, customer, field, REMOTE_ADDR="10.1.2.3", **JSON)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert response.json() == {name: getattr(customer, name) for name in fields}
    log = PiiAccessLog.objects.get()
    assert (log.user, log.customer, log.fields) == (office.agent.user, customer, fields)
    assert log.view_name == "admin:customers_customer_reveal"
    assert log.remote_addr == "10.1.2.3"


def test_reveal_without_scripts_answers_with_a_page(office: Office):
    customer = office.mine
    response = _reveal(office.client_for(office.agent.user), customer, "both")
    assert response.status_code == 200
    html = response.content.decode()
    assert customer.phone in html and customer.id_number in html
    assert reverse("admin:customers_customer_change", args=[customer.pk]) in html
    assert PiiAccessLog.objects.count() == 1


def test_reveal_without_the_permission_is_refused_and_writes_nothing(office: Office):
    response = _reveal(office.client_for(office.product), office.mine, "both", **JSON)
    assert response.status_code == 403
    assert office.mine.phone not in response.content.decode()
    assert not PiiAccessLog.objects.exists()


def test_reveal_of_someone_elses_customer_is_not_found(office: Office):
    response = _reveal(office.client_for(office.agent.user), office.theirs, "phone", **JSON)
    assert response.status_code == 404
    assert not PiiAccessLog.objects.exists()


def test_reveal_of_an_unknown_field_is_a_400_with_a_code(office: Office):
    client = office.client_for(office.agent.user)
    response = _reveal(client, office.mine, "birth_date", **JSON)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert not PiiAccessLog.objects.exists()
    # A GET reveals nothing either: back to the desk.
    url = reverse("admin:customers_customer_reveal", args=[office.mine.pk])
    assert client.get(url).status_code == 302
    assert not PiiAccessLog.objects.exists()
