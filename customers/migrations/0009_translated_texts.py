from django.db import migrations, models
from django.db.models import F


# A consent text version's text becomes its English (`text_en`); its Chinese (`text_zh_hans`)
# is published with it from now on.
def move_texts(apps, schema_editor):
    apps.get_model("customers", "ConsentText").objects.update(text_en=F("text"))


def move_texts_back(apps, schema_editor):
    from django.db.models.functions import Coalesce

    apps.get_model("customers", "ConsentText").objects.update(
        text=Coalesce("text_en", "text_zh_hans", models.Value(""))
    )


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0008_customer_legal_hold_erasure"),
    ]

    operations = [
        migrations.AddField(
            model_name="consenttext",
            name="text_en",
            field=models.TextField(null=True, verbose_name="text shown"),
        ),
        migrations.AddField(
            model_name="consenttext",
            name="text_zh_hans",
            field=models.TextField(null=True, verbose_name="text shown"),
        ),
        migrations.RunPython(move_texts, move_texts_back, elidable=False),
    ]
