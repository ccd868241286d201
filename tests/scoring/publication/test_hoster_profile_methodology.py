"""The hoster's public profile sets its monitor periods side by side: it warns where their methodologies differ."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from scoring.publication.monitor_periods import publish_monitor_period
from scoring.rating.models import norm_in_force
from tests.scoring.certification.helpers import notices_for

pytestmark = pytest.mark.django_db
AMS = ZoneInfo("Europe/Amsterdam")
WARNING = "Not all of these periods were computed with the same methodology"


@pytest.fixture
def three_quarters(hoster_a):
    for month in (2, 5, 8):
        notices_for(hoster_a, 3, hours=2, start=datetime(2025, month, 3, 9, tzinfo=AMS), prefix=f"m{month}-")


def publish(supervisor, code: str, first: date, last: date, norm_hours: float | None = None) -> None:
    publish_monitor_period(
        supervisor, code=code, title=f"Monitor {code}", date_from=first, date_to=last, norm_hours=norm_hours
    )


def profile(client):
    response = client.get(reverse("registry_hoster", args=["hoster-a"]))
    assert response.status_code == 200
    return response


def test_the_profile_says_between_which_periods_the_methodology_changed(client, supervisor, three_quarters):
    norm = norm_in_force()
    publish(supervisor, "2025-q1", date(2025, 1, 1), date(2025, 3, 31), norm_hours=norm * 2)
    publish(supervisor, "2025-q2", date(2025, 4, 1), date(2025, 6, 30))
    publish(supervisor, "2025-q3", date(2025, 7, 1), date(2025, 9, 30))
    response = profile(client)
    [change] = response.context["methodology_changes"]
    assert (change["earlier"].code, change["later"].code) == ("2025-q1", "2025-q2")
    html = response.content.decode()
    assert WARNING in html
    assert f"from Monitor 2025-q1 to Monitor 2025-q2: the norm differs ({norm * 2:g} and {norm:g} hours)" in html
    assert "from Monitor 2025-q2 to Monitor 2025-q3" not in html


def test_periods_of_one_methodology_need_no_warning(client, supervisor, three_quarters):
    publish(supervisor, "2025-q1", date(2025, 1, 1), date(2025, 3, 31))
    publish(supervisor, "2025-q2", date(2025, 4, 1), date(2025, 6, 30))
    response = profile(client)
    assert response.context["methodology_changes"] == [] and WARNING not in response.content.decode()
