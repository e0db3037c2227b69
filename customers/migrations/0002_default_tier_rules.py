"""A working tier ladder out of the box; product staff edit the thresholds in the admin."""

from decimal import Decimal

from django.db import migrations

DEFAULT_RULES = [
    (20, Decimal("20000"), "VIP gold: annual premium from ¥20,000"),
    (30, Decimal("50000"), "VIP platinum: annual premium from ¥50,000"),
    (40, Decimal("100000"), "VIP diamond: annual premium from ¥100,000"),
    (50, Decimal("600000"), "High-net-worth: annual premium from ¥600,000"),
]


def create_rules(apps, schema_editor):
    TierRule = apps.get_model("customers", "TierRule")
    TierPolicy = apps.get_model("customers", "TierPolicy")
    for tier, amount, description in DEFAULT_RULES:
        TierRule.objects.get_or_create(
            tier=tier, defaults={"min_annual_premium": amount, "description": description}
        )
    if not TierPolicy.objects.exists():
        TierPolicy.objects.create(downgrade_grace_days=90)


class Migration(migrations.Migration):
    dependencies = [("customers", "0001_initial")]

    operations = [migrations.RunPython(create_rules, migrations.RunPython.noop)]
