"""The API benefit centre shows held uses apart: `held`, the requests behind it (`held_uses`)
and a sentence in the reader's language (`held_text`); one more query, only when something
is held."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from bookshelf.fulfilment.services import Actor, Change, fulfilment_transition, use_request
from bookshelf.ledger.services import purchase_create
from bookshelf.models import ActorKind
from customers.models import Tier
from tests.factories import make_benefit, make_customer, make_family, make_supplier

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
# auth token lookup, then one statement (config.db_batch) for the customer, family links,
# household policies, balances, purchases, the customer's open requests and the used-up
# budgets (bookshelf.money budgets_used_up_statement)
CENTRE_QUERIES = 2


def url(customer):
    return f"/api/v1/customers/{customer.customer_no}/bookshelf"


def entries(body):
    return {(b["code"], b["source"]): b for c in body["categories"] for b in c["benefits"]}


@pytest.fixture
def escort():
    benefit = make_benefit(
        cells={Tier.GOLD: 2, Tier.DIAMOND: 4},
        shareable=True,
        family_quota=2,
        fulfilment_kind="booked",
        name="Hospital escort",
    )
    supplier = make_supplier(
        "escort-co", benefits=[benefit], name="Care escorts", name_zh_hans="陪诊公司"
    )
    return benefit, Actor(ActorKind.SUPPLIER, supplier=supplier)


def _book(result, actor, at, place="Ward 3"):
    fulfilment_transition(
        fulfilment_id=result.fulfilment.pk,
        target="booked",
        actor=actor,
        change=Change(appointment_at=at, place=place),
    )


def test_a_booked_use_reads_booked_for_its_day_in_both_languages(app_api, escort):
    benefit, actor = escort
    customer = make_customer(tier=Tier.GOLD)
    at = datetime(2031, 12, 12, 9, 30, tzinfo=SHANGHAI)
    _book(use_request(customer=customer, benefit_code=benefit.code), actor, at)

    got = entries(app_api.get(url(customer)).json())[(benefit.code, "tier")]
    assert (got["used"], got["held"], got["remaining"]) == (1, 1, 1)
    assert got["held_uses"] == [
        {
            "state": "booked",
            "appointment_at": "2031-12-12T09:30:00+08:00",
            "place": "Ward 3",
            "supplier": "Care escorts",
        }
    ]
    assert got["held_text"] == "1 booked for 12 Dec, 1 left"

    chinese = app_api.get(url(customer), HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    got = entries(chinese)[(benefit.code, "tier")]
    assert got["held_text"] == "已预约 1 次（12月12日），剩余 1 次"
    assert got["held_uses"][0]["supplier"] == "陪诊公司"


def test_requested_and_booked_uses_are_told_apart(app_api, escort):
    benefit, actor = escort
    customer = make_customer(tier=Tier.GOLD)
    _book(
        use_request(customer=customer, benefit_code=benefit.code),
        actor,
        datetime(2031, 1, 3, 14, 0, tzinfo=SHANGHAI),
    )
    use_request(customer=customer, benefit_code=benefit.code)
    got = entries(app_api.get(url(customer)).json())[(benefit.code, "tier")]
    assert got["held"] == 2
    assert [u["state"] for u in got["held_uses"]] == ["booked", "requested"]
    assert got["held_text"] == "1 booked for 3 Jan, 1 waiting for the supplier, none left"


def test_nothing_held_is_zero_an_empty_list_and_no_text(app_api, escort):
    benefit, _actor = escort
    customer = make_customer(tier=Tier.GOLD)
    got = entries(app_api.get(url(customer)).json())[(benefit.code, "tier")]
    assert (got["held"], got["held_uses"], got["held_text"]) == (0, [], "")


def test_a_relative_s_request_on_a_family_share_shows_on_their_entry_only(app_api, escort):
    benefit, actor = escort
    holder = make_customer(tier=Tier.DIAMOND)
    spouse = make_customer(tier=Tier.ORDINARY)
    make_family(holder, spouse, "spouse")
    _book(
        use_request(customer=spouse, benefit_code=benefit.code),
        actor,
        datetime(2031, 5, 20, 10, 0, tzinfo=SHANGHAI),
    )
    use_request(customer=holder, benefit_code=benefit.code)  # the holder's own, not theirs

    share = entries(app_api.get(url(spouse)).json())[(benefit.code, "family")]
    assert (share["used"], share["held"], share["remaining"]) == (1, 1, 1)
    assert share["held_text"] == "1 booked for 20 May, 1 left"
    # The holder's own entry counts both holds on the balance: theirs and the spouse's.
    own = entries(app_api.get(url(holder)).json())[(benefit.code, "tier")]
    assert (own["used"], own["held"], own["family_used"]) == (2, 2, 1)
    assert sorted(u["state"] for u in own["held_uses"]) == ["booked", "requested"]


def test_a_purchase_s_hold_is_on_the_purchase_not_the_tier_entry(app_api, escort):
    benefit, _actor = escort
    customer = make_customer(tier=Tier.GOLD)
    use_request(customer=customer, benefit_code=benefit.code)
    use_request(customer=customer, benefit_code=benefit.code)  # the tier's two are held
    code = make_benefit(price=Decimal("30.00"), kind="paid", fulfilment_kind="issued")
    make_supplier("merchant", benefits=[code])
    purchase_create(customer=customer, benefit_code=code.code, quantity=2, payment_reference="P1")
    use_request(customer=customer, benefit_code=code.code)

    got = entries(app_api.get(url(customer)).json())
    tier = got[(benefit.code, "tier")]
    assert (tier["held"], len(tier["held_uses"]), tier["remaining"]) == (2, 2, 0)
    bought = got[(code.code, "purchase")]
    assert (bought["held"], bought["remaining"]) == (1, 1)
    assert [u["state"] for u in bought["held_uses"]] == ["requested"]
    assert bought["held_text"] == "1 waiting for the supplier, 1 left"


def test_tier_and_purchase_of_the_same_benefit_keep_their_own_holds(app_api, escort):
    _escort, actor = escort
    benefit = make_benefit(cells={Tier.GOLD: 2}, price=Decimal("50.00"), fulfilment_kind="booked")
    make_supplier("escort-co", benefits=[benefit])
    customer = make_customer(tier=Tier.GOLD)
    purchase_create(customer=customer, benefit_code=benefit.code, quantity=1, payment_reference="P")
    first = use_request(customer=customer, benefit_code=benefit.code)
    use_request(customer=customer, benefit_code=benefit.code)
    third = use_request(customer=customer, benefit_code=benefit.code)  # paid by the purchase
    assert third.redemption.purchase_id is not None
    _book(third, actor, datetime(2031, 7, 1, 8, 0, tzinfo=SHANGHAI))
    _book(first, actor, datetime(2031, 8, 2, 8, 0, tzinfo=SHANGHAI))

    got = entries(app_api.get(url(customer)).json())
    assert got[(benefit.code, "purchase")]["held_text"] == "1 booked for 1 Jul, none left"
    tier_text = got[(benefit.code, "tier")]["held_text"]
    assert tier_text == "1 booked for 2 Aug, 1 waiting for the supplier, none left"


def test_the_centre_costs_the_same_queries_with_a_held_use_or_without(
    app_api, escort, django_assert_num_queries
):
    benefit, _actor = escort
    customer = make_customer(tier=Tier.GOLD)
    app_api.get(url(customer))  # warm the per-tier cache
    with django_assert_num_queries(CENTRE_QUERIES):
        app_api.get(url(customer))
    use_request(customer=customer, benefit_code=benefit.code)
    with django_assert_num_queries(CENTRE_QUERIES):  # open requests are read either way
        body = app_api.get(url(customer)).json()
    assert entries(body)[(benefit.code, "tier")]["held"] == 1


@pytest.mark.parametrize(
    ("language", "expected"), [("en", "12 Dec and 3 Jan"), ("zh-hans", "12月12日、1月3日")]
)
def test_several_days_are_listed_in_the_reader_s_language(language, expected):
    from bookshelf.api.benefit_centre import _days

    moments = [
        datetime(2031, 12, 12, 9, 0, tzinfo=SHANGHAI),
        datetime(2031, 12, 12, 15, 0, tzinfo=SHANGHAI),  # the same day, said once
        datetime(2032, 1, 3, 9, 0, tzinfo=SHANGHAI),
    ]
    with translation.override(language):
        assert _days(moments) == expected
