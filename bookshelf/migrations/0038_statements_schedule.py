"""Beat: on the 1st of each month at 02:00 (local time), last month's draft statement for
every supplier with lines to pay."""

from django.conf import settings
from django.db import migrations

DRAFT = "Draft last month's supplier statements (the 1st, 02:00)"


def forwards(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    monthly, _ = CrontabSchedule.objects.get_or_create(
        minute="0",
        hour="2",
        day_of_week="*",
        day_of_month="1",
        month_of_year="*",
        timezone=settings.TIME_ZONE,
    )
    PeriodicTask.objects.get_or_create(
        name=DRAFT,
        defaults={
            "task": "bookshelf.statements_draft_month",
            "crontab": monthly,
            "description": "Product staff then import each supplier's bill, reconcile, approve.",
        },
    )


def backwards(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name=DRAFT).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("bookshelf", "0036_money_permissions"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
