"""Agents, supervisors and product staff get the agent's day: customer value, survey
settings and invitations, detractor follow-ups and their calls, the NPS report."""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations


def groups_forwards(apps, schema_editor):
    from bookshelf.roles import staff_groups_sync

    # Permissions are normally created after all migrations ran: create them now.
    for app_config in global_apps.get_app_configs():
        create_permissions(app_config, apps=apps, verbosity=0)
    staff_groups_sync(
        group_model=apps.get_model("auth", "Group"),
        permission_model=apps.get_model("auth", "Permission"),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("bookshelf", "0042_agents_day"),
    ]

    operations = [
        migrations.RunPython(groups_forwards, migrations.RunPython.noop),
    ]
