"""A demand group's page links to the requests it groups, and the link opens them."""

from __future__ import annotations

import pytest
from django.urls import reverse

from bookshelf.review.services import demand_signal_create

pytestmark = pytest.mark.django_db


def test_a_group_s_page_links_to_its_requests(office):
    first = demand_signal_create(text="宠物医疗")
    demand_signal_create(text="寵物醫療")
    demand_signal_create(text="高尔夫球场")
    client = office.client_for(office.product)
    page = client.get(reverse("admin:bookshelf_demandgroup_change", args=[first.group_id]))
    assert page.status_code == 200
    link = f"{reverse('admin:bookshelf_demandsignal_changelist')}?group__id__exact={first.group_id}"
    assert link in page.content.decode()
    listed = client.get(link)
    assert listed.status_code == 200
    assert {s.text for s in listed.context["cl"].result_list} == {"宠物医疗", "寵物醫療"}
