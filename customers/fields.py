"""A model field for personal data stored encrypted at rest.

Python code (services, admin, API, seeds) reads and writes plain text; the database only ever
holds Fernet tokens (see `customers.pii`). Tokens are random, so the column cannot be searched:
lookups other than `isnull` are refused rather than silently matching nothing. Search by the
derived columns instead (`phone_last4`, `phone_hash`, `id_number_hash`).
"""

from __future__ import annotations

import math
from typing import Any

from django.db import models

from .pii import decrypt_value, encrypt_value


def fernet_token_length(plain_bytes: int) -> int:
    """Characters of a Fernet token for a plain text of this many bytes: version, timestamp,
    IV, AES-CBC blocks and HMAC, in url-safe base64."""
    raw = 1 + 8 + 16 + 16 * (plain_bytes // 16 + 1) + 32
    return 4 * math.ceil(raw / 3)


class EncryptedCharField(models.CharField):  # type: ignore[type-arg]
    """A CharField whose `max_length` (and validation, and form) is about the plain text;
    the column is wide enough for the token of any text of that length (4 bytes a character
    at most in UTF-8)."""

    description = "Text stored encrypted (Fernet)"

    def db_type_parameters(self, connection: Any) -> Any:
        params = super().db_type_parameters(connection)
        params["max_length"] = fernet_token_length(4 * (self.max_length or 0))
        return params

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None:
            return None
        return encrypt_value(value)

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None:
            return None
        return decrypt_value(value)

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name != "isnull":
            return None  # a FieldError: "Unsupported lookup ... for EncryptedCharField"
        return super().get_lookup(lookup_name)
