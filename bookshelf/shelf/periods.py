"""Quota periods: which dates a use counts against."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from .models import QuotaPeriod

# Unlimited benefits count every use against one lifetime bucket.
LIFETIME_START = date(2000, 1, 1)


def _anniversary(anchor: date, year: int) -> date:
    day = min(anchor.day, calendar.monthrange(year, anchor.month)[1])
    return date(year, anchor.month, day)


def period_bounds(period: str, on: date, anchor: date | None = None) -> tuple[date, date | None]:
    """The first and last day of the period containing `on` (None: no end).

    A policy year runs from the anniversary of the holder's earliest in-force policy; a
    customer without one falls back to the calendar year.
    """
    if period == QuotaPeriod.CALENDAR_MONTH:
        last = calendar.monthrange(on.year, on.month)[1]
        return date(on.year, on.month, 1), date(on.year, on.month, last)
    if period == QuotaPeriod.POLICY_YEAR and anchor is not None:
        start = _anniversary(anchor, on.year)
        if start > on:
            start = _anniversary(anchor, on.year - 1)
        end = _anniversary(anchor, start.year + 1) - timedelta(days=1)
        return start, end
    if period == QuotaPeriod.UNLIMITED:
        return LIFETIME_START, None
    return date(on.year, 1, 1), date(on.year, 12, 31)
