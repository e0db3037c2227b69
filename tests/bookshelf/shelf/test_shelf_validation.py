"""Shelf cells and eligibility rules refuse what would corrupt the shelf, with a clear message on
the right field, in the service (full_clean) and in the database."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from bookshelf.models import Eligibility, QuotaPeriod, ShelfCell
from bookshelf.shelf.services import eligibility_set, shelf_cell_set
from customers.models import Tier
from tests.factories import make_benefit

pytestmark = pytest.mark.django_db

YEAR = QuotaPeriod.CALENDAR_YEAR


@pytest.fixture
def benefit():
    return make_benefit(shareable=True)


@pytest.fixture
def private_benefit():
    return make_benefit(shareable=False)


def _refused(**kwargs):
    with pytest.raises(ValidationError) as err:
        shelf_cell_set(**{"tier": Tier.GOLD, "period": YEAR, **kwargs})
    assert not ShelfCell.objects.exists()
    return err.value.message_dict


def test_a_good_cell_is_stored(benefit):
    cell = shelf_cell_set(tier=Tier.GOLD, benefit=benefit, period=YEAR, quota=4, family_quota=2)
    assert (cell.tier, cell.quota, cell.family_quota) == (Tier.GOLD, 4, 2)
    # Setting it again changes the same cell.
    shelf_cell_set(tier=Tier.GOLD, benefit=benefit, period=YEAR, quota=6, family_quota=6)
    assert ShelfCell.objects.get().quota == 6


def test_a_negative_quota_is_refused(benefit):
    errors = _refused(benefit=benefit, quota=-1)
    assert list(errors) == ["quota"]
    assert "A quota is at least one use per period." in errors["quota"]


def test_a_zero_quota_is_refused(benefit):
    errors = _refused(benefit=benefit, quota=0)
    assert list(errors) == ["quota"]
    assert "A quota is at least one use per period." in errors["quota"]


def test_a_negative_family_quota_is_refused(benefit):
    errors = _refused(benefit=benefit, quota=2, family_quota=-1)
    assert list(errors) == ["family_quota"]


def test_family_cannot_take_more_than_the_quota(benefit):
    errors = _refused(benefit=benefit, quota=2, family_quota=3)
    assert errors == {"family_quota": ["Family cannot take more uses than the quota."]}


def test_family_quota_on_a_benefit_that_is_not_shareable(private_benefit):
    errors = _refused(benefit=private_benefit, quota=2, family_quota=1)
    assert errors == {"family_quota": ["This benefit is not shareable with family."]}


def test_an_unlimited_cell_cannot_have_a_quota(benefit):
    errors = _refused(benefit=benefit, period=QuotaPeriod.UNLIMITED, quota=5)
    assert errors == {"quota": ["An unlimited benefit has no quota: leave it empty."]}


def test_a_limited_cell_needs_a_quota(benefit):
    errors = _refused(benefit=benefit, period=QuotaPeriod.CALENDAR_MONTH, quota=None)
    assert errors == {"quota": ["Give the number of uses per period, or choose unlimited."]}


def test_an_unknown_period_is_refused(benefit):
    errors = _refused(benefit=benefit, period="fortnight", quota=1)
    assert list(errors) == ["period"]


def test_an_unlimited_cell_may_share_with_family(benefit):
    cell = shelf_cell_set(
        tier=Tier.GOLD, benefit=benefit, period=QuotaPeriod.UNLIMITED, quota=None, family_quota=3
    )
    assert cell.quota is None and cell.family_quota == 3


@pytest.mark.parametrize(
    ("period", "quota", "family_quota"),
    [
        (QuotaPeriod.UNLIMITED, 3, 0),
        (QuotaPeriod.CALENDAR_YEAR, None, 0),
        (QuotaPeriod.CALENDAR_YEAR, 0, 0),
        (QuotaPeriod.CALENDAR_YEAR, 2, 3),
    ],
)
def test_the_database_refuses_inconsistent_cells(benefit, period, quota, family_quota):
    with pytest.raises(IntegrityError), transaction.atomic():
        ShelfCell.objects.create(
            tier=Tier.GOLD, benefit=benefit, period=period, quota=quota, family_quota=family_quota
        )


def test_one_cell_per_tier_and_benefit_in_the_database(benefit):
    shelf_cell_set(tier=Tier.GOLD, benefit=benefit, period=YEAR, quota=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        ShelfCell.objects.create(tier=Tier.GOLD, benefit=benefit, period=YEAR, quota=2)


# -- eligibility ------------------------------------------------------------------------------


def test_min_age_above_max_age_is_refused(benefit):
    with pytest.raises(ValidationError) as err:
        eligibility_set(benefit=benefit, min_age=70, max_age=60)
    assert err.value.message_dict == {"max_age": ["The maximum age is below the minimum age."]}
    assert not Eligibility.objects.exists()


def test_the_database_refuses_an_inverted_age_range(benefit):
    with pytest.raises(IntegrityError), transaction.atomic():
        Eligibility.objects.create(benefit=benefit, min_age=70, max_age=60)


def test_an_age_beyond_120_is_refused(benefit):
    with pytest.raises(ValidationError) as err:
        eligibility_set(benefit=benefit, min_age=18, max_age=150)
    assert list(err.value.message_dict) == ["max_age"]


def test_an_unknown_product_line_is_refused(benefit):
    with pytest.raises(ValidationError) as err:
        eligibility_set(benefit=benefit, requires_product_line="crypto")
    assert list(err.value.message_dict) == ["requires_product_line"]


def test_good_rules_are_stored_and_updated_in_place(benefit):
    eligibility_set(benefit=benefit, requires_product_line="long_term_life")
    rules = eligibility_set(benefit=benefit, min_age=18, max_age=18)
    assert Eligibility.objects.count() == 1
    assert (rules.requires_product_line, rules.min_age, rules.max_age) == ("", 18, 18)
