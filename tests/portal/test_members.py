"""Members and invitations: owners invite, change roles and remove; never the last owner; the invitation journey."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from portal import services
from portal.audit import verify_chain
from portal.middleware import SESSION_HOSTER_KEY
from portal.models import AuditEvent, Invitation, MemberRole, Membership
from tests import factories


def _membership(user) -> Membership:
    return Membership.objects.get(user=user)


def _invite(client, email: str, role: str = "editor", slug: str = "hoster-a"):
    return client.post(reverse("hoster_members", args=[slug]), {"email": email, "role": role})


# Seeing members


@pytest.mark.parametrize("persona", ["editor_a", "viewer_a"])
def test_editor_and_viewer_see_the_member_list_read_only(request, client_for, persona, owner_a):
    response = client_for(request.getfixturevalue(persona)).get(reverse("hoster_members", args=["hoster-a"]))
    page = response.content.decode()
    assert response.status_code == 200
    assert owner_a.email in page
    assert "Send invitation" not in page
    assert reverse("member_remove", args=["hoster-a", _membership(owner_a).pk]) not in page
    assert response.context["invitations"] == []


def test_owner_sees_the_forms_and_invitations(client_for, owner_a, editor_a):
    Invitation.objects.create(hoster=owner_a.memberships.get().hoster, email="pending@a.example", invited_by=owner_a)
    page = client_for(owner_a).get(reverse("hoster_members", args=["hoster-a"])).content.decode()
    assert "Send invitation" in page
    assert "pending@a.example" in page
    assert reverse("member_remove", args=["hoster-a", _membership(editor_a).pk]) in page


# Changing roles and removing


@pytest.mark.parametrize("persona", ["editor_a", "viewer_a"])
def test_editor_and_viewer_cannot_invite_change_roles_or_remove(request, client_for, persona, owner_a, mailoutbox):
    actor = request.getfixturevalue(persona)
    client = client_for(actor)
    owner_membership = _membership(owner_a)
    assert _invite(client, "friend@a.example", "owner").status_code == 404
    url = reverse("member_role", args=["hoster-a", owner_membership.pk])
    assert client.post(url, {f"m{owner_membership.pk}-role": "viewer"}).status_code == 404
    own = _membership(actor)
    assert (
        client.post(reverse("member_role", args=["hoster-a", own.pk]), {f"m{own.pk}-role": "owner"}).status_code == 404
    )
    assert client.post(reverse("member_remove", args=["hoster-a", owner_membership.pk])).status_code == 404
    assert client.get(reverse("member_remove", args=["hoster-a", owner_membership.pk])).status_code == 404
    assert not Invitation.objects.exists()
    assert _membership(owner_a).role == MemberRole.OWNER
    assert _membership(actor).role == persona.split("_")[0]
    assert mailoutbox == []
    assert not AuditEvent.objects.filter(action__startswith="portal.membership").exists()


def test_owner_changes_a_role_with_an_audit_event(client_for, owner_a, viewer_a):
    membership = _membership(viewer_a)
    response = client_for(owner_a).post(
        reverse("member_role", args=["hoster-a", membership.pk]), {f"m{membership.pk}-role": "editor"}
    )
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.role == MemberRole.EDITOR
    event = AuditEvent.objects.get(action="portal.membership.role_changed")
    assert (event.data["from"], event.data["to"], event.actor) == ("viewer", "editor", owner_a)
    assert verify_chain() is None


def test_the_last_owner_cannot_be_demoted(client_for, owner_a, editor_a):
    membership = _membership(owner_a)
    client = client_for(owner_a)
    response = client.post(
        reverse("member_role", args=["hoster-a", membership.pk]), {f"m{membership.pk}-role": "viewer"}, follow=True
    )
    assert "last owner" in response.content.decode()
    membership.refresh_from_db()
    assert membership.role == MemberRole.OWNER
    assert not AuditEvent.objects.filter(action="portal.membership.role_changed").exists()


def test_the_last_owner_cannot_be_removed(client_for, owner_a, editor_a):
    membership = _membership(owner_a)
    response = client_for(owner_a).post(reverse("member_remove", args=["hoster-a", membership.pk]), follow=True)
    assert "last owner" in response.content.decode()
    assert Membership.objects.filter(pk=membership.pk).exists()
    assert not AuditEvent.objects.filter(action="portal.membership.removed").exists()


def test_the_last_owner_rule_holds_in_the_service_too(owner_a):
    membership = _membership(owner_a)
    with pytest.raises(ValidationError):
        services.remove_member(owner_a, membership)
    with pytest.raises(ValidationError):
        services.change_member_role(owner_a, membership, MemberRole.EDITOR)
    membership.refresh_from_db()
    assert membership.role == MemberRole.OWNER


def test_removal_asks_for_confirmation_first(client_for, owner_a, editor_a):
    membership = _membership(editor_a)
    url = reverse("member_remove", args=["hoster-a", membership.pk])
    client = client_for(owner_a)
    confirm = client.get(url)
    assert confirm.status_code == 200
    assert editor_a.email in confirm.content.decode()
    assert '<form method="post"' in confirm.content.decode()
    assert Membership.objects.filter(pk=membership.pk).exists()
    response = client.post(url)
    assert response["Location"] == reverse("hoster_members", args=["hoster-a"])
    assert not Membership.objects.filter(pk=membership.pk).exists()
    event = AuditEvent.objects.get(action="portal.membership.removed")
    assert event.data == {"hoster": "hoster-a", "member": editor_a.email, "role": "editor"}
    assert verify_chain() is None


def test_an_owner_may_step_down_once_another_owner_exists(client_for, owner_a, editor_a):
    client = client_for(owner_a)
    editor = _membership(editor_a)
    client.post(reverse("member_role", args=["hoster-a", editor.pk]), {f"m{editor.pk}-role": "owner"})
    response = client.post(reverse("member_remove", args=["hoster-a", _membership(owner_a).pk]))
    assert response["Location"] == reverse("dashboard")
    assert not Membership.objects.filter(user=owner_a).exists()
    assert _membership(editor_a).role == MemberRole.OWNER


# Invitations


def test_invitation_journey_from_mail_to_membership(
    client_for, owner_a, hoster_a, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _invite(client_for(owner_a), "New.Colleague@a.example", "viewer")
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.role, invitation.invited_by) == ("New.Colleague@a.example", "viewer", owner_a)
    assert [m.to for m in mailoutbox] == [["New.Colleague@a.example"]]
    assert "Hoster A" in mailoutbox[0].subject
    path = re.search(r"https?://[^/\s]+(/invitations/[^\s]+/)", mailoutbox[0].body).group(1)
    assert path == reverse("invitation_accept", args=[invitation.token])

    invitee = factories.make_user("new.colleague@a.example")
    client = client_for(invitee)
    page = client.get(path)
    assert page.status_code == 200
    assert "Accept invitation" in page.content.decode()
    response = client.post(path)
    assert response["Location"] == reverse("hoster_detail", args=["hoster-a"])
    assert Membership.objects.get(user=invitee, hoster=hoster_a).role == MemberRole.VIEWER
    assert client.session[SESSION_HOSTER_KEY] == "hoster-a"
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None
    assert not invitation.is_open
    assert client.post(path).status_code == 410
    actions = list(AuditEvent.objects.filter(action__startswith="portal.invitation").values_list("action", flat=True))
    assert actions == ["portal.invitation.created", "portal.invitation.accepted"]
    assert verify_chain() is None


def test_invitation_mail_is_written_in_the_inviters_language(
    client_for, owner_a, monkeypatch, django_capture_on_commit_callbacks
):
    languages: list[str] = []
    monkeypatch.setattr(services, "send_templated", lambda to, language, template, ctx: languages.append(language))
    client = client_for(owner_a)
    client.post(reverse("set_language"), {"language": "nl", "next": "/"})
    with django_capture_on_commit_callbacks(execute=True):
        _invite(client, "nieuw@a.example")
    assert languages == ["nl"]


def test_invitation_sent_to_another_address_is_refused(client_for, owner_a, hoster_a):
    invitation = services.invite_member(owner_a, hoster_a, "right@a.example", MemberRole.EDITOR, "en")
    stranger = factories.make_user("wrong@elsewhere.example")
    url = reverse("invitation_accept", args=[invitation.token])
    response = client_for(stranger).post(url)
    assert response.status_code == 403
    assert "another e-mail address" in response.content.decode()
    assert "right@a.example" not in response.content.decode()
    assert not Membership.objects.filter(user=stranger).exists()
    invitation.refresh_from_db()
    assert invitation.is_open


def test_invitation_needs_a_verified_address(client_for, owner_a, hoster_a):
    invitation = services.invite_member(owner_a, hoster_a, "unverified@a.example", MemberRole.EDITOR, "en")
    user = factories.make_user("unverified@a.example", verified=False)
    response = client_for(user).post(reverse("invitation_accept", args=[invitation.token]))
    assert response.status_code == 403
    assert not Membership.objects.filter(user=user).exists()


@pytest.mark.parametrize("state", ["revoked", "expired"])
def test_revoked_or_expired_invitation_is_refused(client_for, owner_a, hoster_a, state):
    invitation = services.invite_member(owner_a, hoster_a, "late@a.example", MemberRole.EDITOR, "en")
    if state == "revoked":
        services.revoke_invitation(owner_a, invitation)
    else:
        Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    user = factories.make_user("late@a.example")
    response = client_for(user).post(reverse("invitation_accept", args=[invitation.token]))
    assert response.status_code == 410
    assert "no longer valid" in response.content.decode()
    assert not Membership.objects.filter(user=user).exists()


def test_unknown_invitation_token_is_404(client_for, owner_a):
    assert client_for(owner_a).get(reverse("invitation_accept", args=["not-a-token"])).status_code == 404


def test_owner_revokes_an_invitation_after_confirmation(client_for, owner_a, hoster_a):
    invitation = services.invite_member(owner_a, hoster_a, "maybe@a.example", MemberRole.EDITOR, "en")
    url = reverse("invitation_revoke", args=["hoster-a", invitation.pk])
    client = client_for(owner_a)
    assert "maybe@a.example" in client.get(url).content.decode()
    invitation.refresh_from_db()
    assert invitation.is_open
    client.post(url)
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    assert AuditEvent.objects.filter(action="portal.invitation.revoked", object_id=str(invitation.pk)).count() == 1
    assert verify_chain() is None


def test_inviting_again_replaces_the_open_invitation(client_for, owner_a, hoster_a):
    first = services.invite_member(owner_a, hoster_a, "twice@a.example", MemberRole.VIEWER, "en")
    _invite(client_for(owner_a), "TWICE@a.example", "editor")
    first.refresh_from_db()
    assert first.revoked_at is not None
    assert [i.role for i in Invitation.objects.filter(revoked_at__isnull=True)] == ["editor"]


def test_inviting_a_member_is_refused_with_a_clear_error(client_for, owner_a, editor_a, mailoutbox):
    response = _invite(client_for(owner_a), editor_a.email.upper())
    assert response.status_code == 400
    assert "already a member" in response.context["invite_form"].errors["email"][0]
    assert not Invitation.objects.exists()
    assert mailoutbox == []


def test_an_invitation_of_hoster_b_cannot_be_revoked_through_hoster_a(client_for, owner_a, owner_b, hoster_b):
    invitation = services.invite_member(owner_b, hoster_b, "x@b.example", MemberRole.EDITOR, "en")
    response = client_for(owner_a).post(reverse("invitation_revoke", args=["hoster-a", invitation.pk]))
    assert response.status_code == 404
    invitation.refresh_from_db()
    assert invitation.is_open


def test_a_member_of_hoster_b_cannot_be_changed_through_hoster_a(client_for, owner_a, editor_b):
    membership = _membership(editor_b)
    client = client_for(owner_a)
    url = reverse("member_role", args=["hoster-a", membership.pk])
    assert client.post(url, {f"m{membership.pk}-role": "owner"}).status_code == 404
    assert client.post(reverse("member_remove", args=["hoster-a", membership.pk])).status_code == 404
    membership.refresh_from_db()
    assert membership.role == MemberRole.EDITOR
