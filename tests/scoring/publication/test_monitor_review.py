"""The right of reply before a monitor period is published: draft → in review → published (DESIGN §4.7)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from portal.models import AuditEvent, MemberRole
from portal.services import update_hoster_network
from scoring.measurement.disputes import decide_removal_dispute, raise_dispute, raise_removal_dispute, resolve_dispute
from scoring.measurement.methodology import VERSION
from scoring.measurement.models import Dispute, Notice
from scoring.measurement.queue import Group, attribute_group
from scoring.publication.models import MonitorPeriod, MonitorReview, MonitorReviewHoster
from scoring.publication.monitor_periods import PublicationRefused, publish_monitor_period
from scoring.publication.review import (
    draft_review,
    extend_review,
    open_review,
    publication_blockers,
    publish_review,
    record_seen,
    replies,
)
from scoring.rating.models import ScoringModelVersion
from tests import factories
from tests.assessments.helpers import make_pdf
from tests.scoring.certification.helpers import notices_for, pdf_text
from tests.scoring.measurement.helpers import run_import

pytestmark = pytest.mark.django_db
AMS = ZoneInfo("Europe/Amsterdam")
FIRST, LAST = date(2025, 1, 1), date(2025, 1, 31)


@pytest.fixture
def period_notices(hoster_a, hoster_b):
    """Twelve notices of A (removed after 2 h) and three of B (after 50 h) in January 2025; one of A in March."""
    notices_for(hoster_a, 12, hours=2, start=datetime(2025, 1, 6, 9, tzinfo=AMS), prefix="a")
    notices_for(hoster_b, 3, hours=50, start=datetime(2025, 1, 8, 9, tzinfo=AMS), prefix="b")
    notices_for(hoster_a, 1, hours=2, start=datetime(2025, 3, 3, 9, tzinfo=AMS), prefix="later")


@pytest.fixture
def review(supervisor, period_notices) -> MonitorReview:
    model = ScoringModelVersion.objects.current()
    return draft_review(
        supervisor, code="2025-01", title="Monitor January 2025", date_from=FIRST, date_to=LAST, model=model
    )


@pytest.fixture
def opened(supervisor, review) -> MonitorReview:
    return open_review(supervisor, review)


def draft_url(slug: str, code: str = "2025-01") -> str:
    return reverse("monitor_review_hoster", args=[slug, code])


def close(review: MonitorReview) -> None:
    """The review's fourteen days have passed."""
    MonitorReview.objects.filter(pk=review.pk).update(closes_at=timezone.now() - timedelta(minutes=1))
    review.refresh_from_db()


def test_opening_tells_each_named_hoster_in_its_members_languages(
    django_capture_on_commit_callbacks, supervisor, review, owner_a, owner_b, hoster_a
):
    owner_a.language = "nl"
    owner_a.save(update_fields=["language"])
    editor = factories.make_member(hoster_a, MemberRole.EDITOR, email="editor-en@a.example")
    editor.language = "en"
    editor.save(update_fields=["language"])
    silent = factories.make_hoster("hoster-c", name="Hoster C")
    factories.make_member(silent, MemberRole.OWNER, email="owner@c.example")
    with django_capture_on_commit_callbacks(execute=True):
        open_review(supervisor, review)
    review.refresh_from_db()
    assert review.state == MonitorReview.State.IN_REVIEW
    assert review.closes_at - review.opened_at == timedelta(days=14)
    assert sorted(entry.hoster.slug for entry in review.hosters.all()) == ["hoster-a", "hoster-b"]
    by_address = {message.to[0]: message for message in mail.outbox}
    assert set(by_address) == {"owner@a.example", "editor-en@a.example", "owner@b.example"}
    assert "januari" in by_address["owner@a.example"].body  # Dutch for the Dutch member
    assert "January" in by_address["editor-en@a.example"].body
    assert draft_url("hoster-a") in by_address["owner@a.example"].body
    assert draft_url("hoster-b") in by_address["owner@b.example"].body
    assert draft_url("hoster-b") not in by_address["owner@a.example"].body
    assert AuditEvent.objects.filter(action="scoring.monitor_review.opened").count() == 1


def test_a_hoster_sees_only_its_own_draft_figures_and_notices(client_for, opened, owner_a, owner_b):
    page = client_for(owner_a).get(draft_url("hoster-a"))
    assert page.status_code == 200
    assert page.context["row"]["notices"] == 12 and page.context["row"]["hoster"] == "hoster-a"
    shown = {notice.notice_id for notice in page.context["page"]}
    assert shown == {f"a{i}" for i in range(12)}  # not B's, not the March notice
    assert "Hoster B" not in page.content.decode()


@pytest.mark.parametrize("persona", ["owner_b", "auditor"])
def test_an_outsider_gets_404_on_another_hosters_draft(request, client_for, opened, persona):
    assert client_for(request.getfixturevalue(persona)).get(draft_url("hoster-a")).status_code == 404


def test_the_draft_is_404_before_the_review_opens_and_for_a_hoster_it_does_not_name(
    client_for, review, owner_a, supervisor
):
    assert client_for(owner_a).get(draft_url("hoster-a")).status_code == 404
    open_review(supervisor, review)
    stranger = factories.make_hoster("hoster-c", name="Hoster C")
    owner_c = factories.make_member(stranger, MemberRole.OWNER, email="owner@c.example")
    assert client_for(owner_c).get(draft_url("hoster-c")).status_code == 404
    assert client_for(owner_a).get(draft_url("hoster-a", "no-such-review")).status_code == 404


def test_a_members_first_look_is_recorded_once_and_the_supervisors_not_at_all(client_for, opened, owner_a, supervisor):
    client_for(supervisor).get(draft_url("hoster-a"))
    entry = MonitorReviewHoster.objects.get(review=opened, hoster__slug="hoster-a")
    assert entry.first_seen_at is None
    client_for(owner_a).get(draft_url("hoster-a"))
    client_for(owner_a).get(draft_url("hoster-a"))
    entry.refresh_from_db()
    assert entry.first_seen_by == owner_a and entry.first_seen_at is not None
    assert AuditEvent.objects.filter(action="scoring.monitor_review.seen").count() == 1
    assert not record_seen(owner_a, entry)


def test_publishing_waits_for_the_review_to_close(supervisor, opened):
    assert publication_blockers(opened)
    with pytest.raises(PublicationRefused, match="open until"):
        publish_review(supervisor, opened)
    close(opened)
    assert publication_blockers(opened) == []


def test_publishing_is_refused_while_a_dispute_is_open_then_freezes_the_replies(
    client_for, supervisor, opened, owner_a, editor_a, hoster_b
):
    client_for(owner_a).get(draft_url("hoster-a"))
    notice = Notice.objects.get(notice_id="a0")
    dispute = raise_dispute(editor_a, notice, "Not our customer: the IP moved to Hoster B in December.")
    close(opened)
    with pytest.raises(PublicationRefused, match="still open"):
        publish_review(supervisor, opened)
    assert not MonitorPeriod.objects.exists()
    [reply_a, reply_b] = replies(opened)
    assert (reply_a.entry.hoster.slug, reply_a.reviewed, reply_a.open) == ("hoster-a", True, 1)
    assert (reply_b.reviewed, reply_b.open) == (False, 0)

    resolve_dispute(supervisor, dispute, uphold=True, reason="Confirmed by RIPE.", new_hoster=hoster_b)
    period = publish_review(supervisor, opened)
    opened.refresh_from_db()
    assert opened.state == MonitorReview.State.PUBLISHED and opened.period == period
    rows = {row["hoster"]: row for row in period.ranking}
    assert rows["hoster-a"]["notices"] == 11 and rows["hoster-b"]["notices"] == 4  # the correction counted
    assert (rows["hoster-a"]["reviewed"], rows["hoster-a"]["corrections"]) == (True, 1)
    assert (rows["hoster-b"]["reviewed"], rows["hoster-b"]["corrections"]) == (False, 0)
    assert period.methodology["version"] == VERSION and period.methodology["norm_hours"] == opened.norm_hours
    assert period.scoring_model == opened.scoring_model
    event = AuditEvent.objects.get(action="scoring.monitor_period.published")
    assert event.data["review"] == opened.pk
    with pytest.raises(PublicationRefused):
        publish_review(supervisor, opened)


def test_a_rejected_removal_dispute_is_resolved_but_no_correction(supervisor, opened, editor_b):

    notice = Notice.objects.get(notice_id="b0")
    claimed = notice.reported_at + timedelta(hours=3)
    dispute = raise_removal_dispute(
        editor_b, notice, claimed, "Our ticket shows it.", document=ContentFile(make_pdf()), document_name="t.pdf"
    )
    decide_removal_dispute(supervisor, dispute, accept=False, reason="The ticket is about another URL.")
    [_, reply_b] = replies(opened)
    assert (reply_b.open, reply_b.resolved, reply_b.upheld) == (0, 1, 0)


def test_the_supervisor_extends_the_review_with_a_reason(supervisor, opened):
    before = opened.closes_at
    with pytest.raises(PublicationRefused):
        extend_review(supervisor, opened, days=7, reason=" ")
    extended = extend_review(supervisor, opened, days=7, reason="A hoster asked for time over the holidays.")
    assert extended.closes_at == before + timedelta(days=7) and extended.extensions == 1
    assert AuditEvent.objects.get(action="scoring.monitor_review.extended").data["days"] == 7


def test_a_code_held_by_a_review_is_not_published_around_it(supervisor, opened):
    close(opened)
    with pytest.raises(PublicationRefused, match="belongs to a review"):
        publish_monitor_period(supervisor, code="2025-01", title="Sneaky", date_from=FIRST, date_to=LAST)


def test_the_supervisor_drafts_opens_and_publishes_on_the_pages(client_for, supervisor, period_notices):
    client = client_for(supervisor)
    url = reverse("supervision_monitor_periods")
    form = {"code": "2025-01", "title": "Monitor January", "date_from": "2025-01-01", "date_to": "2025-01-31"}
    preview = client.post(url, {**form, "model": ScoringModelVersion.objects.current().code})
    assert [row["hoster"] for row in preview.context["ranking"]] == ["hoster-a", "hoster-b"]
    assert not MonitorReview.objects.exists()
    stored = client.post(url, {**form, "confirmed": "yes"})
    assert stored["Location"] == reverse("supervision_monitor_review", args=["2025-01"])
    review = MonitorReview.objects.get()
    assert (
        review.state == MonitorReview.State.DRAFT
        and review.norm_hours == ScoringModelVersion.objects.current().norm_hours
    )
    page_url = reverse("supervision_monitor_review", args=["2025-01"])
    assert client.post(page_url, {"action": "publish"}).status_code == 200 and not MonitorPeriod.objects.exists()
    assert client.post(page_url, {"action": "open"}).status_code == 302
    page = client.get(page_url)
    assert [reply.entry.hoster.slug for reply in page.context["replies"]] == ["hoster-a", "hoster-b"]
    assert page.context["blockers"]
    close(review)
    done = client.post(page_url, {"action": "publish"})
    assert done["Location"] == reverse("monitor_period", args=["2025-01"])
    assert MonitorPeriod.objects.get().ranking[0]["reviewed"] is False


def test_another_models_norm_can_be_chosen_for_analysis(client_for, supervisor, period_notices):
    models = ScoringModelVersion.objects.latest_versions()
    other = next(
        (model for model in models if model.norm_hours != ScoringModelVersion.objects.current().norm_hours), None
    )
    if other is None:
        pytest.skip("only one norm among the published scoring models")
    client = client_for(supervisor)
    form = {"code": "x", "title": "X", "date_from": "2025-01-01", "date_to": "2025-01-31", "model": other.code}
    client.post(reverse("supervision_monitor_periods"), {**form, "confirmed": "yes"})
    review = MonitorReview.objects.get()
    assert (review.scoring_model, review.norm_hours) == (other.code, other.norm_hours)
    page = client.get(reverse("supervision_monitor_review", args=["x"]))
    assert other.code in page.content.decode()


@pytest.mark.parametrize("persona", ["owner_a", "auditor"])
def test_only_supervisors_see_and_run_a_review(request, client_for, opened, persona):
    client = client_for(request.getfixturevalue(persona))
    page_url = reverse("supervision_monitor_review", args=["2025-01"])
    assert client.get(page_url).status_code == 403
    close(opened)
    assert client.post(page_url, {"action": "publish"}).status_code == 403
    assert not MonitorPeriod.objects.exists()


def test_the_published_page_and_pdf_say_who_reviewed_and_the_corrections(client, supervisor, opened, owner_a):
    record_seen(owner_a, MonitorReviewHoster.objects.get(review=opened, hoster__slug="hoster-a"))
    close(opened)
    period = publish_review(supervisor, opened)
    page = client.get(reverse("monitor_period", args=[period.code]))
    html = page.content.decode()
    assert "Reviewed" in html and "Corrections" in html and "90th percentile hours" in html
    assert reverse("monitor_period_csv", args=[period.code]) in html
    assert reverse("monitor_period_json", args=[period.code]) in html
    assert VERSION in html
    text = " ".join(pdf_text(bytes(period.pdf)).split())
    assert "Reviewed (corrections)" in text and "yes (0)" in text and "no (0)" in text
    assert VERSION in text


def test_opening_twice_is_refused(supervisor, opened):
    with pytest.raises(PublicationRefused):
        open_review(supervisor, opened)


def test_a_dispute_raised_before_the_review_is_not_counted_as_a_reply_but_still_blocks(supervisor, review, editor_a):
    with time_machine.travel(timezone.now() - timedelta(days=1)):
        raise_dispute(editor_a, Notice.objects.get(notice_id="a1"), "Not ours.")
    opened = open_review(supervisor, review)
    close(opened)
    [reply_a, _] = replies(opened)
    assert reply_a.open == 0
    assert any("still open" in reason for reason in publication_blockers(opened))
    assert Dispute.objects.open().count() == 1


def test_the_review_pages_render_in_dutch(client_for, opened, owner_a, supervisor):
    for user, url in (
        (owner_a, draft_url("hoster-a")),
        (supervisor, reverse("supervision_monitor_review", args=["2025-01"])),
        (supervisor, reverse("supervision_monitor_periods")),
    ):
        client = client_for(user)
        client.cookies["django_language"] = "nl"
        page = client.get(url)
        assert page.status_code == 200 and '<html lang="nl"' in page.content.decode()


# A hoster given notices of the period while the review is open gets its right of reply too.


@pytest.fixture
def owner_c(db):
    hoster_c = factories.make_hoster("hoster-c", name="Hoster C")
    owner = factories.make_member(hoster_c, MemberRole.OWNER, email="owner@c.example")
    owner.language = "nl"
    owner.save(update_fields=["language"])
    return owner


def test_a_hoster_an_upheld_dispute_gives_notices_joins_the_review_and_is_told(
    django_capture_on_commit_callbacks, client_for, supervisor, opened, editor_a, owner_c
):
    hoster_c = owner_c.memberships.get().hoster
    dispute = raise_dispute(editor_a, Notice.objects.get(notice_id="a0"), "Hoster C's customer since December.")
    with django_capture_on_commit_callbacks(execute=True):
        resolve_dispute(supervisor, dispute, uphold=True, reason="Confirmed by RIPE.", new_hoster=hoster_c)
    entry = MonitorReviewHoster.objects.get(review=opened, hoster=hoster_c)
    assert entry.notified_at is not None and entry.first_seen_at is None
    [message] = [
        message
        for message in mail.outbox
        if message.to == ["owner@c.example"] and draft_url("hoster-c") in message.body
    ]
    assert "januari" in message.body  # in the member's own language
    event = AuditEvent.objects.get(action="scoring.monitor_review.hoster_added")
    assert event.data["hoster"] == "hoster-c" and event.actor == supervisor
    page = client_for(owner_c).get(draft_url("hoster-c"))
    assert page.status_code == 200 and page.context["row"]["notices"] == 1
    close(opened)
    rows = {row["hoster"]: row for row in publish_review(supervisor, opened).ranking}
    assert (rows["hoster-c"]["notices"], rows["hoster-c"]["reviewed"]) == (1, True)


def test_a_hoster_already_named_or_given_no_notice_of_the_period_is_not_named_again(
    supervisor, opened, editor_a, hoster_b, owner_c
):
    dispute = raise_dispute(editor_a, Notice.objects.get(notice_id="a0"), "Hoster B's.")
    resolve_dispute(supervisor, dispute, uphold=True, reason="Yes.", new_hoster=hoster_b)
    later = raise_dispute(editor_a, Notice.objects.get(notice_id="later0"), "Hoster C's.")  # March: not the period
    resolve_dispute(supervisor, later, uphold=True, reason="Yes.", new_hoster=owner_c.memberships.get().hoster)
    assert sorted(opened.hosters.values_list("hoster__slug", flat=True)) == ["hoster-a", "hoster-b"]
    assert not AuditEvent.objects.filter(action="scoring.monitor_review.hoster_added").exists()


def test_a_review_whose_time_has_run_out_or_not_yet_opened_names_no_one_new(supervisor, review, editor_a, owner_c):
    hoster_c = owner_c.memberships.get().hoster
    first = raise_dispute(editor_a, Notice.objects.get(notice_id="a0"), "Hoster C's.")
    resolve_dispute(supervisor, first, uphold=True, reason="Yes.", new_hoster=hoster_c)
    assert not review.hosters.exists()  # a draft names its hosters when it opens
    opened = open_review(supervisor, review)
    assert opened.hosters.filter(hoster=hoster_c).exists()
    MonitorReviewHoster.objects.filter(hoster=hoster_c).delete()
    close(opened)
    second = raise_dispute(editor_a, Notice.objects.get(notice_id="a1"), "Hoster C's too.")
    resolve_dispute(supervisor, second, uphold=True, reason="Yes.", new_hoster=hoster_c)
    assert not opened.hosters.filter(hoster=hoster_c).exists()


def test_a_hoster_given_notices_from_the_unattributed_queue_joins_the_review(
    django_capture_on_commit_callbacks, supervisor, opened, owner_c
):
    hoster_c = owner_c.memberships.get().hoster
    stray = ("stray", datetime(2025, 1, 20, 9, tzinfo=AMS).isoformat(), "", "100.64.0.9", "", "", "")
    assert run_import([stray]).ok
    assert Notice.objects.get(notice_id="stray").hoster is None
    with django_capture_on_commit_callbacks(execute=True):
        outcome = attribute_group(supervisor, Group("network", network="100.64.0.0/24"), "", hoster_c, "notices", "")
    assert outcome.changed == 1
    assert opened.hosters.filter(hoster=hoster_c, notified_at__isnull=False).exists()
    assert any(draft_url("hoster-c") in message.body for message in mail.outbox if message.to == ["owner@c.example"])


def test_a_hoster_a_declared_network_gives_notices_joins_the_review(supervisor, opened, owner_c):
    hoster_c = owner_c.memberships.get().hoster
    stray = ("stray", datetime(2025, 1, 20, 9, tzinfo=AMS).isoformat(), "", "100.64.0.9", "", "", "")
    assert run_import([stray]).ok
    update_hoster_network(supervisor, hoster_c, [], ["100.64.0.0/24"])
    assert Notice.objects.get(notice_id="stray").hoster == hoster_c
    assert opened.hosters.filter(hoster=hoster_c).exists()
