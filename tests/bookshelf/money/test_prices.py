"""Contract prices: the price in force on each day around a change, a day in the past refused
everywhere (service, admin form, import), only a scheduled price withdrawn, the admin's list
and the supplier's page, and the import/export round trip (CSV and XLSX)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
import tablib
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from bookshelf.models import ContractPrice
from bookshelf.money.resources import ContractPriceResource
from bookshelf.money.selectors import price_in_force, price_schedules, prices_in_force
from bookshelf.money.services import price_set, price_withdraw
from bookshelf.roles import PRODUCT_STAFF, staff_groups_sync
from config.exceptions import DomainError
from customers.models import Tier
from tests.factories import make_benefit, make_supplier

pytestmark = pytest.mark.django_db

DAY = date(2026, 3, 15)  # the change, mid-month


@pytest.fixture
def pair():
    benefit = make_benefit(cells={Tier.GOLD: 5}, name="Consult")
    supplier = make_supplier("docs", benefits=[benefit])
    return supplier, benefit


def _set(supplier, benefit, cost, valid_from, today=None, note=""):
    return price_set(
        supplier_id=supplier.pk,
        benefit_id=benefit.pk,
        unit_cost=cost,
        valid_from=valid_from,
        note=note,
        today=today or valid_from,
    )


def _product_client() -> tuple[Client, object]:
    staff_groups_sync()
    user = get_user_model().objects.create_user(username="pat", password="x-pw-1", is_staff=True)
    user.groups.add(Group.objects.get(name=PRODUCT_STAFF))
    client = Client()
    client.force_login(user)
    return client, user


# --- effective dating ----------------------------------------------------------------------


def test_the_price_in_force_on_each_day_around_a_mid_month_change(pair):
    supplier, benefit = pair
    _set(supplier, benefit, "100", date(2026, 1, 1))
    _set(supplier, benefit, "120.50", DAY)
    on = {
        d: price_in_force(supplier_id=supplier.pk, benefit_id=benefit.pk, on=d)
        for d in (date(2025, 12, 31), DAY - timedelta(days=1), DAY, DAY + timedelta(days=1))
    }
    assert on == {
        date(2025, 12, 31): None,
        DAY - timedelta(days=1): Decimal("100.00"),
        DAY: Decimal("120.50"),
        DAY + timedelta(days=1): Decimal("120.50"),
    }
    key = (supplier.pk, benefit.pk)
    assert prices_in_force(on=DAY - timedelta(days=1))[key] == Decimal("100.00")
    assert prices_in_force(on=DAY)[key] == Decimal("120.50")


def test_a_schedule_names_the_price_in_force_the_next_one_and_the_earlier_ones(
    pair, django_assert_num_queries
):
    supplier, benefit = pair
    for cost, day in (("90", date(2025, 6, 1)), ("100", date(2026, 1, 1)), ("120", DAY)):
        _set(supplier, benefit, cost, day)
    key = (supplier.pk, benefit.pk)
    with django_assert_num_queries(1):
        before = price_schedules(pairs=[key], on=DAY - timedelta(days=1))[key]
    assert before.in_force.unit_cost == Decimal("100.00")
    assert before.next.unit_cost == Decimal("120.00") and before.next.valid_from == DAY
    assert [p.unit_cost for p in before.history] == [Decimal("90.00")]
    after = price_schedules(pairs=[key], on=DAY)[key]
    assert after.in_force.unit_cost == Decimal("120.00") and after.next is None
    assert [p.unit_cost for p in after.history] == [Decimal("100.00"), Decimal("90.00")]


# --- the past is refused ---------------------------------------------------------------------


def test_the_service_refuses_a_day_in_the_past_and_a_benefit_the_supplier_does_not_deliver(pair):
    supplier, benefit = pair
    with pytest.raises(DomainError) as past:
        _set(supplier, benefit, "10", DAY - timedelta(days=1), today=DAY)
    assert (past.value.code, past.value.field) == ("price_in_the_past", "valid_from")
    other = make_benefit(cells={Tier.GOLD: 1}, name="Not theirs")
    with pytest.raises(DomainError) as unlinked:
        _set(supplier, other, "10", DAY, today=DAY)
    assert (unlinked.value.code, unlinked.value.field) == ("invalid", "benefit")
    assert not ContractPrice.objects.exists()


def test_the_admin_form_refuses_a_day_in_the_past_and_sets_a_price_from_today(pair):
    supplier, benefit = pair
    client, user = _product_client()
    url = reverse("admin:bookshelf_contractprice_add")
    today = timezone.localdate()
    form = {"supplier": supplier.pk, "benefit": benefit.pk, "unit_cost": "45.50", "note": "2026"}
    refused = client.post(url, {**form, "valid_from": (today - timedelta(days=1)).isoformat()})
    assert refused.status_code == 200
    assert "valid_from" in refused.context["form"].errors
    assert not ContractPrice.objects.exists()
    done = client.post(url, {**form, "valid_from": today.isoformat()})
    assert done.status_code == 302
    price = ContractPrice.objects.get()
    assert (price.unit_cost, price.valid_from, price.created_by) == (Decimal("45.50"), today, user)


def test_the_admin_form_offers_only_the_suppliers_benefits_and_refuses_another(pair):
    supplier, benefit = pair
    other = make_benefit(cells={Tier.GOLD: 1}, name="Delivered by someone else")
    make_supplier("other", benefits=[other])
    client, _user = _product_client()
    url = reverse("admin:bookshelf_contractprice_add")
    page = client.get(url, {"supplier": supplier.pk})
    assert list(page.context["form"].fields["benefit"].queryset) == [benefit]
    refused = client.post(
        url,
        {
            "supplier": supplier.pk,
            "benefit": other.pk,
            "unit_cost": "10",
            "valid_from": timezone.localdate().isoformat(),
        },
    )
    assert refused.status_code == 200 and refused.context["form"].errors
    assert not ContractPrice.objects.exists()


# --- withdraw ----------------------------------------------------------------------------------


def test_only_a_price_not_yet_in_force_is_withdrawn(pair):
    supplier, benefit = pair
    earlier = _set(supplier, benefit, "100", date(2026, 1, 1))
    todays = _set(supplier, benefit, "110", DAY)
    future = _set(supplier, benefit, "120", DAY + timedelta(days=10), today=DAY)
    price_withdraw(price_id=future.pk, today=DAY)
    assert not ContractPrice.objects.filter(pk=future.pk).exists()
    for in_force in (earlier, todays):
        with pytest.raises(DomainError) as refused:
            price_withdraw(price_id=in_force.pk, today=DAY)
        assert refused.value.code == "price_in_the_past"
    assert ContractPrice.objects.filter(pk__in=[earlier.pk, todays.pk]).count() == 2
    with pytest.raises(DomainError) as gone:
        price_withdraw(price_id=future.pk, today=DAY)
    assert gone.value.status == 404


def test_the_admin_withdraws_a_scheduled_price_and_keeps_one_in_force(pair):
    supplier, benefit = pair
    today = timezone.localdate()
    in_force = _set(supplier, benefit, "100", today - timedelta(days=40))
    scheduled = _set(supplier, benefit, "130", today + timedelta(days=5), today=today)
    client, _user = _product_client()
    for price in (in_force, scheduled):
        url = reverse("admin:bookshelf_contractprice_withdraw", args=[price.pk])
        assert client.get(url).status_code == 200
        assert client.post(url).status_code == 302
    assert list(ContractPrice.objects.values_list("pk", flat=True)) == [in_force.pk]
    # A saved price has no change form, and no delete page.
    change = client.get(reverse("admin:bookshelf_contractprice_change", args=[in_force.pk]))
    assert change.status_code == 302 and "show=all" in change["Location"]
    delete = client.get(reverse("admin:bookshelf_contractprice_delete", args=[in_force.pk]))
    assert delete.status_code == 403


# --- the admin's list and the supplier's page --------------------------------------------------


def test_the_list_shows_the_price_in_force_the_next_one_and_the_unpriced_links(
    pair, django_assert_max_num_queries
):
    supplier, benefit = pair
    unpriced = make_benefit(cells={Tier.GOLD: 1}, name="No price yet")
    make_supplier("docs", benefits=[unpriced])
    today = timezone.localdate()
    _set(supplier, benefit, "80", today - timedelta(days=400))
    _set(supplier, benefit, "95.50", today - timedelta(days=20))
    _set(supplier, benefit, "99", today + timedelta(days=12), today=today)
    client, _user = _product_client()
    url = reverse("admin:bookshelf_contractprice_changelist")
    with django_assert_max_num_queries(14):
        page = client.get(url)
    assert page.status_code == 200
    rows = list(page.context["cl"].result_list)
    assert [(r.unit_cost, r.next_cost, r.earlier) for r in rows] == [
        (Decimal("95.50"), Decimal("99.00"), 1)
    ]
    text = page.content.decode()
    assert "¥95.50" in text and "¥99.00" in text
    assert [link.benefit for link, _url in page.context["missing"]] == [unpriced]
    everything = client.get(url, {"show": "all"})
    assert len(everything.context["cl"].result_list) == 3


def test_the_supplier_page_lists_its_prices_in_force_with_links(pair):
    supplier, benefit = pair
    today = timezone.localdate()
    _set(supplier, benefit, "60", today - timedelta(days=30))
    _set(supplier, benefit, "70", today + timedelta(days=30), today=today)
    client, _user = _product_client()
    page = client.get(reverse("admin:bookshelf_supplier_change", args=[supplier.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "¥60.00" in text and "¥70.00" not in text  # in force only
    assert f"?supplier={supplier.pk}" in text and f"supplier__id__exact={supplier.pk}" in text


# --- import and export -------------------------------------------------------------------------

HEADERS = ["supplier", "benefit", "unit_cost", "valid_from", "note"]


def _dataset(rows):
    return tablib.Dataset(*rows, headers=HEADERS)


def test_an_imported_row_in_the_past_is_an_error_row_and_nothing_is_saved(pair):
    supplier, benefit = pair
    rows = [
        [supplier.code, benefit.code, "50", DAY.isoformat(), "new contract"],
        [supplier.code, benefit.code, "40", (DAY - timedelta(days=1)).isoformat(), "too late"],
    ]
    result = ContractPriceResource(today=DAY).import_data(_dataset(rows), dry_run=False)
    assert result.has_validation_errors()
    (invalid,) = result.invalid_rows
    assert invalid.number == 2 and "valid_from" in invalid.error_dict
    assert not ContractPrice.objects.exists()


def test_a_same_day_re_import_changes_nothing_and_a_changed_future_row_replaces(pair):
    supplier, benefit = pair
    rows = [[supplier.code, benefit.code, "50", DAY.isoformat(), "contract"]]
    first = ContractPriceResource(today=DAY).import_data(_dataset(rows), dry_run=False)
    assert not first.has_validation_errors() and first.totals["new"] == 1
    price = ContractPrice.objects.get()
    again = ContractPriceResource(today=DAY).import_data(
        _dataset([[supplier.code, benefit.code, "50.00", DAY.isoformat(), "contract"]]),
        dry_run=False,
    )
    assert again.totals["skip"] == 1 and again.totals["update"] == 0
    assert list(ContractPrice.objects.values_list("pk", "unit_cost")) == [
        (price.pk, Decimal("50.00"))
    ]
    # Today's price is in force (uses may have been paid at it): it is not replaced...
    today = ContractPriceResource(today=DAY).import_data(
        _dataset([[supplier.code, benefit.code, "55", DAY.isoformat(), "contract"]]),
        dry_run=False,
    )
    assert today.has_validation_errors() or today.has_errors()
    assert ContractPrice.objects.get().unit_cost == Decimal("50.00")
    # ...while a day not yet begun is.
    changed = ContractPriceResource(today=DAY - timedelta(days=1)).import_data(
        _dataset([[supplier.code, benefit.code, "55", DAY.isoformat(), "contract"]]),
        dry_run=False,
    )
    assert changed.totals["update"] == 1
    assert ContractPrice.objects.get().unit_cost == Decimal("55.00")
    # The same change once the day is past is refused: what was paid stays.
    late = ContractPriceResource(today=DAY + timedelta(days=1)).import_data(
        _dataset([[supplier.code, benefit.code, "60", DAY.isoformat(), "contract"]]),
        dry_run=False,
    )
    assert late.has_validation_errors()
    assert ContractPrice.objects.get().unit_cost == Decimal("55.00")


def test_bad_rows_name_their_column(pair):
    supplier, benefit = pair
    rows = [
        ["nobody", benefit.code, "50", DAY.isoformat(), ""],
        [supplier.code, benefit.code, "1.005", DAY.isoformat(), ""],
    ]
    result = ContractPriceResource(today=DAY).import_data(_dataset(rows), dry_run=False)
    assert "supplier" in result.invalid_rows[0].error_dict
    assert "unit_cost" in result.invalid_rows[1].error_dict
    assert not ContractPrice.objects.exists()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_then_import_gives_the_same_prices_back(pair, fmt):
    supplier, benefit = pair
    second = make_benefit(cells={Tier.GOLD: 1}, name="Escort")
    make_supplier("docs", benefits=[second])
    _set(supplier, benefit, "100", date(2026, 1, 1), note="=cmd|' /C calc'!A0")
    _set(supplier, benefit, "120.50", DAY, note="mid-month")
    _set(supplier, second, "650", date(2026, 2, 1), note="护送")
    before = list(ContractPrice.objects.order_by("pk").values_list(*_columns()))
    exported = ContractPriceResource().export()
    blob = exported.export(fmt)
    # Everything stored: re-importing it changes nothing.
    same = ContractPriceResource(today=DAY + timedelta(days=30)).import_data(
        tablib.Dataset().load(blob, format=fmt), dry_run=False
    )
    assert not same.has_validation_errors() and same.totals["skip"] == 3
    # Into an empty table (with "today" before the rows): the same prices again.
    ContractPrice.objects.all().delete()
    back = ContractPriceResource(today=date(2025, 12, 1)).import_data(
        tablib.Dataset().load(blob, format=fmt), dry_run=False
    )
    assert not back.has_validation_errors() and back.totals["new"] == 3
    assert list(ContractPrice.objects.order_by("pk").values_list(*_columns())) == before


def _columns():
    return ("supplier__code", "benefit__code", "unit_cost", "valid_from", "note")


def test_the_admin_import_shows_a_past_row_as_an_error(pair):
    supplier, benefit = pair
    client, _user = _product_client()
    yesterday = timezone.localdate() - timedelta(days=1)
    content = _dataset([[supplier.code, benefit.code, "50", yesterday.isoformat(), ""]]).export(
        "csv"
    )
    page = client.post(
        reverse("admin:bookshelf_contractprice_import"),
        {
            "import_file": SimpleUploadedFile("prices.csv", content.encode()),
            "format": 0,
            "resource": 0,
        },
    )
    assert page.status_code == 200
    assert page.context["result"].has_validation_errors()
    assert "confirm_form" not in page.context
    assert not ContractPrice.objects.exists()
