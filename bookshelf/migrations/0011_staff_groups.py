"""Create the staff groups (Agent, Agent supervisor, Product staff) with their permissions."""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations


def forwards(apps, schema_editor):
    from bookshelf.roles import staff_groups_sync

    # Permissions are normally created after all migrations ran: create them now.
    for app_config in global_apps.get_app_configs():
        create_permissions(app_config, apps=apps, verbosity=0)
    staff_groups_sync(
        group_model=apps.get_model("auth", "Group"),
        permission_model=apps.get_model("auth", "Permission"),
    )


def backwards(apps, schema_editor):
    from bookshelf.roles import STAFF_GROUPS

    apps.get_model("auth", "Group").objects.filter(name__in=list(STAFF_GROUPS)).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("customers", "0004_tier_rule_history"),
        ("benefits", "0002_benefit_history"),
        ("bookshelf", "0010_history_pushes_outbox"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
