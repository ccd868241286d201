"""axe-core finds no WCAG 2.1 A or AA violation, of any impact, on any page type, for every role, in Dutch and English.

The demo data (`seed_demo`) holds every state a page can show: a draft, a submitted, an in-review and an approved
assessment, valid, suspended and revoked certificates, a published monitor period and one in review, imports,
unattributed notices and an open dispute. The pages are those of `tests.demo_pages`. One test per language checks
every page and lists all pages with problems at once; each page's screenshot is kept as a11y-<lang>-<page>.png.
"""

from __future__ import annotations

import re

import pytest

from portal.models import User
from tests.browser.conftest import axe_violations, force_session, screenshot
from tests.demo_pages import STATUS, build_pages


def open_as(page_for, live_server, language: str, user: User | None):
    page = page_for(language)
    page.set_viewport_size({"width": 1280, "height": 900})
    if user is not None:
        force_session(page, live_server.url, user)
        # The review page frames each PDF in Chromium's viewer, which axe cannot enter; leave them empty.
        page.route(
            re.compile(r"/evidence/\d+/inline/$"),
            lambda route: route.fulfill(status=200, content_type="text/plain", body="PDF"),
        )
    return page


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", ["nl", "en"])
def test_every_page_type_has_no_serious_violations(page_for, live_server, language):
    pages: dict = {}  # one browser context per person
    problems = {}
    for name, user, path in build_pages():
        if user not in pages:
            pages[user] = open_as(page_for, live_server, language, user)
        page = pages[user]
        response = page.goto(live_server.url + path)
        if response.status != STATUS.get(name, 200) or (user is not None and "/accounts/login/" in page.url):
            problems[name] = f"{path} answered {response.status} at {page.url}"
            continue
        assert page.locator("html").get_attribute("lang") == language, name
        page.wait_for_load_state("networkidle")  # htmx panels, the score-card preview
        screenshot(page, f"a11y-{language}-{name}")
        violations = axe_violations(page)
        if violations:
            problems[name] = violations
    assert problems == {}
