"""Give the staff groups the permissions of the review, suggestions and recommendation pages."""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations


def forwards(apps, schema_editor):
    from bookshelf.roles import staff_groups_sync

    for app_config in global_apps.get_app_configs():
        create_permissions(app_config, apps=apps, verbosity=0)
    staff_groups_sync(
        group_model=apps.get_model("auth", "Group"),
        permission_model=apps.get_model("auth", "Permission"),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("bookshelf", "0011_staff_groups"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
