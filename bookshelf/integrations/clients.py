"""API clients: creation (the token is shown once), lookup by token, revocation."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

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


def api_client_for_token(token: str) -> ApiClient | None:
    # Every API request runs this: a plain lookup by the unique digest, no ORM query to build.
    found = list(ApiClient.objects.raw(_BY_DIGEST_SQL, [token_digest(token)]))
    client = found[0] if found else None
    if client is None or not client.is_usable():
        return None
    return client


def api_client_revoke(*, client: ApiClient) -> ApiClient:
    client.is_active = False
    client.revoked_at = timezone.now()
    client.save(update_fields=["is_active", "revoked_at", "updated_at"])
    return client
