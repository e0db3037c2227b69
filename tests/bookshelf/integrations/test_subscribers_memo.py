"""The webhook subscribers each process keeps (`integrations.subscribers`): read once per
version, and any change to a subscription or an API client is seen by the next event."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bookshelf.integrations.models import WebhookDelivery, WebhookEventType
from bookshelf.integrations.services import api_client_create, api_client_revoke, event_emit
from bookshelf.integrations.webhooks import subscription_create

pytestmark = pytest.mark.django_db

EVENT = WebhookEventType.REDEMPTION_COMPLETED


def _subscription_queries(context: CaptureQueriesContext) -> int:
    return sum("bookshelf_webhooksubscription" in q["sql"] for q in context.captured_queries)


def _emit() -> None:
    event_emit(EVENT, {"redemption_id": 1})


def test_the_list_is_read_once_while_nothing_changes(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        subscription_create(name="ops", url="https://hooks.example.com/a")
    with CaptureQueriesContext(connection) as first:
        _emit()
    with CaptureQueriesContext(connection) as second:
        _emit()
    assert _subscription_queries(first) == 1
    assert _subscription_queries(second) == 0
    assert WebhookDelivery.objects.count() == 2


def test_a_new_subscription_hears_the_next_event(django_capture_on_commit_callbacks):
    _emit()  # memoised: nobody listens
    assert not WebhookDelivery.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        subscription_create(name="ops", url="https://hooks.example.com/a")
    _emit()
    assert WebhookDelivery.objects.count() == 1


def test_an_uncommitted_change_is_never_memoised():
    subscription_create(name="ops", url="https://hooks.example.com/a")  # not committed
    _emit()
    with CaptureQueriesContext(connection) as again:
        _emit()
    assert _subscription_queries(again) == 1  # read again: the change may still roll back
    assert WebhookDelivery.objects.count() == 2


def test_a_revoked_client_hears_nothing_from_the_next_event(django_capture_on_commit_callbacks):
    client, _token = api_client_create(name="hooks", scopes=["webhooks", "redeem"])
    with django_capture_on_commit_callbacks(execute=True):
        subscription_create(
            name="app", url="https://hooks.example.com/b", event_types=[EVENT], api_client=client
        )
    _emit()
    assert WebhookDelivery.objects.count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        api_client_revoke(client=client)
    _emit()
    assert WebhookDelivery.objects.count() == 1


def test_without_the_cache_every_event_reads_the_database(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
            "KEY_PREFIX": "down",
        }
    }
    subscription_create(name="ops", url="https://hooks.example.com/a")
    for _ in range(2):
        with CaptureQueriesContext(connection) as each:
            _emit()
        assert _subscription_queries(each) == 1
    assert WebhookDelivery.objects.count() == 2
