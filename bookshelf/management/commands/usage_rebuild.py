from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from bookshelf.ledger.selectors import WINDOW_MONTHS
from bookshelf.ledger.services import usage_rebuild


class Command(BaseCommand):
    help = (
        "Recompute the monthly usage rollup the recommendations read from the redemptions "
        "(one INSERT ... SELECT ... GROUP BY in the database), e.g. after redemptions were "
        "restored or loaded in bulk. Best run while redemptions are quiet: it replaces the "
        "rollup in one transaction, so if it fails nothing changes."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        rows = usage_rebuild()
        self.stdout.write(
            _("Usage rollup rebuilt: %(rows)s rows for the last %(months)s months in %(s).1f s.")
            % {"rows": rows, "months": WINDOW_MONTHS, "s": time.monotonic() - started}
        )
