"""Safe bounds for dates and datetimes that come from outside (query parameters, bodies, admin
URLs), so no value at the edge of the calendar ever overflows into a 500.

Python's `date` stops at 0001-01-01 and 9999-12-31; moving a boundary day by a day, making it
aware in the local time zone or converting it to UTC can step past either end. A range
filter's bound is clamped to [`SAFE_MIN`, `SAFE_MAX`]: no row is ever stored that far out, so
`date_to=9999-12-31` (the usual "no end" sentinel) still means "everything", as a reader
expects, and `date_from=0001-01-01` means "from the start". A single datetime given as a
value (when something happened) outside the safe range is refused with `date_out_of_range`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

# A day of margin on each side covers every UTC offset (at most 14 hours, 15:54 for
# Shanghai's local mean time before 1901) in both directions.
SAFE_MIN = datetime(1, 1, 2, tzinfo=UTC)
SAFE_MAX = datetime(9999, 12, 30, tzinfo=UTC)


def day_start(day: date) -> datetime:
    """The aware local midnight that starts `day`, clamped to [SAFE_MIN, SAFE_MAX]."""
    if day <= SAFE_MIN.date():
        return SAFE_MIN
    if day >= SAFE_MAX.date():
        return SAFE_MAX
    return timezone.make_aware(datetime.combine(day, time.min))


def day_after(day: date) -> datetime:
    """The aware local midnight that ends `day` (the start of the next), clamped: for a
    half-open range `created_at < day_after(date_to)`."""
    if day >= SAFE_MAX.date() - timedelta(days=1):
        return SAFE_MAX
    return day_start(day + timedelta(days=1))


def datetime_in_range(value: datetime) -> bool:
    """Whether an aware or naive (local) datetime lies within [SAFE_MIN, SAFE_MAX], checked
    without any conversion that could itself overflow."""
    if timezone.is_naive(value):
        return SAFE_MIN.replace(tzinfo=None) <= value <= SAFE_MAX.replace(tzinfo=None)
    offset = value.utcoffset() or timedelta(0)
    naive_utc_min = SAFE_MIN.replace(tzinfo=None) + offset
    naive_utc_max = SAFE_MAX.replace(tzinfo=None) + offset
    return naive_utc_min <= value.replace(tzinfo=None) <= naive_utc_max


class SafeDateTimeField(serializers.DateTimeField):
    """A DRF datetime that refuses values outside the safe range with a 400
    (`date_out_of_range`) before DRF converts them to the local time zone."""

    default_error_messages = {
        "date_out_of_range": _("Give a date and time between 0001-01-02 and 9999-12-30 (UTC)."),
    }

    def enforce_timezone(self, value: datetime) -> Any:
        if not datetime_in_range(value):
            self.fail("date_out_of_range")
        return super().enforce_timezone(value)


class SafeDateHierarchyChangeList(ChangeList):
    """Django's date hierarchy steps past the calendar's ends (`?start_time__year=9999`
    overflows computing the end of the year; year 1 overflows converting local midnight to
    UTC on SQLite) and answers 500; here a period outside the safe range is refused like any
    bad lookup (the change list redirects with `?e=1`)."""

    def get_filters(self, request: HttpRequest) -> Any:
        if self.date_hierarchy:
            self._hierarchy_check(request.GET)
        try:
            return super().get_filters(request)
        except (OverflowError, ValueError) as exc:
            raise IncorrectLookupParameters(exc) from exc

    def _hierarchy_check(self, params: Any) -> None:
        prefix = f"{self.date_hierarchy}__"
        year = params.get(prefix + "year")
        if year is None:
            return
        try:
            start = date(
                int(year), int(params.get(prefix + "month", 1)), int(params.get(prefix + "day", 1))
            )
        except (OverflowError, ValueError) as exc:
            raise IncorrectLookupParameters(exc) from exc
        # The period's end (a year later at most) must be a safe bound too.
        if not SAFE_MIN.date() < start or start.year >= SAFE_MAX.year:
            raise IncorrectLookupParameters(_("That period is outside the calendar."))


class SafeDateHierarchyMixin:
    """For a ModelAdmin with a `date_hierarchy`."""

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return SafeDateHierarchyChangeList
