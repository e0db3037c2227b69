"""The one rule for changing an open request for the customer (cancel, rebook): who may,
and until when before its appointment. The rules are described in `rebooking`; they live
here, apart, because `lifecycle.use_cancel` applies them too, and `rebooking` builds on
`lifecycle` (one module importing the other both ways would be an import cycle).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from config.exceptions import Conflict, NotAllowed
from config.users import acting_user

from .error_codes import FulfilmentErrorCode
from .models import Fulfilment, FulfilmentState
from .transitions import OPEN_STATES

# Who changes requests at the desk: who records uses, or cancels them (a supervisor).
CHANGE_PERMISSIONS = ("bookshelf.add_redemption", "bookshelf.change_redemption")
SUPERVISOR_PERMISSION = "bookshelf.change_redemption"


def cutoff_hours() -> int:
    return int(settings.BOOKSHELF_REBOOK_CUTOFF_HOURS)


def rebook_cutoff() -> timedelta:
    return timedelta(hours=cutoff_hours())


@dataclass(frozen=True)
class ChangeWindow:
    """Whether a request may still be cancelled or rebooked by this user, and until when
    (None: no appointment, no cutoff). For the desk, read from the loaded row: no query."""

    open: bool
    until: datetime | None
    exempt: bool = False

    def allows(self, now: datetime) -> bool:
        return self.open and (self.exempt or self.until is None or now <= self.until)


def change_window(fulfilment: Fulfilment, *, by: Any = None) -> ChangeWindow:
    """The window in which `by` may cancel or rebook this request."""
    user = acting_user(by)
    exempt = user is not None and user.has_perm(SUPERVISOR_PERMISSION)
    until = None
    if fulfilment.state == FulfilmentState.BOOKED and fulfilment.appointment_at is not None:
        until = fulfilment.appointment_at - rebook_cutoff()
    return ChangeWindow(open=fulfilment.state in OPEN_STATES, until=until, exempt=exempt)


def change_check(*, fulfilment: Fulfilment, by: Any = None, now: datetime | None = None) -> None:
    """Raise why `by` may not cancel or rebook this request now (see the module's rules);
    None if they may. A closed request is left to the transition table's answer."""
    user = acting_user(by)
    if user is not None and not any(user.has_perm(p) for p in CHANGE_PERMISSIONS):
        raise NotAllowed(
            FulfilmentErrorCode.CHANGE_NOT_ALLOWED,
            _("Only staff who record or cancel uses may change a request."),
        )
    window = change_window(fulfilment, by=by)
    if window.open and not window.allows(now or timezone.now()):
        hours = cutoff_hours()
        raise Conflict(
            FulfilmentErrorCode.CHANGE_CUTOFF_PASSED,
            ngettext(
                "The appointment is less than %(hours)d hour away: it can no longer be "
                "cancelled or moved. A supervisor can still do it.",
                "The appointment is less than %(hours)d hours away: it can no longer be "
                "cancelled or moved. A supervisor can still do it.",
                hours,
            )
            % {"hours": hours},
            extra={"state": fulfilment.state},
        )
