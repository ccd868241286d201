"""axe-core finds no serious or critical WCAG 2.1 AA violation on the public pages, in either language."""

from __future__ import annotations

import pytest

from tests.browser.conftest import axe_violations, screenshot

PUBLIC_PAGES = ["/", "/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_page_has_no_serious_violations(page_for, live_server, path, language):
    page = page_for(language)
    page.goto(live_server.url + path)
    assert page.locator("html").get_attribute("lang") == language
    screenshot(page, f"a11y-{language}-{path.strip('/').replace('/', '-') or 'home'}")
    assert axe_violations(page) == []
