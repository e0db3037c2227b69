"""API clients get the channels they may claim (existing clients: the app only), and the
staff groups lose any right to add, change or delete scheduled jobs (they may still view)."""

from django.db import migrations, models

import bookshelf.integrations.models


def schedule_rights_from_staff(apps, schema_editor):
    from bookshelf.roles import STAFF_GROUPS

    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    writes = permission_model.objects.filter(content_type__app_label="django_celery_beat").exclude(
        codename__startswith="view_"
    )
    for group in group_model.objects.filter(name__in=list(STAFF_GROUPS)):
        group.permissions.remove(*writes)


class Migration(migrations.Migration):
    dependencies = [
        ("bookshelf", "0024_outbox_refused_and_consent_perms"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.AddField(
            model_name="apiclient",
            name="channels",
            field=models.JSONField(
                default=bookshelf.integrations.models.app_channel_only,
                help_text="The channels this client may record uses on; the first is its default.",
                verbose_name="channels",
            ),
        ),
        migrations.RunPython(schedule_rights_from_staff, migrations.RunPython.noop),
    ]
