"""Who may say a use was made where: the channel a caller may claim.

An API client claims only the channels it was given (`ApiClient.channels`, the app by
default); a staff session records what staff do (at the agent's desk, on the phone, at a
counter), never a use "in the app". The first channel a caller may claim is its default.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from config.exceptions import NotAllowed

from ..integrations.models import ApiClient
from .error_codes import LedgerErrorCode
from .models import Channel

STAFF_CHANNELS: tuple[str, ...] = (Channel.AGENT, Channel.PHONE, Channel.COUNTER)


def channels_claimable(*, api_client: ApiClient | None) -> tuple[str, ...]:
    """The channels this caller (an API client, or a staff session when None) may claim,
    its default first."""
    if api_client is None:
        return STAFF_CHANNELS
    return tuple(c for c in (api_client.channels or []) if c in Channel.values)


def channel_default(*, api_client: ApiClient | None) -> str:
    claimable = channels_claimable(api_client=api_client)
    return claimable[0] if claimable else Channel.APP


def channel_claim_check(
    *, channel: str, api_client: ApiClient | None, field: str = "channel"
) -> None:
    """Refuse (403 `channel_not_allowed`) a channel the caller may not claim."""
    claimable = channels_claimable(api_client=api_client)
    if channel not in claimable:
        raise NotAllowed(
            LedgerErrorCode.CHANNEL_NOT_ALLOWED,
            _("This caller may not claim the %(claimed)s channel; it may claim: %(allowed)s.")
            % {"claimed": channel, "allowed": ", ".join(claimable) or "-"},
            field=field,
        )
