"""Production: secrets have no default, DEBUG is off, cookies and transport are secure."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import PII_ENCRYPTION_KEYS, PII_HASH_KEY, SECRET_KEY, STORAGES, env

DEBUG = False
STORAGES["staticfiles"]["BACKEND"] = "whitenoise.storage.CompressedManifestStaticFilesStorage"
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True

# Personal data is encrypted with keys from the environment: no key, no start.
if not PII_ENCRYPTION_KEYS:
    raise ImproperlyConfigured(
        "Set PII_ENCRYPTION_KEYS (comma-separated Fernet keys, the first encrypts): "
        'python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'
    )
if len(PII_HASH_KEY) < 32:
    raise ImproperlyConfigured("Set PII_HASH_KEY to a random secret of at least 32 characters.")
try:
    from cryptography.fernet import Fernet

    for _key in PII_ENCRYPTION_KEYS:
        Fernet(_key)
except ValueError:
    raise ImproperlyConfigured(
        "PII_ENCRYPTION_KEYS holds a value that is not a Fernet key (32 url-safe base64 bytes)."
    ) from None

# --- Transport (issue 14) ---------------------------------------------------------------------
# config/wsgi.py, asgi.py and celery.py load these settings when DJANGO_SETTINGS_MODULE is not
# set: without a real secret key they refuse to start (base.py has no default for it); the
# keys the dev and test settings put in the environment, and .env.example's, are public, so
# they are refused too.
_PUBLIC_SECRET_KEYS = {
    "dev-only-insecure-key-not-for-production",  # dev.py
    "test-only-insecure-key",  # test.py
    "change-me",  # .env.example
}
if SECRET_KEY in _PUBLIC_SECRET_KEYS or SECRET_KEY.startswith("django-insecure-"):
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY is a public development key: set a random secret of your own "
        "(or DJANGO_SETTINGS_MODULE=config.settings.dev for local development)."
    )

# Each web worker warms up before its first connection (config/warmup.py, from gunicorn's
# post_worker_init): imports, catalogues, connections and the hot reads, writing nothing.
BOOKSHELF_WARMUP = env.bool("BOOKSHELF_WARMUP", default=True)
