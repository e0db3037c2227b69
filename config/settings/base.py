"""Settings shared by every environment, read from the environment through one `env` object.

The embedded default (no DATABASE_URL, no REDIS_URL) is SQLite, a local-memory cache and
Celery tasks run eagerly, so a new user sees the whole product with no server installed.
"""

import ipaddress
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from config.pooling import POOLED_CONN_MAX_AGE, TRANSACTION, pooling_mode, transaction_pooling

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])

INSTALLED_APPS = [
    # Before the admin: its admin classes and widgets show both languages side by side.
    "modeltranslation",
    "config.admin_site.BookshelfAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_prometheus",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "import_export",
    "simple_history",
    "customers",
    "benefits",
    "bookshelf",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "config.requestid.RequestIdMiddleware",
    # The reader's language, decided before anything can answer (the guard's 413/400/503):
    # Accept-Language alone for the API (never the admin's language cookie), Django's rule for
    # pages; the API says which in Content-Language (config/language.py).
    "config.language.LanguageMiddleware",
    "config.middleware.ServiceGuardMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

# Databases: DATABASE_URL (postgres://...) or the embedded SQLite file.
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=0)
IS_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")
# DATABASE_POOLING=transaction: DATABASE_URL is pgbouncer in transaction mode (config/pooling.py).
DATABASE_POOLING = pooling_mode(env("DATABASE_POOLING", default=""))
if DATABASE_POOLING == TRANSACTION:
    DATABASES["default"] = transaction_pooling(
        DATABASES["default"],
        conn_max_age=env.int("DATABASE_CONN_MAX_AGE", default=POOLED_CONN_MAX_AGE),
    )
# Streaming replicas (config/replicas.py): DATABASE_REPLICA_URLS, comma-separated, any number,
# become replica_0, replica_1...; reads that may be slightly stale go there (the router), every
# write and every read that decides one to the primary. Under test they mirror the primary's
# test database (the replica replays it).
for _i, _url in enumerate(env.list("DATABASE_REPLICA_URLS", default=[])):
    _replica = env.db_url_config(_url)
    _replica["ATOMIC_REQUESTS"] = False
    _replica["CONN_MAX_AGE"] = DATABASES["default"]["CONN_MAX_AGE"]
    # A dead or unreachable replica is noticed within seconds (connect, then keepalives and
    # TCP_USER_TIMEOUT on a connection kept open), never after the kernel's minutes.
    _replica["OPTIONS"] = {
        "connect_timeout": 2,
        "keepalives": 1,
        "keepalives_idle": 5,
        "keepalives_interval": 2,
        "keepalives_count": 2,
        "tcp_user_timeout": 5000,
        **_replica.get("OPTIONS", {}),
    }
    _replica["TEST"] = {"MIRROR": "default"}
    if DATABASE_POOLING == TRANSACTION:  # a replica behind its own pgbouncer
        _replica = transaction_pooling(_replica, conn_max_age=_replica["CONN_MAX_AGE"])
    DATABASES[f"replica_{_i}"] = _replica
DATABASE_ROUTERS = ["config.replicas.ReplicaRouter"]
# A replica lagging more than this is skipped (its reads go to the primary).
DATABASE_REPLICA_MAX_LAG_SECONDS = env.float("DATABASE_REPLICA_MAX_LAG_SECONDS", default=5.0)
# How often each process checks its replicas' lag, and retries one that failed.
DATABASE_REPLICA_CHECK_SECONDS = env.float("DATABASE_REPLICA_CHECK_SECONDS", default=1.0)
DATABASE_REPLICA_RETRY_SECONDS = env.float("DATABASE_REPLICA_RETRY_SECONDS", default=10.0)
# Read-your-writes: after a customer's own write, their reads wait for a replica to replay it
# (WAL positions compared) for this long; keep it above the lag limit.
READ_YOUR_WRITES_SECONDS = env.int("READ_YOUR_WRITES_SECONDS", default=60)
if READ_YOUR_WRITES_SECONDS <= DATABASE_REPLICA_MAX_LAG_SECONDS + DATABASE_REPLICA_CHECK_SECONDS:
    raise ImproperlyConfigured(
        "READ_YOUR_WRITES_SECONDS must exceed DATABASE_REPLICA_MAX_LAG_SECONDS plus "
        "DATABASE_REPLICA_CHECK_SECONDS, or a customer could read a replica without their write."
    )
if len(DATABASES) > 1 and not env("REDIS_URL", default=""):
    raise ImproperlyConfigured(
        "DATABASE_REPLICA_URLS needs REDIS_URL: read-your-writes marks are shared by every "
        "process through Redis (a process's own memory would not see another's writes)."
    )
# The weekly review's GROUP BYs and the recommendation evaluation read from a replica.
BOOKSHELF_ANALYTICS_ON_REPLICA = env.bool("BOOKSHELF_ANALYTICS_ON_REPLICA", default=False)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis: broker and cache when configured; otherwise local memory and eager tasks.
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "config.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", default="bookshelf"),
            "TIMEOUT": 3600,
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "bookshelf",
        }
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Languages: English and Simplified Chinese ship together; the browser picks.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Catalogue texts in both languages as columns of the same row (`name_en`, `name_zh_hans`):
# one table, so raw SQL and the COPY loaders need no join. A text missing in the reader's
# language falls back to the other one (the same rule as `benefits.text.chooser`).
MODELTRANSLATION_LANGUAGES = ("en", "zh-hans")
MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
MODELTRANSLATION_FALLBACK_LANGUAGES = {"default": ("en",), "en": ("zh-hans",), "zh-hans": ("en",)}

TIME_ZONE = env("TIME_ZONE", default="Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env(
            "STATICFILES_BACKEND",
            default="django.contrib.staticfiles.storage.StaticFilesStorage",
        )
    },
}

# Prometheus scrapes /metrics with `Authorization: Bearer $METRICS_TOKEN` (or a staff login).
METRICS_TOKEN = env("METRICS_TOKEN", default="")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "bookshelf.api.auth.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "bookshelf.api.common.BoundedPagination",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["config.parsers.BoundedJSONParser"],
    "DEFAULT_THROTTLE_CLASSES": ["bookshelf.api.auth.ClientRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"client": env("API_THROTTLE_RATE", default="1200/min")},
    "EXCEPTION_HANDLER": "config.exceptions.api_exception_handler",
    "PAGE_SIZE": 50,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Benefits Bookshelf API",
    "DESCRIPTION": (
        "The unified entry to every service benefit a customer holds. Authenticate with "
        "`Authorization: Bearer <token>` (tokens from `manage.py create_api_client`), or a "
        "staff session. Every error answers `{code, message, fields}`. Every answer is in the "
        "language of `Accept-Language` (English by default, Simplified Chinese for any `zh`) "
        "and says which in `Content-Language`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    # Swagger UI's files ship with the sidecar package: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Every operation documents the errors any request can meet (config/openapi.py).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.openapi.error_responses",
        # Response fields required, the headers sent declared (bookshelf/api/schema.py).
        "bookshelf.api.schema.contract_complete",
    ],
    "ENUM_NAME_OVERRIDES": {
        "BenefitStatusEnum": "benefits.models.BenefitStatus",
        "RedemptionStatusEnum": "bookshelf.models.RedemptionStatus",
        "RedemptionSourceEnum": "bookshelf.models.Source",
        "DemandSourceEnum": ["customer", "agent"],
        # Two choice sets are called "channel": the redemption's keeps its name.
        "ChannelEnum": "bookshelf.ledger.models.Channel",
        "ConsentChannelEnum": "customers.models.ConsentChannel",
        "ConsentPurposeEnum": "customers.models.ConsentPurpose",
        "ErrorCodeEnum": "bookshelf.api.error_codes.ERROR_CODE_CHOICES",
        "EventKindEnum": "bookshelf.reach.models.EventKind",
        "FulfilmentStateEnum": "bookshelf.models.FulfilmentState",
    },
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024  # 1 MiB: larger bodies are refused

# Celery: the broker and result backend come from REDIS_URL; without it, tasks run eagerly.
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# The schedule lives in the database, edited in the admin (Periodic tasks); a data migration
# seeds the defaults. Only the beat holding the Redis beat lock sends it (config/beat.py): a
# second beat stays idle as a standby.
CELERY_BEAT_SCHEDULER = "config.beat:SingleBeatScheduler"
# The shelf review fans out in chunks of this many benefits, one task each.
BOOKSHELF_REVIEW_CHUNK = env.int("BOOKSHELF_REVIEW_CHUNK", default=100)
# Seconds a review worker rests after each chunk, to spare a busy database (0: none).
BOOKSHELF_REVIEW_CHUNK_PAUSE = env.float("BOOKSHELF_REVIEW_CHUNK_PAUSE", default=0.0)
# How long Idempotency-Key answers are kept before the nightly prune (at least 24 hours).
IDEMPOTENCY_RETENTION_HOURS = max(24, env.int("IDEMPOTENCY_RETENTION_HOURS", default=48))

# Bulk import/export of the catalog and the shelf (django-import-export). The uploaded file
# waits between the dry run and the confirmation in the cache, not on one machine's disk.
IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = False
IMPORT_EXPORT_TMP_STORAGE_CLASS = "import_export.tmp_storages.CacheStorage"
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "add"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"
# Off on purpose: every resource escapes formulae itself (config.spreadsheets), for = + - @,
# tab and CR; the library's switch strips only "=" and turns numbers and None into text.
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = False
# A history record's Revert would save an old copy past the services (a benefit's status
# without its lifecycle row and event): the button is hidden and the POST refused
# (config.history_admin.HistoryAdmin).
SIMPLE_HISTORY_REVERT_DISABLED = True

# Pushes to customers: the dotted path of the sender the delivery task calls. The default
# writes the delivery to the database outbox and the log; a real SMS or app-message gateway
# plugs in here.
BOOKSHELF_PUSH_SENDER = env(
    "BOOKSHELF_PUSH_SENDER", default="bookshelf.reach.pushes.DatabaseLogSender"
)
# The outbox lease (pushes and webhook deliveries): a claimed row not sent within this many
# seconds (its worker died) is claimed and sent again. Keep it longer than the longest send:
# a webhook times out after 30 s at most, and a push sender must time out sooner too.
BOOKSHELF_OUTBOX_LEASE_SECONDS = env.int("BOOKSHELF_OUTBOX_LEASE_SECONDS", default=60)
# The agent who recorded a use may cancel it themselves (a mis-click) for this many minutes,
# with a reason; after that it takes a supervisor (bookshelf.ledger.cancellation).
BOOKSHELF_SELF_CANCEL_MINUTES = env.int("BOOKSHELF_SELF_CANCEL_MINUTES", default=30)
# A booked request is cancelled or rebooked (by an agent, or the customer in the app) no
# later than this many hours before its appointment, and a new appointment is at least this
# far ahead: the supplier's notice (bookshelf.fulfilment.rebooking; supervisors are exempt).
BOOKSHELF_REBOOK_CUTOFF_HOURS = env.int("BOOKSHELF_REBOOK_CUTOFF_HOURS", default=2)
# A benefit pushed to a customer is not pushed to them again, by any agent on any channel,
# for this many seconds (bookshelf.reach.pushes). A day: a second message about the same
# benefit the same day is noise to the customer (and marketing under PIPL), while an agent
# who meets the customer again tomorrow may still remind them.
BOOKSHELF_PUSH_DUPLICATE_WINDOW_SECONDS = env.int(
    "BOOKSHELF_PUSH_DUPLICATE_WINDOW_SECONDS", default=24 * 60 * 60
)
# Survey invitations (bookshelf.reach.invitations): whether a fulfilled use is sampled is a
# keyed hash of its redemption id with this seed, so a sweep run again never re-rolls it (not
# a secret: knowing it only tells who would be asked). The link in the message is this URL
# with the signed single-use token in it; the app or the H5 page posts the answer to
# /api/v1/surveys/{token}, which takes no login and is throttled per client address (a
# carrier's NAT puts many customers behind one address: keep the rate generous).
BOOKSHELF_SURVEY_SAMPLE_SEED = env("BOOKSHELF_SURVEY_SAMPLE_SEED", default="bookshelf-survey-1")
BOOKSHELF_SURVEY_URL = env(
    "BOOKSHELF_SURVEY_URL", default="https://m.example-insurer.cn/survey/{token}"
)
BOOKSHELF_SURVEY_THROTTLE_RATE = env("BOOKSHELF_SURVEY_THROTTLE_RATE", default="120/min")

# Outbound webhooks (bookshelf/integrations/webhook_http.py): https only unless
# BOOKSHELF_WEBHOOK_ALLOW_HTTP (development); a subscriber's host must resolve to public
# addresses only (no loopback, private, link-local, metadata...) on one of
# BOOKSHELF_WEBHOOK_PORTS (and 80, 8080 when http is allowed), checked when subscribing and
# at each send. Networks in BOOKSHELF_WEBHOOK_ALLOWED_NETWORKS (CIDRs, comma-separated;
# empty by default) are exempt, any port: for a receiver inside on purpose. Answers are read up to
# BOOKSHELF_WEBHOOK_MAX_RESPONSE_BYTES; BOOKSHELF_WEBHOOK_CA_BUNDLE (a PEM file) replaces the
# system's CAs for https receivers.
BOOKSHELF_WEBHOOK_ALLOW_HTTP = env.bool("BOOKSHELF_WEBHOOK_ALLOW_HTTP", default=False)
BOOKSHELF_WEBHOOK_ALLOWED_NETWORKS = env.list("BOOKSHELF_WEBHOOK_ALLOWED_NETWORKS", default=[])
BOOKSHELF_WEBHOOK_PORTS = env.list("BOOKSHELF_WEBHOOK_PORTS", cast=int, default=[443, 8443])
BOOKSHELF_WEBHOOK_MAX_RESPONSE_BYTES = env.int(
    "BOOKSHELF_WEBHOOK_MAX_RESPONSE_BYTES", default=64 * 1024
)
BOOKSHELF_WEBHOOK_CA_BUNDLE = env("BOOKSHELF_WEBHOOK_CA_BUNDLE", default="")

# Supplier callbacks (bookshelf/fulfilment/keys.py): a signature's timestamp may be this many
# seconds old or ahead of our clock, no more; an older one is refused as a replay.
BOOKSHELF_SUPPLIER_SIGNATURE_TOLERANCE = env.int(
    "BOOKSHELF_SUPPLIER_SIGNATURE_TOLERANCE", default=300
)


def _networks_checked(name: str, cidrs: list[str]) -> list[str]:
    """A malformed network in a setting refuses to start, rather than a 500 on first use."""
    for cidr in cidrs:
        try:
            ipaddress.ip_network(cidr.strip(), strict=False)
        except ValueError as error:
            raise ImproperlyConfigured(f"{name}: {error}") from None
    return cidrs


_networks_checked("BOOKSHELF_WEBHOOK_ALLOWED_NETWORKS", BOOKSHELF_WEBHOOK_ALLOWED_NETWORKS)

# Who may see unmasked personal data (phone, ID number): users with this permission.
BOOKSHELF_PII_PERMISSION = "customers.view_customer_pii"
# Phone and ID numbers are stored encrypted (customers.pii). PII_ENCRYPTION_KEYS: Fernet keys,
# comma-separated; the first encrypts, all decrypt (rotate: new key first, then
# `manage.py rotate_pii_key`). PII_HASH_KEY keys the lookup hashes of full numbers. Production
# refuses to start without them; dev and test derive throwaway keys from the secret key.
PII_ENCRYPTION_KEYS = env.list("PII_ENCRYPTION_KEYS", default=[])
PII_HASH_KEY = env("PII_HASH_KEY", default="")


def derived_dev_pii_settings(secret_key: str) -> tuple[list[str], str]:
    """Keys for development and tests only, derived from the (insecure) secret key."""
    import base64
    import hashlib

    fernet = hashlib.sha256(f"bookshelf-dev-pii-encryption:{secret_key}".encode()).digest()
    hashing = hashlib.sha256(f"bookshelf-dev-pii-hash:{secret_key}".encode()).hexdigest()
    return [base64.urlsafe_b64encode(fernet).decode()], hashing


# API tokens made by `manage.py create_api_client` expire after this many days by default.
API_CLIENT_TOKEN_DAYS = env.int("API_CLIENT_TOKEN_DAYS", default=365)

# The admin sign-in: this many failures for one username from one address lock that pair out
# for ADMIN_LOGIN_LOCKOUT_SECONDS (counted in the cache; if the cache is down, sign-in works).
ADMIN_LOGIN_MAX_FAILURES = env.int("ADMIN_LOGIN_MAX_FAILURES", default=5)
ADMIN_LOGIN_LOCKOUT_SECONDS = env.int("ADMIN_LOGIN_LOCKOUT_SECONDS", default=15 * 60)

LOG_FORMAT = env("LOG_FORMAT", default="json")  # json | plain
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"pii": {"()": "config.logs.PiiScrubFilter"}},
    "formatters": {
        "json": {"()": "config.logs.JsonFormatter"},
        "plain": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["pii"],
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Celery's own loggers go through the same handler (no PII, request ids).
        "celery": {"level": env("LOG_LEVEL", default="INFO")},
    },
}
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# --- Transport: client address, logs, caching, CSP, session limits (issue 14) ---------------
# The client's address behind a proxy (config/client_address.py): X-Forwarded-For is believed
# only from these networks (CIDRs, comma-separated; default none: REMOTE_ADDR is the client).
BOOKSHELF_TRUSTED_PROXIES = env.list("BOOKSHELF_TRUSTED_PROXIES", default=[])
_networks_checked("BOOKSHELF_TRUSTED_PROXIES", BOOKSHELF_TRUSTED_PROXIES)
BOOKSHELF_CLIENT_ADDRESS_HEADER = "HTTP_X_FORWARDED_FOR"
MIDDLEWARE.insert(0, "config.client_address.ClientAddressMiddleware")
# DRF's throttles read REMOTE_ADDR (set above) and never X-Forwarded-For themselves.
REST_FRAMEWORK["NUM_PROXIES"] = 0

# Every logger's records reach a handler with the personal-data filter: Django's own
# `django` logger keeps its default handlers (a DEBUG console and mail_admins, both unfiltered)
# unless it is named here, and runserver's `django.server` logger has its own handler.
LOGGING["loggers"].update(  # type: ignore[attr-defined]
    {
        "django": {"level": "INFO", "handlers": [], "propagate": True},
        "django.server": {"level": "INFO", "handlers": [], "propagate": True},
        "py.warnings": {"handlers": [], "propagate": True},
    }
)

# No cache keeps a response with customer data (config/security_headers.py); staff sessions
# end after BOOKSHELF_SESSION_IDLE_SECONDS idle and BOOKSHELF_SESSION_ABSOLUTE_SECONDS in all.
MIDDLEWARE.insert(
    MIDDLEWARE.index("config.requestid.RequestIdMiddleware") + 1,
    "config.security_headers.NoStoreMiddleware",
)
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
    "config.security_headers.SessionTimeoutMiddleware",
)
BOOKSHELF_SESSION_IDLE_SECONDS = env.int("BOOKSHELF_SESSION_IDLE_SECONDS", default=30 * 60)
BOOKSHELF_SESSION_ABSOLUTE_SECONDS = env.int(
    "BOOKSHELF_SESSION_ABSOLUTE_SECONDS", default=12 * 60 * 60
)
SESSION_COOKIE_AGE = BOOKSHELF_SESSION_ABSOLUTE_SECONDS

# Content-Security-Policy on every response (Django's own middleware): scripts and styles
# from this site only, or inline with the request's nonce (`{{ csp_nonce }}`); the API docs
# load Swagger UI from the sidecar package's static files, never a CDN.
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
)
TEMPLATES[0]["OPTIONS"]["context_processors"].append(  # type: ignore[index]
    "django.template.context_processors.csp"
)
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
