"""Spreadsheet exports that never hand Excel or LibreOffice a formula (CSV/formula injection).

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

from typing import Any

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
