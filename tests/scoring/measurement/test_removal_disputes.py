"""Removal-time disputes: raised with a document or a web address by members of the notice's hoster only, judged by
content (nothing stored when refused), decided by the supervisor in two steps, the hoster told either way."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from portal.models import AuditEvent
from scoring.measurement.models import Dispute, Notice
from tests.assessments.helpers import make_pdf
from tests.assessments.hostile_corpus import jpeg, png
from tests.assessments.test_hostile_files import content_types_bomb, lying_sizes
from tests.scoring.measurement.helpers import run_import

pytestmark = pytest.mark.django_db

REPORTED = datetime(2024, 3, 4, 10, 0, tzinfo=UTC)
MEASURED = datetime(2024, 3, 6, 10, 0, tzinfo=UTC)  # 48 hours: over a 24-hour norm
CLAIMED = datetime(2024, 3, 4, 12, 0, tzinfo=UTC)  # 2 hours
NOTICE_URL = "https://bad.example/p/1.jpg"
PDF = make_pdf("Ticket 4711: account suspended 12:00")  # made once: a PDF carries the moment it was made


@pytest.fixture
def notice_a(hoster_a) -> Notice:
    run_import([("a1", REPORTED.isoformat(), MEASURED.isoformat(), "192.0.2.1", "", "", NOTICE_URL)])
    return Notice.objects.get(notice_id="a1")


@pytest.fixture
def notice_b(hoster_b) -> Notice:
    run_import([("b1", REPORTED.isoformat(), "", "198.51.100.1", "", "", "")])
    return Notice.objects.get(notice_id="b1")


def raise_url(slug: str, notice: Notice) -> str:
    return reverse("scoring:dispute_removal_time", args=[slug, notice.pk])


def local_input(moment: datetime) -> str:
    """A moment as a datetime-local input sends it: naive, in the portal's time zone (Europe/Amsterdam)."""
    from django.utils import timezone

    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def claim(**extra) -> dict:
    return {"claimed_removed_at": local_input(CLAIMED), "reason": "Ticket 4711 shows the suspension.", **extra}


def pdf_upload(name: str = "ticket.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def stored_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def test_member_disputes_the_removal_time_with_a_pdf_stored_privately(
    client_for, editor_a, supervisor, notice_a, settings, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(editor_a).post(
            raise_url("hoster-a", notice_a), claim(evidence_file=pdf_upload("../../etc/ticket.pdf"))
        )
    assert response.status_code == 302
    dispute = Dispute.objects.get()
    content = PDF
    assert (dispute.kind, dispute.claimed_removed_at, dispute.status) == ("removal_time", CLAIMED, "open")
    assert (dispute.evidence_type, dispute.evidence_name, dispute.evidence_url) == ("pdf", "ticket.pdf", "")
    assert dispute.evidence_sha256 == hashlib.sha256(content).hexdigest()
    assert dispute.evidence_file.name.startswith("dispute-evidence/") and "ticket" not in dispute.evidence_file.name
    assert [path.read_bytes() for path in stored_files(settings)] == [content]
    assert [m.to for m in mailoutbox] == [[supervisor.email]]
    assert "removal time" in mailoutbox[0].subject
    event = AuditEvent.objects.get(action="scoring.dispute.raised")
    assert event.data["kind"] == "removal_time" and event.data["sha256"] == dispute.evidence_sha256
    notice_a.refresh_from_db()
    assert (notice_a.removed_at, notice_a.corrected_removed_at) == (MEASURED, None)  # nothing counts yet


def test_a_web_address_keeps_only_what_is_needed(client_for, editor_a, notice_a):
    url = "https://user:secret@Tickets.Example.org/t/4711?view=log#comment-3"
    response = client_for(editor_a).post(raise_url("hoster-a", notice_a), claim(evidence_url=url))
    assert response.status_code == 302
    assert Dispute.objects.get().evidence_url == "https://tickets.example.org/t/4711?view=log"


@pytest.mark.parametrize(
    ("evidence", "message"),
    [
        ({"evidence_url": "http://tickets.example.org/t/1"}, "starting with https://"),
        ({"evidence_url": "javascript:alert(1)"}, "starting with https://"),
        ({"evidence_url": NOTICE_URL}, "the reported URL itself"),
        ({"evidence_url": NOTICE_URL + "#x"}, "the reported URL itself"),
        ({}, "either a document or a web address"),
        ({"evidence_url": "https://tickets.example.org/t/1", "evidence_file": "pdf"}, "either a document or"),
        ({"evidence_file": "png"}, "Images and video are never accepted"),
        ({"evidence_file": "jpeg-named-pdf"}, "Images and video are never accepted"),
        ({"evidence_file": "bomb"}, "The evidence was refused."),
        ({"evidence_file": "lying-zip"}, "The evidence was refused."),
        ({"evidence_file": "empty"}, "empty"),
    ],
    ids=[
        "http",
        "javascript",
        "notice-url",
        "notice-url-fragment",
        "none",
        "both",
        "png",
        "jpeg",
        "bomb",
        "zip",
        "empty",
    ],
)
def test_bad_evidence_is_refused_with_a_clear_error_and_nothing_stored(
    client_for, editor_a, notice_a, settings, mailoutbox, evidence, message
):
    files = {
        "pdf": lambda: pdf_upload(),
        "png": lambda: SimpleUploadedFile("ticket.png", png(), content_type="image/png"),
        "jpeg-named-pdf": lambda: SimpleUploadedFile("ticket.pdf", jpeg(), content_type="application/pdf"),
        "bomb": lambda: SimpleUploadedFile("ticket.docx", content_types_bomb()),
        "lying-zip": lambda: SimpleUploadedFile("ticket.docx", lying_sizes()),
        "empty": lambda: SimpleUploadedFile("ticket.pdf", b""),
    }
    data = claim(**{key: files[value]() if key == "evidence_file" else value for key, value in evidence.items()})
    response = client_for(editor_a).post(raise_url("hoster-a", notice_a), data)
    assert response.status_code == 400
    assert message in response.content.decode().replace("&#x27;", "'")
    assert not Dispute.objects.exists()
    assert stored_files(settings) == []
    assert mailoutbox == []
    assert not AuditEvent.objects.filter(action="scoring.dispute.raised").exists()


@pytest.mark.parametrize(
    ("claimed", "message"),
    [
        (REPORTED - timedelta(hours=1), "before the notice was reported"),
        (datetime.now(UTC) + timedelta(days=2), "in the future"),
        (MEASURED, "already is the notice"),
    ],
    ids=["before-report", "future", "same-as-measured"],
)
def test_an_impossible_removal_time_is_refused(client_for, editor_a, notice_a, settings, claimed, message):
    data = claim(claimed_removed_at=local_input(claimed), evidence_file=pdf_upload())
    response = client_for(editor_a).post(raise_url("hoster-a", notice_a), data)
    assert response.status_code == 400 and message in response.content.decode().replace("&#x27;", "'")
    assert not Dispute.objects.exists() and stored_files(settings) == []


def test_a_dispute_on_another_hosters_notice_is_404_and_stores_nothing(
    client_for, owner_b, editor_a, notice_a, notice_b, settings
):
    attempts = [
        (owner_b, "hoster-b", notice_a),  # B's own slug, A's notice
        (owner_b, "hoster-a", notice_a),  # A's slug: B is no member
        (editor_a, "hoster-a", notice_b),  # A's slug, B's notice
    ]
    for user, slug, notice in attempts:
        client = client_for(user)
        assert client.get(raise_url(slug, notice)).status_code == 404
        assert client.post(raise_url(slug, notice), claim(evidence_file=pdf_upload())).status_code == 404
    assert not Dispute.objects.exists() and stored_files(settings) == []


def test_viewers_and_supervisors_cannot_raise_removal_disputes(client_for, viewer_a, supervisor, notice_a):
    for user in (viewer_a, supervisor):
        response = client_for(user).post(raise_url("hoster-a", notice_a), claim(evidence_url="https://t.example/1"))
        assert response.status_code == 404
    assert not Dispute.objects.exists()


def test_an_open_notice_can_be_claimed_removed(client_for, editor_b, notice_b):
    response = client_for(editor_b).post(raise_url("hoster-b", notice_b), claim(evidence_url="https://t.example/1"))
    assert response.status_code == 302 and Dispute.objects.get().notice == notice_b


def test_a_second_open_dispute_of_either_kind_is_refused(client_for, editor_a, notice_a, settings):
    client = client_for(editor_a)
    client.post(reverse("scoring:dispute_raise", args=["hoster-a", notice_a.pk]), {"reason": "Not ours."})
    response = client.post(raise_url("hoster-a", notice_a), claim(evidence_file=pdf_upload()))
    assert response.status_code == 400 and "already has an open dispute" in response.content.decode()
    assert Dispute.objects.count() == 1 and stored_files(settings) == []
