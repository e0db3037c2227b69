"""Local development: the embedded default, DEBUG on unless the environment says otherwise."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "dev-only-insecure-key-not-for-production")
os.environ.setdefault("DJANGO_DEBUG", "true")
os.environ.setdefault("LOG_FORMAT", "plain")

from .base import *  # noqa: F403
from .base import PII_ENCRYPTION_KEYS, PII_HASH_KEY, SECRET_KEY, derived_dev_pii_settings

# Throwaway personal-data keys unless the environment gives real ones (never in production:
# production.py refuses to start without them).
if not PII_ENCRYPTION_KEYS or not PII_HASH_KEY:
    _keys, _hash_key = derived_dev_pii_settings(SECRET_KEY)
    PII_ENCRYPTION_KEYS = PII_ENCRYPTION_KEYS or _keys
    PII_HASH_KEY = PII_HASH_KEY or _hash_key
