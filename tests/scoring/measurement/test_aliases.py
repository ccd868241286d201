"""Hoster names and aliases in attribution: matching variants, and an alias change re-attributing, recorded."""

from __future__ import annotations

import pytest
from django.urls import reverse

from portal.identity import update_hoster_aliases
from portal.models import AuditEvent, Hoster
from portal.services import update_hoster_network
from scoring.measurement.attribution import Attributor, reattribute_all
from scoring.measurement.changes import AttributionChange
from scoring.measurement.models import Attribution, Notice
from tests import factories
from tests.scoring.measurement.aliases_helpers import attribution_of, import_owned

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "owner",
    [
        "NFORCE ENTERTAINMENT BV",
        "NFOrce Entertainment B.V.",
        "nforce entertainment b.v",
        "Nforce-Entertainment",
        "  NFORCE   ENTERTAINMENT, B.V. ",
        "NFORCE ENTERTAINMENT Ltd",
        "NFORCE ENTERTAINMENT LIMITED",
        "Nforce Entertainment GmbH",
        "NFORCE ENTERTAINMENT S.A.",
        "nforce entertainment inc.",
        "NFORCE ENTERTAINMENT LLC",
    ],
)
def test_an_owner_matches_a_name_whatever_its_case_punctuation_or_legal_form(owner):
    attributor = Attributor([], [(7, {"nforceentertainment"})])
    assert attributor.owner_hoster(owner) == 7
    assert attributor.attribute(None, None, None, owner) == (7, Attribution.EXPLICIT)


def test_an_other_company_does_not_match():
    attributor = Attributor([], [(7, {"nforceentertainment"})])
    for owner in ("NFORCE", "Entertainment BV", "nforce entertainment group", "", "unknown"):
        assert attributor.owner_hoster(owner) is None


def test_the_attributor_learns_slugs_names_legal_names_and_aliases_from_the_database(hoster_a, hoster_b):
    Hoster.objects.filter(pk=hoster_a.pk).update(legal_name="Alpha Holding B.V.", aliases=["ALPHA HOSTING LTD"])
    attributor = Attributor.from_database()
    for owner in ("hoster-a", "HOSTER A", "alpha holding", "Alpha Hosting Limited"):
        assert attributor.owner_hoster(owner) == hoster_a.pk, owner
    assert attributor.owner_hoster("Hoster B B.V.") == hoster_b.pk


def test_a_name_shared_by_two_hosters_goes_to_the_one_registered_first():
    attributor = Attributor([], [(9, {"shared"}), (4, {"shared"})])
    assert attributor.owner_hoster("Shared BV") == 4


def test_adding_an_alias_reattributes_the_notices_naming_it_and_records_why(supervisor, hoster_a, hoster_b):
    import_owned(
        [
            ("named", "100.64.0.1", "", "NFORCE ENTERTAINMENT BV"),
            ("variant", "198.51.100.7", "", "nforce entertainment b.v."),  # B's prefix until the alias is A's
            ("other", "100.64.0.2", "", "Other Hosting Ltd"),
            ("plain", "100.64.0.3", "", ""),
        ]
    )
    assert attribution_of("named") == (None, Attribution.NONE)
    assert attribution_of("variant") == ("hoster-b", Attribution.PREFIX)
    assert update_hoster_aliases(supervisor, hoster_a, ["NFOrce Entertainment"])
    assert attribution_of("named") == ("hoster-a", Attribution.EXPLICIT)
    assert attribution_of("variant") == ("hoster-a", Attribution.EXPLICIT)  # a named owner comes before a prefix
    assert attribution_of("other") == (None, Attribution.NONE)
    assert attribution_of("plain") == (None, Attribution.NONE)
    changes = {c.notice.notice_id: c for c in AttributionChange.objects.select_related("notice")}
    assert set(changes) == {"named", "variant"}
    assert (changes["variant"].old_hoster, changes["variant"].new_hoster) == (hoster_b, hoster_a)
    assert changes["named"].old_hoster is None and changes["named"].attribution == Attribution.EXPLICIT
    assert changes["named"].actor == supervisor
    assert changes["named"].reason == "alias “NFOrce Entertainment” added to Hoster A"
    assert AuditEvent.objects.filter(action="portal.hoster.aliases_changed", object_id=str(hoster_a.pk)).exists()
    reattributed = AuditEvent.objects.get(action="scoring.notices.reattributed")
    assert reattributed.data["changed"] == 2 and reattributed.actor == supervisor


def test_removing_an_alias_sends_its_notices_back_to_attribution_by_network(supervisor, hoster_a, hoster_b):
    Hoster.objects.filter(pk=hoster_a.pk).update(aliases=["NFORCE ENTERTAINMENT BV"])
    import_owned(
        [("in-b", "198.51.100.7", "", "NFORCE ENTERTAINMENT BV"), ("nowhere", "100.64.0.1", "", "nforce entertainment")]
    )
    assert attribution_of("in-b") == ("hoster-a", Attribution.EXPLICIT)
    hoster_a.refresh_from_db()
    update_hoster_aliases(supervisor, hoster_a, [])
    assert attribution_of("in-b") == ("hoster-b", Attribution.PREFIX)
    assert attribution_of("nowhere") == (None, Attribution.NONE)
    assert Notice.objects.get(notice_id="in-b").declared_hoster is None
    reasons = set(AttributionChange.objects.values_list("reason", flat=True))
    assert reasons == {"alias “NFORCE ENTERTAINMENT BV” removed from Hoster A"}


def test_a_notice_fixed_by_a_dispute_keeps_its_hoster_when_an_alias_changes(supervisor, hoster_a, hoster_b):
    import_owned([("disputed", "100.64.0.1", "", "NFORCE ENTERTAINMENT BV")])
    Notice.objects.filter(notice_id="disputed").update(hoster=hoster_b, attribution=Attribution.DISPUTE)
    update_hoster_aliases(supervisor, hoster_a, ["nforce entertainment"])
    assert attribution_of("disputed") == ("hoster-b", Attribution.DISPUTE)
    assert not AttributionChange.objects.exists()


def test_an_unchanged_alias_list_changes_and_records_nothing(supervisor, hoster_a):
    import_owned([("named", "100.64.0.1", "", "NFORCE")])
    update_hoster_aliases(supervisor, hoster_a, ["NFORCE"])
    events = AuditEvent.objects.count()
    assert not update_hoster_aliases(supervisor, hoster_a, ["NFORCE"])
    assert AuditEvent.objects.count() == events
    assert AttributionChange.objects.count() == 1


def test_an_alias_that_is_another_hosters_name_is_refused_and_nothing_changes(supervisor, hoster_a, hoster_b):
    import_owned([("named", "100.64.0.1", "", "Hoster B")])
    with pytest.raises(Exception, match="already a name or alias of Hoster B"):
        update_hoster_aliases(supervisor, hoster_a, ["HOSTER B B.V."])
    hoster_a.refresh_from_db()
    assert hoster_a.aliases == []
    assert attribution_of("named") == ("hoster-b", Attribution.EXPLICIT)


def test_renaming_an_unverified_hoster_reattributes_the_notices_naming_it(client_for, hoster_b):
    hoster = factories.make_hoster("newcomer", name="Newcomer", verification=Hoster.Verification.UNVERIFIED)
    owner = factories.make_member(hoster, "owner")
    import_owned([("named", "100.64.0.1", "", "FRESH HOSTING B.V.")])
    data = {"name": "Fresh Hosting", "country": "NL", "aliases": ""}
    response = client_for(owner).post(reverse("hoster_settings", args=["newcomer"]), data)
    assert response.status_code == 302
    assert attribution_of("named") == ("newcomer", Attribution.EXPLICIT)
    assert AttributionChange.objects.get().reason == "Newcomer renamed Fresh Hosting"


def test_a_network_change_is_recorded_in_the_notices_history(supervisor, hoster_a, hoster_b):
    import_owned([("n1", "100.64.0.1", "AS64999", ""), ("n2", "192.0.2.9", "", "")])
    update_hoster_network(supervisor, hoster_b, [64501, 64999], ["198.51.100.0/24"])
    change = AttributionChange.objects.get()
    assert (change.notice.notice_id, change.old_hoster, change.new_hoster) == ("n1", None, hoster_b)
    assert change.attribution == Attribution.ASN and change.reason == "network of Hoster B changed"
    assert attribution_of("n2") == ("hoster-a", Attribution.PREFIX)


def test_reattribution_by_network_follows_the_longest_prefix_and_asn_first(hoster_a, hoster_b):
    import_owned(
        [
            ("short", "10.1.2.3", "", ""),
            ("long", "10.9.9.9", "", ""),
            ("asn", "10.9.9.10", "AS65010", ""),
            ("v6", "2001:db8:5::1", "", ""),
        ]
    )
    Hoster.objects.filter(pk=hoster_a.pk).update(prefixes=["10.0.0.0/8", "2001:db8::/32"])
    Hoster.objects.filter(pk=hoster_b.pk).update(prefixes=["10.9.0.0/16"], asns=[65010])
    factories.make_hoster("hoster-c", prefixes=["2001:db8:5::/48"])
    assert reattribute_all() == 4
    assert attribution_of("short") == ("hoster-a", Attribution.PREFIX)
    assert attribution_of("long") == ("hoster-b", Attribution.PREFIX)
    assert attribution_of("asn") == ("hoster-b", Attribution.ASN)
    assert attribution_of("v6") == ("hoster-c", Attribution.PREFIX)
    assert reattribute_all() == 0  # nothing left to change: nothing recorded twice
    assert AttributionChange.objects.count() == 4


def test_history_records_are_append_only(supervisor, hoster_a):
    import_owned([("named", "100.64.0.1", "", "NFORCE")])
    update_hoster_aliases(supervisor, hoster_a, ["NFORCE"])
    change = AttributionChange.objects.get()
    with pytest.raises(TypeError):
        change.save()
    with pytest.raises(TypeError):
        AttributionChange.objects.update(reason="rewritten")
