"""Pages meant for people name gates and criteria in words (issue 14.8): every score-card page, the what-if, the
review's score-card panel, the certificate and supervision pages, in both languages. A gate's or measured
criterion's code may follow in small print; no command line, no JSON, no <code> or <pre>."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from scoring.rating.models import ScoringModelVersion
from tests import factories
from tests.scoring.certification.helpers import certify
from tests.scoring.rating.helpers import add_notices, best_answers, make_assessment

pytestmark = pytest.mark.django_db

JSON_LIKE = re.compile(r'[{\[]\s*"|"\s*:\s*["{\[0-9tfn]')
COMMAND_LINE = re.compile(r"manage\.py|--json|--model|--answers|--metrics|\$ python")


class _Words(HTMLParser):
    """The text a person reads in <main>, without what is in small print; and the elements that show raw data."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = {"main": 0, "small": 0, "script": 0, "style": 0}
        self.text: list[str] = []
        self.raw_elements: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.depth:
            self.depth[tag] += 1
        if self.depth["main"] and tag in ("code", "pre"):
            self.raw_elements.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if self.depth.get(tag):
            self.depth[tag] -= 1

    def handle_data(self, data: str) -> None:
        if self.depth["main"] and not (self.depth["small"] or self.depth["script"] or self.depth["style"]):
            self.text.append(data)


def words_of(html: str) -> tuple[str, list[str]]:
    reader = _Words()
    reader.feed(html)
    return " ".join(reader.text), reader.raw_elements


def internal_codes() -> set[str]:
    """Every published model's gate codes and measured criteria codes: the codes a person need not know."""
    codes: set[str] = set()
    for version in ScoringModelVersion.objects.all():
        codes |= {gate.code for gate in version.parsed.gates}
        codes |= {item.code for item in version.parsed.measured}
    return codes


def assert_in_words(html: str, *, page: str) -> None:
    text, raw = words_of(html)
    assert "<main" in html, f"{page}: not a page with a main element"
    assert raw == [], f"{page}: shows raw data in {raw}"
    leaked = sorted(code for code in internal_codes() if re.search(rf"(?<![\w-]){re.escape(code)}(?![\w-])", text))
    assert leaked == [], f"{page}: gate or criterion codes outside small print: {leaked}"
    assert not COMMAND_LINE.search(text), f"{page}: a command line: {COMMAND_LINE.search(text)}"
    assert not JSON_LIKE.search(text), f"{page}: JSON: {JSON_LIKE.search(text)}"


@pytest.fixture
def world(owner_a, hoster_a, hoster_b, supervisor):
    """An assessment in progress for hoster A with failing gates and measured data, and a certificate for B."""
    add_notices(hoster_a, [3.0] * 16 + [40.0, 60.0, None, None])
    assessment = make_assessment(hoster_a, {**best_answers(), "KYC-2": "none", "CON-1": "no"}, status="submitted")
    owner_b = factories.make_member(hoster_b, email="b-owner@b.example")
    certificate = certify(owner_b, hoster_b, supervisor)
    return {"assessment": assessment, "certificate": certificate}


def person_pages(world) -> list[tuple[str, str, dict[str, str]]]:
    """(persona, url, query) of every page meant for people that shows a card, a gate or a certificate."""
    pk = world["assessment"].pk
    serial = world["certificate"].serial
    whatif = reverse("scorecard_whatif")
    pages = [
        ("owner_a", reverse("scorecard_detail", args=[pk]), {}),
        ("owner_a", reverse("scorecard_detail", args=[pk]), {"model": "good-hoster-2026", "basis": "verified"}),
        ("supervisor", reverse("scorecard_detail", args=[pk]), {"model": "good-hoster-2024"}),
        ("supervisor", reverse("scorecard_detail", args=[world["certificate"].assessment_id]), {"basis": "verified"}),
        ("owner_a", reverse("scorecard_preview", args=[pk]), {}),
        ("supervisor", reverse("scorecard_review_panel", args=[pk]), {}),
        ("supervisor", whatif, {}),
        ("supervisor", whatif, {"assessment": str(pk)}),
        ("supervisor", whatif, {"assessment": str(pk), "model": "good-hoster-2026"}),
        ("supervisor", reverse("scorecard_impact"), {}),
        ("supervisor", reverse("supervision_certificates"), {}),
        ("supervisor", reverse("supervision_certificate_action", args=[serial, "suspend"]), {}),
        ("supervisor", reverse("supervision_monitor_periods"), {}),
        ("supervisor", reverse("supervision_hosters"), {}),
        ("supervisor", reverse("supervision_hoster_verify", args=["hoster-a"]), {}),
        ("supervisor", reverse("supervision_identity_changes"), {}),
        ("supervisor", reverse("supervision_roles"), {}),
    ]
    return pages


@pytest.mark.parametrize("language", ["en", "nl"])
def test_every_person_facing_card_page_names_gates_in_words(world, language, request, client_for):
    for persona, url, query in person_pages(world):
        client = client_for(request.getfixturevalue(persona))
        client.cookies["django_language"] = language
        response = client.get(url, query, HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200, f"{url} {query}: {response.status_code}"
        html = response.content.decode()
        if "<main" not in html:  # an htmx partial: read it as the page that holds it does
            html = f"<main>{html}</main>"
        assert_in_words(html, page=f"{url} {query} ({language})")


def test_a_changed_what_if_names_its_differences_in_words(world, supervisor, client_for):
    client = client_for(supervisor)
    pk = world["assessment"].pk
    first = client.get(reverse("scorecard_whatif"), {"assessment": pk})
    form = {"whatif": "1", "assessment": str(pk), "model": "good-hoster-2026", "figures": "manual", "notices": "40"}
    form.update(within_norm_pct="50", p90_hours="", open_over_norm="3", **{"KYC-2-value": "identity"})
    response = client.get(reverse("scorecard_whatif"), form)
    assert first.status_code == 200 and response.status_code == 200
    assert response.context["comparison"].changed_gates
    assert_in_words(response.content.decode(), page="what-if with changes")


@pytest.mark.parametrize(
    ("language", "title"),
    [
        ("en", "The terms forbid child sexual abuse material."),
        ("nl", "De voorwaarden verbieden seksueel kindermisbruikmateriaal."),
    ],
)
def test_gates_are_titled_from_the_model_in_the_readers_language(world, owner_a, client_for, language, title):
    client = client_for(owner_a)
    client.cookies["django_language"] = language
    html = client.get(reverse("scorecard_detail", args=[world["assessment"].pk]), HTTP_ACCEPT_LANGUAGE=language)
    text, _raw = words_of(html.content.decode())
    assert title in text
    assert "terms-forbid-csam</small>" in html.content.decode()  # the code follows, in small print


def test_the_checker_catches_codes_json_and_command_lines(world):
    """The assertions above can fail: each leak is caught."""
    leaks = [
        "<main><p>Gate terms-forbid-csam failed</p></main>",
        "<main><p>MEA-1 scored</p></main>",
        '<main><p>{"score": 90}</p></main>',
        "<main><p>Run python manage.py score --json</p></main>",
        "<main><pre>anything</pre></main>",
    ]
    for html in leaks:
        with pytest.raises(AssertionError):
            assert_in_words(html, page="leak")
    assert_in_words("<main><p>The terms forbid it <small>terms-forbid-csam</small></p></main>", page="fine")
