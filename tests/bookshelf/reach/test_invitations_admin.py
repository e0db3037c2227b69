"""Survey invitations in the admin, for product staff: the settings are one row (the list
opens it; no add, no delete), a benefit's own rate is added through its page, and the
invitations are a read-only list filtered by status; an agent sees none of it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone

from bookshelf.ledger.services import redemption_create
from bookshelf.models import BenefitSurveyRate, SurveyInvitation, SurveySettings
from bookshelf.reach.services import survey_invitations_sweep
from bookshelf.roles import AGENT, PRODUCT_STAFF, staff_groups_sync
from customers.models import Tier
from tests.bookshelf.admin.conftest import staff_user
from tests.factories import make_benefit, make_customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def product():
    staff_groups_sync()
    assert Group.objects.filter(name=PRODUCT_STAFF).exists()
    client = Client()
    client.force_login(staff_user("pat", PRODUCT_STAFF))
    return client


def test_the_settings_are_one_row_product_staff_change(product):
    url = "/admin/bookshelf/surveysettings/"
    page = product.get(url)  # the list is the one row's page
    assert page.status_code == 200
    row = SurveySettings.objects.get()
    assert page.context["original"] == row
    assert b'name="sample_rate"' in page.content
    assert b'name="invitations_swept_to"' not in page.content  # the sweep's, shown only
    changed = product.post(
        url,
        {"sample_rate": "0.5", "throttle_days": "30", "valid_days": "7", "followup_hours": "48"},
    )
    assert changed.status_code == 302, changed.content[:2000]
    assert changed["Location"] == url
    assert SurveySettings.objects.count() == 1
    row.refresh_from_db()
    assert (row.sample_rate, row.valid_days) == (0.5, 7)
    assert product.get("/admin/bookshelf/surveysettings/add/").status_code == 403
    assert product.post(f"/admin/bookshelf/surveysettings/{row.pk}/delete/").status_code == 403
    # A rate out of 0..1 is refused and changes nothing.
    refused = product.post(
        f"/admin/bookshelf/surveysettings/{row.pk}/change/",
        {"sample_rate": "1.5", "throttle_days": "30", "valid_days": "7", "followup_hours": "48"},
    )
    assert refused.status_code == 200
    row.refresh_from_db()
    assert row.sample_rate == 0.5


def test_a_benefits_rate_is_set_in_its_list(product):
    benefit = make_benefit(cells={Tier.GOLD: None}, name="Escort")
    added = product.post(
        "/admin/bookshelf/benefitsurveyrate/add/", {"benefit": benefit.pk, "sample_rate": "0.8"}
    )
    assert added.status_code == 302
    assert BenefitSurveyRate.objects.get(benefit=benefit).sample_rate == 0.8
    listing = product.get("/admin/bookshelf/benefitsurveyrate/")
    assert listing.status_code == 200 and "80%" in listing.content.decode()


def test_the_invitations_are_a_read_only_list_by_status(product):
    SurveySettings.objects.update_or_create(pk=1, defaults={"sample_rate": 1.0})
    benefit = make_benefit(cells={Tier.GOLD: None}, name="Escort")
    customer = make_customer(tier=Tier.GOLD)
    redemption_create(customer=customer, benefit_code=benefit.code)
    redemption_create(customer=customer, benefit_code=benefit.code)
    survey_invitations_sweep(now=timezone.now() + timedelta(seconds=1))
    sent = SurveyInvitation.objects.get(status="sent")
    listing = product.get("/admin/bookshelf/surveyinvitation/", {"status__exact": "throttled"})
    assert listing.status_code == 200
    assert list(listing.context["cl"].result_list) == [
        SurveyInvitation.objects.get(status="throttled")
    ]
    page = product.get(f"/admin/bookshelf/surveyinvitation/{sent.pk}/change/")
    assert page.status_code == 200
    assert sent.nonce not in page.content.decode()
    assert b'name="_save"' not in page.content
    assert product.get("/admin/bookshelf/surveyinvitation/add/").status_code == 403


def test_an_agent_sees_none_of_it():
    staff_groups_sync()
    client = Client()
    client.force_login(staff_user("ann", AGENT))
    for path in ("surveysettings", "benefitsurveyrate", "surveyinvitation"):
        assert client.get(f"/admin/bookshelf/{path}/").status_code == 403, path
