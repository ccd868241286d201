from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("scoring", "0006_importbatch_progress_at"), ("portal", "0004_hoster_aliases")]

    operations = [
        migrations.AddField(
            model_name="notice",
            name="reminders",
            field=models.PositiveIntegerField(db_default=0, default=0, verbose_name="reminders"),
        ),
    ]
