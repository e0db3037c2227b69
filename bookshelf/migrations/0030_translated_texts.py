from django.db import migrations, models
from django.db.models import F


# A suggestion's reason becomes django-modeltranslation's `reason_en` / `reason_zh_hans`;
# the hand-written `reason_zh` goes.
def move_reasons(apps, schema_editor):
    apps.get_model("bookshelf", "AgentSuggestion").objects.update(
        reason_en=F("reason"), reason_zh_hans=F("reason_zh")
    )


def move_reasons_back(apps, schema_editor):
    from django.db.models.functions import Coalesce

    apps.get_model("bookshelf", "AgentSuggestion").objects.update(
        reason=Coalesce("reason_en", "reason_zh_hans", models.Value("")),
        reason_zh=Coalesce("reason_zh_hans", models.Value("")),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("bookshelf", "0029_demand_groups"),
    ]

    operations = [
        migrations.AddField(
            model_name="agentsuggestion",
            name="reason_en",
            field=models.CharField(max_length=255, null=True, verbose_name="why"),
        ),
        migrations.AddField(
            model_name="agentsuggestion",
            name="reason_zh_hans",
            field=models.CharField(max_length=255, null=True, verbose_name="why"),
        ),
        migrations.RunPython(move_reasons, move_reasons_back, elidable=False),
        migrations.RemoveField(
            model_name="agentsuggestion",
            name="reason_zh",
        ),
    ]
