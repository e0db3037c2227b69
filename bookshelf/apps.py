from importlib import import_module

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# The capabilities that define Celery tasks (each in its own `tasks.py`, named in `jobs`).
TASK_MODULES = ("ledger", "fulfilment", "money", "review", "reach", "integrations")


class BookshelfConfig(AppConfig):
    name = "bookshelf"
    verbose_name = _("Bookshelf")

    def ready(self) -> None:
        from config.boolean_icons import boolean_icons_translate

        from . import signals

        boolean_icons_translate()

        signals.connect()
        # Register every capability's tasks in this process, web and worker alike, so a job
        # named through `bookshelf.jobs` is found in Celery's registry.
        for capability in TASK_MODULES:
            import_module(f"{__package__}.{capability}.tasks")
