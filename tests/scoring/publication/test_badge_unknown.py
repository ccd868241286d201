"""An unknown hoster's badge is a valid "not certified" SVG with a 404, never a broken image (issue 14, #17)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db
SVG = "{http://www.w3.org/2000/svg}"


def parsed(response) -> tuple[ET.Element, list[str]]:
    root = ET.fromstring(response.content)  # noqa: S314 - our own response; valid XML, or this raises
    assert root.tag == f"{SVG}svg"
    return root, [element.text or "" for element in root.iter(f"{SVG}text")]


@pytest.mark.parametrize("slug", ["no-such-hoster", "q-7", "unknown-" + "z" * 40])
def test_an_unknown_slug_gets_a_not_certified_svg_with_404(client, slug):
    response = client.get(reverse("badge", args=[slug]))
    assert response.status_code == 404
    assert response["Content-Type"].startswith("image/svg+xml")
    root, texts = parsed(response)
    assert texts == ["good hoster", "not certified"]
    assert root.get("role") == "img" and root.find(f"{SVG}title").text == "Good hoster: not certified"
    assert int(root.get("width")) > 0
    assert slug not in response.content.decode()  # the made-up slug is not echoed into the image
    assert response["Access-Control-Allow-Origin"] == "*"  # still embeddable


def test_the_unknown_badge_speaks_dutch_too(client):
    client.cookies["django_language"] = "nl"
    response = client.get(reverse("badge", args=["onbekend"]))
    assert response.status_code == 404
    _root, texts = parsed(response)
    assert texts == ["goede hoster", "niet gecertificeerd"]


def test_a_known_hoster_without_certificate_still_answers_200(client, hoster_b):
    response = client.get(reverse("badge", args=["hoster-b"]))
    assert response.status_code == 200 and parsed(response)[1] == ["good hoster", "not certified"]
