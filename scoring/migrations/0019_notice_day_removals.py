"""The kept days keep each removal's instant beside its duration (PostgreSQL): a day with a removal after a
figure's cut-off is then still read from its kept figures, not from its notices. The days kept so far lack them:
they are dropped and every hoster's notices marked, for the worker to compute again (`notice_days.refresh`);
until then the figures read the notices."""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

from scoring.migrations._notice_days import mark_all


def _again(schema_editor: BaseDatabaseSchemaEditor, change: str) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("TRUNCATE scoring_noticeday")
        schema_editor.execute(change)
        schema_editor.execute(mark_all())


def forwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _again(
        schema_editor,
        "ALTER TABLE scoring_noticeday ADD COLUMN removals bigint[] NOT NULL,"
        " ALTER COLUMN removals SET STORAGE EXTERNAL",
    )


def backwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _again(schema_editor, "ALTER TABLE scoring_noticeday DROP COLUMN removals")


class Migration(migrations.Migration):
    dependencies = [
        ("scoring", "0018_notice_day_durations_uncompressed"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
