"""Aliases: supervisors edit them directly, owners ask and a supervisor approves; both re-attribute notices."""

from __future__ import annotations

import pytest
from django.urls import reverse

from portal.identity import requested_aliases
from portal.models import AuditEvent, Hoster, HosterIdentityChange
from scoring.measurement.changes import AttributionChange
from scoring.measurement.models import Attribution
from tests.scoring.measurement.aliases_helpers import attribution_of, import_owned

pytestmark = pytest.mark.django_db

SETTINGS = reverse("hoster_settings", args=["hoster-a"])
NETWORK = reverse("hoster_network", args=["hoster-a"])


def settings_data(hoster: Hoster, aliases: str, **extra: str) -> dict[str, str]:
    return {"name": hoster.name, "website": hoster.website, "country": hoster.country, "aliases": aliases, **extra}


def network_data(aliases: str) -> dict[str, str]:
    return {"asns": "AS64500", "prefixes": "192.0.2.0/24", "aliases": aliases}


def decide(client, change: HosterIdentityChange, decision: str, reason: str = ""):
    url = reverse("supervision_identity_change", args=[change.pk])
    return client.post(url, {"decision": decision, "reason": reason}, follow=True)


@pytest.fixture
def named_notices(hoster_a, hoster_b):
    import_owned(
        [("alpha-1", "100.64.0.1", "", "ALPHA NETWORKS B.V."), ("alpha-2", "198.51.100.9", "", "Alpha Networks")]
    )


def test_an_owners_alias_change_waits_for_the_supervisor(
    client_for, owner_a, supervisor, hoster_a, named_notices, mailoutbox, django_capture_on_commit_callbacks
):
    owner = client_for(owner_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = owner.post(SETTINGS, settings_data(hoster_a, "Alpha Networks\n\nALPHA NET LTD"))
    assert response.status_code == 302
    shown = owner.get(response.url).content.decode()
    assert "The new aliases are awaiting the supervisor" in shown and "new name and website" not in shown
    assert Hoster.objects.get(pk=hoster_a.pk).aliases == []
    change = HosterIdentityChange.objects.get()
    assert change.previous_aliases == []
    assert change.status == "pending" and (change.name, change.previous_name) == ("Hoster A", "Hoster A")
    assert requested_aliases(change) == ["Alpha Networks", "ALPHA NET LTD"]
    event = AuditEvent.objects.get(action="portal.hoster.identity_change_requested")
    assert event.data["aliases"] == {"from": [], "to": ["Alpha Networks", "ALPHA NET LTD"]}
    assert [m.to for m in mailoutbox] == [[supervisor.email]]
    assert mailoutbox[0].subject.endswith("Change of aliases to approve: Hoster A")
    assert "Aliases requested: Alpha Networks | ALPHA NET LTD" in mailoutbox[0].body
    assert "public name and website" not in mailoutbox[0].body
    assert attribution_of("alpha-1") == (None, Attribution.NONE)
    page = client_for(owner_a).get(SETTINGS).content.decode()
    assert "The change of aliases requested on" in page
    assert "Alpha Networks\nALPHA NET LTD</textarea>" in page  # the owner sees what they asked for
    queue = client_for(supervisor).get(reverse("supervision_identity_changes")).content.decode()
    assert "“Alpha Networks”, “ALPHA NET LTD”" in queue


def test_approving_gives_the_aliases_and_reattributes_their_notices(
    client_for, owner_a, supervisor, hoster_a, named_notices
):
    client_for(owner_a).post(SETTINGS, settings_data(hoster_a, "Alpha Networks"))
    change = HosterIdentityChange.objects.get()
    page = client_for(supervisor).get(reverse("supervision_identity_change", args=[change.pk])).content.decode()
    assert "“Alpha Networks”" in page and "Aliases decide which notices are this hoster's" in page
    response = decide(client_for(supervisor), change, "approve")
    assert "The change of Hoster A is approved; its owners are told by e-mail." in response.content.decode()
    assert Hoster.objects.get(pk=hoster_a.pk).aliases == ["Alpha Networks"]
    assert attribution_of("alpha-1") == ("hoster-a", Attribution.EXPLICIT)
    assert attribution_of("alpha-2") == ("hoster-a", Attribution.EXPLICIT)  # before B's prefix
    changes = AttributionChange.objects.all()
    assert {(c.actor, c.reason) for c in changes} == {(supervisor, "alias “Alpha Networks” added to Hoster A")}
    approved = AuditEvent.objects.get(action="portal.hoster.identity_change_approved")
    assert approved.data["aliases"] == {"from": [], "to": ["Alpha Networks"]}


def test_rejecting_keeps_the_aliases_and_the_notices(
    client_for, owner_a, supervisor, hoster_a, named_notices, mailoutbox, django_capture_on_commit_callbacks
):
    client_for(owner_a).post(SETTINGS, settings_data(hoster_a, "Alpha Networks"))
    with django_capture_on_commit_callbacks(execute=True):
        decide(client_for(supervisor), HosterIdentityChange.objects.get(), "reject", "Not your company.")
    assert mailoutbox[-1].to == [owner_a.email]
    assert mailoutbox[-1].subject.endswith("Hoster A: the change of aliases was rejected")
    assert "Hoster A keeps its current aliases." in mailoutbox[-1].body
    assert Hoster.objects.get(pk=hoster_a.pk).aliases == []
    assert attribution_of("alpha-1") == (None, Attribution.NONE)
    assert not AttributionChange.objects.exists()


def test_an_unverified_hosters_aliases_wait_too(client_for, owner_a, hoster_a):
    Hoster.objects.filter(pk=hoster_a.pk).update(verification=Hoster.Verification.UNVERIFIED)
    hoster_a.refresh_from_db()
    client_for(owner_a).post(SETTINGS, settings_data(hoster_a, "Alpha Networks", name="Alpha"))
    hoster = Hoster.objects.get(pk=hoster_a.pk)
    assert (hoster.name, hoster.aliases) == ("Alpha", [])  # its name saves at once, as before
    change = HosterIdentityChange.objects.get()
    assert requested_aliases(change) == ["Alpha Networks"] and change.name == "Alpha"


def test_a_pending_name_change_survives_a_later_alias_request(client_for, owner_a, supervisor, hoster_a):
    client_for(owner_a).post(SETTINGS, settings_data(hoster_a, "", name="Alpha Cloud"))
    client_for(owner_a).post(SETTINGS, settings_data(hoster_a, "Alpha Networks"))
    change = HosterIdentityChange.objects.get()
    assert (change.name, requested_aliases(change)) == ("Alpha Cloud", ["Alpha Networks"])
    decide(client_for(supervisor), change, "approve")
    hoster = Hoster.objects.get(pk=hoster_a.pk)
    assert (hoster.name, hoster.aliases) == ("Alpha Cloud", ["Alpha Networks"])


def test_the_same_request_again_is_not_repeated(client_for, owner_a, hoster_a):
    client_for(owner_a).post(SETTINGS, settings_data(hoster_a, "Alpha Networks"))
    client_for(owner_a).post(SETTINGS, settings_data(hoster_a, "Alpha Networks"))
    assert AuditEvent.objects.filter(action="portal.hoster.identity_change_requested").count() == 1


@pytest.mark.parametrize(
    ("aliases", "message"),
    [
        ("Hoster B B.V.", "“Hoster B B.V.” is already a name or alias of Hoster B."),
        ("hoster-b", "“hoster-b” is already a name or alias of Hoster B."),
        ("!!!", "“!!!” has no letters or digits to match a name by."),
        ("x" * 121, "The name may be at most 120 characters long."),
    ],
)
def test_an_owner_cannot_ask_for_another_hosters_name(client_for, owner_a, hoster_a, hoster_b, aliases, message):
    response = client_for(owner_a).post(SETTINGS, settings_data(hoster_a, aliases))
    assert response.status_code == 200 and message in response.content.decode()
    assert not HosterIdentityChange.objects.exists()


def test_an_owner_cannot_take_another_hosters_alias_as_name(client_for, owner_a, hoster_a, hoster_b):
    Hoster.objects.filter(pk=hoster_b.pk).update(aliases=["Bravo Hosting"])
    response = client_for(owner_a).post(SETTINGS, settings_data(hoster_a, "", name="BRAVO HOSTING LTD"))
    assert (
        "“BRAVO HOSTING LTD” is an alias of Hoster B; ask the supervisor if it is yours." in response.content.decode()
    )
    assert not HosterIdentityChange.objects.exists()


def test_approval_is_refused_when_the_alias_was_taken_meanwhile(client_for, owner_a, supervisor, hoster_a, hoster_b):
    client_for(owner_a).post(SETTINGS, settings_data(hoster_a, "Alpha Networks"))
    Hoster.objects.filter(pk=hoster_b.pk).update(aliases=["ALPHA NETWORKS BV"])
    response = decide(client_for(supervisor), HosterIdentityChange.objects.get(), "approve")
    assert "“Alpha Networks” is already a name or alias of Hoster B." in response.content.decode()
    assert HosterIdentityChange.objects.get().status == "pending"
    assert Hoster.objects.get(pk=hoster_a.pk).aliases == []


def test_a_supervisor_edits_aliases_directly(client_for, supervisor, hoster_a, named_notices):
    client = client_for(supervisor)
    assert "Aliases" in client.get(reverse("hoster_detail", args=["hoster-a"])).content.decode()
    response = client.post(NETWORK, network_data("ALPHA NETWORKS"), follow=True)
    assert "The network is saved; notices are re-attributed." in response.content.decode()
    assert Hoster.objects.get(pk=hoster_a.pk).aliases == ["ALPHA NETWORKS"]
    assert attribution_of("alpha-1") == ("hoster-a", Attribution.EXPLICIT)
    assert AuditEvent.objects.get(action="portal.hoster.aliases_changed").data == {"old": [], "new": ["ALPHA NETWORKS"]}
    assert AttributionChange.objects.filter(actor=supervisor).count() == 2
    assert "ALPHA NETWORKS</textarea>" in client.get(NETWORK).content.decode()


def test_the_supervisors_edit_is_checked_too(client_for, supervisor, hoster_a, hoster_b):
    response = client_for(supervisor).post(NETWORK, network_data("Alpha\nHOSTER B GMBH"))
    assert "“HOSTER B GMBH” is already a name or alias of Hoster B." in response.content.decode()
    assert Hoster.objects.get(pk=hoster_a.pk).aliases == []


@pytest.mark.parametrize("who", ["owner_a", "editor_a", "owner_b"])
def test_members_cannot_edit_aliases_directly(client_for, request, hoster_a, who):
    response = client_for(request.getfixturevalue(who)).post(NETWORK, network_data("Alpha Networks"))
    assert response.status_code == 404
    assert Hoster.objects.get(pk=hoster_a.pk).aliases == []


@pytest.mark.parametrize("who", ["editor_a", "viewer_a", "owner_b"])
def test_only_the_owners_ask_for_aliases(client_for, request, hoster_a, who):
    response = client_for(request.getfixturevalue(who)).post(SETTINGS, settings_data(hoster_a, "Alpha Networks"))
    assert response.status_code == 404
    assert not HosterIdentityChange.objects.exists()


def test_registering_a_hoster_takes_no_aliases(client_for, owner_b):
    form = client_for(owner_b).get(reverse("hoster_register")).content.decode()
    assert 'name="aliases"' not in form
