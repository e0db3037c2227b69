"""The admin edits both languages of the catalogue side by side and finds what lacks a
translation (a filter on the benefit list, a count on the shelf page)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from benefits.admin import TranslationMissingFilter
from customers.models import Tier
from tests.factories import make_benefit

pytestmark = pytest.mark.django_db


def test_the_benefit_list_filters_and_the_shelf_page_counts_missing_translations(office):
    make_benefit(
        name="Whole",
        description="D.",
        description_zh_hans="描述。",
        how_to_use="H.",
        how_to_use_zh_hans="用法。",
        cells={Tier.GOLD: 1},
    )
    lacking = make_benefit(name="Lacking", description="D.", how_to_use="H.", cells={Tier.GOLD: 1})
    client = office.client_for(office.product)
    url = reverse("admin:benefits_benefit_changelist")
    page = client.get(url, {TranslationMissingFilter.parameter_name: "zh-hans"})
    assert page.status_code == 200
    assert [b.code for b in page.context["cl"].result_list] == [lacking.code]
    shelf = client.get(reverse("admin:bookshelf_shelf_matrix"))
    assert shelf.status_code == 200
    assert shelf.context["translations_missing"] == 1
    assert f"{url}?{TranslationMissingFilter.parameter_name}=any" in shelf.content.decode()


def test_the_benefit_form_shows_both_languages_side_by_side(office):
    benefit = make_benefit(name="Side", description="D.")
    client = office.client_for(office.product)
    with translation.override("en"):
        page = client.get(reverse("admin:benefits_benefit_change", args=[benefit.pk]))
    form = page.context["adminform"].form
    assert {"name_en", "name_zh_hans", "provider_notes_en", "provider_notes_zh_hans"} <= set(
        form.fields
    )
    assert "name" not in form.fields
    assert str(form.fields["name_zh_hans"].label) == "Name · Chinese"


def test_filtered_by_a_missing_translation_the_list_says_what_is_still_to_write(office):
    from benefits.models import Benefit
    from config.translated_admin import field_label

    make_benefit(name="Lacking", description="D.", how_to_use="H.", cells={Tier.GOLD: 1})
    client = office.client_for(office.product)
    client.cookies["django_language"] = "zh-hans"
    url = reverse("admin:benefits_benefit_changelist")
    filtered = client.get(url, {TranslationMissingFilter.parameter_name: "zh-hans"}).content
    with translation.override("zh-hans"):
        wanted = [field_label(Benefit, f) for f in ("description_zh_hans", "how_to_use_zh_hans")]
    assert "、".join(wanted) in filtered.decode()
    assert wanted[0] not in client.get(url).content.decode()  # unfiltered: no such column
