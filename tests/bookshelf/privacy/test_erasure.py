"""Erasure on request: personal data replaced, hashes removed, links cut, free text cleared;
the review's and the rollups' numbers unchanged; refused, changing nothing, while a policy
is in force, a legal hold is set, or when already erased; audited without the erased data."""

from __future__ import annotations

from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from bookshelf.ledger.cancellation import redemption_cancel
from bookshelf.ledger.services import (
    redemption_create,
    redemption_feedback_create,
    usage_rebuild,
)
from bookshelf.models import (
    AgentSuggestion,
    CustomerEvent,
    DemandSignal,
    OutboxMessage,
    OutboxStatus,
    PeerUsage,
    PrivacyRequest,
    Push,
    Redemption,
    RedemptionFeedback,
    ReviewSettings,
    UsageMonth,
    WebhookEvent,
)
from bookshelf.privacy.services import customer_erase, customer_legal_hold_set
from bookshelf.reach.services import peer_usage_refresh, push_deliver
from bookshelf.review.selectors import review_settings_default
from bookshelf.review.services import demand_signal_create, review_run
from bookshelf.review.shelf_usage import shelf_usage_by_tier, tier_counts
from config.exceptions import Conflict, DomainError
from customers.models import Customer, FamilyLink, Tier, TierChange, TierOverride
from customers.pii import pii_hash
from customers.selectors import customer_search
from tests.bookshelf.admin.conftest import agent_with_user, staff_user
from tests.factories import category, make_customer

from .conftest import fill, lapse_policies

pytestmark = pytest.mark.django_db


def _erase(customer: Customer, reason: str = "customer's request of 2026-12-01, ref 77"):
    return customer_erase(customer=customer, user="dpo", reason=reason, via="test")


def test_erasure_replaces_personal_fields_and_removes_the_hashes(held):
    customer = held.customer
    phone, id_number, birth = customer.phone, customer.id_number, customer.birth_date
    lapse_policies(customer)

    _erase(customer)

    customer.refresh_from_db()
    assert customer.erased_at is not None
    assert (customer.name, customer.phone, customer.id_number, customer.city) == ("", "", "", "")
    assert (customer.phone_hash, customer.id_number_hash, customer.phone_last4) == ("", "", "")
    assert customer.birth_date == date(birth.year, 1, 1)  # the year only, for the age bands
    assert customer.tags == [] and customer.agent_id is None and customer.tier_reason == ""
    assert customer.tier == Tier.GOLD  # statistics by tier stay
    # Nobody finds them by their numbers any more.
    assert not customer_search(query=phone).exists()
    assert not customer_search(query=id_number).exists()
    assert not Customer.objects.filter(phone_hash=pii_hash(phone)).exists()


def test_erasure_cuts_family_links_both_ways_and_clears_free_text(held):
    customer = held.customer
    lapse_policies(customer)

    _erase(customer)

    assert not FamilyLink.objects.filter(customer=customer).exists()
    assert not FamilyLink.objects.filter(relative=customer).exists()
    assert set(
        RedemptionFeedback.objects.filter(customer=customer).values_list("comment", flat=True)
    ) == {""}
    assert set(Push.objects.filter(customer=customer).values_list("note", flat=True)) == {""}
    assert set(CustomerEvent.objects.filter(customer=customer).values_list("note", flat=True)) == {
        ""
    }
    assert OutboxMessage.objects.get(pk=held.outbox.pk).body == ""
    assert set(TierOverride.objects.filter(customer=customer).values_list("reason", flat=True)) == {
        "erased"
    }
    assert "director" not in str(
        list(TierChange.objects.filter(customer=customer).values("reason"))
    )
    events = WebhookEvent.objects.filter(payload__customer_no=customer.customer_no)
    assert "director" not in str([e.payload for e in events])
    demand = DemandSignal.objects.get(customer=customer)
    assert "13900002222" not in demand.text  # the number masked, the request kept
    assert demand.text.startswith("dental for my mother")
    assert not AgentSuggestion.objects.filter(customer=customer, status="open").exists()
    # The uses themselves stay: the spouse's use of the allowance too.
    assert Redemption.objects.filter(holder=customer).count() == 2


def test_a_message_not_sent_yet_is_never_sent_after_erasure(held):
    lapse_policies(held.customer)
    OutboxMessage.objects.filter(pk=held.outbox.pk).update(status=OutboxStatus.PENDING)

    _erase(held.customer)

    assert push_deliver(outbox_id=held.outbox.pk) == "skipped"
    assert OutboxMessage.objects.get(pk=held.outbox.pk).status == OutboxStatus.FAILED


def test_the_audit_row_keeps_who_when_why_but_not_the_erased_data(held):
    customer = held.customer
    phone, name = customer.phone, customer.name
    lapse_policies(customer)

    record = _erase(customer, reason=f"asked by {name} on the phone ({phone}), ticket 77")

    assert (record.kind, record.username, record.via, record.customer_no) == (
        "erasure",
        "dpo",
        "test",
        customer.customer_no,
    )
    assert "ticket 77" in record.reason
    assert name not in record.reason and phone not in record.reason
    assert record.summary["family_links"] == 2
    row = str(PrivacyRequest.objects.filter(pk=record.pk).values().get())
    assert name not in row and phone not in row and customer.id_number not in row


@pytest.mark.parametrize(
    ("setup", "code"),
    [
        ("policy_in_force", "erasure_policy_in_force"),
        ("legal_hold", "erasure_legal_hold"),
        ("erased", "customer_already_erased"),
    ],
)
def test_erasure_is_refused_with_a_reason_and_changes_nothing(held, setup, code):
    customer = held.customer
    if setup != "policy_in_force":
        lapse_policies(customer)
    if setup == "legal_hold":
        customer_legal_hold_set(customer=customer, hold=True, reason="court case 2026-88")
    if setup == "erased":
        _erase(customer)
    customer.refresh_from_db()
    before = Customer.objects.filter(pk=customer.pk).values().get()
    links = FamilyLink.objects.count()
    audits = PrivacyRequest.objects.count()

    with pytest.raises(Conflict) as refused:
        _erase(customer)

    assert refused.value.code == code
    assert refused.value.status == 409
    assert Customer.objects.filter(pk=customer.pk).values().get() == before
    assert FamilyLink.objects.count() == links
    assert PrivacyRequest.objects.count() == audits


def test_erasure_needs_a_reason(held):
    lapse_policies(held.customer)
    with pytest.raises(DomainError) as refused:
        _erase(held.customer, reason="  ")
    assert refused.value.code == "erasure_reason_required"
    assert refused.value.as_dict()["fields"] == {"reason": [refused.value.message]}
    held.customer.refresh_from_db()
    assert held.customer.erased_at is None


def test_a_legal_hold_needs_a_reason(held):
    with pytest.raises(DomainError) as refused:
        customer_legal_hold_set(customer=held.customer, hold=True, reason="")
    assert refused.value.code == "erasure_reason_required"


# --- the statistics stay -----------------------------------------------------------------


def _review_numbers():
    report = review_run(
        window_end=timezone.localdate() + timedelta(days=1), window_days=90, dry_run=True
    )
    findings = [
        (f.benefit.code, f.eligible, f.users, f.uses, f.rate, f.responses, f.promoters,
         f.detractors, f.nps, f.verdict)
        for f in report.findings
    ]  # fmt: skip
    # Titles and keys quote the requests' words: a number in them is masked by the erasure.
    proposals = sorted(
        (p.kind, p.requests, p.customers, p.tiers, p.evidence) for p in report.proposals
    )
    return findings, proposals


def _rollups():
    since = timezone.now() - timedelta(days=365)
    usage = sorted(UsageMonth.objects.values_list("customer_id", "benefit_id", "month", "uses"))
    peers = sorted(PeerUsage.objects.values_list("tier", "age_band", "benefit_id", "share"))
    return usage, peers, shelf_usage_by_tier(since=since), tier_counts()


def test_the_review_and_the_usage_rollups_give_the_same_numbers_after_erasure(db):
    settings_row = review_settings_default()
    ReviewSettings.objects.filter(pk=settings_row.pk).update(
        min_eligible=1, min_responses=1, demand_threshold=1
    )
    customer = make_customer(tier=Tier.GOLD, name="王小明")
    spouse = make_customer(tier=Tier.GOLD, name="李小红")
    others = [make_customer(tier=Tier.GOLD) for _ in range(3)]
    held = fill(customer, spouse)
    for score, other in zip((3, 10), others[:2], strict=True):
        use = redemption_create(customer=other, benefit_code=held.benefit.code).redemption
        redemption_feedback_create(redemption=use, score=score, comment="fine")
    demand_signal_create(text="dental for my mother", category=category(), customer=others[0])
    lapse_policies(customer)
    peer_usage_refresh()
    before = (_review_numbers(), _rollups())
    assert before[0][0] and before[0][1], "the review should find and propose something"

    _erase(customer)
    peer_usage_refresh()
    after = (_review_numbers(), _rollups())
    usage_rebuild()
    rebuilt = _rollups()

    assert after == before
    tomorrow = timezone.localdate() + timedelta(days=1)
    report = review_run(window_end=tomorrow, window_days=90, dry_run=True)
    titles = [p.title for p in report.proposals]
    assert titles and not any("13900002222" in t for t in titles)
    assert rebuilt == before[1]
    assert Redemption.objects.filter(holder=held.customer).count() == 2


# --- the command and the admin action ----------------------------------------------------


def test_the_command_erases_and_reports(held):
    lapse_policies(held.customer)
    out = StringIO()
    call_command("customer_erase", held.customer.customer_no, "--reason", "ref 77", stdout=out)
    assert held.customer.customer_no in out.getvalue()
    held.customer.refresh_from_db()
    assert held.customer.erased_at is not None
    assert PrivacyRequest.objects.get(kind="erasure").username.startswith("shell:")


def test_the_command_says_why_it_refuses(held):
    with pytest.raises(CommandError, match="erasure_policy_in_force"):
        call_command("customer_erase", held.customer.customer_no, "--reason", "ref 77")


def _erase_action(client, customer, reason="ref 77"):
    return client.post(
        "/admin/customers/customer/",
        {
            "action": "erase_data",
            "_selected_action": [customer.pk],
            "confirm": "1",
            "reason": reason,
        },
        follow=True,
    )


def test_only_a_superuser_or_the_erase_permission_may_erase_from_the_admin(db, client):
    agent = agent_with_user("ann")  # has the personal-data permission, not the erase one
    customer = make_customer(tier=Tier.GOLD, agent=agent)
    lapse_policies(customer)
    client.force_login(agent.user)
    _erase_action(client, customer)
    customer.refresh_from_db()
    assert customer.erased_at is None

    root = staff_user("root", superuser=True)
    client.force_login(root)
    page = client.post(
        "/admin/customers/customer/", {"action": "erase_data", "_selected_action": [customer.pk]}
    )
    assert "Erasure cannot be undone" in page.content.decode()  # asks for a reason first
    customer.refresh_from_db()
    assert customer.erased_at is None
    _erase_action(client, customer)
    customer.refresh_from_db()
    assert customer.erased_at is not None
    assert PrivacyRequest.objects.get(kind="erasure").user == root


def test_the_admin_shows_why_erasure_is_refused(db, client):
    customer = make_customer(tier=Tier.GOLD)
    client.force_login(staff_user("root", superuser=True))
    page = _erase_action(client, customer)
    assert "policy in force" in page.content.decode()
    customer.refresh_from_db()
    assert customer.erased_at is None


def test_legal_hold_from_the_admin_blocks_erasure(db, client):
    customer = make_customer(tier=Tier.GOLD)
    lapse_policies(customer)
    client.force_login(staff_user("root", superuser=True))
    client.post(
        "/admin/customers/customer/",
        {"action": "legal_hold_set", "_selected_action": [customer.pk], "confirm": "1",
         "reason": "court case 88"},
    )  # fmt: skip
    customer.refresh_from_db()
    assert (customer.legal_hold, customer.legal_hold_reason) == (True, "court case 88")
    assert "legal hold" in _erase_action(client, customer).content.decode()
    client.post(
        "/admin/customers/customer/",
        {"action": "legal_hold_lift", "_selected_action": [customer.pk]},
    )
    customer.refresh_from_db()
    assert customer.legal_hold is False
    _erase_action(client, customer)
    customer.refresh_from_db()
    assert customer.erased_at is not None


def test_the_record_page_shows_the_hold_and_the_audit_trail_is_for_superusers(db, client):
    agent = agent_with_user("ann")
    customer = make_customer(tier=Tier.GOLD, agent=agent)
    customer_legal_hold_set(customer=customer, hold=True, reason="court case 88")
    root = staff_user("root", superuser=True)
    client.force_login(root)
    page = client.get(f"/admin/customers/customer/{customer.pk}/edit/")
    assert page.status_code == 200
    assert "court case 88" in page.content.decode()
    lapse_policies(customer)
    customer_legal_hold_set(customer=customer, hold=False)
    _erase(customer)
    listing = client.get("/admin/bookshelf/privacyrequest/")
    assert listing.status_code == 200 and customer.customer_no in listing.content.decode()
    client.force_login(agent.user)
    assert client.get("/admin/bookshelf/privacyrequest/").status_code == 403


def test_an_erased_customer_can_no_longer_be_pushed_to(held):
    """Their consent records stay as evidence, but none counts after erasure."""
    from customers.models import ConsentPurpose
    from customers.selectors import consent_valid, customers_consenting

    customer = held.customer
    purposes = [ConsentPurpose.MARKETING_APP_MESSAGE, ConsentPurpose.MARKETING_SMS]
    assert consent_valid(customer=customer, purpose=ConsentPurpose.MARKETING_SMS)
    lapse_policies(customer)

    _erase(customer)

    customer.refresh_from_db()
    assert customer.consents.exists()
    assert not consent_valid(customer=customer, purpose=ConsentPurpose.MARKETING_SMS)
    assert customers_consenting(customer_ids=[customer.pk], purposes=purposes) == set()


def test_erasure_clears_why_a_use_was_cancelled_but_keeps_the_use(held):
    customer = held.customer
    lapse_policies(customer)
    use = Redemption.objects.filter(beneficiary=customer).first()
    redemption_cancel(redemption=use, reason="Recorded twice; customer called from 13900001111")

    _erase(customer)

    use.refresh_from_db()
    assert use.cancel_reason == "erased"
    assert use.status == "cancelled" and use.cancelled_at is not None
