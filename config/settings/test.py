"""The test suite: the same settings, pointed at DATABASE_URL / REDIS_URL when CI sets them."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-insecure-key")

from .base import *  # noqa: F403
from .base import (
    CACHES,
    PII_ENCRYPTION_KEYS,
    PII_HASH_KEY,
    REDIS_URL,
    SECRET_KEY,
    derived_dev_pii_settings,
)

# Throwaway personal-data keys unless the environment gives real ones.
if not PII_ENCRYPTION_KEYS or not PII_HASH_KEY:
    _keys, _hash_key = derived_dev_pii_settings(SECRET_KEY)
    PII_ENCRYPTION_KEYS = PII_ENCRYPTION_KEYS or _keys
    PII_HASH_KEY = PII_HASH_KEY or _hash_key

# The suite's webhook receivers listen on loopback over http (tests/security/
# test_webhook_ssrf.py empties the allow-list again to test the guard).
BOOKSHELF_WEBHOOK_ALLOW_HTTP = True
BOOKSHELF_WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.0/8", "::1/128"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Each xdist worker keeps its cache in its own Redis database, so clearing it between tests
# never touches another worker's (database 0 stays the Celery broker's).
if REDIS_URL:
    _worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
    _base = int(os.environ.get("TEST_CACHE_DB_BASE", "1"))
    _db = _base + (int(_worker) if _worker.isdigit() else 0) % 4
    _server = REDIS_URL.rsplit("/", 1)[0] if REDIS_URL.count("/") > 2 else REDIS_URL
    CACHES["default"]["LOCATION"] = f"{_server}/{_db}"
    # Each xdist worker sends its tasks to its own queue, so the embedded test worker of one
    # never runs another's task against the wrong test database.
    CELERY_TASK_DEFAULT_QUEUE = f"bookshelf-test-{_worker}"
LANGUAGE_CODE = "en"
