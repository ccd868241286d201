"""The norm in force (DESIGN §3): figure pages and the command default to the norm of the scoring model in force,
say which model and norm they used and what the figures' methodology is, and take another norm for analysis."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.management import call_command
from django.urls import reverse

from tests.scoring.measurement.helpers import run_import

pytestmark = pytest.mark.django_db

NOTICES = [
    ("fast", "2024-03-04T10:00:00Z", "2024-03-04T20:00:00Z", "192.0.2.1", "", "", ""),
    ("slow", "2024-03-04T10:00:00Z", "2024-03-05T04:00:00Z", "192.0.2.1", "", "", ""),
    # Sent two hours before the end of the period (midnight in Amsterdam) and still open: not yet due.
    ("recent", "2024-03-31T20:00:00Z", "", "192.0.2.1", "", "", ""),
]
PERIOD = {"date_from": "2024-03-01", "date_to": "2024-04-01"}


@pytest.fixture
def model_2024(settings, hoster_a):
    settings.SCORING_MODEL = "good-hoster-2024"
    assert run_import(NOTICES).ok


def test_a_hosters_figures_name_the_model_in_force_its_norm_and_the_methodology(client_for, owner_a, model_2024):
    html = client_for(owner_a).get(reverse("scoring:hoster_metrics", args=["hoster-a"]), PERIOD).content.decode()
    assert "The scoring model in force is good-hoster-2024 (version 1); its norm is removal within 12 hours." in html
    assert "These figures use that norm." in html and "Methodology GH-M-2026.1" in html
    assert "another norm" not in html
    # The pending notice is counted apart and drawn hatched in its week.
    assert 'class="pending"' in html and 'id="pending-hatch"' in html


def test_another_norm_for_analysis_is_said_to_be_another(client_for, supervisor, model_2024):
    response = client_for(supervisor).get(reverse("scoring:monitor"), {**PERIOD, "norm_hours": "24"})
    html = response.content.decode()
    assert response.context["methodology"].norm_hours == 24.0 and response.context["norm_in_force"] == 12
    assert "These figures use another norm, 24 hours, chosen for analysis" in html
    assert "The scoring model in force is good-hoster-2024" in html


def test_the_ranking_csv_names_the_norm_and_methodology_on_every_row(client_for, supervisor, model_2024):
    response = client_for(supervisor).get(reverse("scoring:monitor_csv"), PERIOD)
    [row] = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert (row["norm_hours"], row["methodology"]) == ("12", "GH-M-2026.1")
    assert (row["notices"], row["pending"], row["due"], row["within_norm_pct"]) == ("3", "1", "2", "50.0")
    header = response.content.decode().splitlines()[0].split(",")
    assert header.index("rank") == 13 and header[-4:] == ["pending", "due", "norm_hours", "methodology"]


def test_the_command_says_which_model_and_norm_it_used(model_2024):
    out, err = io.StringIO(), io.StringIO()
    call_command("hoster_metrics", "--from=2024-03-01", "--to=2024-04-01", stdout=out, stderr=err)
    [row] = [row for row in json.loads(out.getvalue()) if row["hoster"] == "hoster-a"]
    assert (row["norm_hours"], row["methodology"], row["pending"], row["due"]) == (12.0, "GH-M-2026.1", 1, 2)
    assert "Norm: 12 hours, of the scoring model in force (good-hoster-2024 v1)." in err.getvalue()
    err = io.StringIO()
    call_command("hoster_metrics", "--from=2024-03-01", "--to=2024-04-01", "--norm-hours=24", stdout=out, stderr=err)
    assert "Norm: 24 hours as asked; the scoring model in force (good-hoster-2024 v1) uses 12." in err.getvalue()


def test_another_hosters_member_sees_no_figures(client_for, owner_b, model_2024):
    response = client_for(owner_b).get(reverse("scoring:hoster_metrics", args=["hoster-a"]), PERIOD)
    assert response.status_code == 404
