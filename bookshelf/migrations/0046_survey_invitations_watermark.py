"""Survey invitations: the sweep's watermark on the settings row (uses fulfilled up to it
were decided), and when each invited use was fulfilled (the survey page's "used on")."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("bookshelf", "0044_agents_day_schedule"),
    ]

    operations = [
        migrations.AddField(
            model_name="surveyinvitation",
            name="used_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="used at"),
        ),
        migrations.AddField(
            model_name="surveysettings",
            name="invitations_swept_to",
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name="invitations decided up to"),
        ),
    ]
