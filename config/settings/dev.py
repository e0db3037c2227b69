"""Local development: the embedded default, DEBUG on unless the environment says otherwise."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "dev-only-insecure-key-not-for-production")
os.environ.setdefault("DJANGO_DEBUG", "true")
os.environ.setdefault("LOG_FORMAT", "plain")

from .base import *  # noqa: F403
