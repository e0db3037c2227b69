"""Product staff's catalog tools: lifecycle actions, bulk import/export, history."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
import tablib
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from benefits.models import Benefit, BenefitStatus, BenefitStatusChange
from benefits.resources import BenefitResource
from benefits.services import benefit_retire
from bookshelf.models import ShelfCell
from bookshelf.shelf.resources import ShelfCellResource
from customers.models import Tier, TierRule
from tests.bookshelf.admin.conftest import Office
from tests.factories import category, make_benefit

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:benefits_benefit_changelist"


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- Lifecycle actions --------------------------------------------------------------------


def _action(client, action: str, benefits, **extra):
    data = {"action": action, "_selected_action": [b.pk for b in benefits], **extra}
    return client.post(reverse(CHANGELIST), data)


def test_retire_asks_for_confirmation_and_a_reason_then_goes_through_the_service(
    office: Office,
):
    client = office.client_for(office.product)
    first, second = make_benefit(cells={Tier.GOLD: 1}), make_benefit(cells={Tier.GOLD: 1})
    page = _action(client, "retire", [first, second])
    assert page.status_code == 200
    assert "admin/benefits/benefit/lifecycle_confirm.html" in [t.name for t in page.templates]
    assert first.code in page.content.decode()
    first.refresh_from_db()
    assert first.status == BenefitStatus.ON_SHELF  # nothing changes before confirming
    no_reason = _action(client, "retire", [first, second], confirm="yes", reason="")
    assert no_reason.status_code == 200 and no_reason.context["form"].errors
    assert not BenefitStatusChange.objects.filter(to_status=BenefitStatus.RETIRED).exists()
    done = _action(client, "retire", [first, second], confirm="yes", reason="Low usage")
    assert done.status_code == 302
    for benefit in (first, second):
        old_code = benefit.code
        benefit.refresh_from_db()
        assert (benefit.status, benefit.retired_reason, benefit.code) == (
            BenefitStatus.RETIRED,
            "Low usage",
            old_code,
        )
        change = benefit.status_changes.get()
        assert change.changed_by == office.product
    assert "2 benefits retired." in _messages(done)


def test_moves_the_lifecycle_forbids_show_the_service_message(office: Office):
    client = office.client_for(office.product)
    draft = make_benefit(status=BenefitStatus.DRAFT)
    on_shelf = make_benefit()
    response = _action(client, "put_under_review", [draft, on_shelf], confirm="yes", reason="")
    messages = _messages(response)
    assert f"{draft.code}: A benefit that is Draft cannot become Under review." in messages
    assert "1 benefit put under review." in messages
    on_shelf.refresh_from_db()
    assert on_shelf.status == BenefitStatus.UNDER_REVIEW


def test_reinstate_brings_a_retired_benefit_back_with_its_code(office: Office):
    client = office.client_for(office.product)
    benefit = make_benefit()
    benefit_retire(benefit=benefit, reason="Partner left")
    _action(client, "reinstate", [benefit], confirm="yes", reason="Partner back")
    benefit.refresh_from_db()
    assert benefit.status == BenefitStatus.ON_SHELF and benefit.retired_at is None


def test_agents_get_no_lifecycle_actions_and_nobody_deletes_a_benefit(office: Office):
    benefit = make_benefit()
    agent = office.client_for(office.agent.user)
    action_form = agent.get(reverse(CHANGELIST)).context["action_form"]
    offered = action_form.fields["action"].choices if action_form else []
    assert not {"retire", "reinstate", "put_on_shelf"} & {name for name, _label in offered}
    _action(agent, "retire", [benefit], confirm="yes", reason="x")
    benefit.refresh_from_db()
    assert benefit.status == BenefitStatus.ON_SHELF
    root = office.client_for(office.superuser)
    delete = reverse("admin:benefits_benefit_delete", args=[benefit.pk])
    assert root.get(delete).status_code == 403


# --- Import and export ----------------------------------------------------------------------


def _csv(rows: list[list[object]], headers: list[str]) -> bytes:
    data = tablib.Dataset(*rows, headers=headers)
    return data.export("csv").encode()


BENEFIT_HEADERS = [
    "code",
    "category",
    "name_en",
    "name_zh_hans",
    "kind",
    "price",
    "shareable",
    "tags",
]


def _import(client, url_name: str, content: bytes, name: str = "rows.csv", fmt: int = 0):
    upload = SimpleUploadedFile(name, content)
    return client.post(
        reverse(url_name),
        {"import_file": upload, "format": fmt, "resource": 0},
    )


def test_importing_benefits_shows_a_dry_run_then_imports_on_confirmation(office: Office):
    category("MED", "02")
    existing = make_benefit(category_code="MED", name="Old name")
    client = office.client_for(office.product)
    content = _csv(
        [
            ["", "MED.02", "Dental cleaning", "洗牙", "included", "", "false", "senior"],
            [existing.code, "MED.01", "New name", "新名字", "included", "", "false", ""],
        ],
        BENEFIT_HEADERS,
    )
    dry = _import(client, "admin:benefits_benefit_import", content)
    assert dry.status_code == 200
    result = dry.context["result"]
    assert not result.has_errors() and not result.has_validation_errors()
    assert [r.import_type for r in result.rows] == ["new", "update"]
    assert "confirm_form" in dry.context
    assert Benefit.objects.count() == 1  # a dry run writes nothing
    existing.refresh_from_db()
    assert existing.name == "Old name"
    confirm = dry.context["confirm_form"]
    done = client.post(reverse("admin:benefits_benefit_process_import"), confirm.initial)
    assert done.status_code == 302
    created = Benefit.objects.get(name="Dental cleaning")
    assert created.code == "MED.02.001"  # the next call number of its category
    assert created.status == BenefitStatus.DRAFT and created.tags == ["senior"]
    existing.refresh_from_db()
    assert existing.name == "New name"


def test_bad_benefit_rows_are_rejected_with_row_number_and_reason_and_nothing_is_imported(
    office: Office,
):
    category("MED", "01")
    client = office.client_for(office.product)
    content = _csv(
        [
            ["", "MED.01", "Fine row", "", "included", "", "false", ""],
            ["", "XXX.99", "Unknown category", "", "included", "", "false", ""],
            ["", "MED.01", "Paid without price", "", "paid", "", "false", ""],
            ["", "MED.01", "Negative price", "", "included", "-5", "false", ""],
            ["MED.01.777", "MED.01", "Invented code", "", "included", "", "false", ""],
        ],
        BENEFIT_HEADERS,
    )
    dry = _import(client, "admin:benefits_benefit_import", content)
    result = dry.context["result"]
    assert "confirm_form" not in dry.context
    invalid = {row.number: row.error.message_dict for row in result.invalid_rows}
    assert set(invalid) == {2, 3, 4, 5}
    assert "No category with code XXX.99." in invalid[2]["category"]
    assert "A paid add-on needs a price." in invalid[3]["price"]
    assert any("greater than or equal to 0" in m for m in invalid[4]["price"])
    assert "Unknown benefit code MED.01.777" in invalid[5]["code"][0]
    body = dry.content.decode()
    assert "<td>2 </td>" in body and "No category with code XXX.99." in body
    assert not Benefit.objects.exists()
    # The same file through the resource, not a dry run: still nothing.
    resource_result = BenefitResource().import_data(
        tablib.Dataset().load(content.decode(), format="csv"),
        dry_run=False,
        rollback_on_validation_errors=True,
    )
    assert resource_result.has_validation_errors()
    assert not Benefit.objects.exists()


SHELF_HEADERS = ["tier", "benefit", "period", "quota", "family_quota"]


def test_shelf_cells_import_validates_quotas_through_the_model(office: Office):
    shareable = make_benefit(shareable=True)
    plain = make_benefit()
    client = office.client_for(office.product)
    content = _csv(
        [
            ["gold", shareable.code, "calendar_year", 3, 1],
            ["diamond", plain.code, "calendar_year", -1, 0],
            ["platinum", plain.code, "calendar_year", 2, 1],
            ["emperor", plain.code, "calendar_year", 2, 0],
            ["gold", "NOPE.01.001", "calendar_year", 2, 0],
            ["gold", plain.code, "unlimited", 2, 0],
        ],
        SHELF_HEADERS,
    )
    dry = _import(client, "admin:bookshelf_shelfcell_import", content)
    result = dry.context["result"]
    invalid = {row.number: row.error.message_dict for row in result.invalid_rows}
    assert set(invalid) == {2, 3, 4, 5, 6}
    assert any("greater than or equal to" in m for m in invalid[2]["quota"])
    assert invalid[3]["family_quota"] == ["This benefit is not shareable with family."]
    assert "Unknown tier emperor" in invalid[4]["tier"][0]
    assert invalid[5]["benefit"] == ["No benefit with code NOPE.01.001."]
    assert invalid[6]["quota"] == ["An unlimited benefit has no quota: leave it empty."]
    assert not ShelfCell.objects.exists()


def test_shelf_cells_round_trip_through_xlsx(office: Office):
    benefit = make_benefit(cells={Tier.GOLD: 2, Tier.DIAMOND: None})
    exported = ShelfCellResource().export()
    assert exported.headers == SHELF_HEADERS
    assert [r[0] for r in exported] == ["gold", "diamond"]
    edited = tablib.Dataset(headers=SHELF_HEADERS)
    edited.append(["gold", benefit.code, "calendar_month", 1, 0])
    edited.append(["platinum", benefit.code, "calendar_year", 5, 0])
    client = office.client_for(office.product)
    dry = _import(
        client, "admin:bookshelf_shelfcell_import", edited.export("xlsx"), "cells.xlsx", fmt=1
    )
    result = dry.context["result"]
    assert [r.import_type for r in result.rows] == ["update", "new"]
    done = client.post(
        reverse("admin:bookshelf_shelfcell_process_import"), dry.context["confirm_form"].initial
    )
    assert done.status_code == 302
    cells = {c.tier: (c.period, c.quota) for c in ShelfCell.objects.all()}
    assert cells == {
        Tier.GOLD: ("calendar_month", 1),
        Tier.PLATINUM: ("calendar_year", 5),
        Tier.DIAMOND: ("unlimited", None),
    }


def test_export_of_benefits_in_csv(office: Office):
    benefit = make_benefit(price=Decimal("99.00"), tags=["senior"])
    client = office.client_for(office.product)
    response = client.post(
        reverse("admin:benefits_benefit_export"),
        {
            "format": 0,
            "resource": 0,
            **{
                f"benefitresource_{f}": "on"
                for f in ["code", "category", "name_en", "name_zh_hans", "price", "tags", "status"]
            },
        },
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert benefit.code in text and "99.00" in text and "on_shelf" in text
    assert text.splitlines()[0].startswith("code,category,name_en,name_zh_hans")
    rows = list(tablib.Dataset().load(io.StringIO(text).read(), format="csv").dict)
    assert rows[0]["category"] == benefit.category.path_code


# --- History --------------------------------------------------------------------------------


def test_changes_to_benefits_shelf_cells_and_tier_rules_are_kept_with_who_and_when(
    office: Office,
):
    client = office.client_for(office.product)
    benefit = make_benefit(cells={Tier.GOLD: 2})
    cell = ShelfCell.objects.get(benefit=benefit)
    url = reverse("admin:benefits_benefit_change", args=[benefit.pk])
    page = client.get(url)
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k != "tags"}
    data.update({"name_en": "Renamed benefit", "provider_en": "Acme"})
    for prefix, formset in [
        (f.formset.prefix, f.formset) for f in page.context["inline_admin_formsets"]
    ]:
        data.update({f"{prefix}-{k}": v for k, v in formset.management_form.initial.items()})
        for i, sub in enumerate(formset.forms):
            for name, field in sub.fields.items():
                value = sub.initial.get(name, field.initial)
                if value is not None and not isinstance(value, bool):
                    data[f"{prefix}-{i}-{name}"] = getattr(value, "pk", value)
                elif value:
                    data[f"{prefix}-{i}-{name}"] = "on"
    prefix = page.context["inline_admin_formsets"][0].formset.prefix
    data[f"{prefix}-0-quota"] = 5
    response = client.post(url, data)
    assert response.status_code == 302, (
        response.context["adminform"].form.errors if response.context else ""
    )
    latest = benefit.history.latest()
    assert (latest.name, latest.history_user) == ("Renamed benefit", office.product)
    assert cell.history.latest().quota == 5
    assert cell.history.latest().history_user == office.product
    rule = TierRule.objects.get(tier=Tier.GOLD)
    rule_url = reverse("admin:customers_tierrule_change", args=[rule.pk])
    client.post(rule_url, {"min_annual_premium": "21000", "description": "raised"})
    assert rule.history.latest().min_annual_premium == Decimal("21000")
    history = client.get(reverse("admin:benefits_benefit_history", args=[benefit.pk]))
    assert history.status_code == 200 and "Renamed benefit" in history.content.decode()
    assert (
        client.get(reverse("admin:customers_tierrule_history", args=[rule.pk])).status_code == 200
    )
