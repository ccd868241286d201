"""Disputes: raised by members of the notice's hoster only, decided by the supervisor, both sides told."""

from __future__ import annotations

import pytest
from django.urls import reverse

from portal.models import AuditEvent
from scoring.measurement.models import Attribution, Dispute, Notice
from tests.scoring.measurement.helpers import hoster_metrics, run_import

pytestmark = pytest.mark.django_db


@pytest.fixture
def notice_a(hoster_a) -> Notice:
    run_import([("a1", "2024-03-04T10:00:00Z", "", "192.0.2.1", "", "", "")])
    return Notice.objects.get(notice_id="a1")


def dispute_url(slug, notice):
    return reverse("scoring:dispute_raise", args=[slug, notice.pk])


def test_member_disputes_own_notice_and_supervisors_are_told(
    client_for, editor_a, supervisor, notice_a, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(editor_a).post(
            dispute_url("hoster-a", notice_a), {"reason": "Not our network since May."}
        )
    assert response.status_code == 302
    dispute = Dispute.objects.get()
    assert (dispute.hoster, dispute.raised_by, dispute.status) == (notice_a.hoster, editor_a, "open")
    assert [m.to for m in mailoutbox] == [[supervisor.email]]
    assert AuditEvent.objects.filter(action="scoring.dispute.raised").count() == 1


def test_dispute_on_another_hosters_notice_is_404(client_for, owner_b, editor_a, notice_a):
    assert client_for(owner_b).get(dispute_url("hoster-b", notice_a)).status_code == 404
    assert client_for(owner_b).post(dispute_url("hoster-b", notice_a), {"reason": "x"}).status_code == 404
    assert client_for(owner_b).post(dispute_url("hoster-a", notice_a), {"reason": "x"}).status_code == 404
    assert not Dispute.objects.exists()


def test_viewers_and_supervisors_cannot_raise_disputes(client_for, viewer_a, supervisor, notice_a):
    assert client_for(viewer_a).post(dispute_url("hoster-a", notice_a), {"reason": "x"}).status_code == 404
    assert client_for(supervisor).post(dispute_url("hoster-a", notice_a), {"reason": "x"}).status_code == 404


def test_a_second_open_dispute_is_refused(client_for, editor_a, notice_a):
    client = client_for(editor_a)
    client.post(dispute_url("hoster-a", notice_a), {"reason": "first"})
    response = client.post(dispute_url("hoster-a", notice_a), {"reason": "second"})
    assert response.status_code == 200 and "already has an open dispute" in response.content.decode()
    assert Dispute.objects.count() == 1


def raise_one(client_for, editor_a, notice_a) -> Dispute:
    client_for(editor_a).post(dispute_url("hoster-a", notice_a), {"reason": "Moved to B."})
    return Dispute.objects.get()


def test_upheld_dispute_reattributes_and_tells_both_sides(
    client_for,
    editor_a,
    owner_a,
    owner_b,
    supervisor,
    notice_a,
    hoster_b,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    dispute = raise_one(client_for, editor_a, notice_a)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(supervisor).post(
            reverse("scoring:dispute_detail", args=[dispute.pk]),
            {"decision": "reattribute", "new_hoster": hoster_b.pk, "reason": "RIPE shows the transfer."},
        )
    assert response.status_code == 302
    notice_a.refresh_from_db()
    assert (notice_a.hoster, notice_a.attribution) == (hoster_b, Attribution.DISPUTE)
    dispute.refresh_from_db()
    assert (dispute.status, dispute.outcome, dispute.resolved_by) == ("upheld", "reattributed", supervisor)
    recipients = {address for message in mailoutbox for address in message.to}
    assert {editor_a.email, owner_a.email, owner_b.email, supervisor.email} <= recipients
    assert AuditEvent.objects.filter(action="scoring.dispute.upheld").count() == 1
    # A re-import of the same file keeps the supervisor's decision.
    result = run_import([("a1", "2024-03-04T10:00:00Z", "2024-03-04T12:00:00Z", "192.0.2.1", "", "", "")])
    notice_a.refresh_from_db()
    assert result.updated == 1 and notice_a.hoster == hoster_b


def test_upheld_dispute_can_exclude_the_notice(client_for, editor_a, supervisor, notice_a):
    dispute = raise_one(client_for, editor_a, notice_a)
    client_for(supervisor).post(
        reverse("scoring:dispute_detail", args=[dispute.pk]), {"decision": "exclude", "reason": "Test notice."}
    )
    notice_a.refresh_from_db()
    assert notice_a.excluded
    rows = hoster_metrics("2024-03-01", "2024-04-01")
    assert all(row["notices"] == 0 for row in rows)


def test_rejected_dispute_keeps_the_attribution(
    client_for, editor_a, supervisor, notice_a, mailoutbox, django_capture_on_commit_callbacks
):
    dispute = raise_one(client_for, editor_a, notice_a)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client_for(supervisor).post(
            reverse("scoring:dispute_detail", args=[dispute.pk]), {"decision": "reject", "reason": "Still your AS."}
        )
    dispute.refresh_from_db()
    notice_a.refresh_from_db()
    assert dispute.status == "rejected" and notice_a.attribution == Attribution.PREFIX
    assert any(editor_a.email in m.to and "rejected" in m.subject for m in mailoutbox)
    assert AuditEvent.objects.filter(action="scoring.dispute.rejected").count() == 1


def test_reattribution_needs_a_hoster_and_a_reason(client_for, editor_a, supervisor, notice_a):
    dispute = raise_one(client_for, editor_a, notice_a)
    response = client_for(supervisor).post(
        reverse("scoring:dispute_detail", args=[dispute.pk]), {"decision": "reattribute", "reason": ""}
    )
    assert response.status_code == 200
    dispute.refresh_from_db()
    assert dispute.status == "open"


def test_dispute_pages_are_for_supervisors_only(client_for, editor_a, auditor, notice_a):
    dispute = raise_one(client_for, editor_a, notice_a)
    url = reverse("scoring:dispute_detail", args=[dispute.pk])
    assert client_for(editor_a).get(url).status_code == 403
    assert client_for(auditor).post(url, {"decision": "reject", "reason": "x"}).status_code == 403


def test_hoster_sees_own_notices_only(client_for, owner_a, owner_b, notice_a):
    html = client_for(owner_a).get(reverse("scoring:hoster_notices", args=["hoster-a"])).content.decode()
    assert "a1" in html and "Dispute" in html
    assert client_for(owner_b).get(reverse("scoring:hoster_notices", args=["hoster-a"])).status_code == 404
