"""Bad customer data is refused with a clear message on the right field: resident IDs, mobile
numbers, profile tags, self family links (model and database), overlapping tier rules."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from customers.models import Customer, FamilyLink, Gender, Tier, TierRule
from customers.pii import resident_id_check_digit
from customers.services import customer_create, family_link_create
from tests.factories import make_customer

pytestmark = pytest.mark.django_db

VALID_ID = "11010519491231002X"  # the GB 11643 sample number
BIRTH = date(1949, 12, 31)


def _customer_kwargs(**overrides):
    kwargs = {
        "customer_no": "V00000001",
        "name": "李四",
        "birth_date": BIRTH,
        "gender": Gender.MALE,
        "phone": "13812345678",
        "id_number": VALID_ID,
        "city": "Beijing",
    }
    kwargs.update(overrides)
    return kwargs


def _with_check_digit(first17: str) -> str:
    return first17 + resident_id_check_digit(first17)


def test_a_valid_customer_is_accepted_and_stored_with_derived_fields():
    customer = customer_create(**_customer_kwargs(id_number=VALID_ID.lower()))
    assert customer.pk is not None
    assert customer.id_number == VALID_ID  # the lower-case x is normalised
    assert customer.phone_last4 == "5678"
    assert customer.tier == Tier.PROSPECT


@pytest.mark.parametrize(
    ("id_number", "message"),
    [
        (VALID_ID[:-1] + "5", "check digit is wrong"),
        ("110105194912310021", "check digit is wrong"),
        (_with_check_digit("11010519990230001"), "birth date inside the ID number is not a real"),
        (_with_check_digit("11010519991301001"), "birth date inside the ID number is not a real"),
        (VALID_ID[:-1], "17 digits followed by a digit or X"),
        ("1101051949123100", "17 digits followed by a digit or X"),
        ("11010519491231002XX", "17 digits followed by a digit or X"),
        ("1101051949123100AX", "17 digits followed by a digit or X"),
        ("", "This field cannot be blank"),
    ],
)
def test_a_bad_resident_id_is_refused_on_the_id_number_field(id_number, message):
    with pytest.raises(ValidationError) as err:
        customer_create(**_customer_kwargs(id_number=id_number))
    assert set(err.value.message_dict) == {"id_number"}
    assert any(message in m for m in err.value.message_dict["id_number"])
    assert not Customer.objects.exists()


@pytest.mark.parametrize(
    "phone",
    [
        "+8613812345678",  # mainland but with the country code: stored without it
        "85291234567",  # Hong Kong number with its country code
        "91234567",  # Hong Kong local number
        "12345678901",  # 12x is not a mobile prefix
        "1381234567",  # 10 digits
        "138123456789",  # 12 digits
        "138-1234-5678",
        "",
    ],
)
def test_a_non_mainland_mobile_is_refused_on_the_phone_field(phone):
    with pytest.raises(ValidationError) as err:
        customer_create(**_customer_kwargs(phone=phone))
    assert set(err.value.message_dict) == {"phone"}
    messages = " ".join(err.value.message_dict["phone"])
    assert "mainland China mobile number" in messages or "cannot be blank" in messages


@pytest.mark.parametrize("phone", ["13012345678", "15912345678", "16612345678", "19912345678"])
def test_real_looking_mobiles_pass(phone):
    customer = customer_create(**_customer_kwargs(phone=phone))
    assert customer.phone == phone


def test_unknown_profile_tags_are_named_in_the_error():
    with pytest.raises(ValidationError) as err:
        customer_create(**_customer_kwargs(tags=["fitness", "golfer", "astronaut"]))
    assert err.value.message_dict == {"tags": ["Unknown profile tags: astronaut, golfer"]}


def test_tags_must_be_a_list_of_codes():
    customer = Customer(**_customer_kwargs(tags={"fitness": True}))
    with pytest.raises(ValidationError) as err:
        customer.full_clean()
    assert err.value.message_dict == {"tags": ["Tags must be a list of tag codes."]}


def test_known_profile_tags_are_accepted():
    customer = customer_create(**_customer_kwargs(tags=["chronic_condition", "elderly_parents"]))
    assert customer.tags == ["chronic_condition", "elderly_parents"]


def test_duplicate_customer_number_is_refused():
    customer_create(**_customer_kwargs())
    with pytest.raises(ValidationError) as err:
        customer_create(**_customer_kwargs(phone="13912345678"))
    assert list(err.value.message_dict) == ["customer_no"]


def test_family_link_to_oneself_is_refused_by_model_clean():
    customer = make_customer()
    link = FamilyLink(customer=customer, relative=customer, relation="spouse")
    with pytest.raises(ValidationError) as err:
        link.full_clean()
    assert err.value.message_dict["relative"] == [
        "A customer cannot be linked to themselves as family."
    ]


def test_family_link_to_oneself_is_refused_by_the_service():
    customer = make_customer()
    with pytest.raises(ValidationError) as err:
        family_link_create(customer=customer, relative=customer, relation="spouse")
    assert "relative" in err.value.message_dict
    assert not FamilyLink.objects.exists()


def test_family_link_to_oneself_is_refused_by_the_database():
    customer = make_customer()
    with pytest.raises(IntegrityError), transaction.atomic():
        FamilyLink.objects.create(customer=customer, relative=customer, relation="spouse")
    assert not FamilyLink.objects.exists()


def test_family_link_needs_a_known_relation():
    holder, other = make_customer(), make_customer()
    with pytest.raises(ValidationError) as err:
        family_link_create(customer=holder, relative=other, relation="cousin")
    assert list(err.value.message_dict) == ["relation"]


def test_an_overlapping_tier_rule_names_the_clashing_tier_on_the_threshold_field():
    # Default rules: gold 20,000, platinum 50,000. Gold above platinum would overlap.
    gold = TierRule.objects.get(tier=Tier.GOLD)
    gold.min_annual_premium = Decimal("50000")
    with pytest.raises(ValidationError) as err:
        gold.full_clean()
    assert list(err.value.message_dict) == ["min_annual_premium"]
    (message,) = err.value.message_dict["min_annual_premium"]
    assert "VIP platinum" in message
    assert "higher tier must need a higher premium" in message
    # Below the next tier it is fine.
    gold.min_annual_premium = Decimal("49999")
    gold.full_clean()
