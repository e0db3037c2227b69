"""Scheduled jobs name a task and its arguments: only superusers add, change or delete
periodic tasks and their schedules, or run, enable and disable them; product staff at most
look. A data migration takes the rights away from staff groups that held them."""

import importlib

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django_celery_beat.models import (
    ClockedSchedule,
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    SolarSchedule,
)

from bookshelf.roles import PRODUCT_STAFF, STAFF_GROUPS

pytestmark = pytest.mark.django_db

BEAT_MODELS = [PeriodicTask, IntervalSchedule, CrontabSchedule, SolarSchedule, ClockedSchedule]


@pytest.fixture
def job():
    every = IntervalSchedule.objects.create(every=10, period=IntervalSchedule.MINUTES)
    return PeriodicTask.objects.create(
        name="review", task="bookshelf.review_shelf", interval=every, args="[]", enabled=True
    )


def _change_data(job, **overrides):
    task = job
    return {
        "name": task.name,
        "regtask": "",
        "task": "bookshelf.evil",
        "enabled": "on",
        "description": "",
        "interval": task.interval_id,
        "args": '["rm -rf"]',
        "kwargs": "{}",
        "queue": "",
        "exchange": "",
        "routing_key": "",
        "headers": "{}",
        "priority": "",
        "expires_0": "",
        "expires_1": "",
        "expire_seconds": "",
        "start_time_0": "",
        "start_time_1": "",
        "last_run_at_0": "",
        "last_run_at_1": "",
        **overrides,
    }


def test_product_staff_can_look_but_not_touch(office, job):
    client = office.client_for(office.product)
    assert client.get("/admin/django_celery_beat/periodictask/").status_code == 200
    change_url = f"/admin/django_celery_beat/periodictask/{job.pk}/change/"
    page = client.get(change_url)
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert client.post(change_url, _change_data(job)).status_code == 403
    assert client.get("/admin/django_celery_beat/periodictask/add/").status_code == 403
    delete_url = f"/admin/django_celery_beat/periodictask/{job.pk}/delete/"
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
    for action in ("disable_tasks", "toggle_tasks", "run_tasks"):
        client.post(
            "/admin/django_celery_beat/periodictask/",
            {"action": action, "_selected_action": [job.pk]},
        )
    job.refresh_from_db()
    assert (job.task, job.args, job.enabled) == ("bookshelf.review_shelf", "[]", True)
    for model in BEAT_MODELS[1:]:
        base = f"/admin/django_celery_beat/{model._meta.model_name}/"
        assert client.get(base + "add/").status_code == 403


def test_product_staff_hold_no_right_to_change_the_schedule():
    perms = [p for p in STAFF_GROUPS[PRODUCT_STAFF] if p.startswith("django_celery_beat.")]
    assert all(p.split(".", 1)[1].startswith("view_") for p in perms)
    for group_perms in STAFF_GROUPS.values():
        assert not any(
            p.startswith("django_celery_beat.") and not p.split(".")[1].startswith("view_")
            for p in group_perms
        )


def test_superusers_still_manage_the_schedule(office, job):
    client = office.client_for(office.superuser)
    change_url = f"/admin/django_celery_beat/periodictask/{job.pk}/change/"
    response = client.post(change_url, _change_data(job, task="bookshelf.review_shelf"))
    assert response.status_code == 302, response.content[:2000]
    assert client.get("/admin/django_celery_beat/crontabschedule/add/").status_code == 200


def test_every_beat_admin_is_ours():
    from bookshelf.admin.schedule import ScheduleGuard

    for model in BEAT_MODELS:
        assert isinstance(admin.site._registry[model], ScheduleGuard), model


def test_the_migration_takes_the_rights_away_from_staff_groups():
    from django.apps import apps

    group = Group.objects.create(name=PRODUCT_STAFF + " (old)")
    product = Group.objects.get_or_create(name=PRODUCT_STAFF)[0]
    keep = Permission.objects.get(codename="view_periodictask")
    drop = Permission.objects.filter(
        content_type__app_label="django_celery_beat",
        codename__in=["change_periodictask", "add_crontabschedule", "delete_intervalschedule"],
    )
    product.permissions.add(keep, *drop)
    group.permissions.add(*drop)
    migration = importlib.import_module(
        "bookshelf.migrations.0025_apiclient_channels_schedule_perms"
    )
    migration.schedule_rights_from_staff(apps, None)
    assert set(product.permissions.filter(content_type__app_label="django_celery_beat")) == {keep}
    assert group.permissions.count() == 3  # not a staff group: not ours to change
