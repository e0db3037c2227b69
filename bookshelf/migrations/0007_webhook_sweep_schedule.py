"""Beat sends due webhook deliveries (retries, and what a broker outage held back) every 30s."""

from django.db import migrations

NAME = "Deliver due webhooks (every 30 seconds)"


def forwards(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every, _ = IntervalSchedule.objects.get_or_create(every=30, period="seconds")
    PeriodicTask.objects.get_or_create(
        name=NAME,
        defaults={
            "task": "bookshelf.tasks.webhooks_sweep",
            "interval": every,
            "description": "Retries whose backoff ran out, and deliveries the broker missed.",
        },
    )


def backwards(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("bookshelf", "0006_living_shelf_defaults"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
