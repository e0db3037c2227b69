from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BookshelfConfig(AppConfig):
    name = "bookshelf"
    verbose_name = _("Bookshelf")

    def ready(self) -> None:
        from . import signals

        signals.connect()
