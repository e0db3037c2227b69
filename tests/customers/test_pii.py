"""Personal data: the validators accept real-looking numbers, masking hides what it should, and
only users holding the permission may see numbers unmasked."""

import pytest
from django.contrib.auth.models import AnonymousUser, Permission
from django.core.exceptions import ValidationError

from customers.pii import (
    can_view_pii,
    mask_id_number,
    mask_name,
    mask_phone,
    resident_id_check_digit,
    validate_mainland_mobile,
    validate_resident_id,
)
from tests.factories import UserFactory


def test_mask_phone_keeps_prefix_and_last_four():
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("19900001111") == "199****1111"
    assert mask_phone("") == ""
    assert mask_phone("12345") == "*****"  # too short to show anything


def test_mask_id_number_keeps_region_and_last_four_only():
    masked = mask_id_number("11010519491231002X")
    assert masked == "110105********002X"
    assert len(masked) == 18
    assert "19491231" not in masked  # the birth date is hidden
    assert mask_id_number("") == ""
    assert mask_id_number("123456789") == "*********"


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张三", "张*"),
        ("王小明", "王**"),
        ("欧阳娜娜", "欧***"),
        ("John Smith", "J*** S****"),
        ("Li", "L*"),
        ("", ""),
    ],
)
def test_mask_name_for_chinese_and_latin_names(name, masked):
    assert mask_name(name) == masked


@pytest.mark.parametrize(
    "id_number",
    [
        "11010519491231002X",
        "11010519491231002x",
        "440305199003070014",
        "310104200002290014",  # 29 February of a leap year is a real birth date
    ],
)
def test_real_looking_resident_ids_pass(id_number):
    first17 = id_number[:17]
    assert resident_id_check_digit(first17) == id_number[17].upper()
    validate_resident_id(id_number)


def test_29_february_of_a_common_year_is_not_a_birth_date():
    first17 = "31010420010229001"
    with pytest.raises(ValidationError) as err:
        validate_resident_id(first17 + resident_id_check_digit(first17))
    assert err.value.code == "invalid_id_number"
    assert "not a real date" in err.value.messages[0]


def test_check_digit_error_has_its_own_message():
    with pytest.raises(ValidationError) as err:
        validate_resident_id("110105194912310021")
    assert err.value.messages == ["The ID number's check digit is wrong: please check the number."]


@pytest.mark.parametrize("phone", ["13800138000", "15012345678", "17712345678", "18912345678"])
def test_real_looking_mobiles_pass(phone):
    validate_mainland_mobile(phone)


@pytest.mark.parametrize("phone", ["02112345678", "11012345678", "+85291234567", "1380013800a"])
def test_non_mainland_mobiles_fail(phone):
    with pytest.raises(ValidationError) as err:
        validate_mainland_mobile(phone)
    assert err.value.code == "invalid_phone"


@pytest.mark.django_db
def test_can_view_pii_follows_the_permission():
    plain = UserFactory(username="plain-staff")
    allowed = UserFactory(username="pii-staff")
    allowed.user_permissions.add(Permission.objects.get(codename="view_customer_pii"))
    allowed = type(allowed).objects.get(pk=allowed.pk)  # drop the permission cache
    superuser = UserFactory(username="root", is_superuser=True)

    assert can_view_pii(allowed) is True
    assert can_view_pii(superuser) is True
    assert can_view_pii(plain) is False
    assert can_view_pii(AnonymousUser()) is False
    assert can_view_pii(None) is False


@pytest.mark.django_db
def test_an_inactive_user_with_the_permission_sees_masked_data():
    user = UserFactory(username="left-the-company", is_active=False)
    user.user_permissions.add(Permission.objects.get(codename="view_customer_pii"))
    user = type(user).objects.get(pk=user.pk)
    assert can_view_pii(user) is False
