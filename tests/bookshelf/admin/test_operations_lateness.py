"""The operations queue says how late a case is in words, never a bare dash."""

from datetime import UTC, datetime, timedelta

from django.utils import translation

from bookshelf.admin.fulfilments import lateness

NOW = datetime(2026, 5, 4, 12, tzinfo=UTC)


def test_a_case_past_its_deadline_says_by_how_much():
    assert lateness(NOW - timedelta(days=2, hours=3), NOW) == "2 days 3 hours"
    assert lateness(NOW - timedelta(minutes=20), NOW) == "0 hours"


def test_a_case_not_yet_due_says_so_in_the_users_language():
    assert lateness(NOW + timedelta(hours=1), NOW) == "not yet due"
    assert lateness(None, NOW) == "not yet due"
    with translation.override("zh-hans"):
        assert lateness(NOW + timedelta(hours=1), NOW) != "not yet due"
