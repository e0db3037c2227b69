"""The customer search is no owner-lookup for people without the personal-data permission,
and keeps full numbers out of URLs.

A full phone or ID number typed into the search confirms who owns it: that needs
`customers.view_customer_pii` and is written to the personal-data access log. The search
form is POSTed and a full number becomes its keyed hash before it reaches a URL, so it never
lands in an access log or a Referer; last digits and customer numbers search as before.
"""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from customers.models import PiiAccessLog
from customers.pii import pii_hash
from tests.bookshelf.admin.conftest import Office

pytestmark = pytest.mark.django_db

LIST = "admin:customers_customer_changelist"


def _search(client, term: str, **extra: str):
    return client.post(reverse("admin:customers_customer_search"), {"q": term, **extra})


def _found(response) -> list[str]:
    return [c.customer_no for c in response.context["cl"].result_list]


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.mark.parametrize("which", ["phone", "id_number", "id_lower"])
def test_a_full_number_needs_the_permission_and_finds_nothing_without_it(office: Office, which):
    client = office.client_for(office.product)
    number = {
        "phone": office.mine.phone,
        "id_number": office.mine.id_number,
        "id_lower": office.mine.id_number.lower(),
    }[which]
    response = _search(client, number)
    assert response.status_code == 302
    assert number not in response["Location"]
    assert pii_hash(number) not in response["Location"]
    page = client.get(response["Location"])
    assert office.mine.customer_no not in page.content.decode()
    # A link with the number in it (an old bookmark) finds nothing either.
    page = client.get(reverse(LIST), {"q": number}, follow=True)
    assert office.mine.customer_no not in page.content.decode()
    assert any("personal-data permission" in m for m in _messages(page))
    # ... nor its hashed form.
    ref = ("phone:" if which == "phone" else "id:") + pii_hash(number)
    page = client.get(reverse(LIST), {"q": ref})
    assert _found(page) == []
    assert not PiiAccessLog.objects.exists()


def test_true_and_false_full_numbers_answer_alike_without_the_permission(office: Office):
    client = office.client_for(office.product)
    yes = client.get(reverse(LIST), {"q": office.mine.phone}, follow=True)
    no = client.get(reverse(LIST), {"q": "13912345678"}, follow=True)
    assert _found(yes) == _found(no) == []


def test_product_staff_cannot_probe_masked_names_through_the_search(office: Office):
    client = office.client_for(office.product)
    yes = client.get(reverse(LIST), {"q": office.mine.name[:2]})
    no = client.get(reverse(LIST), {"q": "Ω"})
    assert _found(yes) == _found(no) == []


@pytest.mark.parametrize("which", ["phone", "id_number"])
def test_with_the_permission_a_full_number_finds_the_owner_and_is_audited(office: Office, which):
    client = office.client_for(office.agent.user)  # agents hold the personal-data permission
    number = getattr(office.mine, which)
    response = _search(client, number)
    assert response.status_code == 302
    assert number not in response["Location"]
    page = client.get(response["Location"])
    assert number not in page.content.decode()  # not echoed back into the search box
    assert _found(page) == [office.mine.customer_no]
    log = PiiAccessLog.objects.get()
    assert (log.user, log.customer, log.fields, log.view_name) == (
        office.agent.user,
        office.mine,
        [which],
        "admin:customers_customer_changelist",
    )


def test_a_full_number_in_a_link_is_moved_out_of_the_url(office: Office):
    client = office.client_for(office.agent.user)
    response = client.get(reverse(LIST), {"q": office.mine.phone})
    assert response.status_code == 302
    assert office.mine.phone not in response["Location"]
    assert _found(client.get(response["Location"])) == [office.mine.customer_no]


@pytest.mark.parametrize("term", ["last4", "no"])
def test_last_digits_and_customer_numbers_search_as_before(office: Office, term):
    client = office.client_for(office.product)
    value = office.mine.phone[-4:] if term == "last4" else office.mine.customer_no
    response = _search(client, value, tier__exact=str(office.mine.tier))
    assert response.status_code == 302
    assert value in response["Location"]
    assert "tier__exact" in response["Location"]
    assert office.mine.customer_no in _found(client.get(response["Location"]))
    assert not PiiAccessLog.objects.exists()


def test_the_search_form_posts_its_term(office: Office):
    client = office.client_for(office.agent.user)
    body = client.get(reverse(LIST)).content.decode()
    assert 'id="changelist-search" method="post"' in body
    assert reverse("admin:customers_customer_search") in body
