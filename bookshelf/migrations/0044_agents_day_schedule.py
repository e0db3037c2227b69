"""Beat: customer value profiles nightly at 03:30 (local time); survey invitations for
fulfilled uses and the escalation of overdue detractor follow-ups every 10 minutes."""

from django.conf import settings
from django.db import migrations

VALUES = "Recompute customer value profiles (nightly, 03:30)"
INVITE = "Invite customers to rate fulfilled uses (every 10 minutes)"
ESCALATE = "Escalate overdue detractor follow-ups (every 10 minutes)"


def forwards(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    nightly, _ = CrontabSchedule.objects.get_or_create(
        minute="30",
        hour="3",
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone=settings.TIME_ZONE,
    )
    every, _ = IntervalSchedule.objects.get_or_create(every=10, period="minutes")
    PeriodicTask.objects.get_or_create(
        name=VALUES,
        defaults={
            "task": "bookshelf.customer_values_refresh",
            "crontab": nightly,
            "description": "RFM segments, value score and lifetime value, in SQL batches.",
        },
    )
    PeriodicTask.objects.get_or_create(
        name=INVITE,
        defaults={
            "task": "bookshelf.survey_invitations_sweep",
            "interval": every,
            "description": "Sampled per benefit, at most one per customer per 30 days.",
        },
    )
    PeriodicTask.objects.get_or_create(
        name=ESCALATE,
        defaults={
            "task": "bookshelf.followups_escalate",
            "interval": every,
            "description": "A detractor not called back in time goes to the supervisor, once.",
        },
    )


def backwards(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[VALUES, INVITE, ESCALATE]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("bookshelf", "0043_agents_day_permissions"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
