"""A tier rule's description in both languages: today's text becomes its English, and the
default ladder's rules (customers/migrations/0002) get their Chinese."""

from django.db import migrations, models
from django.db.models import F

DEFAULT_CHINESE = {
    "VIP gold: annual premium from ¥20,000": "黄金VIP：年缴保费2万元起",
    "VIP platinum: annual premium from ¥50,000": "铂金VIP：年缴保费5万元起",
    "VIP diamond: annual premium from ¥100,000": "钻石VIP：年缴保费10万元起",
    "High-net-worth: annual premium from ¥600,000": "高客：年缴保费60万元起",
}


def move_descriptions(apps, schema_editor):
    TierRule = apps.get_model("customers", "TierRule")
    TierRule.objects.update(description_en=F("description"))
    apps.get_model("customers", "HistoricalTierRule").objects.update(description_en=F("description"))
    for english, chinese in DEFAULT_CHINESE.items():
        TierRule.objects.filter(description=english).update(description_zh_hans=chinese)


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0009_translated_texts"),
    ]

    operations = [
        migrations.AddField(
            model_name="tierrule",
            name="description_en",
            field=models.CharField(
                blank=True, max_length=200, null=True, verbose_name="description"
            ),
        ),
        migrations.AddField(
            model_name="tierrule",
            name="description_zh_hans",
            field=models.CharField(
                blank=True, max_length=200, null=True, verbose_name="description"
            ),
        ),
        migrations.AddField(
            model_name="historicaltierrule",
            name="description_en",
            field=models.CharField(
                blank=True, max_length=200, null=True, verbose_name="description"
            ),
        ),
        migrations.AddField(
            model_name="historicaltierrule",
            name="description_zh_hans",
            field=models.CharField(
                blank=True, max_length=200, null=True, verbose_name="description"
            ),
        ),
        migrations.RunPython(move_descriptions, migrations.RunPython.noop, elidable=False),
    ]
