"""The privacy and accessibility statements: public, in Dutch and English, and linked from every page's footer."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def page(path: str, language: str = "en", user=None) -> str:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    if user is not None:
        client.force_login(user)
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response.content.decode()


def text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_the_privacy_statement_says_what_is_stored_why_how_long_and_the_rights(settings):
    settings.CONTACT_EMAIL = "dpo@toezicht.example"
    content = text(page(reverse("privacy")))
    for part in [
        "metadata only",  # notices
        "SHA-256 fingerprint of the URL",  # never the URL in clear
        "no images, videos or other content",  # never abuse content
        "controller",
        "dpo@toezicht.example",
        "How long",
        "at least seven years",
        "articles 15 to 21 GDPR",
        "Autoriteit Persoonsgegevens",
        "no analytics",
    ]:
        assert part in content, part


@pytest.mark.parametrize(
    ("language", "sentence"),
    [
        ("en", "The controller under the General Data Protection Regulation (GDPR) is Toezichthouder X, Den Haag,"),
        (
            "nl",
            "Verwerkingsverantwoordelijke volgens de Algemene verordening gegevensbescherming (AVG) is"
            " Toezichthouder X, Den Haag,",
        ),
    ],
)
def test_the_privacy_statement_names_the_controller_the_deployment_sets(settings, language, sentence):
    settings.CONTROLLER = "Toezichthouder X, Den Haag"
    assert sentence in text(page(reverse("privacy"), language))


def test_the_accessibility_statement_follows_the_model(settings):
    settings.CONTACT_EMAIL = "dpo@toezicht.example"
    content = text(page(reverse("accessibility")))
    for part in [
        "WCAG 2.1",
        "level AA",
        "Status C: first measures taken.",
        "What was tested",
        "axe-core",
        "Known limitations",
        "not tagged PDFs",
        "dpo@toezicht.example",
        "This statement was drawn up on 2 December 2026",
    ]:
        assert part in content, part


@pytest.mark.parametrize("name", ["privacy", "accessibility"])
def test_the_statements_speak_dutch(name):
    html = page(reverse(name), "nl")
    assert '<html lang="nl">' in html
    assert {"privacy": "Privacyverklaring", "accessibility": "Toegankelijkheidsverklaring"}[name] in html
    if name == "accessibility":
        assert "2 december 2026" in html


@pytest.mark.parametrize("path", ["/", "/registry/", "/accounts/login/", "/monitor/"])
def test_every_public_page_links_both_statements_in_its_footer(path):
    footer = page(path).split("<footer", 1)[1]
    assert f'href="{reverse("privacy")}"' in footer and f'href="{reverse("accessibility")}"' in footer


def test_signed_in_pages_link_them_too(owner_a, supervisor):
    for user in (owner_a, supervisor):
        footer = page("/dashboard/", user=user).split("<footer", 1)[1]
        assert reverse("privacy") in footer and reverse("accessibility") in footer


def test_the_statements_need_no_login_and_refuse_writes():
    client = Client()
    for name in ("privacy", "accessibility"):
        assert client.get(reverse(name)).status_code == 200
        assert client.post(reverse(name)).status_code == 405
