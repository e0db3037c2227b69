"""The statements pages: product staff see the figures, approve (a refusal is a message and
changes nothing), export and draft; an agent cannot open them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from bookshelf.models import CostEntry, CostKind, Statement, StatementStatus, SupplierBill
from bookshelf.money.services import statement_draft
from bookshelf.roles import AGENT, PRODUCT_STAFF, staff_groups_sync
from customers.models import Tier
from tests.factories import make_benefit, make_supplier

pytestmark = pytest.mark.django_db

MONTH = date(2026, 6, 1)


def _client(username: str, group: str) -> Client:
    staff_groups_sync()
    user = get_user_model().objects.create_user(username=username, password="pw-1", is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def statement():
    benefit = make_benefit(cells={Tier.GOLD: 5}, name="Green channel", name_zh_hans="绿色通道")
    supplier = make_supplier("docs", benefits=[benefit])
    for n, amount in enumerate(["35.50", "64.50", "1000.00"]):
        CostEntry.objects.create(
            supplier=supplier,
            benefit=benefit,
            kind=CostKind.USE,
            reference=f"R-{n}",
            amount=Decimal(amount),
            priced_unit_cost=Decimal(amount),
            tier_snapshot=Tier.GOLD,
            fulfilled_at=timezone.make_aware(datetime(2026, 6, 3 + n, 10)),
            month=MONTH,
        )
    return statement_draft(supplier_id=supplier.pk, month=MONTH)


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_product_staff_see_the_figures_approve_and_export(statement):
    client = _client("pat", PRODUCT_STAFF)
    listed = client.get(reverse("admin:bookshelf_statement_changelist"))
    assert listed.status_code == 200
    assert "1,100.00" in listed.content.decode()
    page = client.get(reverse("admin:bookshelf_statement_change", args=[statement.pk]))
    body = page.content.decode()
    assert page.status_code == 200
    assert 'class="breadcrumbs"' in body and "R-2" in body and "1,000.00" in body
    assert f"/{statement.pk}/reconcile/" in body

    approve = reverse("admin:bookshelf_statement_approve", args=[statement.pk])
    refused = client.post(approve)
    assert refused.status_code == 302
    assert any("bill" in m for m in _messages(refused))
    assert Statement.objects.get(pk=statement.pk).status == StatementStatus.DRAFT

    SupplierBill.objects.create(statement=statement, file_name="bill.csv")
    approved = client.post(approve, follow=True)
    assert Statement.objects.get(pk=statement.pk).status == StatementStatus.APPROVED
    assert "1100.00" in " ".join(_messages(approved))

    csv = client.get(reverse("admin:bookshelf_statement_export", args=[statement.pk, "csv"]))
    assert csv.status_code == 200 and b"R-0" in csv.content and b"35.50" in csv.content
    assert "statement-docs-2026-06.csv" in csv["Content-Disposition"]
    xlsx = client.get(reverse("admin:bookshelf_statement_export", args=[statement.pk, "xlsx"]))
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


def test_the_list_costs_the_same_queries_for_more_statements(
    statement, django_assert_max_num_queries
):
    client = _client("pat", PRODUCT_STAFF)
    url = reverse("admin:bookshelf_statement_changelist")
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for code in ("a", "b", "c"):
        other = make_supplier(code, name=f"Supplier {code}")
        Statement.objects.create(supplier=other, month=MONTH)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_draft_buttons_open_this_and_last_months_drafts(statement):
    client = _client("pat", PRODUCT_STAFF)
    benefit = make_benefit(cells={Tier.GOLD: 5}, name="Other")
    supplier = make_supplier("late", benefits=[benefit])
    CostEntry.objects.create(
        supplier=supplier,
        benefit=benefit,
        kind=CostKind.USE,
        amount=Decimal("9.00"),
        fulfilled_at=timezone.now(),
        month=timezone.localdate().replace(day=1),
    )
    response = client.post(reverse("admin:bookshelf_statement_draft"), {"month": "this"})
    assert response.status_code == 302
    assert Statement.objects.filter(
        supplier=supplier, month=timezone.localdate().replace(day=1)
    ).exists()
    assert client.get(reverse("admin:bookshelf_statement_draft")).status_code == 405


def test_an_agent_cannot_open_statements(statement):
    client = _client("ann", AGENT)
    page = client.get(reverse("admin:bookshelf_statement_change", args=[statement.pk]))
    assert page.status_code in (302, 403)
    approve = client.post(reverse("admin:bookshelf_statement_approve", args=[statement.pk]))
    assert approve.status_code in (302, 403)
    assert Statement.objects.get(pk=statement.pk).status == StatementStatus.DRAFT
