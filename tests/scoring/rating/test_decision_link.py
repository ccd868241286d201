"""The verified rating names the decision it verifies; databases from before keep every link (migration 0005)."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.db import connection

from assessments.models import Decision
from scoring.rating.models import Rating
from tests.scoring.certification.helpers import approved_assessment, verified_rating

move_links = importlib.import_module("scoring.migrations.0005_rating_decision").move_links


def decision_columns() -> set[str]:
    with connection.cursor() as cursor:
        return {c.name for c in connection.introspection.get_table_description(cursor, Decision._meta.db_table)}


@pytest.mark.django_db(transaction=True)
def test_an_old_database_keeps_its_decision_links_and_loses_the_old_column(owner_a, hoster_a, auditor):
    assessment = approved_assessment(owner_a, hoster_a)
    rating = verified_rating(assessment)
    unlinked = verified_rating(assessment)
    decision = Decision.objects.create(assessment=assessment, outcome="approved", rationale="ok", decided_by=auditor)
    table, ratings = connection.ops.quote_name(Decision._meta.db_table), Rating._meta.db_table
    with connection.cursor() as cursor:  # the column as migration 0002 created it before the link moved
        cursor.execute(f"ALTER TABLE {table} ADD COLUMN rating_id integer NULL REFERENCES {ratings} (id)")
        cursor.execute(f"UPDATE {table} SET rating_id = %s WHERE id = %s", [rating.pk, decision.pk])
    assert "rating_id" in decision_columns()

    with connection.schema_editor() as editor:
        move_links(apps, editor)

    assert "rating_id" not in decision_columns()
    assert Rating.objects.get(pk=rating.pk).decision_id == decision.pk
    assert Rating.objects.get(pk=unlinked.pk).decision_id is None
    assert Decision.objects.get(pk=decision.pk).rating == rating


@pytest.mark.django_db(transaction=True)
def test_a_new_database_is_left_alone(owner_a, hoster_a, auditor):
    before = decision_columns()
    with connection.schema_editor() as editor:
        move_links(apps, editor)
    assert decision_columns() == before and "rating_id" not in before


def test_a_decision_without_a_verified_rating_has_none(owner_a, hoster_a, auditor):
    assessment = approved_assessment(owner_a, hoster_a)
    decision = Decision.objects.create(assessment=assessment, outcome="rejected", rationale="no", decided_by=auditor)
    assert Decision.objects.get(pk=decision.pk).rating is None
