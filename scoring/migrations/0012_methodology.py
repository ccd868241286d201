from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("scoring", "0011_scart_speed")]

    operations: list[migrations.operations.base.Operation] = []
