"""Spreadsheets in and out: uploaded CSV/XLSX read the same way by every importer
(`sheet_rows`), and exports that never hand Excel or LibreOffice a formula (CSV/formula
injection).

A text cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is run as a
formula when the file is opened; OWASP's advice is to prefix such a cell with an apostrophe,
which spreadsheets show as text. Every import-export resource derives from
`FormulaSafeResource`: exports escape, imports remove the escape again, so an exported file
imports back to the same text.

django-import-export's own `IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT` is left off: in 4.4 it
only strips a leading `=` (not `+ - @`, tab or CR), and it turns every cell into text, so
numbers become strings and empty cells the word "None".
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import IO, Any

from django.utils.translation import gettext as _
from import_export import resources, widgets

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def formula_escape(value: Any) -> Any:
    """Text a spreadsheet would run as a formula, prefixed with an apostrophe; anything else
    (numbers, dates, None, harmless text) as it was."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def formula_unescape(value: Any) -> Any:
    """The inverse, for imports: an apostrophe that `formula_escape` added is removed."""
    if isinstance(value, str) and value.startswith("'") and value[1:].startswith(FORMULA_TRIGGERS):
        return value[1:]
    return value


class FormulaSafeResource(resources.ModelResource):  # type: ignore[misc]
    """A model resource whose text cells are formula-escaped on export (numeric columns are
    left to their number widget, so a negative price stays a number)."""

    def export_field(self, field: Any, instance: Any, **kwargs: Any) -> Any:
        value = super().export_field(field, instance, **kwargs)
        if isinstance(field.widget, widgets.NumberWidget):
            return value
        return formula_escape(value)

    def before_import_row(self, row: Any, **kwargs: Any) -> None:
        for column, value in list(row.items()):
            row[column] = formula_unescape(value)
        super().before_import_row(row, **kwargs)


class UnreadableSheet(ValueError):
    """An uploaded file that is neither an Excel workbook nor UTF-8/GBK text; its message is
    for the user (each importer turns it into its own 400)."""


def sheet_rows(file: IO[bytes], file_name: str) -> Iterator[list[Any]]:
    """The rows of an uploaded spreadsheet as lists of cell values: an `.xlsx` workbook's
    first sheet (openpyxl, read-only), else CSV text in UTF-8 (with or without BOM) or GBK
    (GB18030), as Chinese Excel saves it. An unreadable file raises `UnreadableSheet` now,
    before any row is read."""
    if file_name.lower().endswith(".xlsx"):
        return _xlsx_rows(file)
    return _csv_rows(file)


def _xlsx_rows(file: IO[bytes]) -> Iterator[list[Any]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(file, read_only=True, data_only=True)
    except Exception:  # openpyxl raises several types for a file that is not a workbook
        raise UnreadableSheet(_("This file is not an Excel workbook (.xlsx).")) from None

    def rows() -> Iterator[list[Any]]:
        try:
            for values in book.worksheets[0].iter_rows(values_only=True):
                yield list(values)
        finally:
            book.close()

    return rows()


def _csv_rows(file: IO[bytes]) -> Iterator[list[Any]]:
    raw = file.read()
    if isinstance(raw, str):
        text = raw
    else:
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = raw.decode("gb18030")
            except UnicodeDecodeError:
                raise UnreadableSheet(_("The file is neither UTF-8 nor GBK text.")) from None
    return csv.reader(io.StringIO(text))
