"""The audit log: `log_action` appends a hash-chained event, `verify_chain` checks the whole chain and its heads.

The head of the log is its number of events and the hash of its last event, written `<count> <hash>`; the head of
the empty log is `0` and GENESIS, the hash the first event names as its predecessor. A head anyone wrote down (the
daily one is published on a public page and in the monitor report) anchors the chain outside the database, as
Certificate Transparency logs publish their tree heads: the log must go on holding it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.utils import timezone

from portal.models import AuditEvent, AuditHead, User

GENESIS = "0" * 64
_LOCK_KEY = 0x6F6F64686F7374  # any constant; serialises appends and heads on PostgreSQL
_HEAD = re.compile(r"\s*(\d+)\s+([0-9a-fA-F]{64})\s*")


def _describe(obj: models.Model | None) -> tuple[str, str, str]:
    if obj is None:
        return "", "", ""
    return obj._meta.label_lower, str(obj.pk), str(obj)[:200]


def _lock_chain() -> None:
    """Hold the chain still until the transaction ends, so appends and heads follow one order."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])


@transaction.atomic
def log_action(
    actor: User | None, action: str, obj: models.Model | None = None, data: dict[str, Any] | None = None
) -> AuditEvent:
    """Append one event; `action` is namespaced like `assessments.answer.accepted`."""
    _lock_chain()
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
class Head:
    """The number of events and the hash of the last one; `source` only says where the head came from."""

    count: int
    hash: str
    source: str = field(default="", compare=False)

    def __str__(self) -> str:
        return f"{self.count} {self.hash}"

    @classmethod
    def parse(cls, text: str, source: str = "") -> Head:
        """`<count> <hash>` as `audit_head` prints it; ValueError for anything else."""
        match = _HEAD.fullmatch(text)
        if match is None:
            raise ValueError(f'{text!r} is not a head: expected "<count> <hash>", a number and a 64-digit hex SHA-256')
        return cls(int(match[1]), match[2].lower(), source)

    def named(self) -> str:
        return f"the head {self} ({self.source})" if self.source else f"the head {self}"


EMPTY_HEAD = Head(0, GENESIS)


@dataclass(frozen=True)
class ChainBreak:
    """What broke: the event (None when the events a head names are gone) and why."""

    event_id: int | None
    reason: str

    def __str__(self) -> str:
        where = f" at event #{self.event_id}" if self.event_id is not None else ""
        return f"Audit log broken{where}: {self.reason}."


def _walk(events: Iterable[AuditEvent], heads: Iterable[Head], start: Head = EMPTY_HEAD) -> ChainBreak | None:
    """Check the events that follow `start`: each links to the one before and hashes to its stored hash, and
    each head names an event at its position with exactly its hash."""
    due: dict[int, list[Head]] = {}
    for head in heads:
        due.setdefault(head.count, []).append(head)
    for head in due.pop(start.count, []):
        if head.hash != start.hash:
            return ChainBreak(None, f"{head.named()} does not match the log's head {start} at that position")
    count, prev = start.count, start.hash
    for count, event in enumerate(events, start=start.count + 1):
        if event.prev_hash != prev:
            return ChainBreak(event.pk, "its prev_hash does not match the hash of the event before it")
        if event.compute_hash() != event.hash:
            return ChainBreak(event.pk, "its stored hash does not match its contents")
        for head in due.pop(count, []):
            if head.hash != event.hash:
                return ChainBreak(
                    event.pk,
                    f"it is event number {count} and its hash is {event.hash}, not the one {head.named()} names;"
                    " the log was replaced or rewritten at or before it",
                )
        prev = event.hash
    if due:
        head = due[min(due)][0]
        return ChainBreak(None, f"the log holds {count} events, fewer than {head.named()} counts; events were deleted")
    return None


def _in_chain_order() -> Iterator[AuditEvent]:
    return AuditEvent.objects.order_by("id").iterator(chunk_size=2000)


def verify_chain(events: Iterator[AuditEvent] | None = None, heads: Iterable[Head] = ()) -> ChainBreak | None:
    """The first broken event of the chain, or None when every link and hash holds and the log holds every head."""
    return _walk(events if events is not None else _in_chain_order(), heads)


def verify_extends(head: Head) -> ChainBreak | None:
    """Whether the log still holds `head` and every event after it links and hashes: reads only what came since."""
    if head.count == 0:
        return verify_chain(heads=[head])
    anchor = next(iter(AuditEvent.objects.order_by("id")[head.count - 1 : head.count]), None)
    if anchor is None:
        left = AuditEvent.objects.count()
        return ChainBreak(None, f"the log holds {left} events, fewer than {head.named()} counts; events were deleted")
    if anchor.hash != head.hash or anchor.compute_hash() != head.hash:
        return ChainBreak(anchor.pk, f"it is event number {head.count} and does not hash to {head.named()}")
    later = AuditEvent.objects.filter(id__gt=anchor.pk).order_by("id").iterator(chunk_size=2000)
    return _walk(later, (), start=head)


def current_head() -> Head:
    """The head of the log as it stands: `audit_head` prints it."""
    with transaction.atomic():
        _lock_chain()
        last = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
        return Head(AuditEvent.objects.count(), last or GENESIS)


def published_heads() -> list[Head]:
    """Every head published so far, oldest first, named by its day."""
    rows = AuditHead.objects.order_by("day").values_list("day", "count", "hash")
    return [Head(count, hash_, f"published for {day.isoformat()}") for day, count, hash_ in rows]


class AuditChainBroken(Exception):
    """The log no longer extends its last published head: no head is published over it until someone looks."""

    def __init__(self, broken: ChainBreak) -> None:
        super().__init__(str(broken))
        self.broken = broken


@transaction.atomic
@transaction.atomic
def publish_audit_head(day: date) -> AuditHead:
    """Publish the log's head for `day`, once: a second call for the same day returns the first head.

    The new head must extend the last published one (checked over the events since), else AuditChainBroken.
    """
    _lock_chain()
    published: AuditHead | None = AuditHead.objects.filter(day=day).first()
    if published is not None:
        return published
    latest: AuditHead | None = AuditHead.objects.order_by("-day").first()
    if latest is not None and latest.day > day:
        raise ValueError(f"A head is already published for {latest.day}, after {day}.")
    broken = verify_extends(Head(latest.count, latest.hash) if latest is not None else EMPTY_HEAD)
    if broken is not None:
        raise AuditChainBroken(broken)
    head = current_head()
    anchored = AuditHead(day=day, count=head.count, hash=head.hash)
    anchored.save()
    return anchored


def latest_published_head(at: datetime | None = None) -> AuditHead | None:
    """The newest head published at or before `at` (default now), for the monitor report to print."""
    return AuditHead.objects.filter(published_at__lte=at or timezone.now()).order_by("-day").first()


def events_for(obj: models.Model) -> models.QuerySet[AuditEvent]:
    object_type, object_id, _ = _describe(obj)
    return AuditEvent.objects.filter(object_type=object_type, object_id=object_id).select_related("actor")
