"""The demo notice history: skewed like the 2020 monitor, idempotent."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from scoring.measurement.models import Dispute, Notice
from tests.scoring.measurement.helpers import hoster_metrics

pytestmark = pytest.mark.django_db


def test_seed_demo_loads_a_skewed_history_once():
    call_command("seed_demo", stdout=io.StringIO())
    count = Notice.objects.count()
    assert 2500 < count < 5000
    call_command("seed_demo", stdout=(out := io.StringIO()))
    assert Notice.objects.count() == count
    assert f"unchanged={count}" in out.getvalue()
    rows = {row["hoster"]: row for row in hoster_metrics("2000-01-01", "2100-01-01", as_of=None)}
    assert rows["bulkhost"]["share_pct"] > 80
    assert 80 < rows["bulkhost"]["within_norm_pct"] < 92
    assert rows["cleanhost"]["within_norm_pct"] > rows["steadyhost"]["within_norm_pct"] > 85
    assert rows[None]["notices"] > 0
    assert Dispute.objects.open().count() == 1
