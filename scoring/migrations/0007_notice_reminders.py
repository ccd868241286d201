from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("scoring", "0006_importbatch_progress_at"), ("portal", "0004_hoster_aliases")]

    operations: list[migrations.operations.base.Operation] = []
