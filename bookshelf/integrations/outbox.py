"""One outbox with a lease, for every table of work that leaves the process: webhook
deliveries here, pushes in reach (which describes its table to this module; integrations
import no feature).

A row is written pending in the transaction of the change and delivered after commit. A
worker claims it with one conditional UPDATE: pending (and due) -> sending, or sending with
a lease that ran out -> sending again; the lease ends `BOOKSHELF_OUTBOX_LEASE_SECONDS` from
now and attempts grows by one. The database lets only one such UPDATE match a row, so two
workers never hold the same row. A worker that dies mid-send keeps the row until its lease
ends; then the sweep claims it again and it is sent again. Delivery is therefore at least
once: every send carries the row's stable reference, and receivers drop duplicates by it.

The lease must outlast the longest send (a webhook times out after 30 s at most). Its end
is also the claim's token: a worker writes its outcome only while the row still carries its
own lease end, so one that overran its lease cannot overwrite the outcome of the worker that
took over.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Count, F, Min, Q
from django.utils import timezone

from config.metrics import GAUGE_SOURCES


def lease_length() -> timedelta:
    return timedelta(seconds=settings.BOOKSHELF_OUTBOX_LEASE_SECONDS)


@dataclass(frozen=True)
class Outbox:
    """An outbox table, described by its model and the names of its columns and states."""

    name: str  # the `outbox` label of the backlog gauges
    model: type[models.Model]
    pending: str
    sending: str
    due_field: str | None = None  # a pending row waits until this time (a retry's backoff)
    lease_field: str = "locked_until"
    status_field: str = "status"
    attempts_field: str = "attempts"
    created_field: str = "created_at"

    def _rows(self) -> models.QuerySet[Any]:
        return self.model._default_manager.all()

    def _pending(self, now: datetime, created_before: datetime | None = None) -> Q:
        q = Q(**{self.status_field: self.pending})
        if self.due_field:
            q &= Q(**{f"{self.due_field}__lte": now})
        if created_before is not None:
            q &= Q(**{f"{self.created_field}__lt": created_before})
        return q

    def _expired(self, now: datetime) -> Q:
        """Claims nobody holds any more: the lease ran out (or there is none, as on rows
        claimed before pushes had a lease)."""
        lease = Q(**{f"{self.lease_field}__lt": now}) | Q(**{f"{self.lease_field}__isnull": True})
        return Q(**{self.status_field: self.sending}) & lease

    def claim(self, pk: int) -> Lease | None:
        """Take the row for one send, if it is due or its last claim expired; None if it is
        not (sent, failed, not yet due, or held by a live claim)."""
        now = timezone.now()
        until = now + lease_length()
        won = (
            self._rows()
            .filter(self._pending(now) | self._expired(now), pk=pk)
            .update(
                **{
                    self.status_field: self.sending,
                    self.lease_field: until,
                    self.attempts_field: F(self.attempts_field) + 1,
                }
            )
        )
        return Lease(outbox=self, pk=pk, until=until) if won else None

    def due(self, *, limit: int = 500, waited: timedelta | None = None) -> list[int]:
        """Ids to send now, oldest first: pending rows that are due (with `waited`, only those
        written at least that long ago, so an enqueue still on its way is not doubled), and
        claims whose lease expired."""
        now = timezone.now()
        created_before = now - waited if waited is not None else None
        ready = self._pending(now, created_before) | self._expired(now)
        order = [self.due_field, "pk"] if self.due_field else ["pk"]
        return list(
            self._rows().filter(ready).order_by(*order).values_list("pk", flat=True)[:limit]
        )

    def backlog(self) -> tuple[int, float]:
        """Rows not delivered yet (pending or sending) and the age in seconds of the oldest."""
        waiting = self._rows().filter(**{f"{self.status_field}__in": [self.pending, self.sending]})
        row = waiting.aggregate(n=Count("pk"), oldest=Min(self.created_field))
        oldest = row["oldest"]
        return row["n"], (timezone.now() - oldest).total_seconds() if oldest else 0.0


@dataclass(frozen=True)
class Lease:
    """One worker's claim on one row, until `until`."""

    outbox: Outbox
    pk: int
    until: datetime

    def release(self, **outcome: Any) -> bool:
        """Write the outcome (the new status and what goes with it) and end the lease, if this
        claim still holds the row. False if the lease expired and another worker took over:
        its outcome stands."""
        box = self.outbox
        held = box._rows().filter(
            pk=self.pk, **{box.status_field: box.sending, box.lease_field: self.until}
        )
        return bool(held.update(**{box.lease_field: None, **outcome}))


def outbox_register(outbox: Outbox) -> Outbox:
    """Count the outbox in `bookshelf_outbox_backlog` and its oldest age, at every scrape."""
    GAUGE_SOURCES[outbox.name] = outbox.backlog
    return outbox
