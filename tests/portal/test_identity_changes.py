"""A verified hoster's public name and website change only when a supervisor approves the owner's request."""

from __future__ import annotations

import json

import pytest
from django.core.cache import cache
from django.urls import reverse

from portal.audit import verify_chain
from portal.models import AuditEvent, Hoster, HosterIdentityChange
from tests.scoring.certification.helpers import certify

pytestmark = pytest.mark.django_db

OLD_NAME, OLD_SITE = "Hoster A", "https://hoster-a.example"
NEW_NAME, NEW_SITE = "Google Cloud Nederland", "https://cloud.google.com"


@pytest.fixture
def certified_a(owner_a, hoster_a, supervisor):
    Hoster.objects.filter(pk=hoster_a.pk).update(name=OLD_NAME, website=OLD_SITE)
    hoster_a.refresh_from_db()
    certificate = certify(owner_a, hoster_a, supervisor)
    cache.clear()
    yield certificate
    cache.clear()


def rename(client, name: str = NEW_NAME, website: str = NEW_SITE, **extra):
    data = {"name": name, "website": website, "country": "NL", **extra}
    return client.post(reverse("hoster_settings", args=["hoster-a"]), data, follow=True)


def public_texts(client, certificate) -> dict[str, str]:
    """Every public place that names the hoster, as text."""
    cache.clear()
    urls = {
        "registry": reverse("registry"),
        "profile": reverse("registry_hoster", args=["hoster-a"]),
        "verify": reverse("verify", args=[certificate.serial]),
        "badge": reverse("badge", args=["hoster-a"]),
        "api": reverse("api:public_hoster", args=["hoster-a"]),
        "open data": reverse("open_data_json"),
        "open data csv": reverse("open_data_csv"),
    }
    texts = {}
    for place, url in urls.items():
        response = client.get(url)
        assert response.status_code == 200, place
        texts[place] = response.content.decode()
    return texts


def assert_public_name(client, certificate, name: str, absent: str) -> None:
    for place, text in public_texts(client, certificate).items():
        assert name in text, place
        assert absent not in text, place


def decide(client, change: HosterIdentityChange, decision: str, reason: str = ""):
    url = reverse("supervision_identity_change", args=[change.pk])
    return client.post(url, {"decision": decision, "reason": reason}, follow=True)


def test_renaming_a_certified_hoster_waits_for_the_supervisor(
    client, client_for, owner_a, supervisor, certified_a, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = rename(client_for(owner_a), abuse_email="abuse@a.example")
    assert "awaiting the supervisor&#x27;s approval" in response.content.decode()
    hoster = Hoster.objects.get(slug="hoster-a")
    assert (hoster.name, hoster.website, hoster.abuse_email) == (OLD_NAME, OLD_SITE, "abuse@a.example")
    change = HosterIdentityChange.objects.get()
    assert (change.status, change.name, change.website) == ("pending", NEW_NAME, NEW_SITE)
    assert (change.previous_name, change.previous_website, change.requested_by) == (OLD_NAME, OLD_SITE, owner_a)
    event = AuditEvent.objects.get(action="portal.hoster.identity_change_requested")
    assert event.actor == owner_a and event.data["to"] == {"name": NEW_NAME, "website": NEW_SITE}
    assert [m.to for m in mailoutbox] == [[supervisor.email]]
    assert (
        NEW_NAME in mailoutbox[0].body
        and reverse("supervision_identity_change", args=[change.pk]) in mailoutbox[0].body
    )
    assert_public_name(client, certified_a, OLD_NAME, NEW_NAME)
    settings_page = client_for(owner_a).get(reverse("hoster_settings", args=["hoster-a"])).content.decode()
    assert "is awaiting the supervisor's approval" in settings_page and NEW_NAME in settings_page


def test_approval_applies_the_new_identity_everywhere(
    client, client_for, owner_a, supervisor, certified_a, mailoutbox, django_capture_on_commit_callbacks
):
    rename(client_for(owner_a))
    change = HosterIdentityChange.objects.get()
    web = client_for(supervisor)
    confirm = web.get(reverse("supervision_identity_change", args=[change.pk]))
    assert confirm.status_code == 200 and NEW_NAME in confirm.content.decode()
    assert Hoster.objects.get(slug="hoster-a").name == OLD_NAME  # looking is not deciding
    with django_capture_on_commit_callbacks(execute=True):
        response = decide(web, change, "approve")
    assert response.status_code == 200
    hoster = Hoster.objects.get(slug="hoster-a")
    assert (hoster.name, hoster.website) == (NEW_NAME, NEW_SITE)
    change.refresh_from_db()
    assert (change.status, change.decided_by) == ("approved", supervisor) and change.decided_at is not None
    event = AuditEvent.objects.get(action="portal.hoster.identity_change_approved")
    assert event.actor == supervisor and event.data["from"] == {"name": OLD_NAME, "website": OLD_SITE}
    assert [m.to for m in mailoutbox] == [[owner_a.email]] and "approved" in mailoutbox[0].subject
    assert_public_name(client, certified_a, NEW_NAME, OLD_NAME)
    assert verify_chain() is None


def test_rejection_keeps_the_identity_and_needs_a_reason(
    client, client_for, owner_a, supervisor, certified_a, mailoutbox, django_capture_on_commit_callbacks
):
    rename(client_for(owner_a))
    change = HosterIdentityChange.objects.get()
    web = client_for(supervisor)
    with django_capture_on_commit_callbacks(execute=True):
        refused = decide(web, change, "reject")
    assert "Give the reason for the rejection" in refused.content.decode()
    assert HosterIdentityChange.objects.get().status == "pending" and mailoutbox == []
    with django_capture_on_commit_callbacks(execute=True):
        decide(web, change, "reject", "Not the company that holds this name.")
    change.refresh_from_db()
    assert change.status == "rejected" and change.reason == "Not the company that holds this name."
    assert Hoster.objects.get(slug="hoster-a").name == OLD_NAME
    assert AuditEvent.objects.filter(action="portal.hoster.identity_change_rejected").count() == 1
    assert [m.to for m in mailoutbox] == [[owner_a.email]]
    assert "rejected" in mailoutbox[0].subject and "Not the company" in mailoutbox[0].body
    assert_public_name(client, certified_a, OLD_NAME, NEW_NAME)
    again = decide(web, change, "approve")
    assert "already decided" in again.content.decode()
    assert Hoster.objects.get(slug="hoster-a").name == OLD_NAME


def test_a_second_request_replaces_the_pending_one(client_for, owner_a, certified_a):
    client = client_for(owner_a)
    rename(client)
    rename(client, "Hoster A Cloud", "https://cloud.hoster-a.example")
    change = HosterIdentityChange.objects.get()
    assert (change.status, change.name, change.website) == (
        "pending",
        "Hoster A Cloud",
        "https://cloud.hoster-a.example",
    )
    replaced = AuditEvent.objects.filter(action="portal.hoster.identity_change_requested").last()
    assert replaced.data["replaces"] == {"name": NEW_NAME, "website": NEW_SITE}
    assert Hoster.objects.get(slug="hoster-a").name == OLD_NAME


def test_other_details_of_a_verified_hoster_still_save_at_once(client_for, owner_a, hoster_a):
    hoster_a.refresh_from_db()
    rename(client_for(owner_a), hoster_a.name, hoster_a.website, legal_name="Hoster A B.V.")
    assert Hoster.objects.get(pk=hoster_a.pk).legal_name == "Hoster A B.V."
    assert not HosterIdentityChange.objects.exists()


def test_an_unverified_hoster_renames_itself_directly(client_for, owner_a, hoster_a, mailoutbox):
    Hoster.objects.filter(pk=hoster_a.pk).update(verification=Hoster.Verification.UNVERIFIED)
    rename(client_for(owner_a))
    hoster = Hoster.objects.get(pk=hoster_a.pk)
    assert (hoster.name, hoster.website) == (NEW_NAME, NEW_SITE)
    assert not HosterIdentityChange.objects.exists()
    assert set(AuditEvent.objects.get(action="portal.hoster.updated").data["changes"]) == {"name", "website"}


@pytest.mark.parametrize("persona", ["owner_a", "editor_a", "viewer_a", "owner_b", "auditor"])
def test_only_supervisors_see_and_decide_the_queue(request, client_for, owner_a, certified_a, persona):
    rename(client_for(owner_a))
    change = HosterIdentityChange.objects.get()
    client = client_for(request.getfixturevalue(persona))
    assert client.get(reverse("supervision_identity_changes")).status_code == 404
    assert client.get(reverse("supervision_identity_change", args=[change.pk])).status_code == 404
    response = client.post(reverse("supervision_identity_change", args=[change.pk]), {"decision": "approve"})
    assert response.status_code == 404
    assert HosterIdentityChange.objects.get().status == "pending"
    assert Hoster.objects.get(slug="hoster-a").name == OLD_NAME


def test_the_queue_lists_pending_requests_for_supervisors(client_for, owner_a, supervisor, certified_a):
    rename(client_for(owner_a))
    page = client_for(supervisor).get(reverse("supervision_identity_changes")).content.decode()
    change = HosterIdentityChange.objects.get()
    assert NEW_NAME in page and reverse("supervision_identity_change", args=[change.pk]) in page


def test_a_member_of_another_hoster_cannot_request_a_change(client_for, owner_b, certified_a):
    response = client_for(owner_b).post(
        reverse("hoster_settings", args=["hoster-a"]), {"name": NEW_NAME, "country": "NL"}
    )
    assert response.status_code == 404
    assert not HosterIdentityChange.objects.exists()


def test_the_api_answer_keeps_the_approved_name(client, client_for, owner_a, certified_a):
    rename(client_for(owner_a))
    cache.clear()
    data = json.loads(client.get(reverse("api:public_hoster", args=["hoster-a"])).content)
    assert (data["name"], data["website"]) == (OLD_NAME, OLD_SITE)


def test_approval_refreshes_the_cached_registry_at_once(client, client_for, owner_a, supervisor, certified_a):
    from scoring.certification.services import registry_generation

    client.get(reverse("registry"))  # cached with the old name
    rename(client_for(owner_a))
    before = registry_generation()
    decide(client_for(supervisor), HosterIdentityChange.objects.get(), "approve")
    assert registry_generation() != before
    assert NEW_NAME in client.get(reverse("registry")).content.decode()
