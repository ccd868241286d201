"""The kept days gathered in blocks of 32 days (PostgreSQL, `_notice_days.BLOCKS`): the figures of a long period
read a block's durations in one row instead of a row a day (over a million notices with two thousand hosters of a
few notices a day, the kept days were nearly as many rows as the notices). Filled from the kept days."""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

from scoring.migrations._notice_days import BLOCKS, BLOCKS_REVERSE


def _run(statements: list[str], schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        for statement in statements:
            schema_editor.execute(statement)


def forwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _run(BLOCKS, schema_editor)


def backwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _run(BLOCKS_REVERSE, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("scoring", "0019_notice_day_removals"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
