import os

from django.core.wsgi import get_wsgi_application

# No settings named: production, which refuses to start without real secrets (never the
# dev settings, with DEBUG on and public keys). `manage.py` defaults to dev for `make run`.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
application = get_wsgi_application()
