"""The review's thresholds (product staff's settings, snapshotted per run) and its windows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from benefits.models import USABLE_STATUSES, Benefit
from customers.models import Tier

from ..shelf.models import ShelfCell
from .models import (
    ReviewRun,
    ReviewSettings,
)


def review_settings_default() -> ReviewSettings:
    """The default row (seeded by a migration; recreated with the defaults if deleted)."""
    row = ReviewSettings.objects.filter(category__isnull=True).order_by("pk").first()
    if row is None:
        row = ReviewSettings.objects.create()
    return row


def review_thresholds_snapshot() -> dict[str, Any]:
    default = review_settings_default()
    by_category = {
        row.category.path_code: row.thresholds()  # type: ignore[union-attr]
        for row in ReviewSettings.objects.filter(category__isnull=False).select_related("category")
    }
    return {"default": default.thresholds(), "categories": by_category}


def review_thresholds_for(run: ReviewRun, top_code: str) -> dict[str, Any]:
    """The thresholds the run applies to a benefit of this top-level category."""
    snapshot = run.thresholds
    return snapshot.get("categories", {}).get(top_code) or snapshot["default"]


def midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


@dataclass(frozen=True)
class Window:
    """The days [end - days, end): `end` itself is not in the window."""

    end: date
    days: int

    @property
    def start_at(self) -> datetime:
        return midnight(self.end - timedelta(days=self.days))

    @property
    def end_at(self) -> datetime:
        return midnight(self.end)

    def earlier(self, reviews_back: int, every_days: int) -> Window:
        return Window(self.end - timedelta(days=reviews_back * every_days), self.days)


def run_window(run: ReviewRun) -> Window:
    return Window(run.window_end, run.window_days)


def tier_label(value: int | None) -> str:
    if value is None:
        return str(_("All tiers"))
    return str(Tier(value).label)


def review_benefit_ids(*, run: ReviewRun) -> list[int]:
    """The benefits to review: usable and held by at least one tier, in primary-key order."""
    held = ShelfCell.objects.filter(benefit=OuterRef("pk"))
    return list(
        Benefit.objects.filter(status__in=USABLE_STATUSES)
        .filter(Exists(held))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
