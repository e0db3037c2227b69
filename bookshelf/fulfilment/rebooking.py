"""Changing an open request for the customer: cancelling it or giving it a new appointment.

The rules, one place for every caller (the agent's desk, the records admin, the app's API
cancel, which all reach `use_cancel`, and `fulfilment_rebook`):

- Only an open request changes (requested, booked, issued); a settled, failed, expired or
  cancelled one answers `illegal_transition` (409, with its state) from the transition table.
- A booked request is cancelled or rebooked no later than BOOKSHELF_REBOOK_CUTOFF_HOURS
  (default 2) before its appointment, and never after it: past that the supplier has sent
  someone, and what happens is the supplier's to report (fulfilled, no-show, failed). Later
  asks answer `change_cutoff_passed` (409). A request not booked yet, or an issued code, has
  no appointment and no cutoff.
- The cutoff binds agents and the customer (the app's API client). A supervisor
  (`bookshelf.change_redemption`, who may cancel any use at any time by the ledger's rule)
  is exempt, for a booking the supplier never reported on.
- A staff user must record or cancel uses (`bookshelf.add_redemption` or
  `bookshelf.change_redemption`), else `change_not_allowed` (403); who the customer is
  (an agent's own, a supervisor's team's) is checked by the caller that looked them up.
- Only a booked request is rebooked (`not_booked`, 409, for one the supplier has not given
  a time yet: there is nothing to move). The new appointment is at least the cutoff ahead
  (the supplier gets the same notice the customer must give) and, when the supplier has a
  service level to deliver, no later than its deadline (`appointment_too_soon`,
  `appointment_outside_service_level`, 400).

A refused change changes nothing. A rebooking is the table's booked → booked through
`fulfilment_transition` with the staff actor: its compare-and-set, its event row (from,
to, the new time) and its `redemption.booked` webhook, so the app sees the new time.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from config.exceptions import Conflict, DomainError, NotFound

from .cutoff import ChangeWindow, change_check, change_window, cutoff_hours, rebook_cutoff
from .error_codes import FulfilmentErrorCode
from .lifecycle import Actor, Change, TransitionResult, fulfilment_transition, illegal
from .models import Fulfilment, FulfilmentState

# The rule, for the callers that change requests (the desk reads its window per row).
__all__ = [
    "ChangeWindow",
    "change_check",
    "change_window",
    "cutoff_hours",
    "fulfilment_rebook",
]


def _appointment_check(fulfilment: Fulfilment, appointment_at: datetime, now: datetime) -> None:
    if timezone.is_naive(appointment_at):
        raise DomainError(
            FulfilmentErrorCode.INVALID,
            _("Give the new appointment with its time zone."),
            field="appointment_at",
        )
    if appointment_at < now + rebook_cutoff():
        hours = cutoff_hours()
        raise DomainError(
            FulfilmentErrorCode.APPOINTMENT_TOO_SOON,
            ngettext(
                "The new appointment must be at least %(hours)d hour from now.",
                "The new appointment must be at least %(hours)d hours from now.",
                hours,
            )
            % {"hours": hours},
            field="appointment_at",
        )
    due = fulfilment.deliver_due_at
    if due is not None and appointment_at > due:
        raise DomainError(
            FulfilmentErrorCode.APPOINTMENT_OUTSIDE_SERVICE_LEVEL,
            _("The supplier must deliver by %(due)s: choose a time before it.")
            % {"due": timezone.localtime(due).strftime("%Y-%m-%d %H:%M")},
            field="appointment_at",
        )


def fulfilment_rebook(
    *,
    fulfilment_id: int,
    appointment_at: datetime,
    place: str = "",
    by: Any,
    reason: str = "",
) -> TransitionResult:
    """Give a booked request a new appointment (and place; empty keeps the current one),
    within the module's rules, as booked → booked with `by`'s actor. Raises
    `fulfilment_not_found` (404), `illegal_transition` or `not_booked` or
    `change_cutoff_passed` (409), `change_not_allowed` (403), `appointment_too_soon` or
    `appointment_outside_service_level` (400); nothing changes then."""
    now = timezone.now()
    fulfilment = Fulfilment.objects.filter(pk=fulfilment_id).first()
    if fulfilment is None:
        raise NotFound(FulfilmentErrorCode.FULFILMENT_NOT_FOUND, _("No such fulfilment."))
    if fulfilment.state == FulfilmentState.REQUESTED:
        raise Conflict(
            FulfilmentErrorCode.NOT_BOOKED,
            _("The supplier has not given a time yet: there is no appointment to move."),
            extra={"state": fulfilment.state},
        )
    if fulfilment.state != FulfilmentState.BOOKED:
        raise illegal(fulfilment, FulfilmentState.BOOKED)
    change_check(fulfilment=fulfilment, by=by, now=now)
    _appointment_check(fulfilment, appointment_at, now)
    # booked → booked by the table. The transition re-reads the state and moves it only if
    # it is still the one it read: a supplier's "fulfilled" meanwhile wins, and this is 409.
    return fulfilment_transition(
        fulfilment_id=fulfilment.pk,
        target=FulfilmentState.BOOKED,
        actor=Actor.of(by),
        change=Change(reason=reason, appointment_at=appointment_at, place=place.strip()),
    )
