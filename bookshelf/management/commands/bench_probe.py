from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bookshelf.devtools.scale.registry import PROBES, as_json, run_probe


class Command(BaseCommand):
    help = "One measurement of the benchmark suite against this database; prints JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("probe", choices=sorted(PROBES))
        parser.add_argument("--kwargs", default="{}", help="Keyword arguments, as JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        from django.db import connection

        if connection.vendor != "postgresql":
            raise CommandError("The benchmark probes run against PostgreSQL only.")
        result = run_probe(options["probe"], **json.loads(options["kwargs"]))
        self.stdout.write(as_json(result))
