from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from bookshelf.privacy.services import customer_erase
from config.exceptions import DomainError
from customers.selectors import customer_get

from .customer_data_export import operator_name


class Command(BaseCommand):
    help = (
        "Erase one customer's personal data on their request (PIPL): personal fields "
        "replaced, lookup hashes removed, family links cut, free text cleared; uses and "
        "review statistics stay. Refused while a policy is in force or a legal hold is set."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("customer_no")
        parser.add_argument(
            "--reason", required=True, help="Why (the request's date or reference)."
        )
        parser.add_argument("--by", help="Who asked for it (for the audit trail).")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            customer = customer_get(customer_no=options["customer_no"])
            record = customer_erase(
                customer=customer,
                user=operator_name(options["by"]),
                reason=options["reason"],
                via="command:customer_erase",
            )
        except DomainError as exc:
            raise CommandError(f"{exc.code}: {exc.message}") from None
        changed = ", ".join(f"{k}={v}" for k, v in sorted(record.summary.items()) if v)
        self.stdout.write(
            _("Erased %(customer)s (%(changed)s).")
            % {"customer": record.customer_no, "changed": changed or "-"}
        )
