"""The history of notices' attribution: every move from one hoster (or none) to another, and the owner named."""

from __future__ import annotations

from collections.abc import Mapping

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.hoster_names import canonical_name
from portal.models import AppendOnly, Hoster, ImmutableQuerySet
from scoring.measurement.models import Attribution, Notice

REASON_MAX = 200
OWNER_MAX = 200
_OWNERS_CHUNK = 1000


class AttributionChange(AppendOnly):
    """One notice's attribution changed: from which hoster to which, how, by whom, when and why.

    Written set-based by the verb that changes the attribution, in its transaction (`reattribution.apply`);
    never changed or deleted afterwards (a notice deleted takes its history with it).
    """

    notice = models.ForeignKey(
        Notice, on_delete=models.CASCADE, db_constraint=False, related_name="attribution_changes"
    )
    at = models.DateTimeField(_("when"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    old_hoster = models.ForeignKey(
        Hoster,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        db_constraint=False,
        db_index=False,
        related_name="+",
        verbose_name=_("previous hoster"),
    )
    new_hoster = models.ForeignKey(
        Hoster,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        db_constraint=False,
        db_index=False,
        related_name="+",
        verbose_name=_("new hoster"),
    )
    attribution = models.CharField(_("attribution"), max_length=10, choices=Attribution.choices)
    reason = models.CharField(_("reason"), max_length=REASON_MAX)

    objects = ImmutableQuerySet.as_manager()

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("attribution change")
        verbose_name_plural = _("attribution changes")

    def __str__(self) -> str:
        return f"{self.notice_id}: {self.old_hoster_id} → {self.new_hoster_id} ({self.attribution})"


class NoticeOwner(models.Model):
    """The hoster a notice's file named as the hotline wrote it ("NFORCE ENTERTAINMENT BV"), and its match key.

    Kept beside the notice so that an alias added later finds the notices it names, and the unattributed queue
    can group by owner. Only an owner that names the hoster is kept (SCARt's `abuse type` `host`, not `unknown`).
    """

    notice = models.OneToOneField(
        Notice, on_delete=models.CASCADE, primary_key=True, db_constraint=False, related_name="abuse_owner"
    )
    name = models.CharField(_("abuse owner"), max_length=OWNER_MAX)
    # `portal.hoster_names.canonical_name(name)`: what hoster names and aliases are compared with.
    owner_key = models.CharField(_("owner key"), max_length=OWNER_MAX)

    class Meta:
        verbose_name = _("abuse owner of a notice")
        verbose_name_plural = _("abuse owners of notices")
        # Keys are looked up whole, never by prefix: one index (Django's `db_index` adds a LIKE index on PostgreSQL,
        # which an NTD export of a million lines would build for nothing).
        indexes = [models.Index(fields=["owner_key"], name="noticeowner_owner_key")]

    def __str__(self) -> str:
        return self.name


def keep_named_owners(source: str, owners: Mapping[str, str]) -> None:
    """The owners a portal CSV named by name or alias (notice ID → the name as written), kept on its notices."""
    names = list(owners.items())
    for start in range(0, len(names), _OWNERS_CHUNK):
        chunk = dict(names[start : start + _OWNERS_CHUNK])
        ids = Notice.objects.filter(source=source, notice_id__in=chunk).values_list("notice_id", "id")
        NoticeOwner.objects.bulk_create(
            [
                NoticeOwner(notice_id=pk, name=chunk[notice_id][:OWNER_MAX], owner_key=canonical_name(chunk[notice_id]))
                for notice_id, pk in ids
            ],
            update_conflicts=True,
            unique_fields=["notice"],
            update_fields=["name", "owner_key"],
        )
