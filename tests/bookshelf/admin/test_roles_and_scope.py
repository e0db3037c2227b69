"""Who sees which customer, in every door of the admin: list, search, page, record, history,
autocomplete and the rows about customers (redemptions, policies...)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from bookshelf.ledger.services import redemption_create
from bookshelf.roles import AGENT, AGENT_SUPERVISOR, PRODUCT_STAFF, STAFF_GROUPS
from customers.pii import can_view_pii
from tests.bookshelf.admin.conftest import Office

pytestmark = pytest.mark.django_db


def test_the_data_migration_created_the_three_groups_with_their_permissions():
    groups = {g.name: g for g in Group.objects.prefetch_related("permissions__content_type")}
    assert set(STAFF_GROUPS) <= set(groups)
    for name, perms in STAFF_GROUPS.items():
        got = {f"{p.content_type.app_label}.{p.codename}" for p in groups[name].permissions.all()}
        assert got == set(perms), name
    product = STAFF_GROUPS[PRODUCT_STAFF]
    assert "customers.view_all_customers" in product
    assert "customers.view_customer_pii" not in product
    assert "customers.view_all_customers" not in STAFF_GROUPS[AGENT]
    assert "bookshelf.add_redemption" in STAFF_GROUPS[AGENT]
    assert "bookshelf.change_redemption" in STAFF_GROUPS[AGENT_SUPERVISOR]


def test_personal_data_permission_by_role(office: Office):
    assert can_view_pii(office.agent.user)
    assert can_view_pii(office.supervisor.user)
    assert not can_view_pii(office.product)


# (role, customer) -> can the role open the customer's page?
PAGE_TABLE = [
    ("agent", "mine", True),
    ("agent", "theirs", False),
    ("agent", "outside", False),
    ("other_agent", "theirs", True),
    ("other_agent", "mine", False),
    ("supervisor", "mine", True),
    ("supervisor", "theirs", True),
    ("supervisor", "outside", False),
    ("product", "mine", True),
    ("product", "outside", True),
    ("superuser", "outside", True),
]


def _user(office: Office, role: str):
    value = getattr(office, role)
    return getattr(value, "user", value)


@pytest.mark.parametrize(("role", "whose", "allowed"), PAGE_TABLE)
def test_permissions_table_for_the_customer_page(office: Office, role, whose, allowed):
    customer = getattr(office, whose)
    client = office.client_for(_user(office, role))
    response = client.get(reverse("admin:customers_customer_change", args=[customer.pk]))
    if allowed:
        assert response.status_code == 200
        assert customer.customer_no in response.content.decode()
    else:
        assert response.status_code == 404
        body = response.content.decode()
        assert customer.customer_no not in body
        assert customer.phone not in body


@pytest.mark.parametrize(("role", "visible"), [
    ("agent", {"mine"}),
    ("other_agent", {"theirs"}),
    ("supervisor", {"mine", "theirs"}),
    ("product", {"mine", "theirs", "outside"}),
])  # fmt: skip
def test_the_customer_list_shows_only_the_visible_customers(office: Office, role, visible):
    client = office.client_for(_user(office, role))
    body = client.get(reverse("admin:customers_customer_changelist")).content.decode()
    for whose in ("mine", "theirs", "outside"):
        assert (getattr(office, whose).customer_no in body) == (whose in visible), whose


def test_an_agent_gets_nothing_of_another_agents_customer_through_any_door(office: Office):
    client = office.client_for(office.agent.user)
    theirs = office.theirs
    urls = [
        reverse("admin:customers_customer_change", args=[theirs.pk]),
        reverse("admin:customers_customer_edit", args=[theirs.pk]),
        reverse("admin:customers_customer_history", args=[theirs.pk]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 404, url
        assert theirs.customer_no not in response.content.decode()
    # Searching for them by number, name or phone digits finds nothing.
    for term in (theirs.customer_no, theirs.name, theirs.phone[-4:]):
        response = client.get(reverse("admin:customers_customer_changelist"), {"q": term})
        assert list(response.context["cl"].result_list) == [], term
        assert theirs.phone not in response.content.decode()
    # Nor may they record a use or push on their behalf.
    for name in ("admin:customers_customer_redeem", "admin:customers_customer_push"):
        response = client.post(reverse(name, args=[theirs.pk]), {"token": "t", "benefit": "X"})
        assert response.status_code == 404


def test_autocomplete_offers_only_visible_customers(office: Office):
    client = office.client_for(office.agent.user)
    response = client.get(
        reverse("admin:autocomplete"),
        {
            "term": "T",
            "app_label": "customers",
            "model_name": "policy",
            "field_name": "customer",
        },
    )
    assert response.status_code == 200
    assert {r["id"] for r in response.json()["results"]} == {str(office.mine.pk)}
    # Whoever sees everyone gets the customers they search for.
    staff = office.client_for(office.superuser)
    response = staff.get(
        reverse("admin:autocomplete"),
        {
            "term": office.theirs.customer_no,
            "app_label": "customers",
            "model_name": "policy",
            "field_name": "customer",
        },
    )
    assert {r["id"] for r in response.json()["results"]} == {str(office.theirs.pk)}


def test_rows_about_customers_are_scoped_too(office: Office, gold_benefit):
    redemption_create(customer=office.mine, benefit_code=gold_benefit.code)
    theirs = redemption_create(customer=office.theirs, benefit_code=gold_benefit.code)
    client = office.client_for(office.agent.user)
    body = client.get(reverse("admin:bookshelf_redemption_changelist")).content.decode()
    assert office.mine.customer_no in body
    assert office.theirs.customer_no not in body
    url = reverse("admin:bookshelf_redemption_change", args=[theirs.redemption.pk])
    assert client.get(url).status_code == 404
    policies = client.get(reverse("admin:customers_policy_changelist")).content.decode()
    assert office.mine.customer_no in policies
    assert office.theirs.customer_no not in policies


@pytest.mark.parametrize(("role", "status"), [
    ("agent", 403), ("supervisor", 200), ("product", 200), ("superuser", 200),
])  # fmt: skip
def test_the_shelf_matrix_is_for_product_staff_and_supervisors(office: Office, role, status):
    client = office.client_for(_user(office, role))
    assert client.get(reverse("admin:bookshelf_shelf_matrix")).status_code == status


def test_product_staff_cannot_record_uses_or_push(office: Office, gold_benefit):
    client = office.client_for(office.product)
    for name in ("admin:customers_customer_redeem", "admin:customers_customer_push"):
        response = client.post(
            reverse(name, args=[office.mine.pk]),
            {"token": "t1", "benefit": gold_benefit.code, "channel": "sms"},
        )
        assert response.status_code == 403
    assert not office.mine.redemptions.exists()
