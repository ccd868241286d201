from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("scoring", "0008_removal_time_disputes"), ("portal", "0004_hoster_aliases")]

    operations: list[migrations.operations.base.Operation] = []
