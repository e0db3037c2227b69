from django.db import migrations, models
from django.db.models import F

# The texts of 0002 become the English (`_en`) and Chinese (`_zh_hans`) columns of
# django-modeltranslation; the hand-written `name_zh` goes. History rows move too, so an old
# version still shows its names in both languages.
BENEFIT_TEXTS = ("description", "how_to_use", "unit", "provider")
BENEFIT_MODELS = ("Benefit", "HistoricalBenefit")


def move_texts(apps, schema_editor):
    for model in BENEFIT_MODELS:
        apps.get_model("benefits", model).objects.update(
            name_en=F("name"),
            name_zh_hans=F("name_zh"),
            **{f"{text}_en": F(text) for text in BENEFIT_TEXTS},
        )
    apps.get_model("benefits", "Category").objects.update(
        name_en=F("name"), name_zh_hans=F("name_zh")
    )


def move_texts_back(apps, schema_editor):
    from django.db.models.functions import Coalesce

    for model in BENEFIT_MODELS:
        apps.get_model("benefits", model).objects.update(
            name=Coalesce("name_en", "name_zh_hans", models.Value("")),
            name_zh=Coalesce("name_zh_hans", models.Value("")),
            **{
                text: Coalesce(f"{text}_en", f"{text}_zh_hans", models.Value(""))
                for text in BENEFIT_TEXTS
            },
        )
    apps.get_model("benefits", "Category").objects.update(
        name=Coalesce("name_en", "name_zh_hans", models.Value("")),
        name_zh=Coalesce("name_zh_hans", models.Value("")),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("benefits", "0002_benefit_history"),
    ]

    operations = [
        migrations.AddField(
            model_name="benefit",
            name="description_en",
            field=models.TextField(blank=True, null=True, verbose_name="description"),
        ),
        migrations.AddField(
            model_name="benefit",
            name="description_zh_hans",
            field=models.TextField(blank=True, null=True, verbose_name="description"),
        ),
        migrations.AddField(
            model_name="benefit",
            name="how_to_use_en",
            field=models.TextField(blank=True, null=True, verbose_name="how to use"),
        ),
        migrations.AddField(
            model_name="benefit",
            name="how_to_use_zh_hans",
            field=models.TextField(blank=True, null=True, verbose_name="how to use"),
        ),
        migrations.AddField(
            model_name="benefit",
            name="name_en",
            field=models.CharField(max_length=120, null=True, verbose_name="name"),
        ),
        migrations.AddField(
            model_name="benefit",
            name="name_zh_hans",
            field=models.CharField(max_length=120, null=True, verbose_name="name"),
        ),
        migrations.AddField(
            model_name="benefit",
            name="provider_en",
            field=models.CharField(blank=True, max_length=120, null=True, verbose_name="provider"),
        ),
        migrations.AddField(
            model_name="benefit",
            name="provider_notes",
            field=models.TextField(
                blank=True,
                help_text="What the delivering partner needs to know (booking, checks, hand-over).",
                verbose_name="notes for the provider",
            ),
        ),
        migrations.AddField(
            model_name="benefit",
            name="provider_notes_en",
            field=models.TextField(
                blank=True,
                help_text="What the delivering partner needs to know (booking, checks, hand-over).",
                null=True,
                verbose_name="notes for the provider",
            ),
        ),
        migrations.AddField(
            model_name="benefit",
            name="provider_notes_zh_hans",
            field=models.TextField(
                blank=True,
                help_text="What the delivering partner needs to know (booking, checks, hand-over).",
                null=True,
                verbose_name="notes for the provider",
            ),
        ),
        migrations.AddField(
            model_name="benefit",
            name="provider_zh_hans",
            field=models.CharField(blank=True, max_length=120, null=True, verbose_name="provider"),
        ),
        migrations.AddField(
            model_name="benefit",
            name="unit_en",
            field=models.CharField(
                help_text="What one use is: a consultation...",
                max_length=40,
                null=True,
                verbose_name="unit",
            ),
        ),
        migrations.AddField(
            model_name="benefit",
            name="unit_zh_hans",
            field=models.CharField(
                help_text="What one use is: a consultation...",
                max_length=40,
                null=True,
                verbose_name="unit",
            ),
        ),
        migrations.AddField(
            model_name="category",
            name="name_en",
            field=models.CharField(max_length=120, null=True, verbose_name="name"),
        ),
        migrations.AddField(
            model_name="category",
            name="name_zh_hans",
            field=models.CharField(max_length=120, null=True, verbose_name="name"),
        ),
        migrations.AddField(
            model_name="historicalbenefit",
            name="description_en",
            field=models.TextField(blank=True, null=True, verbose_name="description"),
        ),
        migrations.AddField(
            model_name="historicalbenefit",
            name="description_zh_hans",
            field=models.TextField(blank=True, null=True, verbose_name="description"),
        ),
        migrations.AddField(
            model_name="historicalbenefit",
            name="how_to_use_en",
            field=models.TextField(blank=True, null=True, verbose_name="how to use"),
        ),
        migrations.AddField(
            model_name="historicalbenefit",
            name="how_to_use_zh_hans",
            field=models.TextField(blank=True, null=True, verbose_name="how to use"),
        ),
        migrations.AddField(
            model_name="historicalbenefit",
            name="name_en",
            field=models.CharField(max_length=120, null=True, verbose_name="name"),
        ),
        migrations.AddField(
            model_name="historicalbenefit",
            name="name_zh_hans",
            field=models.CharField(max_length=120, null=True, verbose_name="name"),
        ),
        migrations.AddField(
            model_name="historicalbenefit",
            name="provider_en",
            field=models.CharField(blank=True, max_length=120, null=True, verbose_name="provider"),
        ),
        migrations.AddField(
            model_name="historicalbenefit",
            name="provider_notes",
            field=models.TextField(
                blank=True,
                help_text="What the delivering partner needs to know (booking, checks, hand-over).",
                verbose_name="notes for the provider",
            ),
        ),
        migrations.AddField(
            model_name="historicalbenefit",
            name="provider_notes_en",
            field=models.TextField(
                blank=True,
                help_text="What the delivering partner needs to know (booking, checks, hand-over).",
                null=True,
                verbose_name="notes for the provider",
            ),
        ),
        migrations.AddField(
            model_name="historicalbenefit",
            name="provider_notes_zh_hans",
            field=models.TextField(
                blank=True,
                help_text="What the delivering partner needs to know (booking, checks, hand-over).",
                null=True,
                verbose_name="notes for the provider",
            ),
        ),
        migrations.AddField(
            model_name="historicalbenefit",
            name="provider_zh_hans",
            field=models.CharField(blank=True, max_length=120, null=True, verbose_name="provider"),
        ),
        migrations.AddField(
            model_name="historicalbenefit",
            name="unit_en",
            field=models.CharField(
                help_text="What one use is: a consultation...",
                max_length=40,
                null=True,
                verbose_name="unit",
            ),
        ),
        migrations.AddField(
            model_name="historicalbenefit",
            name="unit_zh_hans",
            field=models.CharField(
                help_text="What one use is: a consultation...",
                max_length=40,
                null=True,
                verbose_name="unit",
            ),
        ),
        migrations.AlterField(
            model_name="benefit",
            name="name",
            field=models.CharField(max_length=120, verbose_name="name"),
        ),
        migrations.AlterField(
            model_name="category",
            name="name",
            field=models.CharField(max_length=120, verbose_name="name"),
        ),
        migrations.AlterField(
            model_name="historicalbenefit",
            name="name",
            field=models.CharField(max_length=120, verbose_name="name"),
        ),
        migrations.AlterField(
            model_name="benefit",
            name="unit",
            field=models.CharField(
                help_text="What one use is: a consultation...", max_length=40, verbose_name="unit"
            ),
        ),
        migrations.AlterField(
            model_name="historicalbenefit",
            name="unit",
            field=models.CharField(
                help_text="What one use is: a consultation...", max_length=40, verbose_name="unit"
            ),
        ),
        migrations.RunPython(move_texts, move_texts_back, elidable=False),
        migrations.RemoveField(
            model_name="benefit",
            name="name_zh",
        ),
        migrations.RemoveField(
            model_name="category",
            name="name_zh",
        ),
        migrations.RemoveField(
            model_name="historicalbenefit",
            name="name_zh",
        ),
    ]
