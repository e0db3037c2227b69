import os

from django.core.wsgi import get_wsgi_application

# No settings named: production, which refuses to start without real secrets (never the
# dev settings, with DEBUG on and public keys). `manage.py` defaults to dev for `make run`.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
application = get_wsgi_application()

# Any WSGI server imports this module in each worker before its first request: warm it there
# (config/warmup.py). Under deploy/gunicorn.conf.py its post_worker_init hook does it instead,
# with the worker's thread pool too.
if not os.environ.get("BOOKSHELF_WARMUP_BY"):
    from config.warmup import warm_up, warmup_enabled

    if warmup_enabled():
        warm_up(application)
