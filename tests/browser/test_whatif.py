"""What-if scoring in a real browser, by keyboard only (issue 14.7): a supervisor finds an assessment, changes an
answer with the questionnaire's radio buttons, switches the scoring model, picks a measurement period and types
figures, and sees the what-if card beside the current one with the differences marked; axe stays clean; the same
works without JavaScript. Screenshots: tests/artifacts/screenshots/whatif-*.png."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from portal.models import Role
from scoring.rating.models import Rating
from tests import factories
from tests.browser.conftest import axe_violations, force_session, screenshot
from tests.scoring.rating.helpers import add_notices, best_answers, make_assessment

VIEWPORT = {"width": 1280, "height": 900}


def build_data():
    hoster = factories.make_hoster("veilig-hosting", name="Veilig Hosting B.V.")
    factories.make_hoster("andere-host", name="Andere Host")
    add_notices(hoster, [3.0] * 26 + [30.0, 40.0, 60.0, None])
    assessment = make_assessment(hoster, {**best_answers(), "KYC-2": "payment", "COM-5": "no"}, status="submitted")
    supervisor = factories.make_role_user(Role.SUPERVISOR, email="toezicht@example.org")
    return assessment, supervisor


def tab_to(page, selector: str, *, limit: int = 250, backwards: bool = False) -> None:
    """Press Tab (or Shift+Tab) until the focused element matches `selector`: a person's way to a control."""
    key = "Shift+Tab" if backwards else "Tab"
    for _press in range(limit):
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", selector):
            return
        page.keyboard.press(key)
    raise AssertionError(f"{selector} is not reachable by keyboard within {limit} presses")


def settled(page) -> None:
    page.wait_for_load_state("networkidle")
    page.wait_for_function("() => !document.querySelector('.htmx-request')")


def find_the_assessment(page) -> None:
    """The skip link, then the search field, then the first match."""
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    tab_to(page, "#id_q")
    page.keyboard.type("veilig")
    expect(page.locator("#whatif-picks a")).to_have_count(1)
    tab_to(page, "#whatif-picks a")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("#whatif-start")).to_contain_text("Veilig Hosting B.V.")
    expect(page.locator("#whatif-differences")).to_contain_text("No answer, figure or gate differs")


def change_an_answer(page) -> None:
    """KYC-2 with its radio buttons: open the section, reach the group, move to the best option."""
    tab_to(page, "#whatif-answers details summary")
    page.keyboard.press("Enter")
    tab_to(page, "input[name='KYC-2-value']")
    for _step in range(2):  # payment → identity → identity and registry
        page.keyboard.press("ArrowDown")
    settled(page)
    expect(page.locator("input[name='KYC-2-value']:checked")).to_have_value("identity_and_registry")
    expect(page.locator("#whatif-differences")).to_contain_text("How do you verify the identity of new customers?")
    expect(page.locator("#whatif-summary")).to_contain_text("▲")
    expect(page.locator("#whatif-status")).to_contain_text("1 criterion differs")


def switch_the_model(page) -> None:
    """The next model in the list: the figures are measured again at its norm, the changed answer stays."""
    tab_to(page, "#whatif-model", backwards=True)
    page.keyboard.press("ArrowDown")
    settled(page)
    expect(page.locator("#whatif-model")).to_be_focused()
    expect(page.locator("#whatif-measured-help")).to_contain_text("12-hour norm")
    expect(page.locator("#whatif-summary")).to_contain_text("Good hosting 2024")
    expect(page.locator("input[name='KYC-2-value']:checked")).to_have_value("identity_and_registry")


def pick_a_period(page) -> None:
    """Both dates typed (month/day/year in an English browser), then Enter."""
    tab_to(page, "#whatif-period_start")
    page.keyboard.type("03012025")
    tab_to(page, "#whatif-period_end")
    page.keyboard.type("03102025")
    page.keyboard.press("Enter")
    settled(page)
    expect(page.locator("#whatif-notices")).to_have_value("10")
    expect(page.locator("#whatif-period_end")).to_be_focused()


def type_a_figure(page, field: str, value: str) -> None:
    tab_to(page, f"#whatif-{field}", backwards=True)
    page.keyboard.press("Control+A")
    page.keyboard.type(value)
    page.keyboard.press("Enter")
    settled(page)


@pytest.mark.django_db(transaction=True)
def test_a_supervisor_compares_a_what_if_by_keyboard(page_for, live_server):
    _assessment, supervisor = build_data()
    page = page_for("en")
    page.set_viewport_size(VIEWPORT)
    force_session(page, live_server.url, supervisor)
    page.goto(f"{live_server.url}/scorecards/what-if/")
    screenshot(page, "whatif-01-blank")
    assert axe_violations(page) == []
    find_the_assessment(page)
    screenshot(page, "whatif-02-prefilled")
    change_an_answer(page)
    screenshot(page, "whatif-03-answer-changed")
    switch_the_model(page)
    screenshot(page, "whatif-04-model-switched")
    page.screenshot(path=Path(__file__).resolve().parents[2] / "docs" / "images" / "supervisor-whatif.png")
    pick_a_period(page)

    # Figures typed by hand: choose the source by keyboard, then change the 90th percentile.
    tab_to(page, "#whatif-figures_0", backwards=True)
    page.keyboard.press("ArrowDown")
    settled(page)
    expect(page.locator("#whatif-p90_hours")).to_be_editable()
    type_a_figure(page, "p90_hours", "150")
    expect(page.locator("#whatif-p90_hours")).to_have_value("150")
    expect(page.locator("#whatif-differences")).to_contain_text("90th percentile 150.00 hours")
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "whatif-05-figures-typed")
    assert axe_violations(page) == []

    # A bad figure is named at its field and in the list beside the result; nothing is scored or stored.
    type_a_figure(page, "notices", "-4")
    expect(page.locator("#whatif-notices_error")).to_be_visible()
    expect(page.locator("#whatif-notices")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#whatif-error-summary")).to_contain_text("Notices")
    screenshot(page, "whatif-06-bad-figure")
    assert axe_violations(page) == []
    assert Rating.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_what_if_works_without_javascript(browser, live_server):
    _assessment, supervisor = build_data()
    context = browser.new_context(java_script_enabled=False, locale="en", viewport=VIEWPORT)
    page = context.new_page()
    force_session(page, live_server.url, supervisor)
    page.goto(f"{live_server.url}/scorecards/what-if/?q=veilig")
    with page.expect_navigation():
        page.locator("#whatif-picks a").first.click()
    page.locator("#whatif-model").select_option("good-hoster-2024")
    page.locator("details:has(input[name='NTD-1-value']) summary").click()
    page.locator("input[name='NTD-1-value'][value='no']").check()
    with page.expect_navigation():
        page.locator("#whatif-form button[type=submit]").last.click()
    expect(page.locator("#whatif-summary")).to_contain_text("Good hosting 2024")
    expect(page.locator("#whatif-differences")).to_contain_text("now fails")
    screenshot(page, "whatif-07-without-javascript")
    context.close()


@pytest.mark.django_db(transaction=True)
def test_the_what_if_in_dutch_names_gates_in_dutch(page_for, live_server):
    assessment, supervisor = build_data()
    page = page_for("nl")
    page.set_viewport_size(VIEWPORT)
    force_session(page, live_server.url, supervisor)
    page.goto(f"{live_server.url}/scorecards/what-if/?assessment={assessment.pk}")
    expect(page.locator("#whatif-result")).to_contain_text("De identiteit van nieuwe klanten wordt gecontroleerd.")
    screenshot(page, "whatif-08-dutch")
    assert axe_violations(page) == []
