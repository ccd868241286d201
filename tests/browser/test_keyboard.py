"""Keyboard-only journeys: the skip link, the navbar and its menus, the language switch and a form, without a mouse;
and every person's navbar keeps to one line at 1280 pixels in both languages (issue 14, #16)."""

from __future__ import annotations

import pytest

from portal.models import MemberRole, Membership, Role
from tests import factories
from tests.browser.conftest import force_session, screenshot
from tests.scoring.certification.helpers import certify

pytestmark = pytest.mark.django_db(transaction=True)
MAX_TABS = 40


def focused(page) -> dict:
    return page.evaluate(
        """() => { const e = document.activeElement;
                   return {tag: e.tagName, text: (e.innerText || e.value || '').trim(), id: e.id,
                           expanded: e.getAttribute('aria-expanded'), href: e.getAttribute('href') || ''}; }"""
    )


def tab_to(page, matches, *, limit: int = MAX_TABS) -> dict:
    """Press Tab until the focused element matches; fail when it never comes."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        now = focused(page)
        if matches(now):
            return now
    raise AssertionError(f"never reached by Tab; last focused: {now}")


@pytest.fixture
def people():
    supervisor = factories.make_role_user(Role.SUPERVISOR, email="supervisor@keys.example")
    hoster = factories.make_hoster("clean-keys", name="Clean Keys Hosting", asns=[64500], prefixes=["192.0.2.0/24"])
    owner = factories.make_member(hoster, MemberRole.OWNER, email="a-rather-long-address.owner@clean-keys.example")
    certify(owner, hoster, supervisor)
    auditor = factories.make_role_user(Role.AUDITOR, email="a-rather-long-address.auditor@keys.example")
    # The widest navbar: a supervisor who also works for a hoster (its company menu and the supervision menu).
    both = factories.make_role_user(Role.SUPERVISOR, email="a-rather-long-address.both@clean-keys.example")
    Membership.objects.create(user=both, hoster=hoster, role=MemberRole.OWNER)
    return {"supervisor": supervisor, "owner": owner, "auditor": auditor, "supervisor-and-owner": both}


def test_skip_link_then_language_switch_by_keyboard(page_for, live_server, people):
    page = page_for("en")
    page.goto(live_server.url + "/registry/?q=Clean")
    first = tab_to(page, lambda f: True, limit=1)
    assert first["href"] == "#main" and first["text"] == "Skip to main content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"

    page.keyboard.press("Shift+Tab")  # back into the header, then on to the language switch
    switch = tab_to(page, lambda f: f["tag"] == "BUTTON" and "Nederlands" in f["text"])
    assert switch["tag"] == "BUTTON"  # a button: nothing changes until it is pressed
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("html").get_attribute("lang") == "nl"
    assert page.url.endswith("/registry/?q=Clean")  # the same page, now in Dutch
    assert page.locator("select[data-submit-on-change]#language-select").count() == 0
    screenshot(page, "keyboard-language-switched")


def test_a_form_is_filled_in_and_sent_by_keyboard(page_for, live_server, people):
    page = page_for("en")
    page.goto(live_server.url + "/registry/")
    tab_to(page, lambda f: f["tag"] == "INPUT" and f["id"] == "id_q")
    page.keyboard.type("Clean")
    tab_to(page, lambda f: f["tag"] == "SELECT" and f["id"] == "id_grade", limit=2)
    page.keyboard.press("ArrowDown")  # "A"
    button = tab_to(page, lambda f: f["tag"] == "BUTTON", limit=3)
    assert button["text"] == "Show"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "q=Clean" in page.url and "grade=A" in page.url
    assert page.locator("main table tbody tr").count() == 1
    assert "Clean Keys Hosting" in page.locator("main table").inner_text()


@pytest.mark.parametrize("language", ["en", "nl"])
def test_the_supervision_menu_opens_moves_and_closes_by_keyboard(page_for, live_server, people, language):
    page = page_for(language)
    page.set_viewport_size({"width": 1280, "height": 800})
    force_session(page, live_server.url, people["supervisor"])
    page.goto(live_server.url + "/dashboard/")
    label = {"en": "Supervision", "nl": "Toezicht"}[language]
    toggle = tab_to(page, lambda f: f["tag"] == "BUTTON" and f["text"] == label)
    assert toggle["expanded"] == "false"
    page.keyboard.press("Enter")
    assert focused(page)["expanded"] == "true"
    page.keyboard.press("ArrowDown")
    first_item = focused(page)
    assert first_item["tag"] == "A" and first_item["href"] == "/supervision/hosters/"
    screenshot(page, f"keyboard-{language}-supervision-menu", full_page=False)
    page.keyboard.press("Escape")
    now = focused(page)
    assert now["tag"] == "BUTTON" and now["expanded"] == "false"  # closed, focus back on its button

    page.keyboard.press("Enter")
    page.keyboard.press("ArrowDown")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/supervision/hosters/")


@pytest.mark.parametrize("language", ["en", "nl"])
@pytest.mark.parametrize("who", ["supervisor", "owner", "auditor", "supervisor-and-owner"])
def test_the_navbar_keeps_to_one_line_at_1280_pixels(page_for, live_server, people, language, who):
    page = page_for(language)
    page.set_viewport_size({"width": 1280, "height": 800})
    force_session(page, live_server.url, people[who])
    page.goto(live_server.url + "/dashboard/")
    tops = page.evaluate(
        """() => [...document.querySelectorAll('#nav-main .nav-link, #nav-main button, .navbar-brand')]
                 .filter(e => e.offsetParent !== null).map(e => Math.round(e.getBoundingClientRect().top))"""
    )
    heights = page.evaluate(
        """() => [...document.querySelectorAll('#nav-main .nav-link')]
                 .filter(e => e.offsetParent !== null).map(e => Math.round(e.getBoundingClientRect().height))"""
    )
    screenshot(page, f"navbar-{language}-{who}-1280", full_page=False)
    assert max(tops) - min(tops) < 20, tops  # one row
    assert max(heights) < 50, heights  # no link wraps onto a second line
    assert page.locator("nav.navbar").bounding_box()["height"] < 70
