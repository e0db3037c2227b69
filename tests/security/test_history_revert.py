"""A history record's Revert would save an old copy of the row past the services (for a
benefit: its old status, without a status change row or an event). Every history admin
hides the button and refuses the POST; the record stays viewable."""

import pytest
from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from benefits.models import Benefit, BenefitStatus, BenefitStatusChange
from benefits.services import benefit_retire
from bookshelf.models import WebhookEvent
from config.history_admin import HistoryAdmin
from customers.models import Tier
from tests.factories import make_benefit

pytestmark = pytest.mark.django_db


def _form_data(benefit):
    return {
        "category": benefit.category_id,
        "name_en": "Reverted name",
        "name_zh_hans": benefit.name_zh_hans or "",
        "provider_en": benefit.provider_en or "",
        "unit_en": benefit.unit_en or "",
        "unit_zh_hans": benefit.unit_zh_hans or "",
        "description_en": benefit.description_en or "",
        "how_to_use_en": benefit.how_to_use_en or "",
        "shareable": "",
        "kind": benefit.kind,
        "price": "",
        "uses_per_purchase": benefit.uses_per_purchase,
        "purchase_valid_days": benefit.purchase_valid_days,
        "status_changes-TOTAL_FORMS": "0",
        "status_changes-INITIAL_FORMS": "0",
    }


def test_reverting_a_benefit_is_refused_and_changes_nothing(office):
    benefit = make_benefit(cells={Tier.GOLD: 1})
    on_shelf = benefit.history.order_by("history_date").last()
    assert on_shelf.status == BenefitStatus.ON_SHELF
    benefit_retire(benefit=benefit, reason="Supplier gone")
    counts = (
        BenefitStatusChange.objects.count(),
        benefit.history.count(),
        WebhookEvent.objects.count(),
    )
    client = office.client_for(office.superuser)
    url = f"/admin/benefits/benefit/{benefit.pk}/history/{on_shelf.history_id}/"
    page = client.get(url)
    assert page.status_code == 200  # still viewable
    assert 'name="_save"' not in page.content.decode()  # no Revert button
    response = client.post(url, _form_data(on_shelf.instance))
    assert response.status_code == 403
    benefit.refresh_from_db()
    assert benefit.status == BenefitStatus.RETIRED
    assert benefit.name != "Reverted name"
    assert counts == (
        BenefitStatusChange.objects.count(),
        benefit.history.count(),
        WebhookEvent.objects.count(),
    )
    assert Benefit.objects.filter(status=BenefitStatus.ON_SHELF).count() == 0


def test_every_history_admin_refuses_revert():
    history_admins = [a for a in admin.site._registry.values() if isinstance(a, SimpleHistoryAdmin)]
    assert len(history_admins) >= 3
    for model_admin in history_admins:
        assert isinstance(model_admin, HistoryAdmin), type(model_admin)
        assert model_admin.revert_disabled(request=None)
