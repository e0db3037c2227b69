"""Admin sign-in throttling: after ADMIN_LOGIN_MAX_FAILURES failed sign-ins for one username
from one address, that pair is locked out for ADMIN_LOGIN_LOCKOUT_SECONDS, correct password
or not.

Failures are counted in the shared cache (Redis when configured), so every web process sees
them. The key is a hash: neither the username nor the address is written to the cache. If the
cache is down, sign-in still works (unthrottled) rather than locking every user out.
"""

from __future__ import annotations

import hashlib
import logging
import math
from typing import Any

from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger("bookshelf.security")


class LoginThrottle:
    def __init__(self, username: str, address: str) -> None:
        raw = f"{username.strip().casefold()}|{address}".encode()
        self.key = f"admin-login-failures:{hashlib.sha256(raw).hexdigest()}"
        self.limit: int = settings.ADMIN_LOGIN_MAX_FAILURES
        self.seconds: int = settings.ADMIN_LOGIN_LOCKOUT_SECONDS

    def locked(self) -> bool:
        try:
            return int(cache.get(self.key) or 0) >= self.limit
        except Exception:
            logger.warning("sign-in throttle unavailable (cache down): not throttling")
            return False

    def failed(self) -> None:
        """Count a failure; the count (and so a lock) lasts `seconds` after the last one."""
        try:
            cache.add(self.key, 0, timeout=self.seconds)
            try:
                count = cache.incr(self.key)
            except ValueError:  # expired between add and incr
                cache.set(self.key, 1, timeout=self.seconds)
                count = 1
            cache.touch(self.key, timeout=self.seconds)
        except Exception:
            logger.warning("sign-in throttle unavailable (cache down): failure not counted")
            return
        if count == self.limit:
            logger.warning("admin sign-in locked after %d failures", count)

    def reset(self) -> None:
        try:
            cache.delete(self.key)
        except Exception:
            logger.warning("sign-in throttle unavailable (cache down): not reset")


class ThrottledAdminAuthenticationForm(AdminAuthenticationForm):
    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "locked": _(
            "Too many failed sign-ins for this account from your address. It is locked for "
            "%(minutes)d minutes: try again later, or ask an administrator."
        ),
    }

    def clean(self) -> dict[str, Any]:
        address = self.request.META.get("REMOTE_ADDR", "") if self.request else ""
        throttle = LoginThrottle(self.cleaned_data.get("username") or "", address)
        if throttle.locked():
            raise ValidationError(
                self.error_messages["locked"],
                code="locked",
                params={"minutes": math.ceil(throttle.seconds / 60)},
            )
        try:
            cleaned: dict[str, Any] = super().clean()
        except ValidationError:
            throttle.failed()
            raise
        throttle.reset()
        return cleaned
