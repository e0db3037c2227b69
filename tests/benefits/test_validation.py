"""The catalog refuses what would corrupt the shelf, with a clear message on the right field:
malformed and duplicate codes, codes outside their category, unknown categories, negative
prices, paid add-ons without a price."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from benefits.models import Benefit, BenefitKind, Category
from benefits.services import benefit_create, category_create
from config.exceptions import NotFound
from tests.factories import category

pytestmark = pytest.mark.django_db


def _benefit(**overrides):
    fields = {"category": category("MED", "01"), "sequence": 900, "name": "Check-up"}
    fields.update(overrides)
    return Benefit(**fields)


# -- categories -------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["med", "M", "MEDIC", "M3D", "01", ""])
def test_a_malformed_top_category_code_is_refused(code):
    with pytest.raises(ValidationError) as err:
        category_create(code=code, name="Medical care")
    assert list(err.value.message_dict) == ["code"]
    assert not Category.objects.exists()


@pytest.mark.parametrize("code", ["1", "001", "AB", "0A"])
def test_a_malformed_sub_category_code_is_refused(code):
    top = category_create(code="MED", name="Medical care")
    with pytest.raises(ValidationError) as err:
        category_create(code=code, name="Outpatient", parent=top)
    assert err.value.message_dict == {"code": ["A sub-category code is two digits, e.g. 02."]}


def test_a_duplicate_category_code_is_refused():
    top = category_create(code="MED", name="Medical care")
    category_create(code="01", name="Outpatient", parent=top)
    with pytest.raises(ValidationError) as err:
        category_create(code="MED", name="Medicine again")
    assert err.value.message_dict["code"] == ["Category code MED already exists."]
    with pytest.raises(ValidationError) as err:
        category_create(code="01", name="Outpatient again", parent=top)
    assert err.value.message_dict["code"] == ["Category code MED.01 already exists."]


def test_the_same_sub_code_under_another_parent_is_fine():
    med = category_create(code="MED", name="Medical care")
    trv = category_create(code="TRV", name="Travel")
    a = category_create(code="01", name="Outpatient", parent=med)
    b = category_create(code="01", name="Airports", parent=trv)
    assert (a.path_code, b.path_code) == ("MED.01", "TRV.01")


# -- benefit codes ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "code", ["MED01001", "med.01.001", "MED.01.1", "MED.01.0001", "MED.1.001", "MED.001", "X"]
)
def test_a_malformed_benefit_code_is_refused(code):
    with pytest.raises(ValidationError) as err:
        _benefit(code=code).full_clean()
    assert err.value.message_dict["code"] == [
        "A benefit code is the category path plus a 3-digit sequence, e.g. MED.02.015."
    ]


def test_a_duplicate_benefit_code_is_refused():
    existing = benefit_create(category=category("MED", "01"), name="Escort")
    with pytest.raises(ValidationError) as err:
        _benefit(code=existing.code).full_clean()
    assert err.value.message_dict["code"] == ["Benefit code MED.01.001 is already taken."]


def test_the_database_refuses_a_duplicate_benefit_code_too():
    existing = benefit_create(category=category("MED", "01"), name="Escort")
    with pytest.raises(IntegrityError), transaction.atomic():
        Benefit.objects.create(category=category("MED", "02"), sequence=1, code=existing.code)


def test_a_code_outside_its_category_path_is_refused():
    category("TRV", "01")
    with pytest.raises(ValidationError) as err:
        _benefit(code="TRV.01.001").full_clean()
    assert err.value.message_dict["code"] == [
        "The code must start with its category's code MED.01."
    ]


def test_a_code_of_a_sibling_category_is_refused():
    category("MED", "02")
    with pytest.raises(ValidationError) as err:
        _benefit(code="MED.02.001").full_clean()
    assert "MED.01" in err.value.message_dict["code"][0]


def test_a_benefit_in_a_category_that_does_not_exist_is_refused():
    benefit = Benefit(category_id=987654, sequence=1, code="MED.01.001", name="Ghost")
    with pytest.raises(ValidationError) as err:
        benefit.full_clean()
    assert "category" in err.value.message_dict
    assert "987654" in err.value.message_dict["category"][0]


def test_creating_a_benefit_in_a_deleted_category_is_a_not_found_error():
    gone = category("ZZZ", "01")
    gone_pk = gone.pk
    gone.delete()
    gone.pk = gone_pk  # a stale instance, as a form or API payload would hold
    with pytest.raises(NotFound) as err:
        benefit_create(category=gone, name="Ghost")
    assert err.value.code == "category_not_found"
    assert err.value.field == "category"
    assert not Benefit.objects.exists()


# -- prices and kinds -------------------------------------------------------------------------


def test_a_negative_price_is_refused_on_the_price_field():
    with pytest.raises(ValidationError) as err:
        benefit_create(category=category(), name="Gym pass", price=Decimal("-0.01"))
    assert "A price cannot be negative." in err.value.message_dict["price"]
    assert not Benefit.objects.exists()


def test_the_database_refuses_a_negative_price():
    with pytest.raises(IntegrityError), transaction.atomic():
        Benefit.objects.create(
            category=category(), sequence=1, code="MED.01.001", price=Decimal("-5")
        )


def test_a_paid_add_on_needs_a_price():
    with pytest.raises(ValidationError) as err:
        benefit_create(category=category(), name="Gene test", kind=BenefitKind.PAID)
    assert err.value.message_dict == {"price": ["A paid add-on needs a price."]}


def test_the_database_refuses_a_paid_add_on_without_a_price():
    with pytest.raises(IntegrityError), transaction.atomic():
        Benefit.objects.create(
            category=category(), sequence=1, code="MED.01.001", kind=BenefitKind.PAID
        )


def test_a_free_price_and_a_priced_included_benefit_are_fine():
    free = benefit_create(
        category=category(), name="Sample", kind=BenefitKind.PAID, price=Decimal("0")
    )
    addon = benefit_create(category=category(), name="Extra check-up", price=Decimal("980"))
    assert free.price == Decimal("0")
    assert addon.kind == BenefitKind.INCLUDED and addon.price == Decimal("980")


def test_a_failed_creation_does_not_spend_a_code():
    with pytest.raises(ValidationError):
        benefit_create(category=category(), name="Gene test", kind=BenefitKind.PAID)
    assert benefit_create(category=category(), name="Escort").code == "MED.01.001"
