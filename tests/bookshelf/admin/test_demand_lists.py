"""The demand lists as product staff scan them: sorted by size, no raw key column, and one
filter choice per top category (a request naming a sub-category counts under its top)."""

from __future__ import annotations

import pytest

from benefits.models import Category
from bookshelf.models import DemandGroup
from bookshelf.review.services import demand_signal_create
from tests.factories import category

pytestmark = pytest.mark.django_db


def test_the_groups_list_sorts_by_size_and_filters_by_top_category(admin_client):
    kids = category("LIF", "03")
    lif = Category.objects.get(path_code="LIF")
    demand_signal_create(text="宠物美容", category=lif)
    for _ in range(3):
        demand_signal_create(text="亲子游泳课", category=kids)
    demand_signal_create(text="golf lessons", category=category("SPT", "03"))
    page = admin_client.get("/admin/bookshelf/demandgroup/", {"o": "-3"})  # by requests
    labels = [g.label for g in page.context["cl"].result_list]
    assert labels[0] == "亲子游泳课" and len(labels) == 3
    assert "key" not in page.context["cl"].list_display  # the normalised words: on its page
    top = admin_client.get("/admin/bookshelf/demandgroup/", {"top": "LIF"})
    assert sorted(g.label for g in top.context["cl"].result_list) == ["亲子游泳课", "宠物美容"]
    signals = admin_client.get("/admin/bookshelf/demandsignal/", {"top": "LIF"})
    assert signals.status_code == 200
    assert {s.text for s in signals.context["cl"].result_list} == {"宠物美容", "亲子游泳课"}
    assert DemandGroup.objects.count() == 3
