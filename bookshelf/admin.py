"""The bookshelf's admin pages, one module per area."""

from . import admin_clients, admin_review  # noqa: F401  (registers the pages)
