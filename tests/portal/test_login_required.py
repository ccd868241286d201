"""Login is the default: every URL not on the explicit public list sends an anonymous visitor to login."""

from __future__ import annotations

import re
import uuid

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

# Pages anyone may open. Anything else must redirect an anonymous visitor to the login page.
PUBLIC_URL_NAMES = {
    "home",
    "set_language",
    "api-schema",
    "api-docs",
    # django-allauth's own entrance pages
    "account_login",
    "account_signup",
    "account_logout",
    "account_reset_password",
    "account_reset_password_done",
    "account_reset_password_from_key",
    "account_reset_password_from_key_done",
    "account_confirm_email",
    "account_email_verification_sent",
    "account_inactive",
    "account_login_code_confirm",
    "account_reauthenticate",
    "account_confirm_login_code",
    "account_request_login_code",
    "account_verify_email",
    "mfa_authenticate",
    "mfa_reauthenticate",
    "mfa_trust",
    "mfa_login_webauthn",
    "mfa_signup_webauthn",
    # public face of the registry (certificates, badges, monitor) and its API
    "registry",
    "registry_hoster",
    "verify",
    "certificate_pdf",
    "badge",
    "monitor",
    "monitor_period",
    "monitor_period_pdf",
    "monitor_period_json",
    "monitor_period_csv",
    "open_data_json",
    "open_data_csv",
    "health",
    # the published heads of the audit log, so anyone can check the chain
    "audit_heads",
    # the statements every page links to in its footer
    "privacy",
    "accessibility",
}
PUBLIC_API_PREFIXES = ("/api/v1/registry/", "/api/v1/hosters/", "/api/v1/certificates/", "/api/v1/monitor-periods/")

_SAMPLES = {"int": "1", "slug": "some-slug", "str": "x", "path": "x", "uuid": str(uuid.uuid4())}


def _walk(patterns, prefix: str = "", namespace: str = ""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            ns = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _walk(pattern.url_patterns, prefix + _route(pattern), ns)
        elif isinstance(pattern, URLPattern):
            route = _route(pattern)
            if route is not None and prefix is not None:
                yield f"{namespace}{pattern.name or ''}", "/" + prefix + route


def _route(pattern) -> str | None:
    text = str(pattern.pattern)
    if hasattr(pattern.pattern, "_route"):
        return re.sub(r"<(?:(\w+):)?\w+>", lambda m: _SAMPLES.get(m.group(1) or "str", "x"), text)
    # A regex route: keep it only when it is a plain literal.
    literal = text.lstrip("^").rstrip("$")
    if re.fullmatch(r"[\w/.-]*", literal):
        return literal
    return None


ALL_URLS = sorted(set(_walk(get_resolver().url_patterns)))


def test_the_walk_finds_the_site():
    names = {name for name, _ in ALL_URLS}
    assert {"home", "dashboard", "account_login", "admin:index"} <= names


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "path"), ALL_URLS, ids=[f"{n}:{p}" for n, p in ALL_URLS])
def test_anonymous_get_is_sent_to_login_unless_public(client, name, path):
    response = client.get(path)
    bare_name = name.rsplit(":", 1)[-1]
    if bare_name in PUBLIC_URL_NAMES or path.startswith(PUBLIC_API_PREFIXES):
        assert response.status_code != 500
        return
    if path.startswith("/api/"):
        assert response.status_code in {401, 403}, f"{path} answered {response.status_code} to an anonymous client"
        return
    assert response.status_code == 302, f"{path} ({name}) answered {response.status_code} to an anonymous client"
    location = response["Location"]
    if location.startswith("/admin/login/"):  # the admin's own login hands over to allauth's
        location = client.get(location)["Location"]
    assert location.startswith("/accounts/login/"), location


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"])
def test_public_pages_open_without_login(client, path):
    assert client.get(path).status_code == 200
