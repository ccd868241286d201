from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("scoring", "0010_attribution_changes")]

    operations: list[migrations.operations.base.Operation] = []
