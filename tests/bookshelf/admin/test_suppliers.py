"""Product staff's supplier pages: names in both languages, a real time zone, the benefits a
supplier delivers, its keys without their secrets, a rotated key's secret shown once, and
import/export of suppliers and benefit↔supplier links that round-trips."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import tablib
from django.urls import reverse
from django.utils import timezone

from bookshelf.fulfilment.resources import BenefitSupplierResource, SupplierResource
from bookshelf.models import BenefitSupplier, Supplier, SupplierKey
from customers.models import Tier
from tests.bookshelf.admin.conftest import Office
from tests.factories import make_benefit, make_supplier

pytestmark = pytest.mark.django_db

SUPPLIERS = "admin:bookshelf_supplier_changelist"


def _form(supplier_code: str = "checkup-one", **changes: str) -> dict[str, str]:
    data = {
        "code": supplier_code,
        "name_en": "Check-up Centre One",
        "name_zh_hans": "体检中心一号",
        "contact_name": "Ms Li",
        "contact_email": "ops@checkup.example.com",
        "contact_phone": "021-5555-0100",
        "service_hours": "08:00-20:00",
        "time_zone": "Asia/Shanghai",
        "active": "on",
        "benefits-TOTAL_FORMS": "0",
        "benefits-INITIAL_FORMS": "0",
        "keys-TOTAL_FORMS": "0",
        "keys-INITIAL_FORMS": "0",
    }
    data.update(changes)
    return data


def test_product_staff_add_a_supplier_with_both_names_and_a_real_time_zone(office: Office):
    client = office.client_for(office.product)
    add = reverse("admin:bookshelf_supplier_add")
    page = client.get(add).content.decode()
    assert 'name="name_en"' in page and 'name="name_zh_hans"' in page
    refused = client.post(add, _form(time_zone="Mars/Olympus"))
    assert refused.status_code == 200
    assert "time_zone" in refused.context["adminform"].form.errors
    assert not Supplier.objects.exists()
    nameless = client.post(add, _form(name_en="", name_zh_hans=""))
    assert "name_en" in nameless.context["adminform"].form.errors
    done = client.post(add, _form(time_zone="Europe/London"))
    assert done.status_code == 302, done.context["adminform"].form.errors
    supplier = Supplier.objects.get(code="checkup-one")
    assert (supplier.name_en, supplier.name_zh_hans) == ("Check-up Centre One", "体检中心一号")
    assert supplier.time_zone == "Europe/London"


def test_the_supplier_page_lists_its_benefits_and_keys_never_their_secrets(office: Office):
    benefit = make_benefit(cells={Tier.GOLD: 2}, fulfilment_kind="booked", name="Escort")
    supplier = make_supplier("escort-co", benefits=[benefit], confirm_hours=4, deliver_hours=72)
    key = SupplierKey.objects.create(
        supplier=supplier,
        key_id="sk_test_visible",
        secret_encrypted="ENCRYPTED-SECRET-NEVER-SHOWN",
        expires_at=timezone.now() + timedelta(days=1),
    )
    client = office.client_for(office.product)
    body = client.get(reverse("admin:bookshelf_supplier_change", args=[supplier.pk])).content
    page = body.decode()
    assert benefit.code in page and 'value="72"' in page
    assert key.key_id in page
    assert "ENCRYPTED-SECRET-NEVER-SHOWN" not in page
    assert 'id="rotate-key-button"' in page
    # An agent may look, not edit, and has no rotate button.
    agent = office.client_for(office.agent.user)
    seen = agent.get(reverse("admin:bookshelf_supplier_change", args=[supplier.pk]))
    assert seen.status_code == 200
    assert 'id="rotate-key-button"' not in seen.content.decode()
    assert 'name="_save"' not in seen.content.decode()
    rotate = reverse("admin:bookshelf_supplier_rotate_key", args=[supplier.pk])
    assert agent.post(rotate).status_code == 403
    assert client.get(rotate).status_code == 405  # a rotation is a POST


def test_rotating_a_key_shows_its_secret_once(office: Office):
    supplier = make_supplier("escort-co")
    client = office.client_for(office.product)
    rotate = reverse("admin:bookshelf_supplier_rotate_key", args=[supplier.pk])
    response = client.post(rotate)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    key = SupplierKey.objects.get(supplier=supplier)
    secret = response.context["secret"]
    assert key.key_id in response.content.decode() and secret in response.content.decode()
    page = client.get(reverse("admin:bookshelf_supplier_change", args=[supplier.pk]))
    assert secret not in page.content.decode()


def test_suppliers_and_their_benefits_round_trip_through_a_spreadsheet(db: Any):
    escort = make_benefit(cells={Tier.GOLD: 2}, fulfilment_kind="booked", name="Escort")
    rescue = make_benefit(cells={Tier.GOLD: 2}, fulfilment_kind="booked", name="Rescue")
    first = make_supplier("escort-co", benefits=[escort], confirm_hours=4, deliver_hours=72)
    make_supplier(
        "rescue-co", benefits=[escort, rescue], priority=2, name="=Rescue", name_zh_hans="救援"
    )
    Supplier.objects.filter(pk=first.pk).update(time_zone="Asia/Hong_Kong", service_hours="24h")
    suppliers = SupplierResource().export()
    links = BenefitSupplierResource().export()
    assert suppliers.headers[:3] == ["code", "name_en", "name_zh_hans"]
    assert links.headers[:2] == ["benefit", "supplier"]
    assert [escort.code, "escort-co", "1", "4", "72", "1"] in [list(r) for r in links]
    before = (
        sorted(Supplier.objects.values_list("code", "name_en", "name_zh_hans", "time_zone")),
        sorted(BenefitSupplier.objects.values_list("benefit__code", "supplier__code", "priority")),
    )
    BenefitSupplier.objects.all().delete()
    Supplier.objects.all().delete()

    result = SupplierResource().import_data(tablib.Dataset().load(suppliers.csv, "csv"))
    assert not result.has_errors() and not result.has_validation_errors()
    result = BenefitSupplierResource().import_data(tablib.Dataset().load(links.csv, "csv"))
    assert not result.has_errors() and not result.has_validation_errors()
    after = (
        sorted(Supplier.objects.values_list("code", "name_en", "name_zh_hans", "time_zone")),
        sorted(BenefitSupplier.objects.values_list("benefit__code", "supplier__code", "priority")),
    )
    assert after == before  # "=Rescue" came back as typed, not as a formula


def test_an_import_with_a_bad_row_changes_nothing(db: Any):
    escort = make_benefit(cells={Tier.GOLD: 2}, fulfilment_kind="booked", name="Escort")
    make_supplier("escort-co")
    suppliers = tablib.Dataset(
        ["new-co", "New", "新", "", "", "", "", "Asia/Shanghai", 1],
        ["bad-zone", "Bad", "坏", "", "", "", "", "Nowhere/Here", 1],
        headers=SupplierResource().get_export_headers(),
    )
    result = SupplierResource().import_data(suppliers, rollback_on_validation_errors=True)
    assert result.has_validation_errors()
    assert not Supplier.objects.filter(code__in=["new-co", "bad-zone"]).exists()
    links = tablib.Dataset(
        [escort.code, "escort-co", 1, "", "", 1],
        [escort.code, "no-such-co", 1, "", "", 1],
        headers=["benefit", "supplier", "priority", "confirm_hours", "deliver_hours", "active"],
    )
    result = BenefitSupplierResource().import_data(links, rollback_on_validation_errors=True)
    assert result.has_validation_errors()
    assert not BenefitSupplier.objects.exists()


@pytest.mark.parametrize(
    ("role", "import_status"), [("product", 200), ("supervisor", 403), ("agent", 403)]
)
def test_only_product_staff_import(office: Office, role, import_status):
    user = {"product": office.product, "supervisor": office.supervisor.user,
            "agent": office.agent.user}[role]  # fmt: skip
    client = office.client_for(user)
    for name in ("bookshelf_supplier", "bookshelf_benefitsupplier"):
        assert client.get(reverse(f"admin:{name}_import")).status_code == import_status
        assert client.get(reverse(f"admin:{name}_export")).status_code == 200
        assert client.get(reverse(f"admin:{name}_changelist")).status_code == 200
