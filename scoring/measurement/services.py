"""Services of the measured-data side: the hoster landscape import, notice uploads and attribution disputes."""

from __future__ import annotations

import csv
import io
import uuid
from dataclasses import dataclass, field
from typing import IO

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import URLValidator, validate_slug
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.audit import log_action
from portal.models import Hoster, User, normalize_prefix, parse_asn
from portal.notify import notify_on_commit
from portal.services import owners_of, supervisors
from scoring.measurement.attribution import reattribute_all
from scoring.measurement.imports import RowError
from scoring.measurement.models import Attribution, Dispute, ImportBatch, Notice

HOSTER_COLUMNS = ("slug", "name", "website", "asns", "prefixes")
UPLOAD_DIR = "notice-imports"


# --- the hoster landscape -------------------------------------------------------------------------------------


@dataclass
class HosterImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    reattributed: int = 0
    errors: list[RowError] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"created={self.created} updated={self.updated} unchanged={self.unchanged} "
            f"reattributed={self.reattributed} rejected={len({e.line for e in self.errors})}"
        )


def _parse_hoster_row(line: int, row: dict[str, str], errors: list[RowError]) -> dict | None:
    count = len(errors)
    slug = row["slug"].strip()
    try:
        validate_slug(slug)
    except ValidationError:
        errors.append(
            RowError(line, "slug", _("“%(value)s” is not a slug (letters, digits, - and _).") % {"value": slug})
        )
    name = row["name"].strip()
    if not name:
        errors.append(RowError(line, "name", _("A name is required.")))
    elif len(name) > 200:
        errors.append(RowError(line, "name", _("A name has at most 200 characters.")))
    website = row["website"].strip()
    if website:
        try:
            URLValidator(schemes=["http", "https"])(website)
        except ValidationError:
            errors.append(RowError(line, "website", _("“%(value)s” is not a web address.") % {"value": website}))
    asns: set[int] = set()
    for value in row["asns"].split():
        try:
            asns.add(parse_asn(value))
        except ValidationError as exc:
            errors.append(RowError(line, "asns", " ".join(exc.messages)))
    prefixes: set[str] = set()
    for value in row["prefixes"].split():
        try:
            prefixes.add(normalize_prefix(value))
        except ValidationError as exc:
            errors.append(RowError(line, "prefixes", " ".join(exc.messages)))
    if len(errors) != count:
        return None
    return {
        "slug": slug,
        "name": name,
        "website": website,
        "asns": sorted(asns),
        "prefixes": sorted(prefixes, key=lambda p: (":" in p, p)),
    }


def import_hosters(stream: IO[bytes], user: User | None = None) -> HosterImportResult:
    """Create or update hosters from CSV `slug,name,website,asns,prefixes`; all or nothing, then re-attribute."""
    result = HosterImportResult()
    try:
        reader = csv.DictReader(io.TextIOWrapper(stream, encoding="utf-8-sig", newline=""))
        header = [name.strip().lower() for name in reader.fieldnames or []]
        reader.fieldnames = header
        missing = [name for name in HOSTER_COLUMNS if name not in header]
        if missing:
            result.errors.append(
                RowError(1, "header", _("Missing column(s): %(columns)s.") % {"columns": ", ".join(missing)})
            )
            return result
        parsed: list[dict] = []
        seen: set[str] = set()
        for row in reader:
            line = reader.line_num
            if None in row or None in row.values():
                result.errors.append(RowError(line, "row", _("Expected %(width)d fields.") % {"width": len(header)}))
                continue
            values = _parse_hoster_row(line, row, result.errors)
            if values is None:
                continue
            if values["slug"] in seen:
                result.errors.append(RowError(line, "slug", _("This slug appears more than once in this file.")))
                continue
            seen.add(values["slug"])
            parsed.append(values)
    except UnicodeDecodeError:
        result.errors.append(RowError(1, "file", _("The file is not UTF-8 text.")))
    except csv.Error as exc:
        result.errors.append(RowError(1, "file", _("The file is not valid CSV: %(error)s") % {"error": exc}))
    if result.errors:
        return result
    network_changed = False
    with transaction.atomic():
        existing = {h.slug: h for h in Hoster.objects.filter(slug__in=[v["slug"] for v in parsed])}
        for values in parsed:
            hoster = existing.get(values["slug"])
            if hoster is None:
                Hoster.objects.create(**values)
                result.created += 1
                network_changed = network_changed or bool(values["asns"] or values["prefixes"])
                continue
            changed = {k: v for k, v in values.items() if getattr(hoster, k) != v}
            if not changed:
                result.unchanged += 1
                continue
            network_changed = network_changed or "asns" in changed or "prefixes" in changed
            for key, value in changed.items():
                setattr(hoster, key, value)
            hoster.save(update_fields=list(changed))
            result.updated += 1
        if network_changed:
            result.reattributed = reattribute_all(user)
        log_action(
            user,
            "scoring.hosters.imported",
            None,
            {"created": result.created, "updated": result.updated, "unchanged": result.unchanged},
        )
    return result


# --- notice uploads, imported by the worker ---------------------------------------------------------------------


def create_upload_batch(user: User, upload: UploadedFile, source: str, tz_name: str = "") -> ImportBatch:
    """Keep the uploaded file for the worker and record a waiting batch; the task deletes the file after reading."""
    path = default_storage.save(f"{UPLOAD_DIR}/{uuid.uuid4().hex}.csv", upload)
    batch = ImportBatch.objects.create(
        created_by=user,
        channel=ImportBatch.Channel.UPLOAD,
        source=source,
        timezone=tz_name,
        filename=(upload.name or "")[:255],
        upload_path=path,
        total_bytes=upload.size or 0,
    )
    log_action(user, "scoring.notices.upload_queued", batch, {"source": source, "file": batch.filename})
    return batch


# --- disputes ---------------------------------------------------------------------------------------------------


class DisputeError(Exception):
    """A dispute cannot be raised or resolved this way; the message is for the user."""


@transaction.atomic
def raise_dispute(user: User, notice: Notice, reason: str) -> Dispute:
    """A member of the notice's hoster objects to its attribution; supervisors are told."""
    reason = reason.strip()
    if not reason:
        raise DisputeError(_("Give a reason for the dispute."))
    if notice.hoster_id is None:
        raise DisputeError(_("This notice is not attributed to any hoster."))
    if Dispute.objects.open().filter(notice=notice).exists():
        raise DisputeError(_("This notice already has an open dispute."))
    dispute = Dispute.objects.create(notice=notice, hoster=notice.hoster, raised_by=user, reason=reason)
    log_action(user, "scoring.dispute.raised", dispute, {"notice": str(notice), "reason": reason})
    context = {"dispute": dispute, "notice": notice, "hoster": notice.hoster}
    notify_on_commit(supervisors(), "email/scoring_dispute_raised", context)
    return dispute


@transaction.atomic
def resolve_dispute(
    user: User, dispute: Dispute, *, uphold: bool, reason: str, new_hoster: Hoster | None = None
) -> Dispute:
    """The supervisor's decision: uphold (re-attribute to `new_hoster`, or exclude when None) or reject.

    Both sides hear of it: the disputing hoster's owners and raiser, the hoster now given the notice, and the
    supervisors.
    """
    dispute = Dispute.objects.select_for_update().select_related("notice", "hoster").get(pk=dispute.pk)
    if dispute.status != Dispute.Status.OPEN:
        raise DisputeError(_("This dispute has already been decided."))
    reason = reason.strip()
    if not reason:
        raise DisputeError(_("Give a reason for the decision."))
    notice = dispute.notice
    if uphold and new_hoster is not None and new_hoster.pk == dispute.hoster_id:
        raise DisputeError(_("Upholding the dispute needs another hoster, or exclusion of the notice."))
    dispute.resolved_by = user
    dispute.resolved_at = timezone.now()
    dispute.resolution_reason = reason
    if uphold:
        dispute.status = Dispute.Status.UPHELD
        if new_hoster is not None:
            dispute.outcome = Dispute.Outcome.REATTRIBUTED
            dispute.new_hoster = new_hoster
            notice.hoster = new_hoster
        else:
            dispute.outcome = Dispute.Outcome.EXCLUDED
            notice.excluded = True
        notice.attribution = Attribution.DISPUTE
        notice.save(update_fields=["hoster", "attribution", "excluded"])
    else:
        dispute.status = Dispute.Status.REJECTED
    dispute.save()
    action = "scoring.dispute.upheld" if uphold else "scoring.dispute.rejected"
    log_action(
        user,
        action,
        dispute,
        {
            "notice": str(notice),
            "outcome": dispute.outcome,
            "new_hoster": new_hoster.slug if new_hoster else None,
            "reason": reason,
        },
    )
    recipients = [dispute.raised_by, *owners_of(dispute.hoster), *supervisors()]
    if new_hoster is not None and uphold:
        recipients += owners_of(new_hoster)
    context = {"dispute": dispute, "notice": notice, "hoster": dispute.hoster}
    notify_on_commit(recipients, "email/scoring_dispute_resolved", context)
    return dispute
