"""A rule the services enforce, refused on the company forms (register, settings, network), is shown at the field it
names (aria-invalid, aria-describedby to the error) or above the form as an alert, with what was typed kept; never
as a message at the top of the page."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from portal import hoster_views, services
from portal.models import Hoster
from tests import factories

pytestmark = pytest.mark.django_db
REGISTER = reverse("hoster_register")
SETTINGS = reverse("hoster_settings", args=["hoster-a"])
NETWORK = reverse("hoster_network", args=["hoster-a"])


def refuse(monkeypatch, target, name: str, error: ValidationError) -> None:
    def refused(*args, **kwargs):
        raise error

    monkeypatch.setattr(target, name, refused)


def control(page: str, name: str) -> str:
    return re.search(rf'<(?:input|textarea)[^>]*name="{name}"[^>]*>', page, re.S).group(0)


def described_ids_exist(page: str) -> bool:
    ids = set(re.findall(r'\sid="([^"]+)"', page))
    return all(ref in ids for refs in re.findall(r'aria-describedby="([^"]+)"', page) for ref in refs.split())


def test_register_shows_a_refused_field_at_the_field_with_the_input_kept(client_for, monkeypatch):
    refuse(monkeypatch, services, "register_hoster", ValidationError({"website": "This website is already taken."}))
    response = client_for(factories.make_user()).post(REGISTER, {"name": "Nieuwhost", "country": "NL"})
    assert response.status_code == 200 and list(response.context["messages"]) == []
    page = response.content.decode()
    website = control(page, "website")
    assert 'aria-invalid="true"' in website and 'aria-describedby="id_website_error"' in website
    assert re.search(r'<div id="id_website_error" class="invalid-feedback d-block">.*already taken', page, re.S)
    assert 'value="Nieuwhost"' in control(page, "name")
    assert described_ids_exist(page)
    assert not Hoster.objects.filter(name="Nieuwhost").exists()


def test_an_error_naming_no_field_of_the_form_is_an_alert_above_it(client_for, monkeypatch):
    refuse(monkeypatch, services, "register_hoster", ValidationError({"slug": "No free address is left."}))
    page = client_for(factories.make_user()).post(REGISTER, {"name": "Nieuwhost", "country": "NL"}).content.decode()
    form = page[page.index("<form") :]
    assert re.search(r'<div class="alert alert-danger" role="alert"><p class="mb-0">No free address', form)
    assert 'aria-invalid="true"' not in page


def test_settings_show_a_refusal_at_the_field_it_names(client_for, owner_a, hoster_a, monkeypatch):
    refuse(monkeypatch, hoster_views, "save_hoster_profile", ValidationError({"legal_name": "Used by another."}))
    response = client_for(owner_a).post(SETTINGS, {"name": "Hoster A", "legal_name": "Copy B.V.", "country": "NL"})
    assert response.status_code == 200 and list(response.context["messages"]) == []
    page = response.content.decode()
    legal_name = control(page, "legal_name")
    assert 'aria-invalid="true"' in legal_name and 'value="Copy B.V."' in legal_name
    assert 'id="id_legal_name_error"' in page and "Used by another." in page
    assert described_ids_exist(page)
    hoster_a.refresh_from_db()
    assert hoster_a.legal_name != "Copy B.V."


def test_settings_show_a_refusal_without_a_field_above_the_form(client_for, owner_a, monkeypatch):
    refuse(monkeypatch, hoster_views, "save_hoster_profile", ValidationError("The details changed meanwhile."))
    page = client_for(owner_a).post(SETTINGS, {"name": "Hoster A", "country": "NL"}).content.decode()
    assert 'role="alert"><p class="mb-0">The details changed meanwhile.' in page


def test_the_network_form_keeps_the_lines_and_marks_the_field(client_for, supervisor, hoster_a, monkeypatch):
    refuse(
        monkeypatch,
        hoster_views,
        "update_hoster_declarations",
        ValidationError({"prefixes": "192.0.2.0/24 belongs to Hoster B."}),
    )
    response = client_for(supervisor).post(NETWORK, {"asns": "AS64500", "prefixes": "192.0.2.0/24", "aliases": ""})
    assert response.status_code == 200 and list(response.context["messages"]) == []
    page = response.content.decode()
    prefixes = control(page, "prefixes")
    assert 'aria-invalid="true"' in prefixes and "id_prefixes_error" in prefixes
    assert re.search(r'<div id="id_prefixes_error"[^>]*>.*belongs to Hoster B', page, re.S)
    assert "192.0.2.0/24</textarea>" in page
    assert described_ids_exist(page)


def test_a_form_error_of_the_form_itself_is_described_too(client_for, supervisor, hoster_a):
    page = client_for(supervisor).post(NETWORK, {"asns": "ASX", "prefixes": ""}).content.decode()
    assert 'aria-invalid="true"' in control(page, "asns") and 'id="id_asns_error"' in page
    assert described_ids_exist(page)


def test_only_owners_reach_the_settings_form(client_for, owner_b, editor_a, hoster_a, monkeypatch):
    refuse(monkeypatch, hoster_views, "save_hoster_profile", ValidationError({"name": "Never shown."}))
    for outsider in (owner_b, editor_a):
        response = client_for(outsider).post(SETTINGS, {"name": "Taken", "country": "NL"})
        assert response.status_code == 404 and b"Never shown." not in response.content
