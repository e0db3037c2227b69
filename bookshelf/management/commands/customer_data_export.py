from __future__ import annotations

import getpass
import json
import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.translation import gettext as _

from bookshelf.privacy.services import customer_data_export
from config.exceptions import DomainError
from customers.selectors import customer_get


def operator_name(given: str | None) -> str:
    """Who runs the command, for the audit trail: `--by`, or the shell's user."""
    return given or f"shell:{getpass.getuser()}"


class Command(BaseCommand):
    help = (
        "Write everything held about one customer (PIPL right of access: profile with the "
        "numbers unmasked, policies, family, uses, purchases, feedback, pushes, events, "
        "access log...) to a JSON file readable by its owner only. Audited."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("customer_no")
        parser.add_argument("--out", required=True, help="The JSON file to write.")
        parser.add_argument("--by", help="Who asked for it (for the audit trail).")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            customer = customer_get(customer_no=options["customer_no"])
            document = customer_data_export(
                customer=customer,
                user=operator_name(options["by"]),
                via="command:customer_data_export",
            )
        except DomainError as exc:
            raise CommandError(f"{exc.code}: {exc.message}") from None
        text = json.dumps(document, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
        # The file holds the customer's numbers in clear: nobody else may read it.
        fd = os.open(options["out"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text + "\n")
        self.stdout.write(
            _("Exported %(customer)s: %(sections)s sections to %(path)s.")
            % {
                "customer": customer.customer_no,
                "sections": len(document["sections"]),
                "path": options["out"],
            }
        )
