"""Responses with customer data are never stored by a cache; staff sessions end when idle.

- `Cache-Control: no-store, private` (with Django's other never-cache headers) on every
  response except static files and the public API schema and docs: the API and the admin
  answer with personal data, and a shared proxy or the browser's disk must not keep it.
- A signed-in session ends after BOOKSHELF_SESSION_IDLE_SECONDS without a request, and
  BOOKSHELF_SESSION_ABSOLUTE_SECONDS after sign-in whatever the activity. The last-seen stamp
  is rewritten at most once a minute, so an active session is not saved on every request.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers
from django.utils.functional import SimpleLazyObject

# Public, and the same for everyone: may be cached.
CACHEABLE_PREFIXES = ("/api/schema/", "/api/docs/")
STARTED, SEEN = "bookshelf_session_started", "bookshelf_session_seen"
SEEN_RESOLUTION = 60  # seconds


def _cacheable(path: str) -> bool:
    static = "/" + settings.STATIC_URL.lstrip("/")
    return path.startswith((static, *CACHEABLE_PREFIXES))


class NoStoreMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not _cacheable(request.path):
            add_never_cache_headers(response)
        return response


class SessionTimeoutMiddleware:
    """After AuthenticationMiddleware: signs out a session idle or old past its limit.

    Checked when something first reads `request.user` (as Django loads the user lazily), so a
    request that never looks at it (`/healthz` with the database down) never loads the
    session either."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and hasattr(request, "session"):
            request.user = SimpleLazyObject(lambda: _checked(request, user))  # type: ignore[assignment]
        return self.get_response(request)


def _checked(request: HttpRequest, user: Any) -> Any:
    if not user.is_authenticated or not _expired(request):
        return user
    request.user = user  # logout() reads it: the real user, not this lazy object
    logout(request)  # flushes the session; the admin then asks to sign in again
    return AnonymousUser()


def _expired(request: HttpRequest) -> bool:
    session, now = request.session, int(time.time())
    started, seen = session.get(STARTED), session.get(SEEN)
    if started is None or seen is None:  # the first request of this sign-in
        session[STARTED] = session[SEEN] = now
        return False
    idle_limit = settings.BOOKSHELF_SESSION_IDLE_SECONDS
    absolute_limit = settings.BOOKSHELF_SESSION_ABSOLUTE_SECONDS
    if now - int(seen) > idle_limit or now - int(started) > absolute_limit:
        return True
    if now - int(seen) >= SEEN_RESOLUTION:
        session[SEEN] = now
    return False
