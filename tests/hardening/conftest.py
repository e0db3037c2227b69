from __future__ import annotations

from tests.bookshelf.api.conftest import app_api, readonly_api  # noqa: F401
