"""API clients: creation (the token is shown once), lookup by token, revocation."""

from __future__ import annotations

import hashlib
import secrets
import threading
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.utils import timezone
from django.utils.translation import gettext as _

from config.change_version import ChangeVersion
from config.exceptions import Conflict, DomainError

from .error_codes import IntegrationErrorCode
from .models import ApiClient, ApiScope, app_channel_only

TOKEN_PREFIX = "bks_"  # noqa: S105 - a label, not a secret


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def api_client_create(
    *,
    name: str,
    scopes: list[str] | None = None,
    expires_at: datetime | None = None,
    channels: list[str] | None = None,
    agent_id: int | None = None,
) -> tuple[ApiClient, str]:
    """Create a client and return it with its token; only the token's digest is kept.
    `channels` (validated by the caller against the ledger's channels) default to the app.
    With `agent_id`, an agent's own token: it acts as that agent, on their worklist only, so
    its one scope is `worklist` (any other is refused: it would open customers' data)."""
    default = [ApiScope.WORKLIST.value] if agent_id is not None else ApiScope.values
    scopes = list(dict.fromkeys(scopes or default))
    unknown = sorted(set(scopes) - set(ApiScope.values))
    if unknown:
        raise DomainError(
            IntegrationErrorCode.INVALID,
            _("Unknown scopes: %(scopes)s. Known: %(known)s.")
            % {"scopes": ", ".join(unknown), "known": ", ".join(ApiScope.values)},
            field="scopes",
        )
    if agent_id is not None and scopes != [ApiScope.WORKLIST.value]:
        raise DomainError(
            IntegrationErrorCode.INVALID,
            _("An agent's token has the worklist scope only."),
            field="scopes",
        )
    if ApiClient.objects.filter(name=name).exists():
        raise Conflict(
            IntegrationErrorCode.INVALID,
            _("An API client named %(name)s already exists.") % {"name": name},
            field="name",
        )
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    client = ApiClient.objects.create(
        name=name,
        token_prefix=token[:10],
        token_hash=token_digest(token),
        scopes=scopes,
        channels=list(dict.fromkeys(channels or app_channel_only())),
        expires_at=expires_at,
        agent_id=agent_id,
    )
    return client, token


_BY_DIGEST_SQL = "SELECT * FROM bookshelf_apiclient WHERE token_hash = %s"


def api_client_for_token(token: str, *, version: Any = None) -> ApiClient | None:
    """The usable client of a token. Every API request runs this. With `version` (the
    clients' version read from Redis with the request's other keys, `CLIENTS_VERSION_KEY`),
    a client this process read under the same version is used without a query: saving or
    deleting any API client (a revocation, a new scope, from any path) changes the version at
    once and after commit, so the next request anywhere reads the database again."""
    digest = token_digest(token)
    memo = _memo.get(digest)
    if version is not None and memo is not None and memo[0] == version:
        client: ApiClient | None = memo[1]
    else:
        # A plain lookup by the unique digest, no ORM query to build.
        found = list(ApiClient.objects.raw(_BY_DIGEST_SQL, [digest]))
        client = found[0] if found else None
        if client is not None and CLIENTS_VERSION.trusted(version):
            with _memo_lock:
                if len(_memo) >= MEMO_SIZE:
                    _memo.clear()
                _memo[digest] = (version, client)
    if client is None or not client.is_usable():
        return None
    return client


# -- the clients read by token, kept per process under a version in Redis --------------------
CLIENTS_VERSION = ChangeVersion("api:clients:version", "API clients")
CLIENTS_VERSION_KEY = CLIENTS_VERSION.key
MEMO_SIZE = 1024
_memo: dict[str, tuple[Any, ApiClient]] = {}
_memo_lock = threading.Lock()


PRELOAD_WINDOW = timedelta(days=1)


def api_clients_preload() -> int:
    """Keep the usable clients that called in the last day in this process's memo, under
    the clients' version read first (a fresh worker's first request from any of them then
    needs no query for its token; a change meanwhile sets a new version, so nothing stale
    is used). Reads only; returns how many were kept."""
    version = CLIENTS_VERSION.read()
    if not CLIENTS_VERSION.trusted(version):
        return 0
    now = timezone.now()
    recent = ApiClient.objects.filter(
        is_active=True, revoked_at__isnull=True, last_used_at__gte=now - PRELOAD_WINDOW
    ).order_by("-last_used_at")[:MEMO_SIZE]
    kept = {c.token_hash: (version, c) for c in recent if c.is_usable(now)}
    with _memo_lock:
        if len(_memo) + len(kept) > MEMO_SIZE:
            _memo.clear()
        _memo.update(kept)
    return len(kept)


def api_client_memoised_id(token: str) -> int | None:
    """The id of the client this process last read for a token, if any (a token's client
    never changes: a new token is a new digest)."""
    memo = _memo.get(token_digest(token))
    return memo[1].pk if memo is not None else None


def clients_version_current(value: Any) -> int | None:
    """The clients' version as read with the request's other keys (set when absent)."""
    return CLIENTS_VERSION.current(value)


def clients_changed(**_kwargs: Any) -> None:
    """An API client was saved or deleted: every process reads tokens from the database
    again (this one at once; the others at their next request)."""
    with _memo_lock:
        _memo.clear()
    CLIENTS_VERSION.changed()


post_save.connect(clients_changed, sender=ApiClient, dispatch_uid="api-clients-changed")
post_delete.connect(clients_changed, sender=ApiClient, dispatch_uid="api-clients-deleted")


def api_client_revoke(*, client: ApiClient) -> ApiClient:
    client.is_active = False
    client.revoked_at = timezone.now()
    client.save(update_fields=["is_active", "revoked_at", "updated_at"])
    return client
