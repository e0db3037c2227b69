"""Range-partition the redemption table by month on PostgreSQL (see bookshelf.ledger.partitions).

SQLite, the embedded default, keeps its one plain table: both steps return at once there.
"""

from django.db import migrations


def forwards(apps, schema_editor):
    from bookshelf.ledger.partitions import redemption_table_partition

    redemption_table_partition(schema_editor)


def backwards(apps, schema_editor):
    from bookshelf.ledger.partitions import redemption_table_unpartition

    redemption_table_unpartition(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("bookshelf", "0018_redemption_lean_indexes")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
