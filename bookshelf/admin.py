"""The bookshelf's admin. The living shelf's pages live in `admin_review`."""

from . import admin_review  # noqa: F401  (registers the review pages)
