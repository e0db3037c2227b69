"""The shelf review's covering index (PostgreSQL only): the uses paid for by a tier allowance,
by benefit and time, carrying the tier and the holder, so each review chunk reads only its
benefits' entries of the window's partitions (an index-only scan), not the whole window.

SQLite, the embedded default, has no INCLUDE: its review reads the table, which is small.
"""

from django.db import migrations

CREATE = (
    "CREATE INDEX IF NOT EXISTS redemption_review ON bookshelf_redemption "
    "(benefit_id, created_at) INCLUDE (tier_snapshot, holder_id) "
    "WHERE status = 'completed' AND source IN ('tier', 'family')"
)


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS redemption_review")


class Migration(migrations.Migration):
    dependencies = [("bookshelf", "0020_partition_schedule")]

    operations = [migrations.RunPython(forwards, backwards)]
