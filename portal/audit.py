"""The audit log: `log_action` appends a hash-chained event, `verify_chain` checks the whole chain."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.utils import timezone

from portal.models import AuditEvent, User

GENESIS = "0" * 64
_LOCK_KEY = 0x6F6F64686F7374  # any constant; serialises appends on PostgreSQL


def _describe(obj: models.Model | None) -> tuple[str, str, str]:
    if obj is None:
        return "", "", ""
    return obj._meta.label_lower, str(obj.pk), str(obj)[:200]


@transaction.atomic
def log_action(
    actor: User | None, action: str, obj: models.Model | None = None, data: dict[str, Any] | None = None
) -> AuditEvent:
    """Append one event; `action` is namespaced like `assessments.answer.accepted`."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
    last = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
    object_type, object_id, object_repr = _describe(obj)
    actor_user = actor if actor is not None and actor.is_authenticated else None
    event = AuditEvent(
        at=timezone.now(),
        actor=actor_user,
        actor_label=actor_user.email if actor_user else "",
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr,
        # Round-trip through JSON so the hash sees exactly what the database will store.
        data=json.loads(json.dumps(data or {}, cls=DjangoJSONEncoder)),
        prev_hash=last or GENESIS,
    )
    event.hash = event.compute_hash()
    event.save()
    return event


@dataclass(frozen=True)
class ChainBreak:
    event_id: int
    reason: str


def verify_chain(events: Iterator[AuditEvent] | None = None) -> ChainBreak | None:
    """The first broken event of the chain, or None when every link and hash holds."""
    prev = GENESIS
    for event in events if events is not None else AuditEvent.objects.order_by("id").iterator(chunk_size=2000):
        if event.prev_hash != prev:
            return ChainBreak(event.pk, "its prev_hash does not match the hash of the event before it")
        if event.compute_hash() != event.hash:
            return ChainBreak(event.pk, "its stored hash does not match its contents")
        prev = event.hash
    return None


def events_for(obj: models.Model) -> models.QuerySet[AuditEvent]:
    object_type, object_id, _ = _describe(obj)
    return AuditEvent.objects.filter(object_type=object_type, object_id=object_id).select_related("actor")
