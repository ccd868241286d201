from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("scoring", "0009_hashcheck_weeks")]

    operations: list[migrations.operations.base.Operation] = []
