"""The notices' data version and the trigger that moves it before every statement that changes notices."""

from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

from scoring.migrations._notice_triggers import POSTGRESQL, POSTGRESQL_REVERSE, SQLITE, SQLITE_REVERSE


def _run(statements: dict[str, list[str]], schema_editor: BaseDatabaseSchemaEditor) -> None:
    for statement in statements.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement)


def create_triggers(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _run({"postgresql": POSTGRESQL, "sqlite": SQLITE}, schema_editor)


def drop_triggers(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _run({"postgresql": POSTGRESQL_REVERSE, "sqlite": SQLITE_REVERSE}, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("scoring", "0013_monitor_review"),
    ]

    operations = [
        migrations.CreateModel(
            name="NoticeDataVersion",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("version", models.BigIntegerField()),
            ],
            options={
                "verbose_name": "notice data version",
            },
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
