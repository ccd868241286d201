"""The notices' unique key by notice ID first, compared byte by byte on PostgreSQL (`ByteOrderCharField`)."""

from django.db import migrations, models

import scoring.measurement.models
from scoring.migrations._notice_triggers import restore_sqlite_triggers


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0004_hoster_aliases"),
        ("scoring", "0014_notice_data_version"),
    ]

    # SQLite rebuilds the table for each step, dropping the data-version triggers: restored after, either way.
    operations = [
        migrations.RunPython(migrations.RunPython.noop, restore_sqlite_triggers),
        migrations.RemoveConstraint(model_name="notice", name="unique_notice_per_source"),
        migrations.AlterField(
            model_name="notice",
            name="notice_id",
            field=scoring.measurement.models.ByteOrderCharField(max_length=100, verbose_name="notice ID"),
        ),
        migrations.AddConstraint(
            model_name="notice",
            constraint=models.UniqueConstraint(fields=("notice_id", "source"), name="unique_notice_per_source"),
        ),
        migrations.RunPython(restore_sqlite_triggers, migrations.RunPython.noop),
    ]
