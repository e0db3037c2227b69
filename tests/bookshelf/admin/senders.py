"""Push senders for the tests, plugged in through settings.BOOKSHELF_PUSH_SENDER. Each records
the idempotency key it was handed, in `attempts` (this process) or, for `GatewaySender`, on
disk where a test and a Celery worker process both see it."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import ClassVar

from bookshelf.models import OutboxMessage
from bookshelf.reach.services import TransientSendError

# (outbox id, idempotency key) of every send any in-process test sender was asked for.
attempts: list[tuple[int, str]] = []


class RecordingSender:
    sent: ClassVar[list[int]] = []

    def send(self, message: OutboxMessage, *, idempotency_key: str) -> str:
        attempts.append((message.pk, idempotency_key))
        RecordingSender.sent.append(message.pk)
        return f"rec:{message.pk}"


class FlakySender:
    def send(self, message: OutboxMessage, *, idempotency_key: str) -> str:
        attempts.append((message.pk, idempotency_key))
        raise TransientSendError("gateway timeout")


class BrokenSender:
    def send(self, message: OutboxMessage, *, idempotency_key: str) -> str:
        attempts.append((message.pk, idempotency_key))
        raise RuntimeError("bad address")


class GatewaySender:
    """A gateway that dedupes by idempotency key, kept in the directory named by
    BOOKSHELF_TEST_GATEWAY: every request is a line of `requests.jsonl`; a key it has not seen
    is delivered (a line of `delivered.jsonl`), a key it has seen is not delivered again.
    With BOOKSHELF_TEST_GATEWAY_HANG set, it delivers and then never answers, like a worker
    killed after the gateway sent the message and before it heard back."""

    def send(self, message: OutboxMessage, *, idempotency_key: str) -> str:
        home = Path(os.environ["BOOKSHELF_TEST_GATEWAY"])
        record = json.dumps({"outbox": message.pk, "key": idempotency_key}) + "\n"
        with (home / "requests.jsonl").open("a", encoding="utf-8") as requests:
            requests.write(record)
        delivered = home / "delivered.jsonl"
        seen = {line["key"] for line in gateway_lines(delivered)}
        if idempotency_key not in seen:
            with delivered.open("a", encoding="utf-8") as out:
                out.write(record)
        if os.environ.get("BOOKSHELF_TEST_GATEWAY_HANG"):
            time.sleep(3600)
        return f"gw:{idempotency_key}"


def gateway_lines(path: Path) -> list[dict[str, object]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
