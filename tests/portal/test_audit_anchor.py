"""The audit chain is anchored by its heads: deleting, replacing or rewriting the past loses a head taken before."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.urls import include, path
from django.utils import timezone

from portal.audit import (
    GENESIS,
    AuditChainBroken,
    Head,
    latest_published_head,
    log_action,
    publish_audit_head,
    verify_chain,
)
from portal.audit_views import PAGE_SIZE
from portal.models import AuditEvent, AuditHead
from portal.urls import urlpatterns as site_urlpatterns

# The site with the audit page mounted where the project mounts it (see the `urls` marks below).
urlpatterns = [*site_urlpatterns, path("audit/", include("portal.audit_urls"))]

TABLE = AuditEvent._meta.db_table
DAY = date(2026, 3, 2)


def _log(count: int, action: str = "portal.test.event") -> list[AuditEvent]:
    return [log_action(None, action, None, {"n": n}) for n in range(count)]


def _head() -> str:
    out = io.StringIO()
    call_command("audit_head", stdout=out)
    return out.getvalue().strip()


def _verify(*args: str) -> str:
    out = io.StringIO()
    call_command("verify_audit_log", *args, stdout=out)
    return out.getvalue()


def _refused(*args: str) -> str:
    with pytest.raises(CommandError) as excinfo:
        call_command("verify_audit_log", *args, stdout=io.StringIO())
    assert excinfo.value.returncode == 1
    return str(excinfo.value)


def _delete_last(count: int) -> None:
    """What an attacker with database access does: plain SQL, past the append-only guard."""
    ids = list(AuditEvent.objects.order_by("-id").values_list("id", flat=True)[:count])
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE id IN ({', '.join(['%s'] * len(ids))})", ids)


def _forge(action: str = "portal.test.forged") -> AuditEvent:
    """An event appended by hand with a correctly computed hash, so the chain alone still verifies."""
    last = AuditEvent.objects.order_by("-id").first()
    event = AuditEvent(at=timezone.now(), action=action, data={}, prev_hash=last.hash if last else GENESIS)
    event.hash = event.compute_hash()
    event.save()
    return event


def _rewrite_from(victim: AuditEvent, action: str) -> None:
    """Change one event and recompute every later hash: a "consistent" rewritten chain."""
    prev = victim.prev_hash
    for event in AuditEvent.objects.filter(id__gte=victim.pk).order_by("id"):
        if event.pk == victim.pk:
            event.action = action
        event.prev_hash = prev
        event.hash = event.compute_hash()
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {TABLE} SET action = %s, prev_hash = %s, hash = %s WHERE id = %s",
                [event.action, event.prev_hash, event.hash, event.pk],
            )
        prev = event.hash


def _empty_the_log() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE}")


@pytest.mark.django_db
def test_audit_head_prints_the_count_and_the_hash_of_the_last_event():
    last = _log(3)[-1]
    assert _head() == f"{AuditEvent.objects.count()} {last.hash}"


@pytest.mark.django_db
def test_the_head_of_an_empty_log_is_zero_and_the_genesis_hash():
    _empty_the_log()
    assert _head() == f"0 {GENESIS}"
    assert "intact" in _verify("--expect-head", f"0 {GENESIS}")
    assert "does not match" in _refused("--expect-head", f"0 {'a' * 64}")


@pytest.mark.django_db
def test_a_head_taken_earlier_still_holds_as_the_log_grows():
    _log(3)
    earlier = _head()
    _log(4)
    out = _verify("--expect-head", earlier, "--expect-head", _head())
    assert "Audit log intact" in out
    assert "2 checked" in out


@pytest.mark.django_db
@pytest.mark.parametrize("deleted", [1, 25])
def test_deleting_the_last_events_loses_the_head(deleted):
    _log(30)
    head = _head()
    _delete_last(deleted)
    assert verify_chain() is None  # the chain alone cannot tell
    message = _refused("--expect-head", head)
    assert "events were deleted" in message
    assert head in message


@pytest.mark.django_db
@pytest.mark.parametrize("truncated, forged", [(1, 1), (3, 5)])
def test_forged_events_in_place_of_the_truncated_ones_lose_the_head(truncated, forged):
    _log(10)
    head = Head.parse(_head())
    _delete_last(truncated)
    for _ in range(forged):
        _forge()
    assert verify_chain() is None
    replaced = AuditEvent.objects.order_by("id")[head.count - 1]
    message = _refused("--expect-head", str(head))
    assert f"#{replaced.pk}" in message
    assert f"event number {head.count}" in message
    assert "replaced or rewritten" in message


@pytest.mark.django_db
def test_a_forged_append_after_a_head_passes_until_a_later_head_fixes_it():
    _log(5)
    before = _head()
    forged = _forge()
    assert "intact" in _verify("--expect-head", before)  # growth after a head is what a head allows
    after = _head()
    _delete_last(1)
    assert "events were deleted" in _refused("--expect-head", after)
    assert forged.hash in after


@pytest.mark.django_db
def test_a_consistently_rewritten_past_loses_the_head():
    events = _log(20)
    head = Head.parse(_head())
    _rewrite_from(events[5], "portal.test.rewritten")
    assert verify_chain() is None
    message = _refused("--expect-head", str(head))
    assert f"event number {head.count}" in message
    assert _head() != str(head)


@pytest.mark.django_db
def test_an_edit_before_the_head_names_the_edited_event():
    events = _log(5)
    head = _head()
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {TABLE} SET action = %s WHERE id = %s", ["x.y.z", events[2].pk])
    assert f"#{events[2].pk}: its stored hash" in _refused("--expect-head", head)


@pytest.mark.django_db
@pytest.mark.parametrize("text", ["", "12", f"x {'a' * 64}", f"3 {'a' * 63}", f"-1 {'a' * 64}", f"3 {'g' * 64}"])
def test_a_malformed_head_is_rejected(text):
    with pytest.raises(CommandError, match="is not a head"):
        call_command("verify_audit_log", "--expect-head", text)


def test_a_head_is_read_as_printed():
    head = Head.parse(f" 7  {'AB' * 32} ")
    assert (head.count, head.hash, str(head)) == (7, "ab" * 32, f"7 {'ab' * 32}")


@pytest.mark.django_db
def test_publishing_twice_a_day_publishes_once():
    _log(2)
    first = publish_audit_head(DAY)
    _log(3)
    again = publish_audit_head(DAY)
    assert again.pk == first.pk and str(again) == str(first)
    assert AuditHead.objects.count() == 1
    assert str(publish_audit_head(DAY + timedelta(days=1))) == _head()


@pytest.mark.django_db
def test_the_log_is_checked_against_every_published_head():
    _log(4)
    first = publish_audit_head(DAY)
    _log(4)
    publish_audit_head(DAY + timedelta(days=1))
    assert "2 checked" in _verify("--published-heads")
    _delete_last(6)
    message = _refused("--published-heads")
    assert f"published for {DAY.isoformat()}" in message and str(first) in message


@pytest.mark.django_db
def test_a_head_is_not_published_over_a_log_that_lost_the_last_one():
    _log(5)
    publish_audit_head(DAY)
    _delete_last(1)
    _forge()
    with pytest.raises(AuditChainBroken, match="does not hash to the head"):
        publish_audit_head(DAY + timedelta(days=1))
    _delete_last(2)
    with pytest.raises(AuditChainBroken, match="events were deleted"):
        publish_audit_head(DAY + timedelta(days=1))
    assert AuditHead.objects.count() == 1


@pytest.mark.django_db
def test_a_head_is_not_published_over_events_broken_since_the_last_one():
    _log(3)
    publish_audit_head(DAY)
    later = _log(3)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {TABLE} SET action = %s WHERE id = %s", ["x.y.z", later[1].pk])
    with pytest.raises(AuditChainBroken, match=f"#{later[1].pk}"):
        publish_audit_head(DAY + timedelta(days=1))


@pytest.mark.django_db
def test_a_head_is_not_published_for_a_day_before_the_last_one():
    publish_audit_head(DAY)
    with pytest.raises(ValueError, match="already published"):
        publish_audit_head(DAY - timedelta(days=1))


@pytest.mark.django_db
def test_published_heads_cannot_be_changed_or_deleted_through_the_orm():
    head = publish_audit_head(DAY)
    with pytest.raises(TypeError):
        head.save()
    with pytest.raises(TypeError):
        head.delete()
    with pytest.raises(TypeError):
        AuditHead.objects.update(count=0)
    with pytest.raises(TypeError):
        AuditHead.objects.all().delete()


@pytest.mark.django_db
def test_the_report_gets_the_newest_head_published_by_then():
    noon = timezone.make_aware(datetime(2026, 3, 2, 12))
    AuditHead.objects.create(day=DAY, count=1, hash="a" * 64, published_at=noon)
    AuditHead.objects.create(day=DAY + timedelta(days=1), count=2, hash="b" * 64, published_at=noon + timedelta(1))
    assert latest_published_head(noon - timedelta(hours=1)) is None
    assert str(latest_published_head(noon + timedelta(hours=1))) == f"1 {'a' * 64}"
    assert str(latest_published_head()) == f"2 {'b' * 64}"


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_the_public_page_lists_the_heads_newest_first_with_how_to_check():
    AuditHead.objects.create(day=DAY, count=1, hash="a" * 64)
    AuditHead.objects.create(day=DAY + timedelta(days=1), count=2, hash="b" * 64)
    response = Client().get("/audit/")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index(f"2 {'b' * 64}") < html.index(f"1 {'a' * 64}")
    assert "recomputes every hash from the first event on" in html  # how to check, in words
    assert "manage.py" not in html and "verify_audit_log" not in html  # a page for people: no command line
    assert f"0 {GENESIS}" in html


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_the_public_page_is_paginated_and_read_only():
    heads = [Head(n + 1, f"{n:064x}") for n in range(PAGE_SIZE + 1)]
    AuditHead.objects.bulk_create(
        AuditHead(day=DAY + timedelta(days=head.count), count=head.count, hash=head.hash) for head in heads
    )
    client = Client()
    first = client.get("/audit/").content.decode()
    second = client.get("/audit/", {"page": 2}).content.decode()
    assert str(heads[-1]) in first and str(heads[0]) not in first
    assert str(heads[0]) in second and str(heads[-1]) not in second
    assert client.post("/audit/").status_code == 405
