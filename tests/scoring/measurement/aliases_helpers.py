"""Helpers of the alias and queue tests: notices whose file named an owner, as the SCARt import keeps them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from portal.asn import asn_number
from portal.hoster_names import canonical_name
from scoring.measurement.attribution import Attributor
from scoring.measurement.changes import NoticeOwner
from scoring.measurement.models import ImportBatch, Notice

REPORTED = "2024-03-01T10:00:00Z"


def import_owned(rows: Iterable[Sequence[str]]) -> None:
    """Store `(notice_id, ip, asn, owner)` notices as an import would: attributed to the hoster the owner names
    (the SCARt import keeps a named `host` owner), else by network; the owner is kept beside the notice."""
    attributor = Attributor.from_database()
    batch = ImportBatch.objects.create(source="test", status=ImportBatch.Status.SUCCEEDED)
    reported = datetime.fromisoformat(REPORTED)
    for notice_id, ip, asn, owner in rows:
        number = asn_number(asn) if asn else None
        hoster_id, attribution = attributor.attribute(None, number, ip or None, owner)
        notice = Notice.objects.create(
            source="test",
            notice_id=notice_id,
            reported_at=reported,
            ip=ip or None,
            asn=number,
            declared_hoster_id=hoster_id if attribution == "explicit" else None,
            hoster_id=hoster_id,
            attribution=attribution,
            batch=batch,
        )
        if owner:
            NoticeOwner.objects.create(notice=notice, name=owner, owner_key=canonical_name(owner))


def attribution_of(notice_id: str) -> tuple[str | None, str]:
    notice = Notice.objects.select_related("hoster").get(notice_id=notice_id)
    return (notice.hoster.slug if notice.hoster else None), notice.attribution
