"""Who is calling: API clients with bearer tokens, or staff users with their session.

Every request is denied unless authenticated; API clients are further limited by scope, and
staff users see only the customers `customers_visible_to` gives them. An agent's own token
(an API client with `agent` set) opens the agent endpoints only (`ActsAsAgent`), never a
customer endpoint, whatever scopes it was given.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions, throttling
from rest_framework.request import Request

from config.exceptions import NotAllowed
from customers.models import Agent
from customers.selectors import agents_visible_to

from ..integrations.models import ApiClient, ApiScope
from ..integrations.selectors import (
    CLIENTS_VERSION_KEY,
    api_client_for_token,
    api_client_memoised_id,
    clients_version_current,
)
from ..reach.error_codes import ReachErrorCode
from ..shelf.selectors import SHELF_VERSION_KEY, shelf_version_hint

log = logging.getLogger(__name__)


class ClientPrincipal:
    """The `request.user` of a request made by an API client (a system, not a person)."""

    is_authenticated = True
    is_anonymous = False
    is_staff = False
    is_superuser = False
    is_active = True

    def __init__(self, client: ApiClient) -> None:
        self.client = client
        self.pk = None
        self.id = None

    def __str__(self) -> str:
        return f"api-client:{self.client.name}"

    def has_perm(self, perm: str, obj: Any = None) -> bool:
        return False


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[ClientPrincipal, ApiClient] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Send 'Authorization: Bearer <token>'."))
        try:
            token = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("The token is not valid.")) from None
        client = api_client_for_token(token, version=_round_trip(request, token))
        if client is None:
            raise exceptions.AuthenticationFailed(_("The token is unknown, revoked or expired."))
        now = timezone.now()
        if client.last_used_at is None or (now - client.last_used_at).total_seconds() > 60:
            ApiClient.objects.filter(pk=client.pk).update(last_used_at=now)
            client.last_used_at = now  # the memoised instance too: once a minute, not always
        return ClientPrincipal(client), client

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


def _round_trip(request: Request, token: str) -> Any:
    """What every bearer request needs from Redis, in one round trip: the API clients'
    version (a token read under it before needs no query), the throttle's counter (when this
    process knows the token's client and the view counts requests per client) and the shelf
    version (the benefit centre's cache). The clients' version, or None when Redis cannot
    answer (then the database answers, the throttle and the shelf ask on their own)."""
    round_trip = getattr(cache, "round_trip", None)
    if round_trip is None:  # not Redis (the embedded default): each asks on its own
        return None
    counter = None
    client_id = api_client_memoised_id(token)
    view = (request.parser_context or {}).get("view")
    if client_id is not None and ClientRateThrottle in getattr(view, "throttle_classes", ()):
        throttle = ClientRateThrottle()
        if throttle.rate is not None:
            counter = throttle.window_key(throttle.key_for(f"client:{client_id}"))
    try:
        (version, shelf_version), count = round_trip(
            [CLIENTS_VERSION_KEY, SHELF_VERSION_KEY],
            counter[0] if counter else None,
            counter[1] if counter else 0,
        )
    except Exception:
        log.warning("cache unavailable: the token is read from the database")
        return None
    if counter is not None and count is not None:
        request._client_window_count = (counter[0], count)  # type: ignore[attr-defined]
    shelf_version_hint(shelf_version)
    return clients_version_current(version)


def api_client_of(request: Request) -> ApiClient | None:
    return request.auth if isinstance(request.auth, ApiClient) else None


def caller_ref(request: Request) -> str:
    """A stable name for the caller, for idempotency keys and throttling."""
    client = api_client_of(request)
    if client is not None:
        return f"client:{client.pk}"
    return f"user:{request.user.pk}"


class HasScope(permissions.BasePermission):
    """API clients need the view's scope. Session users must be active staff holding the
    model permission the view names for the method (`staff_perms`, e.g. an agent may record a
    use but only a supervisor may cancel one): the same rule as in the admin. A method the
    view names no permission for is refused to every session user."""

    # Lazy: a class attribute is made once, at import, in whatever language was active then.
    message = gettext_lazy("This client may not do that.")

    def has_permission(self, request: Request, view: Any) -> bool:
        client = api_client_of(request)
        if client is not None:
            if client.agent_id is not None:
                # An agent's token acts as a person with a phone, not as the app's backend:
                # refused here even if someone gave it more scopes than `worklist`.
                self.message = AGENT_TOKEN_REFUSED
                return False
            scope = getattr(view, "required_scope", ApiScope.READ)
            if request.method in permissions.SAFE_METHODS:
                scope = getattr(view, "read_scope", ApiScope.READ)
            return scope in (client.scopes or [])
        user = request.user
        if not (user and user.is_authenticated and user.is_staff and user.is_active):
            return False
        method = "GET" if request.method in {"HEAD", "OPTIONS"} else request.method
        perm = getattr(view, "staff_perms", {}).get(method)
        return bool(perm and user.has_perm(perm))


AGENT_TOKEN_REFUSED = gettext_lazy("An agent's token opens only the agent's own worklist.")


def _not_an_agent(message: str) -> NotAllowed:
    return NotAllowed(ReachErrorCode.NOT_AN_AGENT, message)


class ActsAsAgent(permissions.BasePermission):
    """The agent endpoints (`/agents/me/...`): an agent's own token (scope `worklist`), or a
    staff session of a user who is an agent and holds the view's `staff_perms` for the
    method. Any other client, or staff without an agent (product staff), is a 403
    `not_an_agent`."""

    message = gettext_lazy("This client may not do that.")

    def has_permission(self, request: Request, view: Any) -> bool:
        client = api_client_of(request)
        if client is not None:
            if client.agent_id is None:
                raise _not_an_agent(_("This token is not an agent's: ask for an agent's token."))
            return ApiScope.WORKLIST in (client.scopes or [])
        user = request.user
        if not (user and user.is_authenticated and user.is_staff and user.is_active):
            return False
        method = "GET" if request.method in {"HEAD", "OPTIONS"} else request.method
        perm = getattr(view, "staff_perms", {}).get(method)
        if not (perm and user.has_perm(perm)):
            return False
        if getattr(user, "agent", None) is None:
            raise _not_an_agent(_("Only an agent has a worklist: this user is not an agent."))
        return True


def acting_agents(request: Request) -> dict[int, str]:
    """The agents whose work the caller acts for, by id with their numbers (one query): the
    token's agent; for a session, the user's own agent and, for a supervisor, their team
    (`agents_visible_to`). Only after `ActsAsAgent` let the request through."""
    client = api_client_of(request)
    if client is not None:
        if client.agent_id is None:
            return {}
        agents = Agent.objects.filter(pk=client.agent_id)
    else:
        agents = agents_visible_to(request.user)
    return dict(agents.order_by("pk").values_list("pk", "agent_no"))


class ClientRateThrottle(throttling.SimpleRateThrottle):
    """A request budget per API client or user, kept in the cache (Redis when configured).

    A counter per client and window (one INCR on Redis), not DRF's list of every request's
    time: that list is read and written whole on each request, so its cost grows with the
    rate an app backend is allowed. If the cache is down the request is let through:
    throttling must never take the API down.
    """

    scope = "client"
    duration: int
    num_requests: int

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if not request.user or not request.user.is_authenticated:
            return self.key_for(self.get_ident(request))
        return self.key_for(caller_ref(request))

    def key_for(self, ident: str) -> str:
        return self.cache_format % {"scope": self.scope, "ident": ident}

    def window_key(self, key: str) -> tuple[str, int]:
        """The counter of this window for a cache key, and how long it lives."""
        self.now = self.timer()
        window = int(self.now // self.duration)
        self.window_end = (window + 1) * self.duration
        return f"{key}:{window}", self.duration + 1

    def allow_request(self, request: Request, view: Any) -> bool:
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        counter = self.window_key(key)
        counted = getattr(request, "_client_window_count", None)
        if counted is not None and counted[0] == counter[0]:
            # Counted already, in the authentication's round trip (`_round_trip`).
            return counted[1] <= self.num_requests
        try:
            count = window_counter_incr(*counter)
        except Exception:
            return True
        return count <= self.num_requests

    def wait(self) -> float | None:
        return max(0.0, self.window_end - self.now)


def window_counter_incr(key: str, timeout: int) -> int:
    """Add one to a counter that expires with its window: one round trip on Redis."""
    cache = throttling.SimpleRateThrottle.cache
    incr = getattr(cache, "counter_incr", None)
    if incr is not None:
        return int(incr(key, timeout))
    cache.add(key, 0, timeout=timeout)
    return int(cache.incr(key))


class BearerTokenScheme(OpenApiAuthenticationExtension):
    """Documents the bearer token in the OpenAPI schema."""

    target_class = "bookshelf.api.auth.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A token from `manage.py create_api_client NAME`.",
        }
