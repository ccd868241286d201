"""The audit log is append-only and hash-chained; tampering is found and named."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from portal.audit import GENESIS, log_action, verify_chain
from portal.models import AuditEvent


@pytest.mark.django_db
def test_chain_links_every_event(hoster_a, owner_a):
    before = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
    first = log_action(owner_a, "portal.test.first", hoster_a, {"n": 1})
    second = log_action(None, "portal.test.second", None, {"when": first.at})
    assert first.prev_hash == (before or GENESIS)
    assert AuditEvent.objects.order_by("id").first().prev_hash == GENESIS
    assert second.prev_hash == first.hash
    assert verify_chain() is None
    call_command("verify_audit_log")


@pytest.mark.django_db
def test_editing_a_stored_event_in_sql_breaks_the_chain(hoster_a, owner_a):
    log_action(owner_a, "portal.test.a", hoster_a, {"role": "owner"})
    victim = log_action(owner_a, "portal.test.b", hoster_a, {"role": "editor"})
    log_action(owner_a, "portal.test.c", hoster_a)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {AuditEvent._meta.db_table} SET action = %s WHERE id = %s", ["x.y.z", victim.pk])
    with pytest.raises(CommandError) as excinfo:
        call_command("verify_audit_log")
    assert excinfo.value.returncode == 1
    assert f"#{victim.pk}" in str(excinfo.value)


@pytest.mark.django_db
def test_deleting_an_event_in_sql_names_the_next_one(owner_a):
    events = [log_action(owner_a, f"portal.test.{i}") for i in range(3)]
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {AuditEvent._meta.db_table} WHERE id = %s", [events[1].pk])
    broken = verify_chain()
    assert broken is not None and broken.event_id == events[2].pk


@pytest.mark.django_db
def test_events_cannot_be_changed_or_deleted_through_the_orm(owner_a):
    event = log_action(owner_a, "portal.test.immutable")
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        event.delete()
    with pytest.raises(TypeError):
        AuditEvent.objects.filter(pk=event.pk).update(action="other")
    with pytest.raises(TypeError):
        AuditEvent.objects.all().delete()
