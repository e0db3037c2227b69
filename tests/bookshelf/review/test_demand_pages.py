"""Where people see demand grouping: the run page's discoverability findings, the desk's line
for a customer who asked for what their tier holds, the group admin's merge, the synonyms."""

from __future__ import annotations

from django.urls import reverse

from bookshelf.models import DemandGroup, DemandSignal
from bookshelf.review.demand_groups import demand_synonyms_seed
from bookshelf.review.services import demand_signal_create, review_run
from customers.models import Tier
from tests.bookshelf.admin.conftest import Office
from tests.bookshelf.admin.conftest import office as office  # the fixture
from tests.bookshelf.review.test_review import _settings, _tomorrow
from tests.factories import make_benefit, make_customer


def _checkup():
    benefit = make_benefit(cells={Tier.GOLD: 1}, name="Standard health check-up")
    benefit.name_zh_hans = "标准体检"
    benefit.save(update_fields=["name_zh_hans"])
    return benefit


def test_the_run_page_shows_who_asked_for_what_their_tier_holds(db, admin_client):
    _settings()
    demand_synonyms_seed()
    checkup = _checkup()
    for text in ("体检", "體檢", "健康检查"):
        demand_signal_create(text=text, customer=make_customer(tier=Tier.GOLD))
    run = review_run(window_end=_tomorrow(), window_days=90).run
    page = admin_client.get(f"/admin/bookshelf/reviewrun/{run.pk}/change/").content.decode()
    assert "Asked for what their tier already holds" in page
    section = page[page.index('class="discoverability"') :]
    section = section[: section.index("</table>")]
    # The Customers column is a number (its header says what it counts).
    assert "Customers who asked" in section and "<td>3</td>" in section
    assert "asked for this though" not in section
    assert checkup.code in section


def test_the_discoverability_tiers_are_joined_the_chinese_way(db, admin_client):
    _settings()
    demand_synonyms_seed()
    checkup = make_benefit(cells={Tier.GOLD: 1, Tier.PLATINUM: 1}, name="Standard health check-up")
    checkup.name_zh_hans = "标准体检"
    checkup.save(update_fields=["name_zh_hans"])
    for tier in (Tier.GOLD, Tier.PLATINUM):
        demand_signal_create(text="体检", customer=make_customer(tier=tier))
    run = review_run(window_end=_tomorrow(), window_days=90).run
    page = admin_client.get(
        f"/admin/bookshelf/reviewrun/{run.pk}/change/", HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()
    section = page[page.index('class="discoverability"') :]
    cell = section[: section.index("</table>")].split("<td>")[-1]
    assert "、" in cell and ", " not in cell


def test_the_pull_proposal_page_lists_the_group_wordings_and_links_the_group(db, admin_client):
    _settings()
    demand_synonyms_seed()
    texts = ["宠物医疗"] * 3 + ["Pet vet please"] * 2 + ["寵物看病"]
    for text in texts:
        demand_signal_create(text=text, customer=make_customer())
    run = review_run(window_end=_tomorrow(), window_days=90).run
    pull = run.proposals.get(kind="pull")
    group = DemandGroup.objects.get()
    page = admin_client.get(f"/admin/bookshelf/proposal/{pull.pk}/change/").content.decode()
    section = page[page.index('class="pull-wordings"') :]
    section = section[: section.index("</ul>")]
    assert section.index("宠物医疗") < section.index("Pet vet please") < section.index("寵物看病")
    assert "3" in section.split("宠物医疗")[1][:40]
    assert reverse("admin:bookshelf_demandgroup_change", args=[group.pk]) in page


def test_the_desk_tells_the_agent_the_customer_asked_for_what_they_hold(office: Office):
    demand_synonyms_seed()
    checkup = _checkup()
    demand_signal_create(text="我想要体检", customer=office.mine)
    body = (
        office.client_for(office.agent.user)
        .get(reverse("admin:customers_customer_change", args=[office.mine.pk]))
        .content.decode()
    )
    line = body[body.index('class="asked-held-line"') :][:400]
    assert "我想要体检" in line and checkup.code in line and "Show them how" in line


def test_product_staff_merge_groups_and_edit_synonyms_in_the_admin(office: Office):
    demand_synonyms_seed()
    a = demand_signal_create(text="宠物医疗")
    b = demand_signal_create(text="毛孩子美容")
    client = office.client_for(office.product)
    assert client.get("/admin/bookshelf/demandsynonym/").status_code == 200
    assert client.get("/admin/bookshelf/demandgroup/").status_code == 200
    response = client.post(
        "/admin/bookshelf/demandgroup/",
        {"action": "merge_groups", "_selected_action": [a.group_id, b.group_id]},
    )
    assert response.status_code == 302
    assert DemandGroup.objects.count() == 1
    assert set(DemandSignal.objects.values_list("group_manual", flat=True)) == {True}
