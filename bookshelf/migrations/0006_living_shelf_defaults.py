"""Defaults of the living shelf: the review settings row, the grouping key of the demand
signals already stored, and the beat schedule product staff then edit in the admin
(Periodic tasks): tier recalculation nightly, shelf review weekly, auto-retirement daily."""

from django.conf import settings
from django.db import migrations

from bookshelf.review.demand_keys import demand_text_key

# name, task, crontab (minute, hour, day_of_week), description
SCHEDULE = [
    (
        "Recalculate customer tiers (nightly)",
        "customers.tiers_recalculate",
        ("30", "2", "*"),
        "Every customer's tier from in-force policies and the tier rules.",
    ),
    (
        "Review the shelf (weekly)",
        "bookshelf.shelf_review",
        ("0", "3", "1"),
        "Usage and NPS per benefit and tier; retirement and pull proposals.",
    ),
    (
        "Retire unanswered proposals (daily)",
        "bookshelf.proposals_auto_retire",
        ("0", "4", "*"),
        "Retirement proposals nobody answered by their deadline retire their benefit.",
    ),
]


def forwards(apps, schema_editor):
    ReviewSettings = apps.get_model("bookshelf", "ReviewSettings")
    if not ReviewSettings.objects.filter(category__isnull=True).exists():
        ReviewSettings.objects.create()

    DemandSignal = apps.get_model("bookshelf", "DemandSignal")
    last = 0
    while True:
        batch = list(DemandSignal.objects.filter(pk__gt=last).order_by("pk")[:2000])
        if not batch:
            break
        for signal in batch:
            signal.text_key = demand_text_key(signal.text)
        DemandSignal.objects.bulk_update(batch, ["text_key"])
        last = batch[-1].pk

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
            name=name,
            defaults={"task": task, "crontab": crontab, "description": description},
        )


def backwards(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[name for name, *_ in SCHEDULE]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("bookshelf", "0005_living_shelf"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
