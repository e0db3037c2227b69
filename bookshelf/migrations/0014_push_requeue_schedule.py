"""Beat re-sends pushes the broker missed (they wait in the outbox), every minute."""

from django.db import migrations

NAME = "Re-send pending pushes (every minute)"


def forwards(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every, _ = IntervalSchedule.objects.get_or_create(every=60, period="seconds")
    PeriodicTask.objects.get_or_create(
        name=NAME,
        defaults={
            "task": "bookshelf.tasks.requeue_pending_pushes",
            "interval": every,
            "description": "Outbox messages still pending after five minutes go to a worker.",
        },
    )


def backwards(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("bookshelf", "0013_suggestion_push"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
