"""The monitor report carries the audit log's last published head, a copy of it outside the database."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from portal.audit import publish_audit_head
from scoring.publication.monitor_periods import publish_monitor_period
from scoring.publication.report import render_monitor_pdf
from tests.scoring.certification.helpers import pdf_text
from tests.scoring.measurement.helpers import run_import

pytestmark = pytest.mark.django_db


def publish(supervisor, code: str):
    return publish_monitor_period(
        supervisor, code=code, title=code, date_from=date(2024, 7, 1), date_to=date(2024, 12, 31)
    )


def test_the_report_prints_the_last_published_head(supervisor):
    head = publish_audit_head(timezone.localdate() - timedelta(days=1))
    text = " ".join(pdf_text(publish(supervisor, "2024-h2").pdf).split())
    assert f"{head.count} events" in text and head.hash[:16] in text


def test_without_a_published_head_the_report_says_nothing_of_it(supervisor):
    assert "Audit log head" not in pdf_text(publish(supervisor, "2024-h2").pdf)


def test_the_report_shows_the_notices_not_yet_due_apart(supervisor, hoster_a):
    # One notice removed in time, one sent an hour before the period's end and still open at its cut-off: pending.
    run_import(
        [
            ("done", "2024-12-01T10:00:00Z", "2024-12-01T12:00:00Z", "192.0.2.1", "", "hoster-a", ""),
            ("late", "2024-12-31T22:00:00Z", "", "192.0.2.1", "", "hoster-a", ""),
        ]
    )
    period = publish(supervisor, "2024-h2")
    row = period.row_for("hoster-a")
    assert row is not None and (row["pending"], row["due"], row["within_norm_pct"]) == (1, 1, 100.0)
    assert period.totals["within_norm_pct"] == 100.0 and period.totals["pending"] == 1
    assert "1 not yet due" in " ".join(pdf_text(period.pdf).split())


@pytest.mark.parametrize(("language", "header"), [("en", "Rank by notices"), ("nl", "Plaats naar meldingen")])
def test_the_ranking_says_what_it_ranks_by_without_breaking_a_word(supervisor, hoster_a, language, header):
    run_import([("done", "2024-12-01T10:00:00Z", "2024-12-01T12:00:00Z", "192.0.2.1", "", "hoster-a", "")])
    pdf = render_monitor_pdf(publish(supervisor, "2024-h2"), language)
    lines = [line.strip() for line in pdf_text(pdf).splitlines()]
    first, second = header.rsplit(" ", 1)
    assert first in lines and second in lines  # two whole lines: no word split over the narrow column
