"""Beat: peer usage for recommendations nightly; suggestions from events and expiring quotas
every morning before agents start."""

from django.conf import settings
from django.db import migrations

SCHEDULE = [
    (
        "Refresh peer usage for recommendations (nightly)",
        "bookshelf.tasks.peer_usage_refresh_task",
        ("30", "1", "*"),
        "Share of customers per tier and age band who used each benefit last year.",
    ),
    (
        "Suggestions for agents (every morning)",
        "bookshelf.tasks.suggestions_sweep",
        ("0", "7", "*"),
        "Events the broker missed, and benefits whose period ends soon with uses left.",
    ),
]


def forwards(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, (minute, hour, dow), description in SCHEDULE:
        crontab, _ = CrontabSchedule.objects.get_or_create(
            minute=minute,
            hour=hour,
            day_of_week=dow,
            day_of_month="*",
            month_of_year="*",
            timezone=settings.TIME_ZONE,
        )
        PeriodicTask.objects.get_or_create(
            name=name, defaults={"task": task, "crontab": crontab, "description": description}
        )


def backwards(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[name for name, *_ in SCHEDULE]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("bookshelf", "0008_recommendations_and_events"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
