from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from tqdm import tqdm

from bookshelf.fulfilment.services import code_pool_ensure, codes_import
from config.exceptions import DomainError


class Command(BaseCommand):
    help = (
        "Import a supplier's file of codes (CSV or .xlsx; columns code, valid_from, "
        "valid_until or 券码, 生效日期, 失效日期) into the pool of an issued benefit and that "
        "supplier, made if missing. All or nothing: a bad row refuses the whole file and "
        "names the rows at fault. Codes already in the pool are skipped and counted."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--benefit", required=True, help="The benefit's code, e.g. LIF.03.002.")
        parser.add_argument("--supplier", required=True, help="The supplier's code.")
        parser.add_argument("file", help="Path to the supplier's .csv or .xlsx file.")
        parser.add_argument(
            "--check-only", action="store_true", help="Read, check and count; import nothing."
        )
        parser.add_argument("--no-progress", action="store_true", help="Hide the progress bar.")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(_("No such file: %(path)s") % {"path": path})
        quiet = options["no_progress"] or options["verbosity"] == 0
        bar = tqdm(desc=_("codes"), disable=quiet, leave=False, unit="")

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.n = done
            bar.refresh()

        try:
            pool = code_pool_ensure(
                benefit_code=options["benefit"], supplier_code=options["supplier"]
            )
            with path.open("rb") as file:
                report = codes_import(
                    pool=pool,
                    file=file,
                    filename=path.name,
                    progress=progress,
                    check_only=options["check_only"],
                )
        except DomainError as exc:
            rows = "".join(f"\n  {r['row']}: {r['message']}" for r in exc.extra.get("rows", []))
            raise CommandError(f"{exc.message}{rows}") from None
        finally:
            bar.close()
        verb = _("would import") if report.checked_only else _("imported")
        self.stdout.write(
            _(
                "%(pool)s: %(rows)d rows, %(verb)s %(n)d new codes; skipped %(file)d repeated "
                "in the file and %(pool_dup)d already in the pool."
            )
            % {
                "pool": pool,
                "rows": report.rows,
                "verb": verb,
                "n": report.imported,
                "file": report.duplicates_in_file,
                "pool_dup": report.duplicates_in_pool,
            }
        )
        if report.expired:
            self.stdout.write(
                _("%(n)d of the new codes are already past their validity.") % {"n": report.expired}
            )
        if report.rearmed:
            self.stdout.write(_("The pool's low-stock alert is armed again."))
