"""The kept day figures of the notices and the triggers that mark what changed (PostgreSQL; `_notice_days`)."""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

from scoring.migrations._notice_days import POSTGRESQL, POSTGRESQL_REVERSE


def _run(statements: list[str], schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        for statement in statements:
            schema_editor.execute(statement)


def create(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _run(POSTGRESQL, schema_editor)


def drop(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _run(POSTGRESQL_REVERSE, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("scoring", "0016_covering_figures_index"),
    ]

    operations = [migrations.RunPython(create, drop)]
