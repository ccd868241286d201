"""A hoster's name is one short line: it reaches pages and the supervisors' e-mail, and must not carry a message."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from portal import services
from portal.forms import HosterProfileForm
from portal.models import Hoster
from tests import factories

PHISHING = "NewHost\n\nURGENT: your account is blocked, log in at https://evil.example/"


@pytest.mark.parametrize(
    "name",
    [PHISHING, "NewHost\rB.V.", "NewHost\u2028B.V.", "NewHost\u202eV.B", "New\x00Host", "Tab\there", "x" * 121],
)
def test_a_name_is_one_short_line(db, name):
    form = HosterProfileForm({"name": name, "country": "NL"})
    assert not form.is_valid()
    assert "name" in form.errors
    with pytest.raises(ValidationError) as refused:
        Hoster(name=name, slug="x", country="NL").full_clean()
    assert "name" in refused.value.message_dict


@pytest.mark.parametrize("name", ["NewHost B.V.", "Hébergeur Süd & Co — Ålesund", "x" * 120])
def test_ordinary_names_pass(db, name):
    assert HosterProfileForm({"name": name, "country": "NL"}).is_valid()


def test_registering_with_a_multi_line_name_mails_nobody(
    client_for, supervisor, mailoutbox, django_capture_on_commit_callbacks
):
    user = factories.make_user("founder@evil.example")
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(user).post(reverse("hoster_register"), {"name": PHISHING, "country": "NL"})
    assert response.status_code == 200
    assert "one line of text" in response.content.decode()
    assert not Hoster.objects.exists()
    assert mailoutbox == []


def test_the_service_refuses_a_multi_line_name_too(db):
    with pytest.raises(ValidationError):
        services.register_hoster(factories.make_user(), {"name": PHISHING, "country": "NL"})


def test_the_mail_subject_never_has_a_line_break(supervisor, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.register_hoster(factories.make_user(), {"name": "NewHost B.V.", "country": "NL"})
    assert len(mailoutbox) == 1
    assert "\n" not in mailoutbox[0].subject and "\r" not in mailoutbox[0].subject
