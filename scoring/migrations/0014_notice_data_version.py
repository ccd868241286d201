"""The notices' data version and the trigger that moves it before every statement that changes notices."""

from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

# PostgreSQL: once per statement, before it touches a row, so that every transaction changing notices takes the
# version's row lock before any notice's (no deadlock between two of them); values from a sequence, never reused.
POSTGRESQL = [
    "CREATE SEQUENCE scoring_notice_data_version",
    """CREATE FUNCTION scoring_notice_data_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO scoring_noticedataversion (id, version) VALUES (1, nextval('scoring_notice_data_version'))
        ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER scoring_notice_data_changed BEFORE INSERT OR UPDATE OR DELETE ON scoring_notice
    FOR EACH STATEMENT EXECUTE FUNCTION scoring_notice_data_changed()""",
    """CREATE TRIGGER scoring_notice_data_truncated BEFORE TRUNCATE ON scoring_notice
    FOR EACH STATEMENT EXECUTE FUNCTION scoring_notice_data_changed()""",
]
POSTGRESQL_REVERSE = [
    "DROP TRIGGER scoring_notice_data_truncated ON scoring_notice",
    "DROP TRIGGER scoring_notice_data_changed ON scoring_notice",
    "DROP FUNCTION scoring_notice_data_changed()",
    "DROP SEQUENCE scoring_notice_data_version",
]
# SQLite has row triggers only; a random value is as good as new (one writer at a time, small data).
SQLITE_CHANGE = """
    INSERT INTO scoring_noticedataversion (id, version) VALUES (1, random())
    ON CONFLICT (id) DO UPDATE SET version = excluded.version;
"""
SQLITE = [
    f"CREATE TRIGGER scoring_notice_data_{event.lower()} AFTER {event} ON scoring_notice BEGIN {SQLITE_CHANGE} END"
    for event in ("INSERT", "UPDATE", "DELETE")
]
SQLITE_REVERSE = [f"DROP TRIGGER scoring_notice_data_{event}" for event in ("insert", "update", "delete")]


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
