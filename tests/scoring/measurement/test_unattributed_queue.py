"""The unattributed queue: groups with counts, and each way of giving a group to a hoster, checked and recorded."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from portal.models import AuditEvent, Hoster
from scoring.measurement.changes import AttributionChange
from scoring.measurement.models import Attribution, Notice
from scoring.measurement.queue import Group, groups, network_of, unattributed
from tests.scoring.measurement.aliases_helpers import attribution_of, import_owned

pytestmark = pytest.mark.django_db

QUEUE = reverse("scoring:unattributed")
ATTRIBUTE = reverse("scoring:unattributed_attribute")
PICKER = reverse("scoring:unattributed_hosters")
FOO = {"by": "all", "owner": "foohosting", "network": "100.64.0.0/24", "asn": "65999", "q": ""}


@pytest.fixture
def queue(hoster_a, hoster_b):
    """Three Foo notices in one /24 and AS, one Foo notice elsewhere, two IPv6 notices in one /48, one bare."""
    import_owned(
        [
            ("foo-1", "100.64.0.1", "AS65999", "Foo Hosting B.V."),
            ("foo-2", "100.64.0.200", "AS65999", "FOO HOSTING BV"),
            ("foo-3", "100.64.0.7", "AS65999", "foo hosting"),
            ("foo-far", "100.65.0.1", "AS65998", "Foo Hosting B.V."),
            ("v6-1", "2001:db8:1:ff::1", "", ""),
            ("v6-2", "2001:db8:1:0::2", "", ""),
            ("bare", "", "AS65997", ""),
            ("mine", "192.0.2.5", "", ""),  # hoster A's prefix: not in the queue
        ]
    )


def rows(by: str, query: str = "") -> list[dict]:
    return list(groups(unattributed(query), by))


def test_network_of_is_the_24_or_48():
    assert network_of("192.0.2.77") == "192.0.2.0/24"
    assert network_of("2001:db8:1:ff::1") == "2001:db8:1::/48"
    assert network_of(None) is None


def test_the_queue_groups_by_owner_network_and_asn_with_counts(queue):
    combined = {(r["owner_key"], r["network"], r["asn"]): r["notices"] for r in rows("all")}
    assert combined == {
        ("foohosting", "100.64.0.0/24", 65999): 3,
        ("foohosting", "100.65.0.0/24", 65998): 1,
        (None, "2001:db8:1::/48", None): 2,
        (None, None, 65997): 1,
    }
    assert [(r["owner_key"], r["notices"]) for r in rows("owner")] == [("foohosting", 4), (None, 3)]
    assert {r["network"]: r["notices"] for r in rows("network")} == {
        "100.64.0.0/24": 3,
        "100.65.0.0/24": 1,
        "2001:db8:1::/48": 2,
        None: 1,
    }
    assert {r["asn"]: r["notices"] for r in rows("asn")} == {65999: 3, 65998: 1, 65997: 1, None: 2}
    first = rows("all")[0]
    assert (first["owner_name"], first["example"]) == ("FOO HOSTING BV", "foo-1")


def test_a_search_narrows_the_groups(queue):
    assert [r["notices"] for r in rows("owner", "foo hosting")] == [4]
    assert [r["asn"] for r in rows("asn", "AS65998")] == [65998]
    assert [r["network"] for r in rows("network", "2001:db8:1::2")] == ["2001:db8:1::/48"]


def test_a_group_selects_its_notices(queue):
    group = Group("all", "foohosting", "100.64.0.0/24", 65999)
    assert sorted(group.notices().values_list("notice_id", flat=True)) == ["foo-1", "foo-2", "foo-3"]
    assert sorted(Group("owner").notices().values_list("notice_id", flat=True)) == ["bare", "v6-1", "v6-2"]
    assert list(Group("network").notices().values_list("notice_id", flat=True)) == ["bare"]


def test_the_page_lists_the_groups_and_links_to_attributing_them(client_for, supervisor, queue):
    html = client_for(supervisor).get(QUEUE).content.decode()
    assert "4 groups; 7 unattributed notices in all." in html
    assert "100.64.0.0/24" in html and "2001:db8:1::/48" in html and "AS65997" in html
    assert "by=all&amp;owner=foohosting&amp;network=100.64.0.0%2F24&amp;asn=65999" in html
    assert "mine" not in html
    html = client_for(supervisor).get(QUEUE, {"by": "asn", "q": "AS65999"}).content.decode()
    assert "1 group; 7 unattributed notices in all." in html and "Foo Hosting" not in html


def test_the_queue_pages(client_for, supervisor, hoster_a):
    import_owned([(f"n{i}", f"100.{64 + i // 256}.{i % 256}.1", "", "") for i in range(55)])
    client = client_for(supervisor)
    first = client.get(QUEUE, {"by": "network"}).content.decode()
    assert "Page 1 of 2" in first and "55 groups" in first
    second = client.get(QUEUE, {"by": "network", "page": 2}).content.decode()
    assert second.count("Attribute…") == 5


def review(client: Client, hoster: Hoster | int, method: str, **fields: str):
    pk = hoster.pk if isinstance(hoster, Hoster) else hoster
    return client.post(ATTRIBUTE, {**FOO, "hoster": pk, "method": method, **fields})


def confirm(client: Client, hoster: Hoster, method: str, **fields: str):
    return review(client, hoster, method, confirmed="true", **fields)


def test_reviewing_shows_what_will_happen_and_changes_nothing(client_for, supervisor, hoster_b, queue):
    response = review(client_for(supervisor), hoster_b, "asn", as_number="AS65999")
    html = response.content.decode()
    assert response.status_code == 200
    assert "AS65999 is added to the network of Hoster B." in html
    assert "It matches 3 unattributed notices now" in html
    assert 'name="confirmed" value="true"' in html
    assert Hoster.objects.get(pk=hoster_b.pk).asns == [64501]
    assert not AttributionChange.objects.exists()


def test_adding_the_asn_attributes_every_notice_from_it(client_for, supervisor, hoster_b, queue):
    response = confirm(client_for(supervisor), hoster_b, "asn", as_number="AS65999")
    assert response.status_code == 302 and response.url == f"{QUEUE}?by=all&q="
    assert Hoster.objects.get(pk=hoster_b.pk).asns == [64501, 65999]
    assert {attribution_of(n) for n in ("foo-1", "foo-2", "foo-3")} == {("hoster-b", Attribution.ASN)}
    assert attribution_of("foo-far") == (None, Attribution.NONE)
    changes = AttributionChange.objects.all()
    assert len(changes) == 3 and {c.reason for c in changes} == {"AS65999 added to the network of Hoster B"}
    assert {c.actor for c in changes} == {supervisor}
    event = AuditEvent.objects.get(action="scoring.unattributed.attributed")
    assert (event.data["method"], event.data["value"], event.data["changed"]) == ("asn", "65999", 3)
    network = AuditEvent.objects.get(action="portal.hoster.network_changed")
    assert network.data["new"]["asns"] == [64501, 65999]
    follow = client_for(supervisor).get(response.url)
    assert "3 groups; 4 unattributed notices in all." in follow.content.decode()


def test_the_result_is_told(client_for, supervisor, hoster_b, queue):
    response = client_for(supervisor).post(
        ATTRIBUTE,
        {**FOO, "hoster": hoster_b.pk, "method": "asn", "as_number": "65999", "confirmed": "true"},
        follow=True,
    )
    assert "AS65999 is now in the network of Hoster B; 3 notices re-attributed." in response.content.decode()


def test_adding_the_prefix_attributes_every_notice_in_it(client_for, supervisor, hoster_b, queue):
    confirm(client_for(supervisor), hoster_b, "prefix", ip_prefix="100.64.0.0/16")
    assert Hoster.objects.get(pk=hoster_b.pk).prefixes == ["100.64.0.0/16", "198.51.100.0/24"]
    for notice_id in ("foo-1", "foo-2", "foo-3"):
        assert attribution_of(notice_id) == ("hoster-b", Attribution.PREFIX)
    assert attribution_of("foo-far") == (None, Attribution.NONE)  # 100.65.0.1 lies outside
    assert AttributionChange.objects.count() == 3


def test_adding_an_ipv6_prefix(client_for, supervisor, hoster_a, queue):
    data = {"by": "network", "network": "2001:db8:1::/48", "q": "", "hoster": hoster_a.pk, "method": "prefix"}
    client_for(supervisor).post(ATTRIBUTE, {**data, "ip_prefix": "2001:db8:1::/48", "confirmed": "true"})
    assert attribution_of("v6-1") == ("hoster-a", Attribution.PREFIX)
    assert attribution_of("v6-2") == ("hoster-a", Attribution.PREFIX)


def test_adding_the_owner_as_alias_attributes_every_notice_naming_it(client_for, supervisor, hoster_a, queue):
    response = confirm(client_for(supervisor), hoster_a, "alias")
    assert response.status_code == 302
    assert Hoster.objects.get(pk=hoster_a.pk).aliases == ["FOO HOSTING BV"]
    for notice_id in ("foo-1", "foo-2", "foo-3", "foo-far"):  # the whole owner, not only this group
        assert attribution_of(notice_id) == ("hoster-a", Attribution.EXPLICIT)
    assert {c.reason for c in AttributionChange.objects.all()} == {"alias “FOO HOSTING BV” added to Hoster A"}
    event = AuditEvent.objects.get(action="scoring.unattributed.attributed")
    assert (event.data["method"], event.data["changed"]) == ("alias", 4)


def test_attributing_just_the_group_leaves_the_declarations_alone(client_for, supervisor, hoster_a, queue):
    response = confirm(client_for(supervisor), hoster_a, "notices")
    assert response.status_code == 302
    hoster = Hoster.objects.get(pk=hoster_a.pk)
    assert (hoster.asns, hoster.prefixes, hoster.aliases) == ([64500], ["192.0.2.0/24"], [])
    for notice_id in ("foo-1", "foo-2", "foo-3"):
        assert attribution_of(notice_id) == ("hoster-a", Attribution.DISPUTE)
    assert attribution_of("foo-far") == (None, Attribution.NONE)
    change = AttributionChange.objects.filter(notice__notice_id="foo-1").get()
    assert change.reason == "attributed to Hoster A from the unattributed queue"


def test_a_search_narrows_just_the_groups_notices(client_for, supervisor, hoster_a, queue):
    client_for(supervisor).post(
        ATTRIBUTE, {**FOO, "q": "foo-2", "hoster": hoster_a.pk, "method": "notices", "confirmed": "true"}
    )
    moved = Notice.objects.filter(hoster=hoster_a, attribution=Attribution.DISPUTE)
    assert list(moved.values_list("notice_id", flat=True)) == ["foo-2"]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"method": "prefix", "ip_prefix": "100.64.0.1/24"}, "has host bits set"),
        ({"method": "prefix", "ip_prefix": "100.64.0.300/24"}, "is not a valid IP prefix"),
        ({"method": "prefix", "ip_prefix": "100.64.0.0"}, "CIDR notation"),
        ({"method": "asn", "as_number": "AS4294967296"}, "is not an AS number (1 to 4294967295)"),
        ({"method": "asn", "as_number": "0"}, "is not an AS number (1 to 4294967295)"),
        ({"method": "asn", "as_number": "AS12x"}, "is not an AS number"),
        ({"method": "somehow"}, "Select a valid choice"),
        ({"method": "asn", "as_number": "65999", "hoster": "999999"}, "That hoster does not exist"),
        ({"method": "asn", "as_number": "65999", "hoster": "one"}, "Enter a whole number"),
        ({"method": "asn", "as_number": "65999", "hoster": ""}, "Choose the hoster."),
    ],
)
def test_bad_input_is_refused_with_a_message_and_changes_nothing(
    client_for, supervisor, hoster_b, queue, fields, message
):
    data = {**FOO, "hoster": hoster_b.pk, "confirmed": "true", **fields}
    response = client_for(supervisor).post(ATTRIBUTE, data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Hoster.objects.get(pk=hoster_b.pk).asns == [64501]
    assert not AttributionChange.objects.exists()
    assert not AuditEvent.objects.filter(action="scoring.unattributed.attributed").exists()


def test_an_asn_declared_by_another_hoster_is_refused(client_for, supervisor, hoster_a, hoster_b, queue):
    response = confirm(client_for(supervisor), hoster_b, "asn", as_number="AS64500")
    assert response.status_code == 400
    assert "AS64500 is already declared by Hoster A." in response.content.decode()
    assert Hoster.objects.get(pk=hoster_b.pk).asns == [64501]


def test_a_prefix_declared_by_another_hoster_is_refused(client_for, supervisor, hoster_a, hoster_b, queue):
    response = confirm(client_for(supervisor), hoster_b, "prefix", ip_prefix="192.0.2.0/24")
    assert "192.0.2.0/24 is already declared by Hoster A." in response.content.decode()
    assert Hoster.objects.get(pk=hoster_b.pk).prefixes == ["198.51.100.0/24"]


def test_an_alias_that_is_another_hosters_is_refused(client_for, supervisor, hoster_a, hoster_b, queue):
    Hoster.objects.filter(pk=hoster_b.pk).update(aliases=["Foo Hosting"])
    Notice.objects.filter(notice_id__startswith="foo").update(hoster=None, attribution="none")
    response = confirm(client_for(supervisor), hoster_a, "alias")
    assert "is already a name or alias of Hoster B" in response.content.decode()
    assert Hoster.objects.get(pk=hoster_a.pk).aliases == []


def test_a_group_without_a_named_owner_offers_no_alias(client_for, supervisor, hoster_a, queue):
    data = {"by": "asn", "asn": "65997", "q": "", "hoster": hoster_a.pk, "method": "alias", "confirmed": "true"}
    response = client_for(supervisor).post(ATTRIBUTE, data)
    assert response.status_code == 400 and "Select a valid choice" in response.content.decode()


@pytest.mark.parametrize(
    "params",
    [
        {"by": "all", "network": "not-a-network"},
        {"by": "everything"},
        {"by": "asn", "asn": "AS99999999999"},
        {"by": "owner", "owner": "a\x00b"},
    ],
)
def test_a_group_that_cannot_exist_sends_back_to_the_queue(client_for, supervisor, queue, params):
    response = client_for(supervisor).get(ATTRIBUTE, params, follow=True)
    assert response.redirect_chain == [(QUEUE, 302)]
    assert "This group does not exist; choose one from the queue." in response.content.decode()


def test_the_attribute_page_shows_the_group_and_finds_hosters_by_alias(client_for, supervisor, hoster_a, queue):
    Hoster.objects.filter(pk=hoster_a.pk).update(aliases=["Alpha Networks"])
    client = client_for(supervisor)
    html = client.get(ATTRIBUTE, {**FOO, "hoster_q": "alpha"}).content.decode()
    assert 'id="group-count">3<' in html and "foo-3" in html and "foo-far" not in html
    assert f'value="{hoster_a.pk}"' in html and "Hoster B" not in html
    assert "Add “FOO HOSTING BV” to the hoster&#x27;s aliases" in html
    picker = client.get(PICKER, {"hoster_q": "hoster-b"}).content.decode()
    assert "Hoster B" in picker and "Hoster A" not in picker
    assert "No hoster matches “nobody”." in client.get(PICKER, {"hoster_q": "nobody"}).content.decode()


@pytest.mark.parametrize("who", ["owner_a", "editor_a", "viewer_a", "auditor"])
def test_only_supervisors_reach_the_queue(client_for, request, hoster_b, queue, who):
    client = client_for(request.getfixturevalue(who))
    assert client.get(QUEUE).status_code == 403
    assert client.get(ATTRIBUTE, FOO).status_code == 403
    assert client.get(PICKER, {"hoster_q": "a"}).status_code == 403
    assert confirm(client, hoster_b, "asn", as_number="65999").status_code == 403
    assert Hoster.objects.get(pk=hoster_b.pk).asns == [64501]
    assert not AttributionChange.objects.exists()


def test_the_anonymous_are_sent_to_sign_in(client, queue):
    response = client.get(QUEUE)
    assert response.status_code == 302 and "login" in response.url


def test_attributing_needs_the_csrf_token(supervisor, hoster_b, queue):
    client = Client(enforce_csrf_checks=True)
    client.force_login(supervisor)
    assert confirm(client, hoster_b, "asn", as_number="65999").status_code == 403
    assert Hoster.objects.get(pk=hoster_b.pk).asns == [64501]
