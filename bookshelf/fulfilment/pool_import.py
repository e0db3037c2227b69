"""Codes into a pool from the supplier's file (CSV, or XLSX), all or nothing.

The file has a header row naming the columns `code`, `valid_from`, `valid_until` (or their
Chinese names 券码, 生效日期, 失效日期), dates as YYYY-MM-DD; only `code` is required. The
whole file is read and checked before anything is written: a bad row (empty code, a code
over 64 characters, a bad date, valid until before valid from) refuses the file with 400
`code_file_invalid` naming the first rows at fault, and nothing is imported. Duplicates, in
the file or already in the pool, are counted and skipped. Codes are sealed (encrypted) and
fingerprinted, then inserted in batches with `ignore_conflicts` on the pool's unique
fingerprint, so a concurrent import of the same file adds each code once. A restock back to
the threshold or above re-arms the low-stock alert.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import IO, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from benefits.models import Benefit, FulfilmentKind
from benefits.selectors import benefit_get
from config.exceptions import DomainError, NotFound
from config.spreadsheets import UnreadableSheet, sheet_rows

from .error_codes import FulfilmentErrorCode
from .models import CodePool, PoolCode, Supplier
from .pools import code_fingerprint, code_seal, pool_stock_rearm

CODE_MAX_LENGTH = 64
BATCH_SIZE = 1000
# The rows at fault a refusal names; the count says how many there were in all.
PROBLEMS_SHOWN = 10
MAX_ROWS = 200_000
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

HEADERS = {
    "code": "code",
    "券码": "code",
    "valid_from": "valid_from",
    "生效日期": "valid_from",
    "valid_until": "valid_until",
    "失效日期": "valid_until",
}

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class RowProblem:
    row: int  # the line in the file, the header being line 1
    message: str


@dataclass(frozen=True)
class CodeRow:
    row: int
    code: str
    valid_from: date | None
    valid_until: date | None


@dataclass(frozen=True)
class ImportReport:
    """What a file did to a pool (or, checked only, would do)."""

    rows: int
    imported: int
    duplicates_in_file: int
    duplicates_in_pool: int
    # Imported but already past their validity: they will never be claimed.
    expired: int
    rearmed: bool = False
    checked_only: bool = False


def _refuse(message: str, problems: list[RowProblem] | None = None, total: int = 0) -> DomainError:
    shown = (problems or [])[:PROBLEMS_SHOWN]
    return DomainError(
        FulfilmentErrorCode.CODE_FILE_INVALID,
        message,
        field="file",
        extra={
            "rows": [{"row": p.row, "message": p.message} for p in shown],
            "rows_at_fault": total or len(problems or []),
        },
    )


def _columns(header: list[Any]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, name in enumerate(header):
        key = HEADERS.get(str(name or "").strip().lower().replace(" ", "_"))
        if key is not None and key not in columns:
            columns[key] = index
    if "code" not in columns:
        raise _refuse(
            _(
                "The first row must name the columns: code, valid_from, valid_until "
                "(or 券码, 生效日期, 失效日期)."
            )
        )
    return columns


def _date(value: Any) -> date | None:
    """A cell's date: empty is None; text must be YYYY-MM-DD; a spreadsheet's date cell is
    taken as it is. Raises ValueError otherwise."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    if not ISO_DATE.fullmatch(text):
        raise ValueError(text)
    return date.fromisoformat(text)


def _cell(values: list[Any], columns: dict[str, int], name: str) -> Any:
    index = columns.get(name)
    return values[index] if index is not None and index < len(values) else None


def _row(number: int, values: list[Any], columns: dict[str, int]) -> CodeRow | RowProblem:
    code = str(_cell(values, columns, "code") or "").strip()
    if not code:
        return RowProblem(number, _("The code is empty."))
    if len(code) > CODE_MAX_LENGTH:
        return RowProblem(
            number, _("The code is longer than %(n)d characters.") % {"n": CODE_MAX_LENGTH}
        )
    dates: dict[str, date | None] = {}
    for name in ("valid_from", "valid_until"):
        try:
            dates[name] = _date(_cell(values, columns, name))
        except ValueError:
            return RowProblem(
                number,
                _("%(column)s is not a date written YYYY-MM-DD: %(value)s")
                % {"column": name, "value": str(_cell(values, columns, name))[:20]},
            )
    start, end = dates["valid_from"], dates["valid_until"]
    if start and end and end < start:
        return RowProblem(number, _("valid_until is before valid_from."))
    return CodeRow(number, code, start, end)


def codes_read(*, file: IO[bytes], filename: str) -> list[CodeRow]:
    """Every code row of the file, checked; `code_file_invalid` (400) naming the first rows
    at fault if any is bad. Fully blank lines are skipped."""
    try:
        reader = sheet_rows(file, filename)
    except UnreadableSheet as exc:
        raise _refuse(str(exc)) from None
    header = next(reader, None)
    if header is None:
        raise _refuse(_("The file is empty."))
    columns = _columns(header)
    rows: list[CodeRow] = []
    problems: list[RowProblem] = []
    for number, values in enumerate(reader, start=2):
        if not any(str(v).strip() for v in values if v is not None):
            continue
        if len(rows) + len(problems) >= MAX_ROWS:
            raise _refuse(_("The file has more than %(n)d rows: split it.") % {"n": MAX_ROWS})
        parsed = _row(number, values, columns)
        (problems if isinstance(parsed, RowProblem) else rows).append(parsed)  # type: ignore[arg-type]
    if problems:
        raise _refuse(
            _("The file was not imported: %(n)d rows are wrong, first at line %(row)d.")
            % {"n": len(problems), "row": problems[0].row},
            problems,
        )
    if not rows:
        raise _refuse(_("The file has no codes."))
    return rows


def _fresh(rows: list[CodeRow]) -> tuple[dict[str, CodeRow], int]:
    """The rows by fingerprint, the first of each code kept; and how many repeated one."""
    by_hash: dict[str, CodeRow] = {}
    for row in rows:
        by_hash.setdefault(code_fingerprint(row.code), row)
    return by_hash, len(rows) - len(by_hash)


def codes_import(
    *,
    pool: CodePool,
    file: IO[bytes],
    filename: str,
    progress: Progress | None = None,
    check_only: bool = False,
    today: date | None = None,
) -> ImportReport:
    """Import a supplier's file of codes into `pool`, all or nothing (see the module).
    `check_only`: read, check and count, write nothing. `progress(done, total)` is called
    after each batch."""
    today = today or timezone.localdate()
    rows = codes_read(file=file, filename=filename)
    by_hash, in_file = _fresh(rows)
    hashes = list(by_hash)
    in_pool = imported = expired = 0
    now = timezone.now()
    with transaction.atomic():
        for start in range(0, len(hashes), BATCH_SIZE):
            batch = hashes[start : start + BATCH_SIZE]
            known = set(
                PoolCode.objects.filter(pool=pool, code_hash__in=batch).values_list(
                    "code_hash", flat=True
                )
            )
            new = [by_hash[h] for h in batch if h not in known]
            in_pool += len(known)
            imported += len(new)
            expired += sum(1 for r in new if r.valid_until and r.valid_until < today)
            if not check_only:
                PoolCode.objects.bulk_create(
                    [
                        PoolCode(
                            pool=pool,
                            code_encrypted=code_seal(r.code),
                            code_hash=code_fingerprint(r.code),
                            valid_from=r.valid_from,
                            valid_until=r.valid_until,
                            imported_at=now,
                        )
                        for r in new
                    ],
                    ignore_conflicts=True,
                )
            if progress is not None:
                progress(min(start + BATCH_SIZE, len(hashes)), len(hashes))
        rearmed = False if check_only else pool_stock_rearm(pool, today)
    return ImportReport(
        rows=len(rows),
        imported=imported,
        duplicates_in_file=in_file,
        duplicates_in_pool=in_pool,
        expired=expired,
        rearmed=rearmed,
        checked_only=check_only,
    )


def code_pool_ensure(*, benefit_code: str, supplier_code: str) -> CodePool:
    """The pool of this issued benefit and supplier, made if it does not exist yet. The
    supplier must deliver the benefit (or its codes would never be claimed)."""
    benefit: Benefit = benefit_get(code=benefit_code)
    if benefit.fulfilment_kind != FulfilmentKind.ISSUED:
        raise DomainError(
            FulfilmentErrorCode.INVALID,
            _("Only a benefit of the issued kind has a code pool."),
            field="benefit",
        )
    supplier = Supplier.objects.filter(code=supplier_code).first()
    if supplier is None:
        raise NotFound(
            FulfilmentErrorCode.SUPPLIER_NOT_FOUND,
            _("No supplier with code %(code)s.") % {"code": supplier_code},
            field="supplier",
        )
    if not supplier.benefits.filter(benefit=benefit).exists():
        raise DomainError(
            FulfilmentErrorCode.INVALID,
            _("%(supplier)s does not deliver %(benefit)s.")
            % {"supplier": supplier.code, "benefit": benefit.code},
            field="supplier",
        )
    pool, _created = CodePool.objects.get_or_create(benefit=benefit, supplier=supplier)
    return pool
