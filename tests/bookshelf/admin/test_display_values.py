"""No internal values on the admin's pages: money in one format, allowances and counts in
words, cities in the reader's language, labels instead of stored keys and ids."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from benefits.services import benefit_retire
from bookshelf.ledger.services import purchase_create
from bookshelf.models import ShelfCell
from bookshelf.reach.pushes import push_create
from bookshelf.templatetags.bookshelf_admin import family_quota_label, money, quota_label
from config.display import money as money_text
from customers.cities import CITIES, city_label
from customers.models import PiiAccessLog, Tier
from tests.bookshelf.admin.conftest import Office
from tests.factories import make_benefit

pytestmark = pytest.mark.django_db

UNGROUPED_YUAN = re.compile(r"¥\d{4,}")


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        (1566516, "¥1,566,516"),
        (Decimal("6800.00"), "¥6,800"),
        ("199.5", "¥199.50"),
        (Decimal("0"), "¥0"),
        (-20, "-¥20"),
        (None, "-"),
    ],
)
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_money_is_grouped_by_thousands_in_every_language(amount, shown, language):
    # Django's Chinese format has no thousands separator: ¥1566516 was what it gave.
    with translation.override(language):
        assert money_text(amount) == shown
        assert money(amount) == shown  # the template filter is the same function


def test_allowances_read_as_words_not_numbers_glued_on():
    with translation.override("en"):
        assert quota_label(25, "calendar_year") == "25 uses a year"
        assert quota_label(1, "calendar_month") == "1 use a month"
        assert quota_label(2, "policy_year") == "2 uses a policy year"
        assert quota_label(None, "unlimited") == "unlimited"
        assert family_quota_label(1) == "family may take 1 use"


def test_a_known_city_is_shown_in_the_readers_language_any_other_as_stored():
    assert set(CITIES) >= {"Beijing", "Shanghai", "Shenzhen", "Guangzhou", "Hangzhou"}
    with translation.override("en"):
        assert city_label("Shanghai") == "Shanghai"
        assert city_label(" shanghai ") == "Shanghai"
        assert city_label("Lhasa") == "Lhasa"  # not in the map: as stored
        assert city_label("") == ""


def _zh_has(msgid: str) -> bool:
    with translation.override("zh-hans"):
        return translation.gettext(msgid) != msgid


@pytest.mark.xfail(
    not _zh_has("Shanghai"),
    reason="passes once the cities' Chinese (see notes/values.md) is in the catalog",
    strict=True,
)
def test_the_chinese_customer_list_shows_chinese_city_names(office: Office):
    client = office.client_for(office.product)
    body = client.get(
        reverse("admin:customers_customer_changelist"), HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()
    assert "上海" in body and ">Shanghai<" not in body


def test_the_customer_and_agent_lists_show_cities_through_the_map(office: Office):
    client = office.client_for(office.product)
    body = client.get(reverse("admin:customers_customer_changelist")).content.decode()
    assert '<td class="field-city_col">Shanghai</td>' in body
    # The filter offers the stored values under the same parameter, labelled by the map.
    assert "?city=Shanghai" in body
    filtered = client.get(reverse("admin:customers_customer_changelist"), {"city": "Shanghai"})
    assert filtered.status_code == 200
    agents = client.get(reverse("admin:customers_agent_changelist"))
    assert agents.status_code == 200 and "field-city_col" in agents.content.decode()


def test_money_on_the_admin_lists_is_grouped(office: Office):
    addon = make_benefit(cells={}, kind="paid", price=Decimal("12800.00"), name="Addon")
    purchase_create(
        customer=office.mine, benefit_code=addon.code, quantity=1, payment_reference="PAY-1"
    )
    client = office.client_for(office.superuser)
    for name in (
        "admin:customers_policy_changelist",
        "admin:customers_tierrule_changelist",
        "admin:benefits_benefit_changelist",
        "admin:bookshelf_purchase_changelist",
    ):
        for language in ("en", "zh-hans"):
            body = client.get(reverse(name), HTTP_ACCEPT_LANGUAGE=language).content.decode()
            rows = body.split('id="result_list"')[1].split("</table>")[0]
            assert "¥" in rows, name
            assert not UNGROUPED_YUAN.search(rows), (name, UNGROUPED_YUAN.findall(rows))
    purchases = client.get(reverse("admin:bookshelf_purchase_changelist")).content.decode()
    assert "¥12,800" in purchases


def test_a_shelf_cell_is_named_by_its_tier_and_benefit_not_ids(office: Office, gold_benefit):
    cell = ShelfCell.objects.get(benefit=gold_benefit, tier=Tier.PLATINUM)
    fresh = ShelfCell.objects.get(pk=cell.pk)  # its benefit not loaded
    assert str(fresh) == f"VIP platinum · {gold_benefit.code} Green channel"
    assert "×" not in str(fresh) and str(gold_benefit.pk) not in str(fresh).split(" ")
    client = office.client_for(office.product)
    page = client.get(
        reverse("admin:benefits_benefit_change", args=[gold_benefit.pk])
    ).content.decode()
    assert "×" not in page.split('id="content"')[1]


def test_a_status_change_is_titled_with_labels_not_stored_values(office: Office):
    benefit = make_benefit(cells={Tier.GOLD: 1}, name="Rarely used")
    benefit_retire(benefit=benefit, reason="Unused")
    change = benefit.status_changes.get()
    with translation.override("en"):
        assert str(change) == f"{benefit.code}: On shelf → Retired"
    client = office.client_for(office.superuser)
    body = client.get(
        reverse("admin:benefits_benefitstatuschange_change", args=[change.pk])
    ).content.decode()
    assert "on_shelf" not in body.split('id="content"')[1]


def test_push_conversion_by_tier_shows_no_tier_number(office: Office, gold_benefit):
    push_create(customer=office.mine, benefit_code=gold_benefit.code, channel="app_message")
    client = office.client_for(office.superuser)
    body = client.get(reverse("admin:bookshelf_push_conversion")).content.decode()
    by_tier = body.split('aria-label="By tier"')[1].split("</section>")[0]
    assert "VIP gold" in by_tier
    assert f">{Tier.GOLD.value}<" not in by_tier  # was "VIP gold 20"
    by_benefit = body.split('aria-label="By benefit"')[1].split("</section>")[0]
    assert gold_benefit.code in by_benefit  # a code is worth showing beside a name


def test_the_personal_data_log_names_the_fields_shown(office: Office):
    client = office.client_for(office.superuser)
    client.post(
        reverse("admin:customers_customer_reveal", args=[office.mine.pk]), {"field": "both"}
    )
    body = client.get(reverse("admin:customers_piiaccesslog_changelist")).content.decode()
    rows = body.split('id="result_list"')[1].split("</table>")[0]
    assert "resident ID number" in rows
    assert "id_number" not in rows and "birth_date" not in rows
    entry = PiiAccessLog.objects.latest("pk")
    page = client.get(reverse("admin:customers_piiaccesslog_change", args=[entry.pk]))
    content = page.content.decode().split('id="content"')[1]
    assert "resident ID number" in content and "id_number" not in content
