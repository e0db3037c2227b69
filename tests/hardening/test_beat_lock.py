"""Only one beat sends the schedule: the others hold no lease and stay idle, and a standby
takes over when the leader stops, without re-running what the leader already sent.
Against the real Redis (REDIS_URL); CI's PostgreSQL + Redis pass runs them."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta

import pytest
import redis
from django.conf import settings
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from config.beat import BeatLock, SingleBeatScheduler, lock_client
from config.celery import app as celery_app

# The beat lock lives in Redis: left out (and said so) on the embedded default.
needs_redis = pytest.mark.redis


@pytest.fixture
def client():
    return redis.Redis.from_url(settings.REDIS_URL)


@pytest.fixture
def key(client):
    name = f"test:beat-lock:{uuid.uuid4().hex}"
    yield name
    client.delete(name)


@needs_redis
def test_one_lease_at_a_time(client, key):
    first, second = BeatLock(client, key=key), BeatLock(client, key=key)
    assert first.hold()
    assert not second.hold()
    assert first.hold()  # the holder renews
    assert client.pttl(key) > 50_000
    assert first.holder() == first.token
    first.release()
    assert second.hold()
    assert not first.hold()
    first.release()  # not the holder: releases nothing
    assert second.holder() == second.token


@needs_redis
def test_a_dead_leaders_lease_expires(client, key):
    first, second = BeatLock(client, key=key, ttl=0.3), BeatLock(client, key=key, ttl=0.3)
    assert first.hold()
    assert not second.hold()
    time.sleep(0.4)  # the leader died without releasing
    assert second.hold()


def test_redis_unreachable_means_standing_by():
    down = BeatLock(lock_client("redis://127.0.0.1:1/0"))
    assert not down.hold()


def test_without_redis_there_is_one_process_and_no_lock(settings):
    settings.REDIS_URL = ""
    assert BeatLock.from_settings().hold()


class RecordingScheduler(SingleBeatScheduler):
    """Records what it would send instead of publishing it."""

    def __init__(self, *args, **kwargs):
        self.sent: list[str] = []
        super().__init__(*args, **kwargs)

    def apply_entry(self, entry, producer=None):
        self.sent.append(entry.name)


@needs_redis
@pytest.mark.django_db(transaction=True)
def test_a_second_beat_stays_idle_and_takes_over_without_repeating(client, key):
    every_hour = IntervalSchedule.objects.create(every=1, period=IntervalSchedule.HOURS)
    PeriodicTask.objects.create(
        name="lock-test",
        task="bookshelf.tasks.webhooks_sweep",
        interval=every_hour,
        last_run_at=timezone.now() - timedelta(hours=2),  # due now
    )
    leader = RecordingScheduler(app=celery_app, beat_lock=BeatLock(client, key=key))
    standby = RecordingScheduler(app=celery_app, beat_lock=BeatLock(client, key=key))
    for _ in range(5):
        leader.tick()
        assert standby.tick() <= 5  # idle, polling for the lease
    assert leader.leading and not standby.leading
    assert leader.sent.count("lock-test") == 1
    assert "lock-test" not in standby.sent

    leader.close()  # a clean stop hands over at once (and saves the last run)
    for _ in range(5):
        standby.tick()
    assert standby.leading
    assert "lock-test" not in standby.sent  # it read the leader's last run: not due again
    standby.close()
    assert client.get(key) is None
