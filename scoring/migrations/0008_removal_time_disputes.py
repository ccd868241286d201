from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("scoring", "0007_notice_reminders"), ("portal", "0004_hoster_aliases")]

    operations: list[migrations.operations.base.Operation] = []
