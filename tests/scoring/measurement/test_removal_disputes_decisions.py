"""The supervisor's decision on a removal-time dispute: confirmed in a second step, the corrected time stored beside
the measured one, the hoster told either way; the evidence reachable only through its access check."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from portal.models import AuditEvent
from scoring.measurement.disputes import DisputeError, decide_removal_dispute, resolve_dispute
from scoring.measurement.models import Dispute, Notice
from tests.scoring.measurement.test_removal_disputes import (
    CLAIMED,
    MEASURED,
    PDF,
    claim,
    local_input,
    notice_a,  # noqa: F401 - a fixture
    notice_b,  # noqa: F401 - a fixture
    pdf_upload,
    raise_url,
)

pytestmark = pytest.mark.django_db

EDITED = datetime(2024, 3, 4, 13, 30, tzinfo=UTC)


@pytest.fixture
def dispute_a(client_for, editor_a, notice_a) -> Dispute:  # noqa: F811 - the fixture above
    assert (
        client_for(editor_a).post(raise_url("hoster-a", notice_a), claim(evidence_file=pdf_upload())).status_code == 302
    )
    return Dispute.objects.get()


def detail_url(dispute: Dispute) -> str:
    return reverse("scoring:dispute_detail", args=[dispute.pk])


def test_the_detail_page_offers_the_claimed_time_as_the_corrected_one(client_for, supervisor, dispute_a):
    page = client_for(supervisor).get(detail_url(dispute_a)).content.decode()
    assert f'value="{local_input(CLAIMED)}"' in page
    assert reverse("scoring:dispute_evidence", args=["hoster-a", dispute_a.pk]) in page


def test_accepting_asks_for_confirmation_before_anything_changes(client_for, supervisor, dispute_a, mailoutbox):
    response = client_for(supervisor).post(
        detail_url(dispute_a), {"decision": "accept", "corrected_removed_at": local_input(CLAIMED), "reason": ""}
    )
    assert response.status_code == 200 and "Confirm the decision" in response.content.decode()
    dispute_a.refresh_from_db()
    assert dispute_a.status == "open" and Notice.objects.get().corrected_removed_at is None and mailoutbox == []


def test_accepted_with_an_edited_time_stores_it_beside_the_measured_one_and_tells_the_hoster(
    client_for, supervisor, owner_a, editor_a, dispute_a, mailoutbox, django_capture_on_commit_callbacks
):
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(supervisor).post(
            detail_url(dispute_a),
            {
                "decision": "accept",
                "corrected_removed_at": local_input(EDITED),
                "reason": "Log checked.",
                "confirmed": "on",
            },
        )
    assert response.status_code == 302
    dispute_a.refresh_from_db()
    notice = Notice.objects.get()
    assert (dispute_a.status, dispute_a.outcome, dispute_a.corrected_removed_at) == ("upheld", "corrected", EDITED)
    assert (dispute_a.claimed_removed_at, dispute_a.resolved_by) == (CLAIMED, supervisor)
    assert (notice.removed_at, notice.corrected_removed_at, notice.counted_removed_at) == (MEASURED, EDITED, EDITED)
    assert sorted(m.to[0] for m in mailoutbox) == sorted([editor_a.email, owner_a.email])
    assert all("corrected" in m.subject for m in mailoutbox)
    event = AuditEvent.objects.get(action="scoring.dispute.upheld")
    assert event.data["corrected_removed_at"] == EDITED.isoformat() and event.data["removed_at"] == MEASURED.isoformat()


def test_rejecting_needs_a_reason_and_keeps_the_measured_time(
    client_for, supervisor, editor_a, dispute_a, mailoutbox, django_capture_on_commit_callbacks
):
    client = client_for(supervisor)
    response = client.post(detail_url(dispute_a), {"decision": "reject", "reason": "  ", "confirmed": "on"})
    assert response.status_code == 400 and "Give a reason for rejecting" in response.content.decode()
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            detail_url(dispute_a), {"decision": "reject", "reason": "The log shows it online.", "confirmed": "on"}
        )
    assert response.status_code == 302
    dispute_a.refresh_from_db()
    assert (dispute_a.status, dispute_a.outcome, dispute_a.corrected_removed_at) == ("rejected", "", None)
    assert Notice.objects.get().corrected_removed_at is None
    assert [m.to for m in mailoutbox] == [[editor_a.email]]  # the raiser; hoster A has no owner in this test
    assert "rejected" in mailoutbox[0].subject and "The log shows it online." in mailoutbox[0].body


def test_a_decided_dispute_cannot_be_decided_again(supervisor, dispute_a):
    decide_removal_dispute(supervisor, dispute_a, accept=False, reason="No.")
    with pytest.raises(DisputeError):
        decide_removal_dispute(supervisor, dispute_a, accept=True, reason="")
    assert Notice.objects.get().corrected_removed_at is None


def test_a_corrected_time_before_the_report_is_refused(client_for, supervisor, dispute_a):
    response = client_for(supervisor).post(
        detail_url(dispute_a),
        {"decision": "accept", "corrected_removed_at": "2024-03-01T00:00", "reason": "", "confirmed": "on"},
    )
    assert response.status_code == 400 and "before the notice was reported" in response.content.decode()
    assert Dispute.objects.get().status == "open" and Notice.objects.get().corrected_removed_at is None


def test_each_decision_takes_only_its_own_kind(supervisor, editor_a, dispute_a, hoster_b):
    with pytest.raises(DisputeError):
        resolve_dispute(supervisor, dispute_a, uphold=True, reason="x", new_hoster=hoster_b)
    decide_removal_dispute(supervisor, dispute_a, accept=False, reason="No.")
    from scoring.measurement.disputes import raise_dispute

    attribution = raise_dispute(editor_a, Notice.objects.get(), "Not ours.")
    with pytest.raises(DisputeError):
        decide_removal_dispute(supervisor, attribution, accept=True, reason="")


def test_only_supervisors_decide(client_for, owner_a, owner_b, dispute_a):
    for user in (owner_a, owner_b):
        response = client_for(user).post(detail_url(dispute_a), {"decision": "accept", "confirmed": "on"})
        assert response.status_code == 403
    assert Dispute.objects.get().status == "open"


def test_the_evidence_is_downloaded_only_through_its_access_check(
    client, client_for, supervisor, viewer_a, owner_b, dispute_a
):
    url = reverse("scoring:dispute_evidence", args=["hoster-a", dispute_a.pk])
    for user in (supervisor, viewer_a):
        response = client_for(user).get(url)
        assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
        assert response["Content-Type"] == "application/pdf" and response["X-Content-Type-Options"] == "nosniff"
        assert (
            response["Content-Disposition"].startswith("attachment;")
            and "ticket.pdf" in response["Content-Disposition"]
        )
    assert client_for(owner_b).get(url).status_code == 404
    assert (
        client_for(owner_b).get(reverse("scoring:dispute_evidence", args=["hoster-b", dispute_a.pk])).status_code == 404
    )
    assert client.get(url).status_code == 302  # to the login
