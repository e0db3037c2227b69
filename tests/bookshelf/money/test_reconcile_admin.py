"""The reconcile page: product staff import the supplier's bill with the mapping pre-filled,
see the differences by kind and decide them; a bad file shows its headers or rows and saves
nothing; an agent may not see it."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from bookshelf.models import (
    BillMapping,
    CostEntry,
    CostKind,
    ItemStatus,
    ReconciliationItem,
    SupplierBill,
)
from bookshelf.roles import AGENT, PRODUCT_STAFF, staff_groups_sync

from .test_reconciliation import BILLS, COLUMNS, _world

pytestmark = pytest.mark.django_db


def _client(group: str) -> tuple[Client, object]:
    staff_groups_sync()
    user = get_user_model().objects.create_user(username=group[:5], password="x", is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    client = Client()
    client.force_login(user)
    return client, user


def _upload(client, url, name="april-bill.csv", columns=COLUMNS):
    with (BILLS / name).open("rb") as file:
        return client.post(url, {"file": file, **columns})


def test_product_staff_import_a_bill_and_decide_an_item():
    _supplier, statement = _world()
    client, user = _client(PRODUCT_STAFF)
    url = reverse("admin:bookshelf_statement_reconcile", args=[statement.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert b'id="bill-form"' in page.content and b"No bill imported yet" in page.content

    answer = _upload(client, url)
    assert answer.status_code == 302
    page = client.get(url)
    html = page.content.decode()
    assert "2 missing from it, 3 not in our records, 2 with different amounts" in html
    for kind, n in [("missing", 2), ("extra", 3), ("mismatch", 2)]:
        block = html.split(f'id="items-{kind}"')[1].split('<div class="module"')[0]
        assert len(re.findall(r'<tr id="item-', block)) == n
    assert 'value="订单号"' in html  # the remembered mapping pre-fills the form
    assert "april-bill.csv" in html and "2,055.50" in html

    item = ReconciliationItem.objects.get(reference="A-201")
    answer = client.post(
        url, {"action": "decide", "item": item.pk, "decision": "accept", "note": "New price"}
    )
    assert answer.status_code == 302
    item.refresh_from_db()
    assert (item.status, item.decided_by, item.note) == (ItemStatus.ACCEPTED, user, "New price")
    assert CostEntry.objects.get(kind=CostKind.ADJUSTMENT).amount == 10
    # Without a note: refused, still open.
    other = ReconciliationItem.objects.get(reference="A-202")
    client.post(url, {"action": "decide", "item": other.pk, "decision": "accept", "note": ""})
    other.refresh_from_db()
    assert other.status == ItemStatus.OPEN


def test_a_mapping_that_does_not_fit_shows_the_files_headers():
    _supplier, statement = _world()
    client, _user = _client(PRODUCT_STAFF)
    url = reverse("admin:bookshelf_statement_reconcile", args=[statement.pk])
    answer = _upload(client, url, columns={**COLUMNS, "reference": "order_no"})
    assert answer.status_code == 200
    html = answer.content.decode()
    assert 'id="bill-refusal"' in html and "<code>订单号</code>" in html
    assert not SupplierBill.objects.exists() and not BillMapping.objects.exists()


def test_an_agent_may_not_reconcile():
    _supplier, statement = _world()
    client, _user = _client(AGENT)
    url = reverse("admin:bookshelf_statement_reconcile", args=[statement.pk])
    assert client.get(url).status_code == 403
    assert _upload(client, url).status_code == 403
    assert not SupplierBill.objects.exists()
