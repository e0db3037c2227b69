"""Push senders for the tests, plugged in through settings.BOOKSHELF_PUSH_SENDER."""

from __future__ import annotations

from typing import ClassVar

from bookshelf.models import OutboxMessage
from bookshelf.reach.services import TransientSendError


class RecordingSender:
    sent: ClassVar[list[int]] = []

    def send(self, message: OutboxMessage) -> str:
        RecordingSender.sent.append(message.pk)
        return f"rec:{message.pk}"


class FlakySender:
    def send(self, message: OutboxMessage) -> str:
        raise TransientSendError("gateway timeout")


class BrokenSender:
    def send(self, message: OutboxMessage) -> str:
        raise RuntimeError("bad address")
