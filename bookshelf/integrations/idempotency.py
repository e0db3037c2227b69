"""Idempotency-Key handling: the first response to a key is stored and replayed on retries.

The record is inserted in the same transaction as the work it guards. On PostgreSQL a
concurrent request with the same key blocks on the unique index until the first commits,
then fails to insert and replays the stored response: one side effect, identical answers.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.exceptions import DomainError, Unprocessable

from .error_codes import IntegrationErrorCode
from .models import IdempotencyRecord

MAX_KEY_LENGTH = 128


def request_fingerprint(*, method: str, path: str, body: Any) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{method}\n{path}\n{canonical}".encode()).hexdigest()


def idempotency_key_check(key: str | None) -> str:
    if key is None:
        return ""
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable() or not key.isascii():
        raise DomainError(
            IntegrationErrorCode.INVALID,
            _("An Idempotency-Key is 1 to 128 printable ASCII characters."),
            field="Idempotency-Key",
        )
    return key


def _replay(record: IdempotencyRecord, fingerprint: str) -> tuple[int, dict[str, Any], bool]:
    if record.fingerprint != fingerprint:
        raise Unprocessable(
            IntegrationErrorCode.IDEMPOTENCY_KEY_REUSED,
            _("This Idempotency-Key was already used with a different request."),
        )
    return record.status_code, record.body, True


def idempotent_call(
    *,
    client_ref: str,
    key: str,
    fingerprint: str,
    run: Callable[[], tuple[int, dict[str, Any]]],
) -> tuple[int, dict[str, Any], bool]:
    """Run `run` once per (client, key). Returns (status, body, replayed)."""
    if not key:
        status, body = run()
        return status, body, False
    existing = IdempotencyRecord.objects.filter(client_ref=client_ref, key=key).first()
    if existing is not None:
        return _replay(existing, fingerprint)
    try:
        with transaction.atomic():
            record = IdempotencyRecord.objects.create(
                client_ref=client_ref, key=key, fingerprint=fingerprint
            )
            status, body = run()
            record.status_code = status
            record.body = body
            record.save(update_fields=["status_code", "body"])
    except IntegrityError:
        existing = IdempotencyRecord.objects.filter(client_ref=client_ref, key=key).first()
        if existing is None:
            raise
        return _replay(existing, fingerprint)
    return status, body, False


def idempotency_prune(*, older_than_hours: int | None = None, batch_size: int = 5000) -> int:
    """Forget Idempotency-Key answers past the retention (never less than 24 hours), in
    batches so a large backlog never holds long locks."""
    hours = max(24, older_than_hours or settings.IDEMPOTENCY_RETENTION_HOURS)
    cutoff = timezone.now() - timedelta(hours=hours)
    removed = 0
    while True:
        ids = list(
            IdempotencyRecord.objects.filter(created_at__lt=cutoff).values_list("pk", flat=True)[
                :batch_size
            ]
        )
        if not ids:
            return removed
        removed += IdempotencyRecord.objects.filter(pk__in=ids).delete()[0]


def form_token_consume(*, client_ref: str, token: str) -> bool:
    """True the first time a one-time form token (the agent's desk) comes back: the same
    table as API Idempotency-Keys (pruned with them), so it holds with Redis down too.

    Call it inside the transaction of the work it guards, like the API's key: if the work
    fails, the token is given back with everything else; a second submission racing the
    first waits on the unique index and then finds the token spent."""
    if not token:
        return False
    try:
        with transaction.atomic():
            IdempotencyRecord.objects.create(
                client_ref=client_ref, key=token[:128], fingerprint="desk"
            )
    except IntegrityError:
        return False
    return True
