"""The customer's copy of everything held about them: a command and an admin action, one
JSON document with a schema version, audited, in a fixed number of queries."""

from __future__ import annotations

import json
import stat
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from bookshelf.ledger.cancellation import redemption_cancel
from bookshelf.models import PrivacyRequest, Redemption
from bookshelf.privacy.export import EXPORT_SECTIONS, export_section_register
from bookshelf.privacy.services import customer_data_export, customer_erase
from bookshelf.roles import PRODUCT_STAFF
from customers.models import Customer, PiiAccessLog, Tier
from tests.bookshelf.admin.conftest import agent_with_user, staff_user
from tests.factories import make_customer

from .conftest import fill, lapse_policies

pytestmark = pytest.mark.django_db

EXPECTED_SECTIONS = {
    "profile", "policies", "family_links", "balances", "purchases", "uses", "fulfilments",
    "fulfilment_events", "monthly_uses",
    "feedback", "pushes", "events", "suggestions", "demand_signals", "tier_changes",
    "tier_overrides", "webhook_events", "consents", "personal_data_accesses", "privacy_requests",
}  # fmt: skip


def _export_file(tmp_path, customer_no: str, *extra: str) -> dict:
    out = tmp_path / "export.json"
    call_command("customer_data_export", customer_no, "--out", str(out), *extra, stdout=StringIO())
    assert stat.S_IMODE(out.stat().st_mode) == 0o600  # the customer's numbers, in clear
    return json.loads(out.read_text(encoding="utf-8"))


def test_the_command_writes_every_section_with_the_numbers_unmasked(held, tmp_path):
    customer = held.customer
    doc = _export_file(tmp_path, customer.customer_no, "--by", "dpo-ticket-7")

    assert doc["schema"] == "bookshelf.customer-data-export"
    assert doc["schema_version"] == 1
    assert doc["customer_no"] == customer.customer_no
    assert doc["erased"] is False
    sections = doc["sections"]
    assert set(sections) >= EXPECTED_SECTIONS
    profile = sections["profile"]
    assert (profile["name"], profile["phone"], profile["id_number"]) == (
        customer.name,
        customer.phone,
        customer.id_number,
    )
    assert "phone_hash" not in profile
    # The factory's customer agreed to both marketing purposes: the proof is in the copy.
    assert sorted((c["purpose"], c["granted"]) for c in sections["consents"]) == [
        ("marketing_app_message", True),
        ("marketing_sms", True),
    ]
    assert all(c["text_version"] and c["text__text"] for c in sections["consents"])
    assert len(sections["policies"]) == 1
    assert sections["family_links"] == [
        {
            "relative__customer_no": held.spouse.customer_no,
            "relation": "spouse",
            "created_at": sections["family_links"][0]["created_at"],
        }
    ]
    assert len(sections["uses"]) == 2  # their own, and the spouse's on their allowance
    assert {u["beneficiary__customer_no"] for u in sections["uses"]} == {
        customer.customer_no,
        held.spouse.customer_no,
    }
    assert sections["feedback"][0]["comment"].startswith("My phone is")
    assert sections["purchases"][0]["payment_reference"] == f"PAY-{customer.customer_no}"
    assert sections["pushes"][0]["note"] == "Dear 王小明, see you Tuesday"
    assert sections["pushes"][0]["outbox__body"]
    assert sections["events"][0]["note"] == "Ward 5, bed 12"
    assert sections["demand_signals"][0]["text"].startswith("dental for my mother")
    assert sections["tier_overrides"][0]["reason"] == "Wife of the regional director"
    assert sections["balances"] and sections["monthly_uses"] and sections["tier_changes"]


def test_an_export_is_audited_as_a_personal_data_access_and_a_privacy_request(held, tmp_path):
    customer = held.customer
    _export_file(tmp_path, customer.customer_no, "--by", "dpo-ticket-7")

    access = PiiAccessLog.objects.get(customer=customer, view_name="command:customer_data_export")
    assert access.username == "dpo-ticket-7"
    assert set(access.fields) == {"name", "phone", "id_number", "birth_date"}
    request = PrivacyRequest.objects.get(customer=customer)
    assert (request.kind, request.username, request.via) == (
        "export",
        "dpo-ticket-7",
        "command:customer_data_export",
    )
    assert request.summary["uses"] == 2
    # The next export lists the earlier one.
    doc = _export_file(tmp_path, customer.customer_no)
    assert [r["kind"] for r in doc["sections"]["privacy_requests"]] == ["export"]
    assert doc["sections"]["personal_data_accesses"][0]["view_name"] == (
        "command:customer_data_export"
    )


def test_an_unknown_customer_is_a_clear_error(db, tmp_path):
    with pytest.raises(CommandError, match="customer_not_found"):
        call_command("customer_data_export", "C404", "--out", str(tmp_path / "x.json"))
    assert not (tmp_path / "x.json").exists()
    assert not PrivacyRequest.objects.exists()


# The customer with its agent, one per section after the profile, the two audit rows, and the
# service's transaction (a savepoint pair inside the test's own transaction): 21.
EXPORT_QUERIES = 1 + (len(EXPECTED_SECTIONS) - 1) + 2 + 2


def test_an_export_costs_a_fixed_number_of_queries(held, django_assert_num_queries):
    empty = make_customer(tier=Tier.ORDINARY, name="赵六")
    assert len(EXPORT_SECTIONS) == len(EXPECTED_SECTIONS)
    with django_assert_num_queries(EXPORT_QUERIES):
        customer_data_export(customer=empty, user="ops", via="test")
    with django_assert_num_queries(EXPORT_QUERIES):
        customer_data_export(customer=held.customer, user="ops", via="test")


def test_a_room_adds_its_section_through_the_hook(held):
    """How the consent records join the export after the merge."""
    try:
        export_section_register("consents", lambda customer: [{"purpose": "marketing"}])
        doc = customer_data_export(customer=held.customer, user="ops", via="test")
        assert doc["sections"]["consents"] == [{"purpose": "marketing"}]
    finally:
        EXPORT_SECTIONS[:] = [s for s in EXPORT_SECTIONS if s.name != "consents"]


def test_an_erased_customer_is_exported_marked_erased_without_numbers(held):
    lapse_policies(held.customer)
    customer_erase(customer=held.customer, user="ops", reason="request 2026-12-01", via="test")
    doc = customer_data_export(customer=held.customer, user="ops", via="test")
    assert doc["erased"] is True
    assert doc["sections"]["profile"]["erased_at"] is not None
    assert doc["sections"]["profile"]["phone"] == ""
    # Nothing unmasked was shown, so no personal-data access is written for it.
    assert not PiiAccessLog.objects.filter(customer=held.customer, view_name="test").exists()


# --- the admin action ------------------------------------------------------------------------


def _export_action(client, customer: Customer):
    return client.post(
        "/admin/customers/customer/",
        {"action": "export_data", "_selected_action": [customer.pk]},
    )


def test_an_agent_exports_their_own_customer_from_the_list(db, client):
    agent = agent_with_user("ann")
    customer = make_customer(tier=Tier.GOLD, agent=agent, name="王小明")
    fill(customer, make_customer(tier=Tier.GOLD, agent=agent, name="李小红"))
    client.force_login(agent.user)

    response = _export_action(client, customer)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    doc = json.loads(response.content)
    assert doc["sections"]["profile"]["phone"] == customer.phone
    access = PiiAccessLog.objects.get(customer=customer, view_name="admin:customer_data_export")
    assert access.username == "ann"
    assert PrivacyRequest.objects.get(customer=customer).user == agent.user


def test_an_agent_cannot_export_another_agents_customer(db, client):
    ann = agent_with_user("ann")
    bob = agent_with_user("bob")
    theirs = make_customer(tier=Tier.GOLD, agent=bob)
    client.force_login(ann.user)

    response = _export_action(client, theirs)

    assert not response.get("Content-Disposition")
    assert not PrivacyRequest.objects.exists()
    assert not PiiAccessLog.objects.filter(customer=theirs).exists()


def test_product_staff_without_the_personal_data_permission_cannot_export(db, client):
    customer = make_customer(tier=Tier.GOLD)
    client.force_login(staff_user("pat", PRODUCT_STAFF))

    page = client.get("/admin/customers/customer/")
    form = page.context["action_form"]  # None: no action at all for them
    assert form is None or "export_data" not in dict(form.fields["action"].choices)
    response = _export_action(client, customer)
    assert not response.get("Content-Disposition")
    assert not PrivacyRequest.objects.exists()


def test_the_action_exports_one_customer_at_a_time(db, client):
    agent = agent_with_user("ann")
    first = make_customer(tier=Tier.GOLD, agent=agent)
    second = make_customer(tier=Tier.GOLD, agent=agent)
    client.force_login(agent.user)
    response = client.post(
        "/admin/customers/customer/",
        {"action": "export_data", "_selected_action": [first.pk, second.pk]},
        follow=True,
    )
    assert not response.get("Content-Disposition")
    assert "exactly one customer" in response.content.decode()
    assert not PrivacyRequest.objects.exists()


def test_the_copy_says_why_a_use_was_cancelled(held, tmp_path):
    use = Redemption.objects.filter(beneficiary=held.customer).first()
    redemption_cancel(redemption=use, reason="Recorded twice by mistake")

    uses = _export_file(tmp_path, held.customer.customer_no)["sections"]["uses"]

    assert [u["cancel_reason"] for u in uses if u["id"] == use.pk] == ["Recorded twice by mistake"]
