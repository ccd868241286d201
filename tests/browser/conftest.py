"""Browser fixtures: Playwright driving Debian's Chromium against the live test server; screenshots kept."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "screenshots"
AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.browser

if CHROMIUM is None:
    collect_ignore_glob = ["test_*.py"]
    print("Browser tests skipped: no Chromium installed (apt-get install chromium).")

# The live server and Playwright's sync API share the main thread with an event loop.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser() -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page_for(browser, live_server):
    """A new page in a fresh context with the given language; closes with the test, which fails on a CSP violation."""
    contexts = []
    csp_violations: list[str] = []

    def open_page(language: str = "en"):
        context = browser.new_context(locale=language, extra_http_headers={"Accept-Language": language})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.on(
            "console",
            lambda message: csp_violations.append(message.text) if "Content Security Policy" in message.text else None,
        )
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert csp_violations == []


def screenshot(page, name: str, *, full_page: bool = True) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


IMPACTS = ("minor", "moderate", "serious", "critical")


def axe_violations(page, *, impacts: tuple[str, ...] = IMPACTS) -> list[dict]:
    """axe-core's WCAG 2.1 A/AA violations on the current page, of every impact unless `impacts` says otherwise."""
    # Through the DevTools protocol, which the page's Content-Security-Policy rightly does not let a <script> do.
    page.context.new_cdp_session(page).send("Runtime.evaluate", {"expression": AXE.read_text()})
    result = page.evaluate(
        """async () => await axe.run(document, {runOnly: {type: 'tag',
               values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"""
    )
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
        if v["impact"] in impacts
    ]


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The registry caches pages in the (per-process) cache; each browser test starts without them."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def totp_code(secret: str, at: float | None = None) -> str:
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    return format_hotp_value(hotp_value(secret, int(at if at is not None else time.time()) // 30))


def sign_in(page, base_url: str, email: str, password: str, *, totp_secret: str | None = None, shot: str = ""):
    """Sign in through the login form and, for users with TOTP, the code page; a code refused at a 30 s edge is
    retried once with the next period's code."""
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()
    if totp_secret is None:
        return
    page.wait_for_url("**/accounts/2fa/authenticate/")
    if shot:
        screenshot(page, shot)
    for _attempt in range(2):
        if 30 - time.time() % 30 < 2:  # too close to the edge of the period: wait for the next code
            time.sleep(30 - time.time() % 30 + 0.2)
        page.fill("input[name=code]", totp_code(totp_secret))
        with page.expect_navigation():
            page.locator("main form button[type=submit]").first.click()
        if "/accounts/2fa/authenticate/" not in page.url:
            return
        time.sleep(30 - time.time() % 30 + 0.2)  # the period turned over between computing and checking
    raise AssertionError(f"TOTP sign-in of {email} failed twice")


def force_session(page, base_url: str, user) -> None:
    """Put `user`'s session into the page's browser context (MFA counts as done), without the login form."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base_url}])
