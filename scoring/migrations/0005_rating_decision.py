# The link between an auditor's decision and its verified rating moves to the scoring side (a rating names the
# decision it verifies), so the assessments app's migrations no longer depend on scoring. Databases created before
# this change still have `assessments_decision.rating_id`: its links are copied onto the ratings, then it is dropped.

import django.db.models.deletion
from django.db import migrations

import scoring.rating.models

OLD_COLUMN = "rating_id"


def move_links(apps, schema_editor):
    decision_model = apps.get_model("assessments", "Decision")
    rating_model = apps.get_model("scoring", "Rating")
    connection = schema_editor.connection
    decisions = decision_model._meta.db_table
    with connection.cursor() as cursor:
        columns = {column.name for column in connection.introspection.get_table_description(cursor, decisions)}
    if OLD_COLUMN not in columns:
        return  # a database created after this change never had the old column
    quote = schema_editor.quote_name
    ratings = rating_model._meta.db_table
    schema_editor.execute(
        f"UPDATE {quote(ratings)} SET {quote('decision_id')} = "
        f"(SELECT d.{quote('id')} FROM {quote(decisions)} d WHERE d.{quote(OLD_COLUMN)} = {quote(ratings)}.{quote('id')}) "
        f"WHERE {quote('id')} IN (SELECT {quote(OLD_COLUMN)} FROM {quote(decisions)} WHERE {quote(OLD_COLUMN)} IS NOT NULL)"
    )
    if connection.vendor == "sqlite":
        # SQLite cannot drop a column with a foreign key: rebuild the table as the model now has it.
        schema_editor._remake_table(decision_model)
    else:
        schema_editor.execute(f"ALTER TABLE {quote(decisions)} DROP COLUMN {quote(OLD_COLUMN)} CASCADE")


class Migration(migrations.Migration):

    dependencies = [
        ('assessments', '0002_review'),
        ('scoring', '0004_notice_fks_without_db_constraint'),
    ]

    operations = [
        migrations.AddField(
            model_name='rating',
            name='decision',
            field=scoring.rating.models.DecisionLink(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='rating', to='assessments.decision', verbose_name='decision it verifies'),
        ),
        migrations.RunPython(move_links, migrations.RunPython.noop),
    ]
