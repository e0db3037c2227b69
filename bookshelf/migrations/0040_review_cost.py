"""Cost in the shelf review: a finding's cost (the unit costs of the window's uses), the
proposal's saving a year, the per-category `max_cost_per_user` threshold and the `costly`
verdict; and the review's covering index (PostgreSQL only) recreated to carry `unit_cost`,
so each review chunk still reads its benefits' entries index-only (0021 made it without).
"""

import django.core.validators
from decimal import Decimal
from django.db import migrations, models

OLD = (
    "CREATE INDEX IF NOT EXISTS redemption_review ON bookshelf_redemption "
    "(benefit_id, created_at) INCLUDE (tier_snapshot, holder_id) "
    "WHERE status = 'completed' AND source IN ('tier', 'family')"
)
NEW = (
    "CREATE INDEX IF NOT EXISTS redemption_review ON bookshelf_redemption "
    "(benefit_id, created_at) INCLUDE (tier_snapshot, holder_id, unit_cost) "
    "WHERE status = 'completed' AND source IN ('tier', 'family')"
)


def _recreate(schema_editor, create):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS redemption_review")
        schema_editor.execute(create)


def forwards(apps, schema_editor):
    _recreate(schema_editor, NEW)


def backwards(apps, schema_editor):
    _recreate(schema_editor, OLD)


class Migration(migrations.Migration):

    dependencies = [
        ('bookshelf', '0038_statements_schedule'),
    ]

    operations = [
        migrations.AddField(
            model_name='proposal',
            name='saving_per_year',
            field=models.DecimalField(blank=True, decimal_places=2, help_text="The window's cost of the benefit, annualised: what retiring it saves.", max_digits=14, null=True, verbose_name='saving a year (yuan)'),
        ),
        migrations.AddField(
            model_name='reviewfinding',
            name='cost',
            field=models.DecimalField(blank=True, decimal_places=2, help_text="The unit costs of the window's uses; empty when none had a price.", max_digits=14, null=True, verbose_name='cost (yuan)'),
        ),
        migrations.AddField(
            model_name='reviewsettings',
            name='max_cost_per_user',
            field=models.DecimalField(decimal_places=2, default=Decimal('300.00'), help_text='What the uses of the window may cost per customer who used the benefit; above it the benefit is costly for its use, unless its NPS keeps it.', max_digits=12, validators=[django.core.validators.MinValueValidator(Decimal('0'))], verbose_name='highest cost per active user (yuan)'),
        ),
        migrations.AlterField(
            model_name='reviewfinding',
            name='verdict',
            field=models.CharField(choices=[('healthy', 'Healthy'), ('low', 'Low usage'), ('grace', 'Low usage, new benefit'), ('promote', 'Keep, promote it'), ('costly', 'Costly for its use'), ('retire', 'Propose retirement'), ('pending', 'Proposal open'), ('too_few', 'Too few customers to judge')], max_length=15, verbose_name='verdict'),
        ),
        migrations.RunPython(forwards, backwards),
    ]
