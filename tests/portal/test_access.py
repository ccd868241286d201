"""The shared access checks and refusals: one supervisor check, one auditor check, one API permission, one way to
show a refusal."""

from __future__ import annotations

import pytest
from django import forms
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.base import SessionBase
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.test import RequestFactory
from rest_framework.request import Request

from assessments.answers import AnswersInvalid, AssessmentLocked
from assessments.evidence import EvidenceRefused
from assessments.review import ReviewRefused
from assessments.submission import MissingItem, SubmissionBlocked
from portal.access import require_auditor, require_supervisor
from portal.api import IsSupervisor, create_api_key
from portal.models import ApiKey, User
from portal.refusals import Refusal, show_refusal
from portal.services import PortalRefused


@pytest.mark.parametrize("check", [require_supervisor, require_auditor])
def test_the_role_checks_refuse_with_403_or_hide_with_404(check, owner_a):
    for user in (owner_a, AnonymousUser()):
        with pytest.raises(PermissionDenied):
            check(user)
        with pytest.raises(Http404):
            check(user, hide=True)


def test_each_role_passes_its_own_check_only(supervisor, auditor):
    require_supervisor(supervisor)
    require_auditor(auditor, hide=True)
    with pytest.raises(Http404):
        require_supervisor(auditor, hide=True)
    with pytest.raises(PermissionDenied):
        require_auditor(supervisor)


def test_a_deactivated_supervisor_is_refused(supervisor):
    supervisor.is_active = False
    with pytest.raises(PermissionDenied):
        require_supervisor(supervisor)


def _api_request(user: User | AnonymousUser, key: ApiKey | None = None) -> Request:
    request = Request(RequestFactory().get("/api/v1/"))
    request.user = user
    request._auth = key
    return request


def test_is_supervisor_takes_a_supervisor_session_or_a_supervisor_key(supervisor, owner_a, hoster_a):
    permission = IsSupervisor()
    supervisor_key, _token = create_api_key(supervisor, "import", ApiKey.Scope.SUPERVISOR)
    assert permission.has_permission(_api_request(supervisor), view=None)
    assert permission.has_permission(_api_request(supervisor, supervisor_key), view=None)
    assert not permission.has_permission(_api_request(owner_a), view=None)
    assert not permission.has_permission(_api_request(AnonymousUser()), view=None)


def test_is_supervisor_refuses_a_supervisor_holding_a_hoster_key(supervisor, hoster_a):
    hoster_key, _token = create_api_key(supervisor, "hoster", ApiKey.Scope.HOSTER, hoster_a)
    assert not IsSupervisor().has_permission(_api_request(supervisor, hoster_key), view=None)


def test_every_refusal_shares_the_base_and_keeps_its_old_kind():
    missing = [MissingItem("KYC-1", "unanswered", "KYC-1: not answered")]
    refusals = [
        ReviewRefused("no"),
        EvidenceRefused("no"),
        AssessmentLocked("no"),
        AnswersInvalid({"KYC-1": ["not a number"]}),
        SubmissionBlocked(missing),
        PortalRefused("no"),
    ]
    assert all(isinstance(refusal, Refusal) for refusal in refusals)
    assert isinstance(AssessmentLocked("locked"), PermissionDenied)  # still answers 403
    assert isinstance(PortalRefused("no"), ValidationError)
    assert PortalRefused("the last owner").messages == ["the last owner"]
    assert str(AnswersInvalid({"KYC-1": ["not a number"], "KYC-2": ["no", "never"]})) == (
        "KYC-1: not a number; KYC-2: no; KYC-2: never"
    )
    assert str(SubmissionBlocked(missing)) == "KYC-1: not answered"


def _page_request():
    request = RequestFactory().post("/")
    request.session = SessionBase()
    request._messages = FallbackStorage(request)
    return request


def test_a_refusal_is_shown_on_the_form_or_as_a_message():
    form = forms.Form(data={})
    form.is_valid()
    request = _page_request()
    show_refusal(request, Refusal("Not now."), form)
    assert form.non_field_errors() == ["Not now."]
    assert list(get_messages(request)) == []
    show_refusal(request, Refusal("Not now."), about="Hoster A")
    assert [str(message) for message in get_messages(request)] == ["Hoster A: Not now."]
