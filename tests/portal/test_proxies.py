"""Behind the trusted proxy the rate limits count each client, not the proxy; a header from anyone else counts for
nothing."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from rest_framework.throttling import AnonRateThrottle

from portal.proxies import client_address, parse_networks
from tests import factories

PROXY = "10.0.0.2"


@pytest.fixture(autouse=True)
def _behind_the_proxy(settings):
    settings.TRUSTED_PROXIES = [PROXY, "fd00::/8"]
    cache.clear()
    yield
    cache.clear()


def _via_proxy(client_ip: str) -> Client:
    """A browser at `client_ip` whose requests reach the portal through nginx, which appends its peer's address."""
    return Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=client_ip)


TRUSTED = parse_networks([PROXY, "172.16.0.0/12", "fd00::/8"])


@pytest.mark.parametrize(
    ("remote", "forwarded", "expected"),
    [
        ("203.0.113.5", "", "203.0.113.5"),
        ("203.0.113.5", "198.51.100.7", "203.0.113.5"),  # an untrusted peer: its header is ignored
        (PROXY, "198.51.100.7", "198.51.100.7"),
        (PROXY, "1.2.3.4, 198.51.100.7", "198.51.100.7"),  # the client's own claim, left of the proxy's, is not used
        (PROXY, "198.51.100.7, 172.16.4.4", "198.51.100.7"),  # two trusted hops are skipped
        (PROXY, "", PROXY),
        (PROXY, "not-an-address", PROXY),
        (PROXY, " 2001:db8::1 ", "2001:db8::1"),
        ("fd00::3", "2001:db8::1", "2001:db8::1"),
    ],
)
def test_client_address_reads_right_to_left_through_trusted_hops(remote, forwarded, expected):
    assert client_address(remote, forwarded, TRUSTED) == expected


def test_client_address_trusts_nobody_without_proxies():
    assert client_address(PROXY, "198.51.100.7", ()) == PROXY


def test_a_bad_proxy_setting_is_an_error():
    with pytest.raises(ImproperlyConfigured):
        parse_networks(["10.0.0.0/33"])


@pytest.mark.django_db
def test_one_client_hammering_the_login_does_not_lock_out_the_others():
    factories.make_user("victim@example.org")
    attacker = _via_proxy("198.51.100.66")
    for attempt in range(11):
        attacker.post("/accounts/login/", {"login": f"guess{attempt}@example.org", "password": "wrong-one"})
    response = attacker.post("/accounts/login/", {"login": "victim@example.org", "password": factories.PASSWORD})
    assert "Too many failed login attempts" in str(response.context["form"].errors)
    colleague = _via_proxy("198.51.100.77")
    response = colleague.post("/accounts/login/", {"login": "victim@example.org", "password": factories.PASSWORD})
    assert response.status_code == 302
    assert colleague.session.get("_auth_user_id")


@pytest.mark.django_db
def test_a_spoofed_header_from_an_untrusted_peer_changes_nothing():
    factories.make_user("victim@example.org")
    for attempt in range(10):
        Client(REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR=f"192.0.2.{attempt}").post(
            "/accounts/login/", {"login": f"guess{attempt}@example.org", "password": "wrong-one"}
        )
    spoofer = Client(REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="192.0.2.200")
    response = spoofer.post("/accounts/login/", {"login": "victim@example.org", "password": factories.PASSWORD})
    assert "Too many failed login attempts" in str(response.context["form"].errors)
    assert not spoofer.session.get("_auth_user_id")


@pytest.fixture
def _five_anonymous_api_calls_a_minute(monkeypatch):
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "5/min", "user": "600/min"})


@pytest.mark.django_db
@pytest.mark.usefixtures("_five_anonymous_api_calls_a_minute")
@pytest.mark.parametrize("peer", ["203.0.113.9", PROXY])
def test_rotating_forwarded_for_does_not_escape_the_api_throttle(peer):
    """Directly or through the proxy, one client is one client, whatever it writes in X-Forwarded-For."""
    statuses = []
    for n in range(8):
        forwarded = f"192.0.2.{n}, 198.51.100.66" if peer == PROXY else f"192.0.2.{n}"
        client = Client(REMOTE_ADDR=peer, HTTP_X_FORWARDED_FOR=forwarded)
        statuses.append(client.get("/api/v1/registry/").status_code)
    assert statuses[:5] == [200] * 5
    assert statuses[5:] == [429] * 3


@pytest.mark.django_db
@pytest.mark.usefixtures("_five_anonymous_api_calls_a_minute")
def test_clients_behind_the_proxy_have_their_own_api_allowance():
    for n in range(8):
        assert _via_proxy(f"198.51.100.{n}").get("/api/v1/registry/").status_code == 200
