"""Personal data: validation and masking of mainland mobile numbers and resident ID numbers."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
RESIDENT_ID_RE = re.compile(r"^\d{17}[\dX]$")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def resident_id_check_digit(first17: str) -> str:
    """The GB 11643 check character for the first 17 digits of a resident ID."""
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def validate_mainland_mobile(value: str) -> None:
    if not MOBILE_RE.match(value or ""):
        raise ValidationError(
            _("Enter a mainland China mobile number: 11 digits starting with 13-19."),
            code="invalid_phone",
        )


def validate_resident_id(value: str) -> None:
    value = (value or "").upper()
    if not RESIDENT_ID_RE.match(value):
        raise ValidationError(
            _("A resident ID number has 17 digits followed by a digit or X."),
            code="invalid_id_number",
        )
    try:
        date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise ValidationError(
            _("The birth date inside the ID number is not a real date."),
            code="invalid_id_number",
        ) from None
    if resident_id_check_digit(value[:17]) != value[17]:
        raise ValidationError(
            _("The ID number's check digit is wrong: please check the number."),
            code="invalid_id_number",
        )


def mask_phone(value: str) -> str:
    """138****5678"""
    if not value:
        return ""
    if len(value) < 7:
        return "*" * len(value)
    return f"{value[:3]}****{value[-4:]}"


def mask_id_number(value: str) -> str:
    """110105********123X: region kept, birth date and sequence hidden."""
    if not value:
        return ""
    if len(value) < 10:
        return "*" * len(value)
    return f"{value[:6]}{'*' * (len(value) - 10)}{value[-4:]}"


def mask_name(value: str) -> str:
    """张** for Chinese names, J*** S**** for Latin ones."""
    if not value:
        return ""
    if all(ord(ch) > 0x2E80 for ch in value if not ch.isspace()):
        return value[0] + "*" * (len(value) - 1)
    return " ".join(part[0] + "*" * (len(part) - 1) for part in value.split())


def can_view_pii(user: Any) -> bool:
    """Only users granted the personal-data permission see phone and ID numbers unmasked."""
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and user.has_perm(settings.BOOKSHELF_PII_PERMISSION)
    )
