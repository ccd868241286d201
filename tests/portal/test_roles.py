"""Scheme roles: supervisors grant and revoke auditor and supervisor; the last supervisor stays; group permissions."""

from __future__ import annotations

import pytest
from django.urls import reverse

from portal.audit import verify_chain
from portal.models import AuditEvent, Role, User
from tests import factories


def _roles(user: User) -> set[str]:
    return set(User.objects.get(pk=user.pk).groups.values_list("name", flat=True))


def test_supervisor_grants_a_role_by_email(client_for, supervisor):
    person = factories.make_user("reviewer@example.org")
    response = client_for(supervisor).post(
        reverse("supervision_roles"), {"email": "Reviewer@Example.org", "role": "auditor"}
    )
    assert response.status_code == 302
    assert _roles(person) == {"auditor"}
    event = AuditEvent.objects.get(action="portal.role.granted")
    assert (event.actor, event.object_id, event.data["role"]) == (supervisor, str(person.pk), "auditor")
    assert verify_chain() is None


def test_granting_a_role_twice_changes_nothing(client_for, supervisor, auditor):
    client_for(supervisor).post(reverse("supervision_roles"), {"email": auditor.email, "role": "auditor"})
    assert _roles(auditor) == {"auditor"}
    assert not AuditEvent.objects.filter(action="portal.role.granted").exists()


def test_granting_to_an_unknown_address_explains_what_to_do(client_for, supervisor):
    response = client_for(supervisor).post(
        reverse("supervision_roles"), {"email": "nobody@example.org", "role": "supervisor"}
    )
    assert response.status_code == 200
    assert "sign up first" in response.context["form"].errors["email"][0]
    assert User.objects.filter(groups__name="supervisor").count() == 1


def test_supervisor_revokes_a_role_after_confirmation(client_for, supervisor, auditor):
    url = reverse("supervision_role_revoke", args=[auditor.pk, "auditor"])
    client = client_for(supervisor)
    confirm = client.get(url)
    assert confirm.status_code == 200
    assert auditor.email in confirm.content.decode()
    assert _roles(auditor) == {"auditor"}
    assert client.post(url).status_code == 302
    assert _roles(auditor) == set()
    assert AuditEvent.objects.filter(action="portal.role.revoked", object_id=str(auditor.pk)).count() == 1
    assert verify_chain() is None


def test_the_last_supervisor_cannot_revoke_their_own_role(client_for, supervisor):
    response = client_for(supervisor).post(
        reverse("supervision_role_revoke", args=[supervisor.pk, "supervisor"]), follow=True
    )
    assert "last supervisor" in response.content.decode()
    assert _roles(supervisor) == {"supervisor"}
    assert not AuditEvent.objects.filter(action="portal.role.revoked").exists()


def test_a_supervisor_may_step_down_when_another_remains(client_for, supervisor):
    other = factories.make_role_user(Role.SUPERVISOR, email="second@example.org")
    client_for(supervisor).post(reverse("supervision_role_revoke", args=[supervisor.pk, "supervisor"]))
    assert _roles(supervisor) == set()
    assert _roles(other) == {"supervisor"}


def test_revoking_a_role_someone_lacks_is_404(client_for, supervisor, owner_a):
    client = client_for(supervisor)
    assert client.post(reverse("supervision_role_revoke", args=[owner_a.pk, "auditor"])).status_code == 404
    assert client.post(reverse("supervision_role_revoke", args=[owner_a.pk, "admin"])).status_code == 404


@pytest.mark.parametrize("persona", ["owner_a", "auditor"])
def test_non_supervisors_cannot_grant_or_revoke_roles(request, client_for, persona, supervisor):
    actor = request.getfixturevalue(persona)
    client = client_for(actor)
    response = client.post(reverse("supervision_roles"), {"email": actor.email, "role": "supervisor"})
    assert response.status_code == 403
    response = client.post(reverse("supervision_role_revoke", args=[supervisor.pk, "supervisor"]))
    assert response.status_code == 403
    assert "supervisor" not in _roles(actor)
    assert _roles(supervisor) == {"supervisor"}
    assert not AuditEvent.objects.filter(action__startswith="portal.role").exists()


def test_role_list_shows_holders(client_for, supervisor, auditor):
    page = client_for(supervisor).get(reverse("supervision_roles")).content.decode()
    assert auditor.email in page
    assert reverse("supervision_role_revoke", args=[auditor.pk, "auditor"]) in page


def test_groups_carry_model_permissions(supervisor, auditor, owner_a):
    assert supervisor.has_perms(["portal.view_hoster", "portal.change_hoster", "portal.view_auditevent"])
    assert not supervisor.has_perm("portal.delete_hoster")
    assert auditor.has_perm("portal.view_hoster")
    assert not auditor.has_perm("portal.change_hoster")
    assert not owner_a.has_perm("portal.view_auditevent")
