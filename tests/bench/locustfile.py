"""Locust scenario of the load test (tests/bench/test_load.py): public visitors and hoster staff answering questions.

Run by the test against gunicorn on 127.0.0.1 with the demo data; by hand:
`locust -f tests/bench/locustfile.py --headless -u 20 -r 5 -t 60s --host http://127.0.0.1:8000`.

Public visitors read the registry page, a verification page, a badge and the registry API. Hoster staff (the demo's
BulkHost owner and editor) sign in through allauth's form with its CSRF token, then answer questions of their draft
assessment the way the section page does it: an htmx autosave POST per change, followed by the score-card preview that
the page reloads after each save. Request names are the groups the test reports on.
"""

from __future__ import annotations

import itertools
import os
import re

from locust import HttpUser, between, task

SERIAL = os.environ.get("LOAD_SERIAL", "GH-2026-000001")
BADGE = os.environ.get("LOAD_BADGE", "cleanhost")
HOSTER_LOGINS = itertools.cycle(
    os.environ.get("LOAD_HOSTER_LOGINS", "owner@bulkhost.example,editor@bulkhost.example").split(",")
)
PASSWORD = os.environ.get("LOAD_PASSWORD", "demo-password-2026")

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
ANSWER_FORM = re.compile(
    r'<form method="post" action="(/assessments/(\d+)/answers/([^/"]+)/)"[^>]*hx-post=.*?</form>', re.S
)
RADIO_VALUE = re.compile(r'type="radio" name="value" value="([^"]+)"')


class PublicVisitor(HttpUser):
    weight = 4
    wait_time = between(0.2, 1.0)

    @task(3)
    def registry_page(self) -> None:
        self.client.get("/registry/", name="public: registry page", headers={"Accept-Language": "nl"})

    @task(1)
    def registry_page_sorted(self) -> None:
        headers = {"Accept-Language": "en"}
        self.client.get("/registry/?sort=score&grade=A", name="public: registry page", headers=headers)

    @task(2)
    def verification_page(self) -> None:
        self.client.get(f"/verify/{SERIAL}/", name="public: verification page")

    @task(2)
    def badge(self) -> None:
        self.client.get(f"/badge/{BADGE}.svg", name="public: badge")

    @task(2)
    def api_registry(self) -> None:
        self.client.get("/api/v1/registry/", name="API: registry")

    @task(1)
    def api_certificate(self) -> None:
        self.client.get(f"/api/v1/certificates/{SERIAL}/", name="API: certificate")


class HosterEditor(HttpUser):
    weight = 1
    wait_time = between(0.5, 2.0)

    def request(self, method: str, url: str, **kwargs):
        """The app runs in its production posture (secure session and CSRF cookies) but the test talks plain HTTP on
        loopback: clear the secure flag after each response so that the cookies are sent all the same, as a browser
        behind the TLS-terminating proxy would."""
        response = self.client.request(method, url, allow_redirects=False, **kwargs)
        for cookie in self.client.cookies:
            cookie.secure = False
        return response

    def on_start(self) -> None:
        self.questions: list[tuple[str, int, list[str]]] = []
        self.turn = itertools.count()
        page = self.request("GET", "/accounts/login/", name="hoster: sign in")
        token = CSRF_INPUT.search(page.text).group(1)
        with self.request(
            "POST",
            "/accounts/login/",
            data={"csrfmiddlewaretoken": token, "login": next(HOSTER_LOGINS), "password": PASSWORD},
            name="hoster: sign in",
            catch_response=True,
        ) as response:
            if response.status_code != 302 or response.headers.get("Location") != "/dashboard/":
                response.failure(f"sign-in refused: {response.status_code} {response.headers.get('Location')}")
                return
        overview = self.request("GET", "/assessments/", name="hoster: pages")
        for pk in sorted(set(re.findall(r'href="/assessments/(\d+)/"', overview.text))):
            detail = self.request("GET", f"/assessments/{pk}/", name="hoster: pages")
            for section in sorted(set(re.findall(rf'href="/assessments/{pk}/sections/([^/"]+)/"', detail.text))):
                page = self.request("GET", f"/assessments/{pk}/sections/{section}/", name="hoster: pages")
                for form in ANSWER_FORM.finditer(page.text):
                    values = RADIO_VALUE.findall(form.group(0))
                    if values:
                        self.questions.append((form.group(1), int(form.group(2)), values))
            if self.questions:  # the first assessment with editable questions: the draft
                break
        self.csrf = self.client.cookies.get("csrftoken")
        if not self.questions:
            raise RuntimeError("no editable question found: is the demo's BulkHost draft there?")

    @task(5)
    def answer_a_question(self) -> None:
        if not self.questions:
            return
        turn = next(self.turn)
        url, pk, values = self.questions[turn % len(self.questions)]
        with self.request(
            "POST",
            url,
            data={"value": values[turn % len(values)], "comment": f"load test answer {turn}"},
            headers={"HX-Request": "true", "X-CSRFToken": self.csrf, "Referer": self.host + url},
            name="hoster: answer autosave",
            catch_response=True,
        ) as response:
            if response.status_code != 200 or "HX-Trigger" not in response.headers:
                response.failure(f"not saved: {response.status_code}")
        preview = f"/scorecards/assessments/{pk}/preview/"
        self.request("GET", preview, headers={"HX-Request": "true"}, name="hoster: score preview")

    @task(1)
    def open_a_section(self) -> None:
        if self.questions:
            _url, pk, _values = self.questions[next(self.turn) % len(self.questions)]
            self.request("GET", f"/assessments/{pk}/", name="hoster: pages")
