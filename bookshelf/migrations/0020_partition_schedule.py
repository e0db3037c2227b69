"""Beat runs `bookshelf.redemption_partitions_ensure` monthly (edit it in Periodic tasks)."""

from django.conf import settings
from django.db import migrations

NAME = "Prepare redemption partitions (monthly)"


def forwards(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="0",
        hour="1",
        day_of_week="*",
        day_of_month="1",
        month_of_year="*",
        timezone=settings.TIME_ZONE,
    )
    PeriodicTask.objects.get_or_create(
        name=NAME,
        defaults={
            "task": "bookshelf.redemption_partitions_ensure",
            "crontab": crontab,
            "description": "Monthly partitions of the redemption table, three months ahead "
            "(PostgreSQL; nothing to do on SQLite).",
        },
    )


def backwards(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("bookshelf", "0019_redemption_partitions"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
