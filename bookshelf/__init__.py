"""What a customer gets, and everything the shelf does with it: one room per capability
(see the README's architecture section)."""

from typing import Any


def __getattr__(name: str) -> Any:
    """django-simple-history names the history model of a model defined outside the app's
    `models` module after the app (`bookshelf.HistoricalShelfCell`): resolve such names from
    the app registry, so `manage.py shell` and pickles find them."""
    if name.startswith("Historical"):
        from django.apps import apps

        try:
            return apps.get_model("bookshelf", name)
        except LookupError:
            pass
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
