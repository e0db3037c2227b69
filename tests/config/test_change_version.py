"""config.change_version against the real Redis: a version a change sets is an int, one set
inside an uncommitted transaction is never trusted, and a value an older release left (a hex
string) is replaced instead of disabling the memos for good."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from config.change_version import ChangeVersion

pytestmark = [pytest.mark.django_db, pytest.mark.redis]


def test_an_older_hex_version_is_replaced_by_a_number_memos_can_trust():
    version = ChangeVersion("tests:change-version:legacy", "test")
    cache.set(version.key, "9f2c4e1a0b3d5c7e", timeout=None)
    current = version.read()
    assert isinstance(current, int)
    assert version.trusted(current)
    assert version.read() == current  # replaced once, then stable


def test_a_change_inside_a_transaction_is_trusted_only_after_commit(
    django_capture_on_commit_callbacks,
):
    version = ChangeVersion("tests:change-version:commit", "test")
    before = version.read()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        version.changed()
    uncommitted = version.read()
    assert uncommitted != before and not version.trusted(uncommitted)
    for callback in callbacks:
        callback()
    committed = version.read()
    assert committed != uncommitted and version.trusted(committed)
