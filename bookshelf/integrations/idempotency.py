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
from django.db import IntegrityError, connection, transaction
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


TABLE = IdempotencyRecord._meta.db_table
# Hand-written: these run on every spending request, where the ORM's construction of the
# statements cost more than the database's answer.
_STORED_SQL = (
    f"SELECT fingerprint, status_code, body FROM {TABLE} "  # noqa: S608
    "WHERE client_ref = %s AND key = %s"
)
# The first request with a key inserts its record; a concurrent one with the same key waits on
# the unique index until the first commits, then inserts nothing (and replays).
_CLAIM_SQL = (
    f"INSERT INTO {TABLE} (client_ref, key, fingerprint, status_code, body, created_at) "  # noqa: S608
    "VALUES (%s, %s, %s, 0, %s, %s) ON CONFLICT (client_ref, key) DO NOTHING RETURNING id"
)
_ANSWER_SQL = f"UPDATE {TABLE} SET status_code = %s, body = %s WHERE id = %s"  # noqa: S608


def _stored(client_ref: str, key: str) -> tuple[str, int, dict[str, Any]] | None:
    with connection.cursor() as cursor:
        cursor.execute(_STORED_SQL, [client_ref, key])
        row = cursor.fetchone()
    if row is None:
        return None
    body = row[2]
    return row[0], row[1], json.loads(body) if isinstance(body, (str, bytes)) else body


def _replay(
    stored: tuple[str, int, dict[str, Any]], fingerprint: str
) -> tuple[int, dict[str, Any], bool]:
    if stored[0] != fingerprint:
        raise Unprocessable(
            IntegrationErrorCode.IDEMPOTENCY_KEY_REUSED,
            _("This Idempotency-Key was already used with a different request."),
        )
    return stored[1], stored[2], True


def _claim(client_ref: str, key: str, fingerprint: str) -> int | None:
    """The new record's id, or None when the key is already recorded."""
    with connection.cursor() as cursor:
        cursor.execute(_CLAIM_SQL, [client_ref, key, fingerprint, "{}", timezone.now()])
        row = cursor.fetchone()
    return None if row is None else int(row[0])


def idempotent_call(
    *,
    client_ref: str,
    key: str,
    fingerprint: str,
    run: Callable[[], tuple[int, dict[str, Any]]],
) -> tuple[int, dict[str, Any], bool]:
    """Run `run` once per (client, key). Returns (status, body, replayed).

    Two statements for a new key (the record, claimed first, and its answer); a replay
    finds its key claimed and then reads the stored answer (new keys are the common case: a
    look-up first cost every new use a round trip). The record is claimed in the
    transaction of the work: if `run` raises, both roll back and a retry runs again."""
    if not key:
        status, body = run()
        return status, body, False
    with transaction.atomic():
        record_id = _claim(client_ref, key, fingerprint)
        if record_id is not None:
            status, body = run()
            with connection.cursor() as cursor:
                cursor.execute(_ANSWER_SQL, [status, json.dumps(body), record_id])
            return status, body, False
    # Recorded already, by an earlier request or a concurrent one that committed first (we
    # waited for it): its answer.
    stored = _stored(client_ref, key)
    if stored is None:
        raise IntegrityError(f"idempotency record {client_ref}:{key} vanished")
    return _replay(stored, fingerprint)


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
