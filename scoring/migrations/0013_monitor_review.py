from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("scoring", "0012_methodology")]

    operations: list[migrations.operations.base.Operation] = []
