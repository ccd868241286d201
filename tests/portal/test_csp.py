"""Every page carries a strict Content-Security-Policy and a Permissions-Policy, and writes no inline script."""

from __future__ import annotations

import re

import pytest
from allauth.mfa.totp.internal.auth import TOTP

from portal.csp import policy_for
from portal.models import User
from tests import factories
from tests.conftest import logged_in
from tests.portal.test_login_required import ALL_URLS

# A JSON data block (allauth writes some) is never run, so the policy need not allow it.
_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\s(?:src=|type=\"application/json\"))[^>]*>", re.IGNORECASE)
_STYLE_ELEMENT = re.compile(r"<style[\s>]", re.IGNORECASE)
_EVENT_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)
_JS_URL = re.compile(r"""(?:href|src|action)\s*=\s*["']?\s*javascript:""", re.IGNORECASE)
_RELAXED = {"/api/docs/"}  # drf-spectacular's Swagger page, see portal.csp.RELAXED_PATHS


def _directives(header: str) -> dict[str, str]:
    return dict(part.strip().split(" ", 1) for part in header.split(";"))


def _assert_protected(path: str, response) -> None:
    policy = _directives(response["Content-Security-Policy"])
    assert policy["default-src"] == "'self'", path
    assert policy["object-src"] == "'none'", path
    assert policy["base-uri"] == "'self'", path
    assert policy["form-action"] == "'self'", path
    assert policy["frame-ancestors"] in {"'none'", "'self'"}, path
    assert "camera=()" in response["Permissions-Policy"], path
    assert "geolocation=()" in response["Permissions-Policy"], path
    if path in _RELAXED:
        return
    assert policy["script-src"] == "'self'", path
    assert policy["style-src-elem"] == "'self'", path
    if "text/html" in response.get("Content-Type", ""):
        html = response.content.decode()
        assert not _INLINE_SCRIPT.search(html), f"{path} has an inline <script>"
        assert not _STYLE_ELEMENT.search(html), f"{path} has a <style> element"
        assert not _EVENT_HANDLER.search(html), f"{path} has an inline event handler"
        assert not _JS_URL.search(html), f"{path} has a javascript: URL"


def _walk(client) -> int:
    pages = 0
    for _name, path in ALL_URLS:
        response = client.get(path)
        assert response.status_code != 500, path
        _assert_protected(path, response)
        pages += "text/html" in response.get("Content-Type", "")
    return pages


@pytest.mark.django_db
def test_every_page_has_the_headers_for_anonymous_visitors(client):
    assert _walk(client) > 20


@pytest.mark.django_db
def test_every_page_has_the_headers_for_a_supervisor(supervisor):
    assert _walk(logged_in(supervisor)) > 20


@pytest.mark.django_db
def test_every_page_has_the_headers_for_an_owner(owner_a):
    assert _walk(logged_in(owner_a)) > 20


@pytest.mark.django_db
def test_the_pages_people_use_most_are_clean(client_for, owner_a, supervisor):
    for user, paths in [
        (owner_a, ["/dashboard/", "/hosters/hoster-a/", "/hosters/hoster-a/members/", "/assessments/"]),
        (supervisor, ["/dashboard/", "/accounts/email/", "/accounts/2fa/"]),
        (_superuser(), ["/admin/", "/admin/portal/hoster/", "/admin/portal/hoster/add/", "/admin/auth/group/add/"]),
    ]:
        client = client_for(user)
        for path in paths:
            response = client.get(path)
            assert response.status_code == 200, path
            _assert_protected(path, response)


def _superuser() -> User:
    user = factories.make_user("root@example.org")
    user.is_staff = user.is_superuser = True
    user.save()
    TOTP.activate(user, factories.TOTP_SECRET)
    return user


def test_only_a_same_origin_viewer_may_be_framed():
    assert "frame-ancestors 'none'" in policy_for("/dashboard/", "DENY")
    assert "frame-ancestors 'none'" in policy_for("/dashboard/", "")
    assert "frame-ancestors 'self'" in policy_for("/assessments/1/evidence/2/inline/", "SAMEORIGIN")
