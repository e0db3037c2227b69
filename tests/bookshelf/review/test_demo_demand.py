"""The demo's demand signals as seed_demo leaves them, before any review."""

import pytest
from django.utils import timezone

from bookshelf.devtools.demo import DemoBuilder

pytestmark = pytest.mark.django_db


def test_the_demo_groups_its_requests_and_dates_none_after_now(db):
    """L8: the group pages are filled as soon as the demo is; L9: today's requests were made
    before now."""
    from bookshelf.models import DemandGroup, DemandSignal
    from tests.factories import ensure_reference_data

    ensure_reference_data()
    DemoBuilder(customers=60, seed=3).run()
    after = timezone.now()
    signals = DemandSignal.objects.all()
    assert signals.exists()
    assert not signals.filter(group__isnull=True, benefit__isnull=True).exists()
    assert not signals.filter(created_at__gt=after).exists()
    # One group per wish of the demo: its English and Chinese requests meet.
    assert DemandGroup.objects.filter(signals__isnull=False).distinct().count() == 6
