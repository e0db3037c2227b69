from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from benefits.services import benefit_retire
from bookshelf.ledger.services import redemption_create
from bookshelf.models import CustomerEvent, PeerUsage, RecommendationWeights
from bookshelf.reach.pushes import PUSH_CONSENT
from bookshelf.reach.recommendations import push_actions
from bookshelf.reach.selectors import recommendations_for_customer
from bookshelf.reach.services import customer_event_record, peer_usage_refresh
from config.display import join_list, join_reasons, list_separator, reasons_separator
from customers.models import ConsentPurpose, Tier
from customers.selectors import ConsentSet
from tests.factories import make_benefit, make_customer, make_family

pytestmark = pytest.mark.django_db


def codes(result):
    return [r.code for r in result.recommendations]


def test_only_benefits_usable_now_are_recommended(django_capture_on_commit_callbacks):
    customer = make_customer(tier=Tier.GOLD, age=40)
    usable = make_benefit(cells={Tier.GOLD: 2}, name="Usable")
    used_up = make_benefit(cells={Tier.GOLD: 1}, name="Used up")
    other_tier = make_benefit(cells={Tier.DIAMOND: 3}, name="Diamond only")
    too_old = make_benefit(cells={Tier.GOLD: 3}, min_age=60, name="Seniors")
    retired = make_benefit(cells={Tier.GOLD: 3}, name="Retired")
    redemption_create(customer=customer, benefit_code=used_up.code)
    with django_capture_on_commit_callbacks(execute=True):
        benefit_retire(benefit=retired, reason="rarely used")
    got = codes(recommendations_for_customer(customer=customer, limit=50))
    assert got == [usable.code]
    assert used_up.code not in got and other_tier.code not in got
    assert too_old.code not in got and retired.code not in got


def test_profile_tags_rank_first_and_say_why():
    customer = make_customer(tier=Tier.GOLD, tags=["chronic_condition"])
    plain = make_benefit(cells={Tier.GOLD: 2}, name="Plain")
    chronic = make_benefit(cells={Tier.GOLD: 2}, tags=["chronic_condition"], name="Chronic care")
    result = recommendations_for_customer(customer=customer, limit=5)
    assert codes(result) == [chronic.code, plain.code]
    top = result.recommendations[0]
    assert any("Chronic condition" in reason for reason in top.reasons)
    assert top.score > result.recommendations[1].score


def test_expiring_unused_quota_and_not_used_yet_reasons():
    customer = make_customer(tier=Tier.GOLD)
    monthly = make_benefit(cells={Tier.GOLD: 2}, period="calendar_month", name="Monthly")
    result = recommendations_for_customer(customer=customer, limit=5)
    reasons = result.recommendations[0].reasons
    assert any("2 of 2 unused, period ends in" in r for r in reasons)
    assert "not used yet" in reasons
    assert result.recommendations[0].code == monthly.code


def test_family_composition_counts():
    parent = make_customer(tier=Tier.GOLD, age=38)
    make_family(parent, make_customer(tier=Tier.PROSPECT, age=5), "child")
    kids = make_benefit(cells={Tier.GOLD: 1}, tags=["young_children"], name="Kids' dentist")
    plain = make_benefit(cells={Tier.GOLD: 1}, name="Plain")
    result = recommendations_for_customer(customer=parent, limit=5)
    assert codes(result) == [kids.code, plain.code]
    assert any("child aged 5" in r for r in result.recommendations[0].reasons)


def test_life_events_lift_fitting_benefits():
    customer = make_customer(tier=Tier.GOLD)
    escort = make_benefit(cells={Tier.GOLD: 2}, category_code="MED", name="Hospital escort")
    trip = make_benefit(cells={Tier.GOLD: 2}, category_code="TRV", name="Airport lounge")
    customer_event_record(
        customer=customer, kind="trip_booked", occurred_at=timezone.now() - timedelta(days=1)
    )
    result = recommendations_for_customer(customer=customer, limit=5)
    assert codes(result) == [trip.code, escort.code]
    assert any("Trip booked 1 day ago" in r for r in result.recommendations[0].reasons)


def test_similar_customers_and_own_habits():
    customer = make_customer(tier=Tier.PLATINUM, age=45)
    peers = [make_customer(tier=Tier.PLATINUM, age=44) for _ in range(3)]
    popular = make_benefit(cells={Tier.PLATINUM: 5}, name="Popular")
    habit = make_benefit(cells={Tier.PLATINUM: 5}, name="Habit")
    make_benefit(cells={Tier.PLATINUM: 5}, name="Ignored")
    for peer in peers:
        redemption_create(customer=peer, benefit_code=popular.code)
    redemption_create(customer=customer, benefit_code=habit.code)
    assert peer_usage_refresh() >= 1
    assert PeerUsage.objects.get(benefit=popular, tier=Tier.PLATINUM, age_band=40).share == 0.75
    result = recommendations_for_customer(customer=customer, limit=3)
    assert codes(result)[:2] == [popular.code, habit.code]
    assert any(
        "popular with VIP platinum customers aged 40-49" in r
        for r in result.recommendations[0].reasons
    )
    assert any("used 1 time in the last year" in r for r in result.recommendations[1].reasons)


def test_weights_are_tunable_and_ranking_is_deterministic(django_capture_on_commit_callbacks):
    customer = make_customer(tier=Tier.GOLD, tags=["fitness"])
    gym = make_benefit(cells={Tier.GOLD: None}, tags=["fitness"], name="Gym")
    monthly = make_benefit(cells={Tier.GOLD: 2}, period="calendar_month", name="Monthly")
    first = codes(recommendations_for_customer(customer=customer, limit=5))
    assert first == codes(recommendations_for_customer(customer=customer, limit=5))
    assert first[0] == gym.code
    RecommendationWeights.objects.create(profile_tag=0.0, expiring=10.0)
    from django.core.cache import cache

    cache.delete("reco:weights")
    assert codes(recommendations_for_customer(customer=customer, limit=5))[0] == monthly.code


def test_paid_addons_are_suggested_apart_when_something_points_at_them():
    customer = make_customer(tier=Tier.GOLD, tags=["fitness"])
    make_benefit(cells={Tier.GOLD: 1})
    gym = make_benefit(kind="paid", price=Decimal("99.00"), tags=["fitness"], name="Gym pass")
    make_benefit(kind="paid", price=Decimal("99.00"), name="Unrelated add-on")
    result = recommendations_for_customer(customer=customer, limit=5)
    assert [r.code for r in result.you_might_add] == [gym.code]
    assert gym.code not in codes(result)


def test_api_recommendations(
    app_api, django_assert_num_queries, django_capture_on_commit_callbacks
):
    customer = make_customer(tier=Tier.GOLD, tags=["chronic_condition"])
    chronic = make_benefit(cells={Tier.GOLD: 2}, tags=["chronic_condition"], name="Chronic care")
    url = f"/api/v1/customers/{customer.customer_no}/recommendations?limit=3"
    app_api.get(url)
    # Warm: the client, then one statement: the customer, household, its policies,
    # balances, purchases, events, usage rollup, the value segment, consents (PIPL: the push
    # flag). The same count for one benefit or thirty-one: nothing runs per benefit.
    with django_assert_num_queries(2):
        app_api.get(url)
    with django_capture_on_commit_callbacks(execute=True):  # the shelf's cache moves on
        for _ in range(30):
            make_benefit(cells={Tier.GOLD: 2})
    redemption_create(customer=customer, benefit_code=chronic.code)
    app_api.get(url)
    with django_assert_num_queries(2):
        response = app_api.get(url)
    assert response.status_code == 200
    body = response.json()
    assert len(body["recommendations"]) == 3
    assert body["recommendations"][0]["code"] == chronic.code
    assert body["recommendations"][0]["reasons"]
    assert app_api.get(url.replace("limit=3", "limit=0")).status_code == 400
    assert app_api.get(url.replace("limit=3", "limit=abc")).status_code == 400
    assert app_api.get(url + "&colour=red").status_code == 400


def test_api_events_are_stored_once_per_external_id(app_api):
    customer = make_customer(tier=Tier.GOLD)
    url = f"/api/v1/customers/{customer.customer_no}/events"
    body = {"kind": "claim_filed", "external_id": "CLM-1", "note": "outpatient"}
    first = app_api.post(url, body, format="json")
    again = app_api.post(url, body, format="json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert CustomerEvent.objects.count() == 1
    bad = app_api.post(url, {"kind": "won_lottery"}, format="json")
    assert bad.status_code == 400
    future = (timezone.now() + timedelta(days=3)).isoformat()
    assert (
        app_api.post(url, {"kind": "birthday", "occurred_at": future}, format="json").status_code
        == 400
    )
    other = app_api.post("/api/v1/customers/NOPE/events", {"kind": "birthday"}, format="json")
    assert other.status_code == 404


# -- the reasons read as sentences, in both languages ------------------------------------------
CJK = "\u4e00-\u9fff"
# An ASCII comma or semicolon touching Chinese text, or a space beside a Chinese separator:
# what a Chinese reader sees as stray punctuation.
STRAY_SEPARATOR = re.compile(rf"[{CJK}）”][,;]|[,;] ?[{CJK}“（]|\s[；，、]|[；，、]\s")


def _zh(text: str, context: str = "") -> str:
    with translation.override("zh-hans"):
        return translation.pgettext(context, text) if context else translation.gettext(text)


CHINESE_SEPARATORS_TRANSLATED = _zh("; ", "separator between reasons") != "; " and (
    _zh(", ", "separator between the items of a list") != ", "
)


def test_counts_in_reasons_are_singular_or_plural_in_english():
    customer = make_customer(tier=Tier.GOLD)
    trip = make_benefit(cells={Tier.GOLD: 5}, category_code="TRV", name="Airport lounge")
    customer_event_record(
        customer=customer, kind="trip_booked", occurred_at=timezone.now() - timedelta(days=3)
    )
    for _ in range(2):
        redemption_create(customer=customer, benefit_code=trip.code)
    reasons = recommendations_for_customer(customer=customer, limit=1).recommendations[0].reasons
    assert "Trip booked 3 days ago" in reasons
    assert "used 2 times in the last year" in reasons
    assert not [r for r in reasons if "(s)" in r]


@pytest.mark.xfail(
    not CHINESE_SEPARATORS_TRANSLATED,
    reason="passes once the separators' Chinese (see notes/values.md) is in the catalog",
    strict=True,
)
def test_chinese_reasons_are_joined_without_ascii_separators_or_stray_spaces():
    customer = make_customer(tier=Tier.GOLD, tags=["chronic_condition"], consent=False)
    make_benefit(
        cells={Tier.GOLD: 2}, tags=["chronic_condition"], period="calendar_month", name="Care"
    )
    with translation.override("zh-hans"):
        result = recommendations_for_customer(customer=customer, limit=1)
        (top,) = result.recommendations
        assert len(top.reasons) >= 3  # the tag, the unused quota, not used yet
        joined = join_reasons(top.reasons)
        push_reason = top.push.reason
    assert not STRAY_SEPARATOR.search(joined), joined
    assert not STRAY_SEPARATOR.search(push_reason), push_reason


def test_the_reason_separator_is_the_readers_own():
    """What the Chinese test above relies on, checked now: reasons and lists are joined with
    the translatable separators, not a fixed ASCII one."""
    with translation.override("en"):
        assert join_reasons(["a", "b"]) == "a; b"
        assert join_list(["a", "b"]) == "a, b"
    with translation.override("zh-hans"):
        assert join_reasons(["甲", "乙"]) == f"甲{reasons_separator()}乙"
        assert join_list(["甲", "乙"]) == f"甲{list_separator()}乙"
        consent = push_actions(ConsentSet(customer_id=0, at=timezone.now(), states={}))[0].reason
        assert (
            list_separator().join(str(ConsentPurpose(p).label) for p in PUSH_CONSENT.values())
            in consent
        )


def test_an_api_client_s_peers_come_from_the_process_until_the_nightly_job_moves_them(app_api):
    """`recommendations_by_number` keeps the peers' shares per process under their version:
    the same version needs no cache read of them, and a recomputation is seen at once."""
    customer = make_customer(tier=Tier.PLATINUM, age=45)
    peer = make_customer(tier=Tier.PLATINUM, age=44)
    popular = make_benefit(cells={Tier.PLATINUM: 5}, name="Popular")
    later = make_benefit(cells={Tier.PLATINUM: 5}, name="Later")
    redemption_create(customer=peer, benefit_code=popular.code)
    peer_usage_refresh()
    url = f"/api/v1/customers/{customer.customer_no}/recommendations?limit=2"

    def first() -> str:
        return app_api.get(url).json()["recommendations"][0]["code"]

    assert first() == popular.code
    assert first() == popular.code  # from the memo now: the same answer
    # The shares change under the memo: a cached copy would keep recommending `popular`.
    for _ in range(3):
        redemption_create(
            customer=make_customer(tier=Tier.PLATINUM, age=43), benefit_code=later.code
        )
    peer_usage_refresh()
    assert first() == later.code
