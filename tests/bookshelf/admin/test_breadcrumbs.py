"""The custom pages' breadcrumbs are Django admin's `div.breadcrumbs` (its CSS styles that
one): an `ol` rendered as a numbered list on the desk, the matrix and the conversion page."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from tests.bookshelf.admin.conftest import Office

pytestmark = pytest.mark.django_db


def test_no_template_renders_breadcrumbs_as_a_list():
    offenders = [
        str(path)
        for path in Path(settings.BASE_DIR, "templates").rglob("*.html")
        if 'class="breadcrumbs"' in path.read_text() and "<ol" in path.read_text()
    ]
    assert offenders == []


@pytest.mark.parametrize(
    "page",
    ["desk", "admin:bookshelf_shelf_matrix", "admin:bookshelf_push_conversion"],
)
def test_custom_pages_carry_div_breadcrumbs_with_a_link_home(office: Office, page: str):
    if page == "desk":
        url = reverse("admin:customers_customer_change", args=[office.mine.pk])
    else:
        url = reverse(page)
    html = office.client_for(office.superuser).get(url).content.decode()
    start = html.index('<div class="breadcrumbs">')
    crumbs = html[start : html.index("</div>", start)]
    assert f'href="{reverse("admin:index")}"' in crumbs
    assert "<li" not in crumbs
