"""The monthly usage rollup the recommendations read, filled from the existing redemptions
(one INSERT ... SELECT ... GROUP BY over the last twelve months)."""

import django.db.models.deletion
from django.db import migrations, models


def backfill(apps, schema_editor):
    from bookshelf.ledger.usage import usage_rebuild

    usage_rebuild(
        redemption=apps.get_model("bookshelf", "Redemption"),
        usage=apps.get_model("bookshelf", "UsageMonth"),
    )


class Migration(migrations.Migration):

    dependencies = [
        ('benefits', '0002_benefit_history'),
        ('bookshelf', '0021_redemption_review_index'),
        ('customers', '0006_pii_access_log'),
    ]

    operations = [
        migrations.CreateModel(
            name='UsageMonth',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('month', models.DateField(help_text='The first day of the month.', verbose_name='month')),
                ('uses', models.PositiveIntegerField(default=0, verbose_name='uses')),
                ('benefit', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='benefits.benefit', verbose_name='benefit')),
                ('customer', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='customers.customer', verbose_name='customer')),
            ],
            options={
                'verbose_name': 'monthly use',
                'verbose_name_plural': 'monthly uses',
                'constraints': [models.UniqueConstraint(fields=('customer', 'month', 'benefit'), name='usage_month_unique')],
            },
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
    ]
