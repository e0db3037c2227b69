"""Beat: overdue fulfilments open operations cases every ten minutes; issued codes past their
validity expire nightly."""

from django.conf import settings
from django.db import migrations

OVERDUE = "Overdue fulfilments (every 10 minutes)"
EXPIRE = "Expire issued codes past their validity (nightly)"


def forwards(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every, _ = IntervalSchedule.objects.get_or_create(every=10, period="minutes")
    PeriodicTask.objects.get_or_create(
        name=OVERDUE,
        defaults={
            "task": "bookshelf.fulfilment_overdue_sweep",
            "interval": every,
            "description": "Suppliers that missed a service level open a case, once.",
        },
    )
    nightly, _ = CrontabSchedule.objects.get_or_create(
        minute="15",
        hour="0",
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone=settings.TIME_ZONE,
    )
    PeriodicTask.objects.get_or_create(
        name=EXPIRE,
        defaults={
            "task": "bookshelf.fulfilment_expire_sweep",
            "crontab": nightly,
            "description": "Their uses are given back.",
        },
    )


def backwards(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[OVERDUE, EXPIRE]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("bookshelf", "0032_fulfilment"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
