"""The kept days' removal durations stored out of line but uncompressed (PostgreSQL): floats hardly compress, and
compressing them cost a 10M-notice import 1.5 s of its 2.65 s writing their days; readers skip decompressing."""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps


def _storage(kind: str, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE scoring_noticeday ALTER COLUMN durations SET STORAGE {kind}")


def uncompressed(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _storage("EXTERNAL", schema_editor)


def compressed(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _storage("EXTENDED", schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("scoring", "0017_notice_days"),
    ]

    operations = [migrations.RunPython(uncompressed, compressed)]
