"""Takedown figures follow the norm of the scoring model in force: the ranking, its CSV, a hoster's page and panel."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.test import RequestFactory
from django.urls import reverse

from portal.csvsafe import spreadsheet_safe
from scoring.publication import figures_panels
from tests import factories
from tests.scoring.measurement.helpers import run_import

pytestmark = pytest.mark.django_db

# Removed after 10 and after 18 hours: both within a 24-hour norm, one within a 12-hour norm.
NOTICES = [
    ("fast", "2024-03-04T10:00:00Z", "2024-03-04T20:00:00Z", "192.0.2.1", "", "", ""),
    ("slow", "2024-03-04T10:00:00Z", "2024-03-05T04:00:00Z", "192.0.2.1", "", "", ""),
]
PERIOD = {"date_from": "2024-03-01", "date_to": "2024-04-01"}


@pytest.fixture
def norm_of_12_hours(settings, hoster_a):
    settings.SCORING_MODEL = "good-hoster-2024"
    assert run_import(NOTICES).ok


def test_the_ranking_and_its_csv_count_within_the_norm_in_force(client_for, supervisor, norm_of_12_hours):
    client = client_for(supervisor)
    assert "beyond the norm of 12 hours" in client.get(reverse("scoring:monitor"), PERIOD).content.decode()
    lines = client.get(reverse("scoring:monitor_csv"), PERIOD).content.decode().splitlines()
    assert lines[1].startswith("Hoster A,hoster-a,2,100.0,1,50.0,")


def test_a_norm_asked_for_replaces_the_norm_in_force(client_for, supervisor, norm_of_12_hours):
    response = client_for(supervisor).get(reverse("scoring:monitor_csv"), {**PERIOD, "norm_hours": "24"})
    assert response.content.decode().splitlines()[1].startswith("Hoster A,hoster-a,2,100.0,2,100.0,")


def test_a_hosters_page_and_panel_show_the_norm_in_force(client_for, owner_a, norm_of_12_hours):
    html = client_for(owner_a).get(reverse("scoring:hoster_metrics", args=["hoster-a"]), PERIOD).content.decode()
    assert "Removed within 12 h" in html and 'value="12"' in html
    request = RequestFactory().get(reverse("dashboard"), PERIOD)
    request.user, request.current_membership = owner_a, owner_a.memberships.get()
    [panel] = figures_panels.panels(request)
    assert (panel.context["norm"], panel.context["row"]["within_norm"]) == (12, 1)
    request.current_membership = None
    assert figures_panels.panels(request) == []


def test_the_command_takes_the_norm_in_force_unless_given_another(norm_of_12_hours):
    def within_norm(*options: str) -> int:
        call_command("hoster_metrics", "--from=2024-03-01", "--to=2024-04-01", *options, stdout=(out := io.StringIO()))
        return json.loads(out.getvalue())[0]["within_norm"]

    assert (within_norm(), within_norm("--norm-hours=24")) == (1, 2)


# --- hardening (issue 13): impossible periods are a 400, formulas stay text -------------------------------------

FAR_PERIODS = [
    {"date_from": "0001-01-01", "date_to": "0001-01-05"},
    {"date_from": "9999-12-01", "date_to": "9999-12-31"},
    {**PERIOD, "as_of": "0001-01-01T00:00"},
    {**PERIOD, "as_of": "9999-12-31T23:59"},
]
OUT_OF_RANGE = "Choose a date from 2000-01-01 to 2100-01-01."


@pytest.mark.parametrize("period", FAR_PERIODS)
def test_a_period_near_year_1_or_9999_is_a_400_with_a_message(client_for, supervisor, owner_a, period):
    client = client_for(supervisor)
    for url in (reverse("scoring:monitor"), reverse("scoring:hoster_metrics", args=["hoster-a"])):
        response = client.get(url, period)
        assert response.status_code == 400 and OUT_OF_RANGE in response.content.decode()
    response = client.get(reverse("scoring:monitor_csv"), period)
    assert response.status_code == 400 and OUT_OF_RANGE in response.content.decode()
    assert response["Content-Type"].startswith("text/plain")
    request = RequestFactory().get(reverse("dashboard"), period)
    request.user, request.current_membership = owner_a, owner_a.memberships.get()
    [panel] = figures_panels.panels(request)  # the panel shows the default period with the form's errors
    assert not panel.context["form"].is_valid()


@pytest.mark.parametrize(
    "options",
    [
        ["--from=0001-01-01", "--to=0001-01-03"],
        ["--from=9999-12-01", "--to=9999-12-31"],
        ["--from=2024-03-01", "--to=2024-04-01", "--as-of=0001-01-01"],
        ["--from=2024-03-01", "--to=2024-04-01", "--as-of=9999-12-31T23:59:59+14:00"],
    ],
)
def test_the_command_refuses_far_dates_with_exit_status_1(db, options):
    with pytest.raises(CommandError) as caught:
        call_command("hoster_metrics", *options, stdout=io.StringIO())
    assert caught.value.returncode == 1 and OUT_OF_RANGE in str(caught.value)


@pytest.mark.parametrize("norm", ["nan", "inf", "1e300"])
def test_the_command_refuses_a_norm_that_is_no_number_of_hours(db, norm):
    with pytest.raises(CommandError, match="--norm-hours must be at most 720"):
        call_command("hoster_metrics", "--from=2024-03-01", "--to=2024-04-01", f"--norm-hours={norm}")


FORMULAS = ['=HYPERLINK("https://evil.example","x")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]


@pytest.mark.parametrize("name", FORMULAS)
def test_the_ranking_csv_keeps_formulas_as_text(client_for, supervisor, name):
    factories.make_hoster("evil", name=name)
    response = client_for(supervisor).get(reverse("scoring:monitor_csv"), PERIOD)
    [row] = [r for r in csv.DictReader(io.StringIO(response.content.decode(), newline="")) if r["hoster"] == "evil"]
    assert row["name"] == "'" + name
    assert row["notices"] == "0"  # numbers stay numbers


def test_a_line_break_in_a_name_stays_in_its_cell(client_for, supervisor):
    factories.make_hoster("evil", name="Evil\r=1+1\nHost")
    content = client_for(supervisor).get(reverse("scoring:monitor_csv"), PERIOD).content.decode()
    rows = list(csv.DictReader(io.StringIO(content, newline="")))
    assert [row["name"] for row in rows if row["hoster"] == "evil"] == ["Evil\r=1+1\nHost"]
    assert content.count("\r\n") == len(rows) + 1  # header and rows, CRLF ended


def test_one_helper_keeps_cells_from_running_as_formulas():
    assert [spreadsheet_safe(text) for text in FORMULAS] == ["'" + text for text in FORMULAS]
    kept = ["Hoster A", "a=b", -1.5, 0, None]
    assert [spreadsheet_safe(value) for value in kept] == kept
