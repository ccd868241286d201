"""The portal's invitation mail is no spam cannon: limits per inviter, per hoster, and for unverified hosters."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from portal import services
from portal.models import Hoster, Invitation, MemberRole
from portal.services import PortalRefused
from tests import factories


def _invite(user, hoster, email):
    return services.invite_member(user, hoster, email, MemberRole.EDITOR, "en")


def test_thirty_invitations_in_a_burst_stop_at_ten(client_for, owner_a, hoster_a, mailoutbox):
    client = client_for(owner_a)
    for n in range(30):
        response = client.post(
            reverse("hoster_members", args=["hoster-a"]), {"email": f"x{n}@spam.example", "role": "editor"}
        )
    assert Invitation.objects.count() == services.INVITATIONS_PER_USER_PER_HOUR == 10
    assert response.status_code == 400  # the form shows the refusal
    assert "invitations in the last hour, the most allowed" in response.content.decode()


def test_the_hourly_limit_of_an_inviter_counts_every_hoster(owner_a, hoster_a, hoster_b):
    from portal.models import Membership

    Membership.objects.create(user=owner_a, hoster=hoster_b, role=MemberRole.OWNER)
    for n in range(5):
        _invite(owner_a, hoster_a, f"a{n}@x.example")
        _invite(owner_a, hoster_b, f"b{n}@x.example")
    with pytest.raises(PortalRefused, match="last hour"):
        _invite(owner_a, hoster_b, "one-more@x.example")


def test_the_hourly_limit_passes(owner_a, hoster_a):
    for n in range(10):
        _invite(owner_a, hoster_a, f"old{n}@x.example")
    Invitation.objects.update(created_at=timezone.now() - timedelta(minutes=61))
    assert _invite(owner_a, hoster_a, "fresh@x.example").email == "fresh@x.example"


def test_a_hoster_sends_at_most_twenty_a_day_whoever_invites(hoster_a):
    owners = [factories.make_member(hoster_a, MemberRole.OWNER) for _ in range(3)]
    for n in range(20):
        _invite(owners[n // 10], hoster_a, f"p{n}@x.example")
    with pytest.raises(PortalRefused, match="last 24 hours"):
        _invite(owners[2], hoster_a, "p20@x.example")
    Invitation.objects.update(created_at=timezone.now() - timedelta(hours=25))
    assert _invite(owners[2], hoster_a, "p20@x.example")


def test_an_unverified_hoster_has_at_most_three_open_invitations(hoster_a):
    hoster = factories.make_hoster("fresh-host", verification=Hoster.Verification.UNVERIFIED)
    owner = factories.make_member(hoster, MemberRole.OWNER)
    for n in range(3):
        _invite(owner, hoster, f"u{n}@x.example")
    with pytest.raises(PortalRefused, match="not verified yet"):
        _invite(owner, hoster, "u3@x.example")
    # Inviting an address again replaces its invitation, so it adds none.
    assert _invite(owner, hoster, "u0@x.example").email == "u0@x.example"
    services.revoke_invitation(owner, Invitation.objects.filter(email="u1@x.example").get())
    assert _invite(owner, hoster, "u3@x.example").email == "u3@x.example"
    assert Invitation.objects.filter(hoster=hoster, revoked_at__isnull=True).count() == 3


def test_a_refused_invitation_sends_no_mail(client_for, owner_a, mailoutbox, django_capture_on_commit_callbacks):
    Invitation.objects.bulk_create(
        Invitation(hoster=owner_a.memberships.get().hoster, email=f"e{n}@x.example", invited_by=owner_a, token=f"t{n}")
        for n in range(10)
    )
    with django_capture_on_commit_callbacks(execute=True):
        client_for(owner_a).post(
            reverse("hoster_members", args=["hoster-a"]), {"email": "victim@x.example", "role": "editor"}
        )
    assert mailoutbox == []
    assert not Invitation.objects.filter(email="victim@x.example").exists()
