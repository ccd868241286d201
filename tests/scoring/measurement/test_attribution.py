"""Re-attribution when declarations change, and the attributor's tie-breaking."""

from __future__ import annotations

import pytest

from portal.services import update_hoster_network
from scoring.measurement.attribution import Attributor, reattribute_all
from scoring.measurement.models import Attribution, Notice
from tests.scoring.measurement.helpers import run_import

pytestmark = pytest.mark.django_db


def test_changing_a_hosters_network_in_the_ui_reattributes_notices(supervisor, hoster_a, hoster_b):
    run_import(
        [
            ("n1", "2024-03-01T10:00:00Z", "", "100.64.0.1", "", "", ""),
            ("n2", "2024-03-01T10:00:00Z", "", "192.0.2.9", "", "", ""),
            ("n3", "2024-03-01T10:00:00Z", "", "192.0.2.9", "", "hoster-a", ""),
        ]
    )
    assert Notice.objects.get(notice_id="n1").hoster is None
    update_hoster_network(supervisor, hoster_b, [64501], ["198.51.100.0/24", "100.64.0.0/10", "192.0.2.0/25"])
    n1, n2, n3 = Notice.objects.order_by("notice_id")
    assert (n1.hoster, n1.attribution) == (hoster_b, Attribution.PREFIX)
    assert n2.hoster == hoster_b  # the longer prefix now belongs to B
    assert (n3.hoster, n3.attribution) == (hoster_a, Attribution.EXPLICIT)  # named in the file: kept
    update_hoster_network(supervisor, hoster_b, [64501], ["198.51.100.0/24"])
    assert Notice.objects.get(notice_id="n1").hoster is None
    assert Notice.objects.get(notice_id="n2").hoster == hoster_a


def test_reattribute_all_reports_how_many_changed(hoster_a):
    run_import([("n1", "2024-03-01T10:00:00Z", "", "", "AS64999", "", "")])
    assert reattribute_all() == 0
    hoster_a.asns = [64500, 64999]
    hoster_a.save()
    assert reattribute_all() == 1
    assert Notice.objects.get().attribution == Attribution.ASN


def test_first_registered_hoster_wins_a_shared_declaration():
    attributor = Attributor([(7, [65000], ["10.0.0.0/8"]), (3, [65000], ["10.0.0.0/8"])])
    assert attributor.attribute(None, 65000, None) == (3, "asn")
    assert attributor.attribute(None, None, "10.1.1.1") == (3, "prefix")
    assert attributor.attribute(None, None, "::1") == (None, "none")
