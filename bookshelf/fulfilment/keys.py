"""Supplier callback keys: a public key id and a secret, and the check of a signed callback.

A supplier signs each callback as our outbound webhooks are signed: header
`X-Bookshelf-Signature: t=<unix time>,v1=<hex>` where hex is HMAC-SHA256(secret,
f"{t}." + raw body), and names the key in `X-Bookshelf-Key`. A timestamp more than
`BOOKSHELF_SUPPLIER_SIGNATURE_TOLERANCE` seconds away from our clock (either way) is refused,
so a captured request cannot be replayed later. Rotating makes a new key and lets the older
ones work for an overlap, so the supplier can switch without a gap. Secrets are stored
encrypted (the personal-data keys) and shown once, when made.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from config.exceptions import DomainError, NotAllowed
from customers.pii import decrypt_value, encrypt_value

from .error_codes import FulfilmentErrorCode
from .models import Supplier, SupplierKey

KEY_ID_PREFIX = "sk_"
# One signature header is short; a longer one is refused before any parsing work.
HEADER_MAX_LENGTH = 600
DEFAULT_OVERLAP_HOURS = 24


def _unauthorised(code: FulfilmentErrorCode, message: str) -> DomainError:
    return DomainError(code, message, status_code=401)


def supplier_key_create(*, supplier: Supplier) -> tuple[SupplierKey, str]:
    """A new key for the supplier: its row and the plain secret, which is never shown again."""
    secret = secrets.token_urlsafe(32)
    key = SupplierKey.objects.create(
        supplier=supplier,
        key_id=KEY_ID_PREFIX + secrets.token_urlsafe(12),
        secret_encrypted=encrypt_value(secret),
    )
    return key, secret


@transaction.atomic
def supplier_key_rotate(
    *, supplier: Supplier, overlap_hours: int = DEFAULT_OVERLAP_HOURS
) -> tuple[SupplierKey, str]:
    """A new key; the supplier's older keys stop working `overlap_hours` from now (or
    sooner, if they were to expire sooner already). Returns the new key and its secret."""
    now = timezone.now()
    ends = now + timedelta(hours=max(0, overlap_hours))
    SupplierKey.objects.filter(supplier=supplier).filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=ends)
    ).update(expires_at=ends)
    return supplier_key_create(supplier=supplier)


def supplier_sign(secret: str, timestamp: int, body: bytes) -> str:
    """The `X-Bookshelf-Signature` value for a body (what a supplier computes)."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def _parsed(header: str) -> tuple[int, list[str]] | None:
    """(timestamp, v1 signatures) of a header, or None when it is malformed."""
    if not header or len(header) > HEADER_MAX_LENGTH or not header.isascii():
        return None
    fields = [part.strip().split("=", 1) for part in header.split(",") if "=" in part]
    stamps = [value for name, value in fields if name == "t"]
    signatures = [value for name, value in fields if name == "v1"]
    if len(stamps) != 1 or not stamps[0].isdigit() or len(stamps[0]) > 12 or not signatures:
        return None
    return int(stamps[0]), signatures


def _key_valid(*, supplier: Supplier, key_id: str, now: datetime) -> SupplierKey | None:
    """The supplier's own key with this id, if it has not expired."""
    if not key_id or len(key_id) > 40 or not key_id.isascii():
        return None
    key = SupplierKey.objects.filter(supplier=supplier, key_id=key_id).first()
    if key is None or (key.expires_at is not None and key.expires_at <= now):
        return None
    return key


def supplier_signature_verify(
    *, supplier: Supplier, key_id: str, header: str, body: bytes, now: datetime | None = None
) -> SupplierKey:
    """The key a callback was signed with, if the signature is right and fresh.

    Raises 401 `signature_invalid` (no such key for this supplier, an expired key, a
    malformed header, a wrong signature) or 401 `signature_expired` (a right signature with a
    timestamp outside the window: a replay or a clock far off), and 403 `supplier_inactive`
    for a correctly signed call of a supplier that was switched off."""
    now = now or timezone.now()
    key = _key_valid(supplier=supplier, key_id=key_id, now=now)
    parsed = _parsed(header)
    if key is None or parsed is None:
        raise _unauthorised(
            FulfilmentErrorCode.SIGNATURE_INVALID,
            _("The signature or the key id is not valid."),
        )
    timestamp, signatures = parsed
    expected = supplier_sign(decrypt_value(key.secret_encrypted), timestamp, body)
    expected_hex = expected.rsplit("=", 1)[1]
    # Every candidate is compared, in constant time, so timing says nothing about which.
    matched = [hmac.compare_digest(expected_hex, candidate) for candidate in signatures]
    if not any(matched):
        raise _unauthorised(
            FulfilmentErrorCode.SIGNATURE_INVALID,
            _("The signature or the key id is not valid."),
        )
    tolerance = settings.BOOKSHELF_SUPPLIER_SIGNATURE_TOLERANCE
    if abs(now.timestamp() - timestamp) > tolerance:
        raise _unauthorised(
            FulfilmentErrorCode.SIGNATURE_EXPIRED,
            _("The signature's time is more than %(seconds)s seconds from ours.")
            % {"seconds": tolerance},
        )
    if not supplier.active:
        raise NotAllowed(
            FulfilmentErrorCode.SUPPLIER_INACTIVE,
            _("This supplier is not active: its callbacks are not accepted."),
        )
    return key


def supplier_signed_in(
    *, code: str, key_id: str, header: str, body: bytes, now: datetime | None = None
) -> SupplierKey:
    """The key of a signed callback to the supplier with this code (its `supplier` loaded).
    An unknown code answers like a bad signature, so codes cannot be probed."""
    supplier = Supplier.objects.filter(code=code).first() if len(code) <= 40 else None
    if supplier is None:
        raise _unauthorised(
            FulfilmentErrorCode.SIGNATURE_INVALID,
            _("The signature or the key id is not valid."),
        )
    key = supplier_signature_verify(
        supplier=supplier, key_id=key_id, header=header, body=body, now=now
    )
    key.supplier = supplier
    return key
