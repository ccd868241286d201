"""axe-core finds no WCAG 2.1 A or AA violation, of any impact, on the public pages without data, in either language:
the pages a visitor meets first, the statements, and the error pages (403, 404 and 500).

Each page's screenshot is kept as a11y-<lang>-<page>.png; the pages with data are in test_accessibility.py.
"""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from tests import factories
from tests.browser.conftest import axe_violations, force_session, screenshot

PUBLIC_PAGES = [
    "/",
    "/accounts/login/",
    "/accounts/signup/",
    "/accounts/password/reset/",
    "/registry/",
    "/monitor/",
    "/privacy/",
    "/accessibility/",
]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_page_has_no_serious_violations(page_for, live_server, path, language):
    page = page_for(language)
    assert page.goto(live_server.url + path).status == 200
    assert page.locator("html").get_attribute("lang") == language
    screenshot(page, f"a11y-{language}-{path.strip('/').replace('/', '-') or 'home'}")
    assert axe_violations(page) == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_error_pages_are_branded_and_clean(page_for, live_server, language, settings):
    settings.DEBUG = False  # Django's own technical pages otherwise
    page = page_for(language)
    assert page.goto(live_server.url + "/no-such-page/").status == 404
    assert page.locator("html").get_attribute("lang") == language
    assert page.locator("h1").count() == 1 and page.locator("footer a[href='/privacy/']").count() == 1
    screenshot(page, f"error-{language}-404")
    assert axe_violations(page) == []

    # A form sent without its token (a page left open too long, its session gone): the expired-form page.
    page.goto(live_server.url + "/accounts/login/")
    page.evaluate("document.querySelectorAll('input[name=csrfmiddlewaretoken]').forEach(e => e.remove())")
    page.fill("input[name=login]", "someone@example.org")
    page.fill("input[name=password]", "not-the-password")
    with page.expect_navigation() as sent:
        page.locator("main form button[type=submit]").first.click()
    assert sent.value.status == 403
    assert page.locator("footer a[href='/privacy/']").count() == 1
    screenshot(page, f"error-{language}-403-form-expired")
    assert axe_violations(page) == []

    owner = factories.make_member(factories.make_hoster("error-host"), email="owner@error.example")
    force_session(page, live_server.url, owner)
    assert page.goto(live_server.url + "/supervision/monitor/").status == 403
    screenshot(page, f"error-{language}-403")
    assert axe_violations(page) == []

    # The 500 page as the server sends it (rendered without request or database), shown at the site's address.
    with translation.override(language):
        html = render_to_string("500.html")
    page.set_content(html)
    page.wait_for_load_state("load")
    assert page.locator("html").get_attribute("lang") == language
    assert page.locator("footer a[href='/privacy/']").count() == 1
    assert page.locator("footer a[href='/accessibility/']").count() == 1
    screenshot(page, f"error-{language}-500")
    assert axe_violations(page) == []
