"""Who moved a benefit: the staff user, or nobody when a system (an API client's principal,
a scheduled job) did it."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from benefits.models import BenefitStatusChange
from benefits.services import benefit_put_under_review, benefit_retire
from tests.factories import make_benefit

pytestmark = pytest.mark.django_db


class _SystemPrincipal:
    """What an API client is to the services: authenticated, with no user row."""

    pk = None
    is_authenticated = True


def test_a_status_change_records_the_staff_user_or_nobody():
    staff = get_user_model().objects.create_user("curator", password="x", is_staff=True)
    benefit = make_benefit()
    benefit_put_under_review(benefit=benefit, reason="low usage", by=staff)
    benefit_retire(benefit=benefit, reason="retired by the review", by=_SystemPrincipal())
    moves = list(BenefitStatusChange.objects.filter(benefit=benefit).order_by("pk"))
    assert [(m.to_status, m.changed_by) for m in moves[-2:]] == [
        ("under_review", staff),
        ("retired", None),
    ]
