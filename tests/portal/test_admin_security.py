"""The admin is no back door: it needs a second factor, shows measured and append-only records read-only, and
every change it still makes is in the audit log."""

from __future__ import annotations

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib import admin
from django.contrib.auth.models import Group
from django.test import RequestFactory

from portal.admin_audit import AuditedAdmin, ReadOnlyAdmin
from portal.audit import log_action
from portal.models import AuditEvent, Hoster, User
from tests import factories
from tests.conftest import logged_in

# Records only the services write, or nobody ever rewrites: the admin may show them, never change them.
READ_ONLY_MODELS = {
    "portal.auditevent",
    "portal.invitation",
    "portal.apikey",
    "assessments.questionnaireversion",
    "assessments.assessment",
    "assessments.evidence",
    "assessments.snapshot",
    "scoring.notice",
    "scoring.importbatch",
    "scoring.dispute",
}


def _superuser(*, mfa: bool) -> User:
    user = factories.make_user("root@example.org")
    user.is_staff = user.is_superuser = True
    user.save()
    if mfa:
        TOTP.activate(user, factories.TOTP_SECRET)
    return user


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/admin/", "/admin/portal/hoster/", "/admin/auth/group/"])
def test_staff_without_mfa_are_sent_to_totp_setup(path):
    client = logged_in(_superuser(mfa=False))
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/totp/activate/"


@pytest.mark.django_db
def test_staff_with_mfa_reach_the_admin():
    assert logged_in(_superuser(mfa=True)).get("/admin/").status_code == 200


@pytest.mark.django_db
def test_staff_need_no_mfa_outside_the_admin(hoster_a):
    user = factories.make_member(hoster_a, email="staff-owner@a.example")
    user.is_staff = True
    user.save()
    assert logged_in(user).get("/dashboard/").status_code == 200


@pytest.mark.django_db
def test_measured_and_append_only_records_are_read_only_for_a_superuser():
    request = RequestFactory().get("/admin/")
    request.user = _superuser(mfa=True)
    registered = {model._meta.label_lower: model_admin for model, model_admin in admin.site._registry.items()}
    assert set(registered) >= READ_ONLY_MODELS
    for label in READ_ONLY_MODELS:
        model_admin = registered[label]
        assert not model_admin.has_add_permission(request), label
        assert not model_admin.has_change_permission(request), label
        assert not model_admin.has_delete_permission(request), label


def test_every_admin_page_is_read_only_or_audited():
    for model, model_admin in admin.site._registry.items():
        assert isinstance(model_admin, ReadOnlyAdmin | AuditedAdmin), model._meta.label


@pytest.mark.django_db
def test_an_audit_event_cannot_be_changed_or_deleted_through_the_admin():
    root = _superuser(mfa=True)
    event = log_action(root, "portal.test.kept")
    client = logged_in(root)
    assert client.get(f"/admin/portal/auditevent/{event.pk}/change/").status_code == 200  # viewing is fine
    assert client.post(f"/admin/portal/auditevent/{event.pk}/change/", {"action": "x"}).status_code == 403
    assert client.post(f"/admin/portal/auditevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AuditEvent.objects.get(pk=event.pk).action == "portal.test.kept"


@pytest.mark.django_db
def test_an_admin_change_is_audited(hoster_a):
    root = _superuser(mfa=True)
    client = logged_in(root)
    data = {
        "name": "Hoster A renamed",
        "slug": hoster_a.slug,
        "country": "NL",
        "asns": "[64500]",
        "prefixes": '["192.0.2.0/24"]',
        "verification": Hoster.Verification.VERIFIED,
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
    }
    response = client.post(f"/admin/portal/hoster/{hoster_a.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    event = AuditEvent.objects.get(action="portal.admin.changed")
    assert event.actor == root
    assert event.object_id == str(hoster_a.pk)
    assert event.data["model"] == "portal.hoster"


@pytest.mark.django_db
def test_the_admin_cannot_change_what_notices_are_attributed_by(hoster_a):
    """Network and aliases change on the portal's pages only, which check collisions and re-attribute notices."""
    before = (hoster_a.asns, hoster_a.prefixes, hoster_a.aliases)
    client = logged_in(_superuser(mfa=True))
    data = {
        "name": hoster_a.name,
        "slug": hoster_a.slug,
        "country": "NL",
        "asns": "[64999]",
        "prefixes": '["198.18.0.0/15"]',
        "aliases": '["Someone Else B.V."]',
        "verification": hoster_a.verification,
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
    }
    response = client.post(f"/admin/portal/hoster/{hoster_a.pk}/change/", data)
    assert response.status_code == 302
    hoster_a.refresh_from_db()
    assert (hoster_a.asns, hoster_a.prefixes, hoster_a.aliases) == before


@pytest.mark.django_db
def test_an_admin_deletion_and_addition_are_audited():
    root = _superuser(mfa=True)
    client = logged_in(root)
    response = client.post("/admin/auth/group/add/", {"name": "helpers", "permissions": []})
    assert response.status_code == 302
    group = Group.objects.get(name="helpers")
    response = client.post(f"/admin/auth/group/{group.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Group.objects.filter(name="helpers").exists()
    actions = list(AuditEvent.objects.filter(object_type="auth.group").values_list("action", flat=True))
    assert actions == ["portal.admin.added", "portal.admin.deleted"]
    assert set(AuditEvent.objects.filter(object_type="auth.group").values_list("actor", flat=True)) == {root.pk}


@pytest.mark.django_db
def test_a_bulk_deletion_in_the_admin_is_audited_per_object():
    client = logged_in(_superuser(mfa=True))
    groups = [Group.objects.create(name=f"bulk-{n}") for n in range(3)]
    response = client.post(
        "/admin/auth/group/",
        {"action": "delete_selected", "_selected_action": [g.pk for g in groups], "post": "yes"},
    )
    assert response.status_code == 302
    deleted = AuditEvent.objects.filter(action="portal.admin.deleted").values_list("object_id", flat=True)
    assert sorted(deleted) == sorted(str(g.pk) for g in groups)
