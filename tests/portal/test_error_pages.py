"""Branded 403, 404 and 500 pages in Dutch and English with DEBUG off; the 500 page needs no database.

Production used to answer a bare English "Not Found" (issue 14, #15).
"""

from __future__ import annotations

import pytest
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.urls import path
from django.utils import translation
from django.views.defaults import server_error

from portal import urls as portal_urls


@login_not_required
def boom(request):
    raise RuntimeError("a bug")


@login_not_required
def forbidden(request):
    raise PermissionDenied("internal detail that stays hidden")


urlpatterns = [path("test-boom/", boom), path("test-forbidden/", forbidden), *portal_urls.urlpatterns]

TEXTS = {
    "en": {404: "Page not found", 403: "Access denied", 500: "Something went wrong"},
    "nl": {404: "Pagina niet gevonden", 403: "Geen toegang", 500: "Er ging iets mis"},
}


@pytest.fixture
def production(settings):
    settings.DEBUG = False
    settings.ROOT_URLCONF = __name__


def client(language: str) -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE=language, raise_request_exception=False)


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "nl"])
def test_an_unknown_page_is_a_branded_404_in_the_readers_language(production, language):
    response = client(language).get("/no-such-page/<script>/")
    html = response.content.decode()
    assert response.status_code == 404
    assert f'<html lang="{language}">' in html and TEXTS[language][404] in html
    assert "Good Hoster" in html and "/static/portal/site.css" in html
    assert "<script>/" not in html and "no-such-page/%3Cscript%3E/" in html  # the address is shown, quoted
    assert "/privacy/" in html and "/accessibility/" in html  # the footer's statements
    assert "<h1>Not Found</h1>" not in html


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "nl"])
def test_a_forbidden_page_is_a_branded_403_without_the_exception_text(production, language):
    response = client(language).get("/test-forbidden/")
    html = response.content.decode()
    assert response.status_code == 403 and TEXTS[language][403] in html
    assert "internal detail" not in html


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "nl"])
def test_a_crash_is_a_branded_500_in_the_readers_language(production, language):
    response = client(language).get("/test-boom/")
    html = response.content.decode()
    assert response.status_code == 500
    assert f'<html lang="{language}">' in html and TEXTS[language][500] in html
    assert "a bug" not in html and "Traceback" not in html
    assert 'href="/privacy/"' in html and 'href="/accessibility/"' in html  # the footer's statements


@pytest.mark.parametrize("language", ["en", "nl"])
def test_the_500_page_renders_without_database_request_or_context_processors(language):
    # No django_db mark: any query here raises, as it would with the database down.
    with translation.override(language):
        html = render_to_string("500.html")
        response = server_error(RequestFactory().get("/"))
    assert f'<html lang="{language}">' in html and TEXTS[language][500] in html
    assert response.status_code == 500 and TEXTS[language][500] in response.content.decode()
    assert 'href="/privacy/"' in html and 'href="/accessibility/"' in html


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "nl"])
def test_a_form_without_its_token_gets_a_branded_403_that_says_what_to_do(production, language):
    texts = {"en": "The form could not be sent", "nl": "Het formulier kon niet worden verzonden"}
    browser = Client(HTTP_ACCEPT_LANGUAGE=language, enforce_csrf_checks=True)
    response = browser.post("/accounts/login/", {"login": "someone@example.org", "password": "x"})
    html = response.content.decode()
    assert response.status_code == 403
    assert f'<html lang="{language}">' in html and texts[language] in html
    assert "/privacy/" in html and "CSRF verification failed" not in html
