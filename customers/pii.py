"""Personal data: validation, masking and encryption at rest of mainland mobile numbers and
resident ID numbers.

Phone and ID numbers are stored as Fernet tokens (AES-128-CBC + HMAC-SHA256) made with the
first key of `PII_ENCRYPTION_KEYS`; every key in the list decrypts, so keys rotate: put the
new key first, restart, run `manage.py rotate_pii_key`, then drop the old key. Exact lookups
go through a keyed hash (HMAC-SHA256 with `PII_HASH_KEY`) kept in its own column, and the
last four digits of the phone are kept apart for the agent's search.

`encrypt_value` and `pii_hash` are plain functions so that code writing customers without the
ORM (PostgreSQL COPY) stores exactly what the model field would.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
from datetime import date
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
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


# --- Encryption at rest -------------------------------------------------------------------


class PiiKeyError(RuntimeError):
    """A stored value could not be decrypted with any configured key."""


def _encryption_keys() -> tuple[str, ...]:
    keys = tuple(k.strip() for k in settings.PII_ENCRYPTION_KEYS if k.strip())
    if not keys:
        raise ImproperlyConfigured(
            "PII_ENCRYPTION_KEYS is empty: set it to one or more Fernet keys, comma-separated "
            "(the first encrypts, all decrypt)."
        )
    return keys


@functools.lru_cache(maxsize=8)
def _fernets(keys: tuple[str, ...]) -> tuple[MultiFernet, Fernet]:
    try:
        each = [Fernet(key) for key in keys]
    except (ValueError, TypeError):
        # Never echo the key itself.
        raise ImproperlyConfigured(
            "PII_ENCRYPTION_KEYS holds a value that is not a Fernet key (32 url-safe "
            "base64-encoded bytes; make one with `Fernet.generate_key()`)."
        ) from None
    return MultiFernet(each), each[0]


def encrypt_value(text: str) -> str:
    """The stored form of a phone or ID number: a Fernet token made with the first key.
    An empty value stays empty."""
    if not text:
        return ""
    multi, _first = _fernets(_encryption_keys())
    return multi.encrypt(str(text).encode()).decode("ascii")


def decrypt_value(token: str) -> str:
    """The plain text of a stored token, with whichever configured key made it."""
    if not token:
        return ""
    multi, _first = _fernets(_encryption_keys())
    try:
        return multi.decrypt(token.encode("ascii")).decode()
    except (InvalidToken, UnicodeEncodeError):
        raise PiiKeyError(
            "A stored personal field could not be decrypted with any key in "
            "PII_ENCRYPTION_KEYS: was a key removed before `manage.py rotate_pii_key` ran?"
        ) from None


def token_uses_current_key(token: str) -> bool:
    """Whether a stored token was made with the first (current) key."""
    if not token:
        return True
    _multi, first = _fernets(_encryption_keys())
    try:
        first.decrypt(token.encode("ascii"))
    except (InvalidToken, UnicodeEncodeError):
        return False
    return True


def looks_encrypted(value: str) -> bool:
    """Fernet tokens start with the version byte and a 64-bit timestamp: `gAAAAA`. A phone or
    ID number never does."""
    return value.startswith("gAAAAA")


def _hash_key() -> bytes:
    key: str = settings.PII_HASH_KEY
    if not key:
        raise ImproperlyConfigured("PII_HASH_KEY is empty: set it to a long random secret.")
    return key.encode()


def pii_hash(text: str) -> str:
    """A keyed hash for exact lookups of a full phone or ID number (ID letters upper-cased).
    Without the key the hash cannot be reversed by trying every phone number."""
    if not text:
        return ""
    normalised = str(text).strip().upper().encode()
    return hmac.new(_hash_key(), normalised, hashlib.sha256).hexdigest()


def pii_columns(*, phone: str, id_number: str) -> dict[str, str]:
    """Every stored column of a customer's phone and ID number, exactly as the model writes
    them: for code that loads customers without the ORM (PostgreSQL COPY)."""
    id_number = (id_number or "").upper()
    return {
        "phone": encrypt_value(phone),
        "phone_last4": (phone or "")[-4:],
        "phone_hash": pii_hash(phone),
        "id_number": encrypt_value(id_number),
        "id_number_hash": pii_hash(id_number),
    }
