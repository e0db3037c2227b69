"""Scheduled jobs (django-celery-beat): a periodic task names a task and its arguments, so
changing one runs arbitrary code on the workers. Only superusers add, change, delete, run,
enable or disable them or their schedules; staff who may view them (product staff) only look.

The package's own admins are kept (forms, task choices, actions) and re-registered with
these permission rules.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django_celery_beat import admin as beat_admin
from django_celery_beat.models import (
    ClockedSchedule,
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    SolarSchedule,
)

from config.dates import SafeDateHierarchyMixin


def may_manage_schedule(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    return bool(user and user.is_active and user.is_superuser)


class ScheduleGuard:
    """Writes and actions for superusers only; the view permission decides who looks."""

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return may_manage_schedule(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may_manage_schedule(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may_manage_schedule(request)

    def get_actions(self, request: HttpRequest) -> Any:
        # The package's actions (run now, enable, disable, toggle) ask for no permission.
        if not may_manage_schedule(request):
            return {}
        return super().get_actions(request)  # type: ignore[misc]


class PeriodicTaskAdmin(ScheduleGuard, SafeDateHierarchyMixin, beat_admin.PeriodicTaskAdmin):  # type: ignore[misc]
    pass


class IntervalScheduleAdmin(ScheduleGuard, beat_admin.IntervalScheduleAdmin):  # type: ignore[misc]
    pass


class CrontabScheduleAdmin(ScheduleGuard, beat_admin.CrontabScheduleAdmin):  # type: ignore[misc]
    pass


class SolarScheduleAdmin(ScheduleGuard, beat_admin.SolarScheduleAdmin):  # type: ignore[misc]
    pass


class ClockedScheduleAdmin(ScheduleGuard, beat_admin.ClockedScheduleAdmin):  # type: ignore[misc]
    pass


BEAT_ADMINS: list[tuple[type[Any], type[admin.ModelAdmin[Any]]]] = [
    (PeriodicTask, PeriodicTaskAdmin),
    (IntervalSchedule, IntervalScheduleAdmin),
    (CrontabSchedule, CrontabScheduleAdmin),
    (SolarSchedule, SolarScheduleAdmin),
    (ClockedSchedule, ClockedScheduleAdmin),
]
for model, model_admin in BEAT_ADMINS:
    if admin.site.is_registered(model):
        admin.site.unregister(model)
    admin.site.register(model, model_admin)
