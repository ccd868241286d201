"""The notices' data-version triggers (migration 0014), kept apart so that later migrations can restore them.

Django's SQLite backend alters a table by building a new one and dropping the old, and its triggers go with the
old one: a migration that alters `scoring_notice` calls `restore_sqlite_triggers` after (and before, for its
reverse). The loader skips modules whose names start with an underscore: this one is no migration.
"""

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
SQLITE_REVERSE = [f"DROP TRIGGER IF EXISTS scoring_notice_data_{event}" for event in ("insert", "update", "delete")]


def restore_sqlite_triggers(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """The SQLite triggers again after a table rebuild (a no-op elsewhere)."""
    if schema_editor.connection.vendor == "sqlite":
        for statement in [*SQLITE_REVERSE, *SQLITE]:
            schema_editor.execute(statement)
