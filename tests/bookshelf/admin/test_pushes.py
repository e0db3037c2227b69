"""Pushing a benefit: recorded with its outbox message in one transaction, delivered after the
commit by a Celery task, never sent twice while a claim holds it, sent again once a dead
worker's lease expired, and every send carries the same idempotency key."""

from __future__ import annotations

import threading

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.urls import reverse

from bookshelf.ledger.services import redemption_create
from bookshelf.models import OutboxMessage, OutboxStatus, Push, PushChannel
from bookshelf.reach.services import (
    PUSH_OUTBOX,
    TransientSendError,
    push_create,
    push_deliver,
    push_idempotency_key,
)
from bookshelf.reach.tasks import push_deliver_task as deliver_push
from config.celery import app as celery_app
from config.exceptions import NotAllowed
from customers.models import Tier
from tests.bookshelf.admin.conftest import Office
from tests.bookshelf.admin.senders import RecordingSender, attempts
from tests.factories import make_benefit, make_customer

pytestmark = pytest.mark.django_db

RECORDING = "tests.bookshelf.admin.senders.RecordingSender"


@pytest.fixture(autouse=True)
def _fresh_recorder():
    RecordingSender.sent.clear()
    attempts.clear()


@pytest.fixture
def eager_celery():
    """Run tasks in-process even when REDIS_URL points Celery at a real broker."""
    before = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = before


def test_a_push_and_its_outbox_message_are_written_together_and_sent_after_commit(
    gold_benefit, django_capture_on_commit_callbacks, settings
):
    settings.BOOKSHELF_PUSH_SENDER = RECORDING
    customer = make_customer(tier=Tier.GOLD)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        push = push_create(
            customer=customer,
            benefit_code=gold_benefit.code,
            channel=PushChannel.SMS,
            note="See you Tuesday",
        )
        message = OutboxMessage.objects.get(push=push)
        assert message.status == OutboxStatus.PENDING
        assert message.recipient == customer.customer_no
        assert gold_benefit.code in message.body and "See you Tuesday" in message.body
        assert "测试权益" in message.body  # written in the customer's language
    assert RecordingSender.sent == []  # nothing leaves before the commit
    assert len(callbacks) == 1
    assert push_deliver(outbox_id=message.pk) == "sent"
    message.refresh_from_db()
    assert (message.status, message.delivery_ref, message.attempts) == (
        OutboxStatus.SENT,
        f"rec:{message.pk}",
        1,
    )
    assert message.sent_at is not None
    assert attempts == [(message.pk, f"bookshelf-push-{message.pk}")]


def test_a_retried_task_never_sends_twice(
    gold_benefit, settings, django_capture_on_commit_callbacks
):
    settings.BOOKSHELF_PUSH_SENDER = RECORDING
    customer = make_customer(tier=Tier.GOLD)
    with django_capture_on_commit_callbacks(execute=False):
        push = push_create(customer=customer, benefit_code=gold_benefit.code, channel="app_message")
    outbox_id = push.outbox.pk
    assert deliver_push.apply(args=[outbox_id]).get() == "sent"
    assert deliver_push.apply(args=[outbox_id]).get() == "skipped"
    assert push_deliver(outbox_id=outbox_id) == "skipped"
    assert RecordingSender.sent == [outbox_id]


def test_the_default_sender_writes_the_outbox_and_the_log(
    gold_benefit, eager_celery, django_capture_on_commit_callbacks, caplog
):
    customer = make_customer(tier=Tier.GOLD)
    with (
        caplog.at_level("INFO", logger="bookshelf.reach.pushes"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        push = push_create(customer=customer, benefit_code=gold_benefit.code, channel="sms")
    message = OutboxMessage.objects.get(push=push)
    assert message.status == OutboxStatus.SENT
    assert message.delivery_ref == f"outbox:{message.pk}"
    assert f"outbox={message.pk} key=bookshelf-push-{message.pk} " in caplog.text


def test_a_transient_failure_is_retried_and_a_broken_address_fails(gold_benefit, settings):
    customer = make_customer(tier=Tier.GOLD)
    push = push_create(customer=customer, benefit_code=gold_benefit.code, channel="sms")
    outbox_id = push.outbox.pk
    settings.BOOKSHELF_PUSH_SENDER = "tests.bookshelf.admin.senders.FlakySender"
    with pytest.raises(TransientSendError):
        push_deliver(outbox_id=outbox_id, final_attempt=False)
    message = OutboxMessage.objects.get(pk=outbox_id)
    assert (message.status, message.last_error) == (OutboxStatus.PENDING, "gateway timeout")
    assert push_deliver(outbox_id=outbox_id, final_attempt=True) == "failed"
    assert OutboxMessage.objects.get(pk=outbox_id).status == OutboxStatus.FAILED
    settings.BOOKSHELF_PUSH_SENDER = "tests.bookshelf.admin.senders.BrokenSender"
    OutboxMessage.objects.filter(pk=outbox_id).update(status=OutboxStatus.PENDING)
    assert push_deliver(outbox_id=outbox_id) == "failed"
    message = OutboxMessage.objects.get(pk=outbox_id)
    assert (message.status, message.attempts, message.last_error) == (
        OutboxStatus.FAILED,
        3,
        "bad address",
    )
    # Every attempt, retried or not, carried the one key of the outbox row.
    assert attempts == [(outbox_id, push_idempotency_key(outbox_id))] * 3


def test_only_a_benefit_the_customer_can_use_now_can_be_pushed(gold_benefit):
    customer = make_customer(tier=Tier.ORDINARY)
    with pytest.raises(NotAllowed) as exc:
        push_create(customer=customer, benefit_code=gold_benefit.code, channel="sms")
    assert exc.value.code == "push_benefit_not_usable"
    one_use = make_benefit(cells={Tier.ORDINARY: 1})
    redemption_create(customer=customer, benefit_code=one_use.code)
    with pytest.raises(NotAllowed):
        push_create(customer=customer, benefit_code=one_use.code, channel="sms")
    assert not Push.objects.exists() and not OutboxMessage.objects.exists()


def test_the_desk_push_form(office: Office, gold_benefit, django_capture_on_commit_callbacks):
    client = office.client_for(office.agent.user)
    url = reverse("admin:customers_customer_push", args=[office.mine.pk])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(
            url,
            {"token": "p1", "benefit": gold_benefit.code, "channel": "sms", "note": "Call me"},
        )
    assert response.status_code == 302
    push = Push.objects.get()
    assert (push.customer, push.pushed_by, push.channel, push.note) == (
        office.mine,
        office.agent.user,
        "sms",
        "Call me",
    )
    assert len(callbacks) == 1
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    assert messages and gold_benefit.code in messages[-1]
    refused = client.post(url, {"token": "p2", "benefit": "MED.99.999", "channel": "sms"})
    assert "No benefit with code MED.99.999." in [
        str(m) for m in get_messages(refused.wsgi_request)
    ]
    assert Push.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_racing_for_one_message_send_it_once(settings):
    if connection.vendor != "postgresql":
        pytest.fail("needs PostgreSQL's concurrent transactions: set DATABASE_URL")
    settings.BOOKSHELF_PUSH_SENDER = RECORDING
    benefit = make_benefit(cells={Tier.GOLD: 2})
    customer = make_customer(tier=Tier.GOLD)
    push = push_create(customer=customer, benefit_code=benefit.code, channel="sms")
    outbox_id = push.outbox.pk
    OutboxMessage.objects.filter(pk=outbox_id).update(status=OutboxStatus.PENDING)
    RecordingSender.sent.clear()
    barrier = threading.Barrier(4)
    results: list[str] = []

    def worker() -> None:
        barrier.wait()
        try:
            results.append(push_deliver(outbox_id=outbox_id))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["sent", "skipped", "skipped", "skipped"]
    assert RecordingSender.sent == [outbox_id]


def test_failed_messages_can_be_sent_again_once_and_stale_ones_are_requeued(
    gold_benefit, settings, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone

    from bookshelf.reach.services import outbox_message_retry, outbox_requeue_pending

    settings.BOOKSHELF_PUSH_SENDER = RECORDING
    customer = make_customer(tier=Tier.GOLD)
    with django_capture_on_commit_callbacks(execute=False):
        push = push_create(customer=customer, benefit_code=gold_benefit.code, channel="sms")
    message = push.outbox
    assert outbox_message_retry(message=message) is False  # only failed ones
    OutboxMessage.objects.filter(pk=message.pk).update(status=OutboxStatus.FAILED)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert outbox_message_retry(message=message) is True
        assert outbox_message_retry(message=message) is False
    assert len(callbacks) == 1
    assert OutboxMessage.objects.get(pk=message.pk).status == OutboxStatus.PENDING
    # A message still pending long after its push (its enqueue was lost) is queued again;
    # delivering it twice still sends it once.
    OutboxMessage.objects.filter(pk=message.pk).update(
        created_at=timezone.now() - timedelta(minutes=10)
    )
    before = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    try:
        assert outbox_requeue_pending(older_than_seconds=60) == 1
        assert outbox_requeue_pending(older_than_seconds=60) == 0
    finally:
        celery_app.conf.task_always_eager = before
    assert RecordingSender.sent == [message.pk]


def _pending_push(benefit, django_capture_on_commit_callbacks) -> OutboxMessage:
    with django_capture_on_commit_callbacks(execute=False):
        push = push_create(
            customer=make_customer(tier=Tier.GOLD), benefit_code=benefit.code, channel="sms"
        )
    return push.outbox


def _expire(message: OutboxMessage) -> None:
    from datetime import timedelta

    from django.utils import timezone

    OutboxMessage.objects.filter(pk=message.pk).update(
        locked_until=timezone.now() - timedelta(seconds=1)
    )


def test_a_retried_push_sends_the_same_key(
    gold_benefit, settings, django_capture_on_commit_callbacks
):
    message = _pending_push(gold_benefit, django_capture_on_commit_callbacks)
    settings.BOOKSHELF_PUSH_SENDER = "tests.bookshelf.admin.senders.FlakySender"
    with pytest.raises(TransientSendError):
        push_deliver(outbox_id=message.pk, final_attempt=False)
    settings.BOOKSHELF_PUSH_SENDER = RECORDING
    assert push_deliver(outbox_id=message.pk) == "sent"
    assert attempts == [(message.pk, f"bookshelf-push-{message.pk}")] * 2
    message.refresh_from_db()
    assert (message.status, message.attempts, message.locked_until) == (OutboxStatus.SENT, 2, None)


def test_a_claim_whose_worker_died_is_sent_again_after_its_lease_and_not_before(
    gold_benefit, settings, django_capture_on_commit_callbacks
):
    settings.BOOKSHELF_PUSH_SENDER = RECORDING
    message = _pending_push(gold_benefit, django_capture_on_commit_callbacks)
    lease = PUSH_OUTBOX.claim(message.pk)  # a worker claims it, then dies mid-send
    assert lease is not None
    assert push_deliver(outbox_id=message.pk) == "skipped"  # its lease still lives
    assert RecordingSender.sent == []
    _expire(message)
    assert push_deliver(outbox_id=message.pk) == "sent"
    message.refresh_from_db()
    assert (message.status, message.attempts, message.delivery_ref) == (
        OutboxStatus.SENT,
        2,
        f"rec:{message.pk}",
    )
    assert attempts == [(message.pk, push_idempotency_key(message.pk))]
    assert lease.release(status=OutboxStatus.FAILED) is False  # the dead worker wakes: no effect
    assert OutboxMessage.objects.get(pk=message.pk).status == OutboxStatus.SENT


def test_the_requeue_sweep_resends_an_expired_claim_and_not_a_live_one(
    gold_benefit, settings, django_capture_on_commit_callbacks, eager_celery
):
    from bookshelf.reach.services import outbox_requeue_pending

    settings.BOOKSHELF_PUSH_SENDER = RECORDING
    dead = _pending_push(gold_benefit, django_capture_on_commit_callbacks)
    live = _pending_push(gold_benefit, django_capture_on_commit_callbacks)
    assert PUSH_OUTBOX.claim(dead.pk) and PUSH_OUTBOX.claim(live.pk)
    _expire(dead)
    # Claims are re-sent however young the push is: the threshold is for pending ones.
    assert outbox_requeue_pending(older_than_seconds=3600) == 1
    assert RecordingSender.sent == [dead.pk]
    assert attempts == [(dead.pk, f"bookshelf-push-{dead.pk}")]
    dead.refresh_from_db()
    live.refresh_from_db()
    assert (dead.status, dead.attempts) == (OutboxStatus.SENT, 2)
    assert (live.status, live.attempts) == (OutboxStatus.SENDING, 1)
    assert live.locked_until is not None
    assert outbox_requeue_pending(older_than_seconds=3600) == 0
    assert RecordingSender.sent == [dead.pk]
