"""A notice's detail page and history: facts, import, reminders, attribution changes, disputes of both kinds with
their decisions, the measured and corrected removal times side by side; for its hoster's members and supervisors."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.urls import reverse
from django.utils import formats, timezone

from scoring.measurement.changes import AttributionChange
from scoring.measurement.disputes import decide_removal_dispute, raise_dispute, raise_removal_dispute, resolve_dispute
from scoring.measurement.history import Step, notice_history
from scoring.measurement.models import Notice, NoticeReminder
from tests.scoring.measurement.helpers import run_import

pytestmark = pytest.mark.django_db

REPORTED = datetime(2024, 3, 4, 10, 0, tzinfo=UTC)
MEASURED = datetime(2024, 3, 6, 10, 0, tzinfo=UTC)
CLAIMED = datetime(2024, 3, 4, 12, 0, tzinfo=UTC)


@pytest.fixture
def notice_a(hoster_a) -> Notice:
    run_import([("h1", REPORTED.isoformat(), MEASURED.isoformat(), "192.0.2.1", "", "", "")])
    return Notice.objects.get()


def shown(moment: datetime) -> str:
    return formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")


def detail(client, notice: Notice, slug: str = "hoster-a"):
    return client.get(reverse("scoring:notice_detail", args=[slug, notice.pk]))


def test_a_new_notice_has_its_report_import_and_removal(notice_a):
    history = notice_history(notice_a)
    assert [entry.step for entry in history.entries] == [Step.REPORTED, Step.REMOVED, Step.IMPORTED]
    assert history.batch == notice_a.batch and history.corrected_removed_at is None
    assert history.removed_at == MEASURED and history.correcting_dispute is None


def test_both_dispute_kinds_and_their_decisions_are_in_order(editor_a, supervisor, notice_a, hoster_b):
    rejected = raise_dispute(editor_a, notice_a, "Not ours.")
    resolve_dispute(supervisor, rejected, uphold=False, reason="RIPE says it is.")
    accepted = raise_removal_dispute(editor_a, notice_a, CLAIMED, "Ticket.", url="https://t.example/1")
    decide_removal_dispute(supervisor, accepted, accept=True, reason="Log checked.")
    history = notice_history(Notice.objects.get())
    steps = [(entry.step, getattr(entry.record, "pk", None)) for entry in history.entries[3:]]
    assert steps == [
        (Step.DISPUTE_RAISED, rejected.pk),
        (Step.DISPUTE_DECIDED, rejected.pk),
        (Step.DISPUTE_RAISED, accepted.pk),
        (Step.DISPUTE_DECIDED, accepted.pk),
    ]
    assert (history.removed_at, history.corrected_removed_at) == (MEASURED, CLAIMED)
    assert history.correcting_dispute == accepted


def test_an_upheld_attribution_dispute_is_an_attribution_change(editor_a, supervisor, notice_a, hoster_a, hoster_b):
    dispute = raise_dispute(editor_a, notice_a, "Moved to B.")
    resolve_dispute(supervisor, dispute, uphold=True, reason="RIPE shows the transfer.", new_hoster=hoster_b)
    change = AttributionChange.objects.get()
    assert (change.old_hoster, change.new_hoster, change.actor, change.attribution) == (
        hoster_a,
        hoster_b,
        supervisor,
        "dispute",
    )
    assert "RIPE shows the transfer." in change.reason
    entries = notice_history(Notice.objects.get()).entries
    assert [e.record for e in entries if e.step == Step.ATTRIBUTION_CHANGED] == [change]


def test_the_page_shows_both_removal_times_and_the_history(client_for, viewer_a, editor_a, supervisor, notice_a):
    dispute = raise_removal_dispute(editor_a, notice_a, CLAIMED, "Ticket 4711.", url="https://t.example/4711")
    decide_removal_dispute(supervisor, dispute, accept=True, reason="Checked the ticket.")
    page = detail(client_for(viewer_a), notice_a).content.decode()
    assert "Measured by the hotline" in page and "Corrected after a dispute" in page
    assert shown(MEASURED) in page and shown(CLAIMED) in page
    for text in ("Removal time disputed", "Dispute accepted", "Checked the ticket.", "https://t.example/4711"):
        assert text in page
    assert supervisor.email not in page  # a member sees that the supervisor decided, not who
    assert supervisor.email in detail(client_for(supervisor), notice_a).content.decode()


def test_the_page_shows_the_reminders(client_for, viewer_a, notice_a):
    Notice.objects.filter(pk=notice_a.pk).update(reminders=3)
    assert "3 repeat notices sent while it stayed online" in detail(client_for(viewer_a), notice_a).content.decode()


def test_the_history_shows_each_reminder_when_it_went_out(client_for, viewer_a, notice_a):
    reminded = datetime(2024, 3, 5, 10, 0, tzinfo=UTC)
    NoticeReminder.objects.create(notice=notice_a, sent_at=reminded)
    steps = [(entry.at, entry.step) for entry in notice_history(notice_a).entries]
    assert steps[:3] == [(REPORTED, Step.REPORTED), (reminded, Step.REMINDED), (MEASURED, Step.REMOVED)]
    page = detail(client_for(viewer_a), notice_a).content.decode()
    assert "Reminder sent to the hoster" in page and shown(reminded) in page


def test_only_members_who_edit_are_offered_disputes(client_for, viewer_a, editor_a, notice_a):
    link = reverse("scoring:dispute_removal_time", args=["hoster-a", notice_a.pk])
    assert link not in detail(client_for(viewer_a), notice_a).content.decode()
    assert link in detail(client_for(editor_a), notice_a).content.decode()
    raise_dispute(editor_a, notice_a, "Not ours.")
    assert link not in detail(client_for(editor_a), notice_a).content.decode()  # one open dispute at a time


def test_outsiders_get_a_404(client_for, owner_b, auditor, notice_a, client):
    assert detail(client_for(owner_b), notice_a).status_code == 404
    assert detail(client_for(owner_b), notice_a, "hoster-b").status_code == 404
    assert detail(client_for(auditor), notice_a).status_code == 404
    assert detail(client, notice_a).status_code == 302  # to the login
