"""Hoster pages: registration, details and settings, network, switching, cross-company isolation and supervision."""

from __future__ import annotations

import pytest
from django.urls import reverse

from portal.api import create_api_key
from portal.audit import verify_chain
from portal.middleware import SESSION_HOSTER_KEY
from portal.models import ApiKey, AuditEvent, Hoster, Invitation, MemberRole, Membership
from portal.services import hoster_network_changed
from tests import factories


@pytest.fixture
def network_signals():
    received: list[Hoster] = []

    def receiver(sender, hoster, **kwargs):
        received.append(hoster)

    hoster_network_changed.connect(receiver)
    yield received
    hoster_network_changed.disconnect(receiver)


def _state(hoster: Hoster) -> dict:
    """Everything a cross-company attempt could change about a hoster."""
    hoster.refresh_from_db()
    return {
        "fields": {f.name: getattr(hoster, f.name) for f in Hoster._meta.concrete_fields},
        "members": sorted(hoster.memberships.values_list("user__email", "role")),
        "invitations": sorted(hoster.invitations.values_list("email", "role", "revoked_at", "accepted_at")),
        "keys": sorted(hoster.api_keys.values_list("prefix", "revoked_at")),
    }


# Registration


def test_register_hoster_makes_the_user_owner_of_an_unverified_hoster_and_mails_supervisors(
    client_for, supervisor, mailoutbox, django_capture_on_commit_callbacks
):
    user = factories.make_user("founder@newhost.example")
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(user).post(
            reverse("hoster_register"),
            {"name": "NewHost B.V.", "legal_name": "NewHost B.V.", "coc_number": "1234 5678", "country": "nl"},
        )
    hoster = Hoster.objects.get(name="NewHost B.V.")
    assert response.status_code == 302
    assert response["Location"] == reverse("hoster_detail", args=[hoster.slug])
    assert hoster.slug == "newhost-bv"
    assert hoster.verification == Hoster.Verification.UNVERIFIED
    assert (hoster.coc_number, hoster.country) == ("12345678", "NL")
    assert Membership.objects.get(hoster=hoster, user=user).role == MemberRole.OWNER
    assert [m.to for m in mailoutbox] == [[supervisor.email]]
    assert "NewHost B.V." in mailoutbox[0].subject
    assert reverse("supervision_hosters") in mailoutbox[0].body
    assert AuditEvent.objects.filter(action="portal.hoster.registered", object_id=str(hoster.pk)).count() == 1
    assert verify_chain() is None


def test_register_never_takes_a_reserved_or_used_slug(client_for, hoster_a):
    user = factories.make_user()
    client = client_for(user)
    client.post(reverse("hoster_register"), {"name": "New", "country": "NL"})
    client.post(reverse("hoster_register"), {"name": "Hoster A", "country": "NL"})
    assert set(Hoster.objects.filter(memberships__user=user).values_list("slug", flat=True)) == {"new-2", "hoster-a-2"}


def test_register_explains_bad_input_and_stores_nothing(db, client_for):
    user = factories.make_user()
    response = client_for(user).post(
        reverse("hoster_register"), {"name": "Bad", "coc_number": "12AB", "country": "Netherlands"}
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "two-letter country code" in errors["country"][0]
    assert "digits only" in errors["coc_number"][0]
    assert not Hoster.objects.filter(name="Bad").exists()


# Detail and settings


@pytest.mark.parametrize("persona", ["owner_a", "editor_a", "viewer_a"])
def test_members_see_their_hoster(request, client_for, persona):
    response = client_for(request.getfixturevalue(persona)).get(reverse("hoster_detail", args=["hoster-a"]))
    assert response.status_code == 200
    assert "192.0.2.0/24" in response.content.decode()
    assert "AS64500" in response.content.decode()


def test_owner_edits_company_details_with_an_audit_event(client_for, owner_a, hoster_a):
    data = {"name": "Hoster A", "legal_name": "Hoster A B.V.", "country": "NL", "abuse_email": "abuse@a.example"}
    response = client_for(owner_a).post(reverse("hoster_settings", args=["hoster-a"]), data)
    assert response.status_code == 302
    hoster_a.refresh_from_db()
    assert (hoster_a.legal_name, hoster_a.abuse_email) == ("Hoster A B.V.", "abuse@a.example")
    event = AuditEvent.objects.get(action="portal.hoster.updated")
    assert event.actor == owner_a
    assert set(event.data["changes"]) == {"legal_name", "abuse_email"}
    assert verify_chain() is None


def test_owner_cannot_change_the_network_through_the_settings_form(client_for, owner_a, hoster_a):
    data = {"name": "Hoster A", "country": "NL", "asns": "AS1", "prefixes": "10.0.0.0/8"}
    client_for(owner_a).post(reverse("hoster_settings", args=["hoster-a"]), data)
    hoster_a.refresh_from_db()
    assert (hoster_a.asns, hoster_a.prefixes) == ([64500], ["192.0.2.0/24"])


@pytest.mark.parametrize("persona", ["editor_a", "viewer_a"])
def test_editor_and_viewer_cannot_change_settings(request, client_for, persona, hoster_a):
    client = client_for(request.getfixturevalue(persona))
    before = _state(hoster_a)
    assert client.get(reverse("hoster_settings", args=["hoster-a"])).status_code == 404
    response = client.post(reverse("hoster_settings", args=["hoster-a"]), {"name": "Taken over", "country": "NL"})
    assert response.status_code == 404
    assert _state(hoster_a) == before
    assert not AuditEvent.objects.filter(action="portal.hoster.updated").exists()


@pytest.mark.parametrize("persona", ["owner_a", "editor_a", "viewer_a"])
def test_only_supervisors_change_the_network(request, client_for, persona, hoster_a, network_signals):
    response = client_for(request.getfixturevalue(persona)).post(
        reverse("hoster_network", args=["hoster-a"]), {"asns": "AS1", "prefixes": "10.0.0.0/8"}
    )
    assert response.status_code == 404
    hoster_a.refresh_from_db()
    assert hoster_a.asns == [64500]
    assert network_signals == []


def test_supervisor_changes_the_network_and_notices_are_told(client_for, supervisor, hoster_a, network_signals):
    response = client_for(supervisor).post(
        reverse("hoster_network", args=["hoster-a"]),
        {"asns": "as64502\nAS64500, 64501", "prefixes": "2001:DB8::/32 192.0.2.0/24\n198.51.100.0/25"},
    )
    assert response.status_code == 302
    hoster_a.refresh_from_db()
    assert hoster_a.asns == [64500, 64501, 64502]
    assert hoster_a.prefixes == ["192.0.2.0/24", "198.51.100.0/25", "2001:db8::/32"]
    assert [h.pk for h in network_signals] == [hoster_a.pk]
    event = AuditEvent.objects.get(action="portal.hoster.network_changed")
    assert event.data["old"] == {"asns": [64500], "prefixes": ["192.0.2.0/24"]}
    assert verify_chain() is None


def test_network_form_names_every_bad_value(client_for, supervisor, hoster_a, network_signals):
    response = client_for(supervisor).post(
        reverse("hoster_network", args=["hoster-a"]),
        {"asns": "AS64500 ASX 4294967296", "prefixes": "192.0.2.1/24 not-a-prefix 2001:db8::/32 10.0.0.0"},
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert any("ASX" in e for e in errors["asns"]) and any("4294967296" in e for e in errors["asns"])
    assert any("192.0.2.1/24" in e and "host bits" in e for e in errors["prefixes"])
    assert any("not-a-prefix" in e for e in errors["prefixes"])
    assert any("10.0.0.0" in e and "prefix length" in e for e in errors["prefixes"])
    assert not any("2001:db8::/32" in e for e in errors["prefixes"])
    hoster_a.refresh_from_db()
    assert (hoster_a.asns, hoster_a.prefixes) == ([64500], ["192.0.2.0/24"])
    assert network_signals == []


def test_saving_an_unchanged_network_sends_no_signal(client_for, supervisor, hoster_a, network_signals):
    client_for(supervisor).post(
        reverse("hoster_network", args=["hoster-a"]), {"asns": "64500", "prefixes": "192.0.2.0/24"}
    )
    assert network_signals == []
    assert not AuditEvent.objects.filter(action="portal.hoster.network_changed").exists()


# Cross-company isolation


def _hoster_b_urls(hoster_b: Hoster, owner_b) -> list[str]:
    membership = Membership.objects.get(hoster=hoster_b, user=owner_b)
    invitation = Invitation.objects.create(hoster=hoster_b, email="new@b.example", invited_by=owner_b)
    key, _token = create_api_key(owner_b, "B's ticket system", ApiKey.Scope.HOSTER, hoster_b)
    return [
        reverse("hoster_detail", args=["hoster-b"]),
        reverse("hoster_settings", args=["hoster-b"]),
        reverse("hoster_network", args=["hoster-b"]),
        reverse("hoster_members", args=["hoster-b"]),
        reverse("member_role", args=["hoster-b", membership.pk]),
        reverse("member_remove", args=["hoster-b", membership.pk]),
        reverse("invitation_revoke", args=["hoster-b", invitation.pk]),
        reverse("hoster_api_keys", args=["hoster-b"]),
        reverse("api_key_revoke", args=["hoster-b", key.pk]),
    ]


@pytest.mark.parametrize("persona", ["owner_a", "editor_a", "viewer_a"])
def test_a_member_of_hoster_a_gets_404_for_everything_of_hoster_b(request, client_for, persona, hoster_b, owner_b):
    urls = _hoster_b_urls(hoster_b, owner_b)
    client = client_for(request.getfixturevalue(persona))
    before, events_before = _state(hoster_b), AuditEvent.objects.count()
    payload = {
        "name": "Taken over",
        "country": "NL",
        "email": "intruder@a.example",
        "role": "owner",
        f"m{Membership.objects.get(user=owner_b).pk}-role": "viewer",
        "asns": "AS1",
        "prefixes": "10.0.0.0/8",
    }
    for url in urls:
        assert client.get(url).status_code in {404, 405}, url
        assert client.post(url, payload).status_code == 404, url
    assert _state(hoster_b) == before
    assert AuditEvent.objects.count() == events_before


@pytest.mark.parametrize("persona", ["owner_a", "editor_a", "viewer_a"])
def test_a_member_of_hoster_a_cannot_switch_to_hoster_b(request, client_for, persona, hoster_b):
    client = client_for(request.getfixturevalue(persona))
    response = client.post(reverse("hoster_switch"), {"hoster": "hoster-b"})
    assert response.status_code == 404
    assert client.session.get(SESSION_HOSTER_KEY) is None


def test_unknown_hoster_is_404_not_an_error(client_for, owner_a):
    assert client_for(owner_a).get(reverse("hoster_detail", args=["no-such-hoster"])).status_code == 404


# Switching


def test_a_member_of_two_hosters_switches_between_them(client_for, owner_a, hoster_b):
    Membership.objects.create(user=owner_a, hoster=hoster_b, role=MemberRole.VIEWER)
    client = client_for(owner_a)
    page = client.get(reverse("hoster_detail", args=["hoster-a"])).content.decode()
    assert reverse("hoster_switch") in page
    response = client.post(reverse("hoster_switch"), {"hoster": "hoster-b"})
    assert response["Location"] == reverse("hoster_detail", args=["hoster-b"])
    assert client.session[SESSION_HOSTER_KEY] == "hoster-b"
    assert client.get(reverse("dashboard")).wsgi_request.current_membership.hoster == hoster_b
    response = client.post(reverse("hoster_switch"), {"hoster": "hoster-a", "next": "https://evil.example/"})
    assert response["Location"] == reverse("hoster_detail", args=["hoster-a"])
    response = client.post(reverse("hoster_switch"), {"hoster": "hoster-b", "next": "/dashboard/"})
    assert response["Location"] == "/dashboard/"


def test_switcher_is_hidden_for_a_member_of_one_hoster(client_for, owner_a):
    page = client_for(owner_a).get(reverse("hoster_detail", args=["hoster-a"])).content.decode()
    assert reverse("hoster_switch") not in page


def test_switching_needs_post(client_for, owner_a):
    assert client_for(owner_a).get(reverse("hoster_switch")).status_code == 405


# Supervision


SUPERVISION_URLS = [
    reverse("supervision_hosters"),
    reverse("supervision_hoster_verify", args=["hoster-a"]),
    reverse("supervision_roles"),
    reverse("supervision_api_keys"),
]


@pytest.mark.parametrize("persona", ["owner_a", "editor_a", "viewer_a", "auditor"])
def test_non_supervisors_cannot_reach_supervision_pages(request, client_for, persona, hoster_a):
    client = client_for(request.getfixturevalue(persona))
    for url in SUPERVISION_URLS:
        assert client.get(url).status_code == 403, url
    response = client.post(reverse("supervision_hoster_verify", args=["hoster-a"]), {"decision": "rejected"})
    assert response.status_code == 403
    hoster_a.refresh_from_db()
    assert hoster_a.verification == Hoster.Verification.VERIFIED


def test_anonymous_visitors_are_sent_to_login(client, hoster_a):
    for url in [*SUPERVISION_URLS, reverse("hoster_detail", args=["hoster-a"]), reverse("hoster_register")]:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url


def test_supervisor_sees_any_hoster_but_cannot_edit_its_company_details(client_for, supervisor, hoster_a):
    client = client_for(supervisor)
    page = client.get(reverse("hoster_detail", args=["hoster-a"])).content.decode()
    assert 'action="/hosters/hoster-a/network/"' in page
    assert client.get(reverse("hoster_settings", args=["hoster-a"])).status_code == 404


def test_supervision_list_searches_filters_and_paginates(client_for, supervisor, hoster_a, hoster_b):
    factories.make_hoster("pending-host", name="Pending Host", verification=Hoster.Verification.UNVERIFIED)
    for n in range(30):
        factories.make_hoster(f"bulk-{n:02}", name=f"Bulk {n:02}")
    client = client_for(supervisor)
    response = client.get(reverse("supervision_hosters"), {"verification": "unverified"})
    assert [h.slug for h in response.context["hosters"]] == ["pending-host"]
    response = client.get(reverse("supervision_hosters"), {"q": "hoster"})
    assert [h.slug for h in response.context["hosters"]] == ["hoster-a", "hoster-b"]
    first = client.get(reverse("supervision_hosters"))
    assert first.context["hosters"].paginator.count == 33
    assert len(first.context["hosters"]) == 25
    second = client.get(reverse("supervision_hosters"), {"page": 2})
    assert len(second.context["hosters"]) == 8
    empty = client.get(reverse("supervision_hosters"), {"q": "nothing-like-this"})
    assert "No hoster matches this search" in empty.content.decode()


def test_supervisor_verifies_a_hoster_and_its_owners_are_mailed(
    client_for, supervisor, owner_a, editor_a, hoster_a, mailoutbox, django_capture_on_commit_callbacks
):
    Hoster.objects.filter(pk=hoster_a.pk).update(verification=Hoster.Verification.UNVERIFIED)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(supervisor).post(
            reverse("supervision_hoster_verify", args=["hoster-a"]), {"decision": "verified", "reason": "KvK checked"}
        )
    assert response.status_code == 302
    hoster_a.refresh_from_db()
    assert hoster_a.verification == Hoster.Verification.VERIFIED
    assert [m.to for m in mailoutbox] == [[owner_a.email]]
    assert "verified" in mailoutbox[0].subject
    assert "KvK checked" in mailoutbox[0].body
    event = AuditEvent.objects.get(action="portal.hoster.verified")
    assert event.data == {"previous": "unverified", "reason": "KvK checked"}
    assert verify_chain() is None


def test_rejecting_needs_a_reason(client_for, supervisor, hoster_a, mailoutbox, django_capture_on_commit_callbacks):
    client = client_for(supervisor)
    url = reverse("supervision_hoster_verify", args=["hoster-a"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"decision": "rejected", "reason": "  "})
    assert response.status_code == 200
    assert "reason" in response.context["form"].errors
    hoster_a.refresh_from_db()
    assert hoster_a.verification == Hoster.Verification.VERIFIED
    assert mailoutbox == []
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"decision": "rejected", "reason": "No such company at the KvK."})
    hoster_a.refresh_from_db()
    assert hoster_a.verification == Hoster.Verification.REJECTED
    assert AuditEvent.objects.filter(action="portal.hoster.rejected").count() == 1


def test_every_page_renders_for_the_people_who_may_open_it(client_for, owner_a, supervisor, hoster_a):
    owner_urls = [
        reverse("hoster_register"),
        *(reverse(name, args=["hoster-a"]) for name in ("hoster_detail", "hoster_settings", "hoster_members")),
        reverse("hoster_api_keys", args=["hoster-a"]),
    ]
    owner = client_for(owner_a)
    for url in owner_urls:
        response = owner.get(url)
        assert response.status_code == 200, url
        assert 'lang="en"' in response.content.decode()
    staff = client_for(supervisor)
    for url in [
        *SUPERVISION_URLS,
        reverse("hoster_network", args=["hoster-a"]),
        reverse("hoster_members", args=["hoster-a"]),
    ]:
        assert staff.get(url).status_code == 200, url
