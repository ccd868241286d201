"""A law of the SCARt import: importing an export pair twice leaves the notices exactly as importing it once."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoring.measurement.changes import NoticeOwner
from scoring.measurement.models import Notice
from tests.scoring.measurement.scart_lines import closed, import_closed, import_ntd, ntd

pytestmark = pytest.mark.django_db

URLS = [f"https://img{k}.example/{k}/p.jpg" for k in range(5)] + ['https://img.example/p;1/"x".jpg']
TIMES = [
    "2024-03-01 10:00:00",
    "2024-03-01 10:00:00",
    "2024-03-02 09:30:00",
    "2024-03-31 01:59:59",
    "2024-03-31 03:00:00",
    "2024-10-27 02:30:00",  # comes twice that night
    "2024-11-05 23:59:59",
]
# (owner, abuse type): named by name, by legal form, by alias, unknown, unmatched, routed elsewhere.
OWNERS = [
    ("Hoster A", "host"),
    ("HOSTER B B.V.", "hoster"),
    ("NFORCE ENTERTAINMENT BV", "host"),
    ("unknown", "host"),
    ("O'Brien Hosting Ltd", "host"),
    ("Politie", "police"),
    ("Site Owner", "site_owner"),
]
IPS = ["192.0.2.9", "198.51.100.9", "2001:db8::9", "100.64.0.9", ""]

_ntd_lines = st.lists(
    st.tuples(st.sampled_from(URLS), st.sampled_from(TIMES), st.sampled_from(OWNERS), st.sampled_from(IPS)),
    max_size=12,
)
_closed_lines = st.lists(
    st.tuples(st.sampled_from([*URLS, "https://elsewhere.example/x"]), st.sampled_from(TIMES)), max_size=8
)


def snapshot(source: str) -> list[tuple]:
    fields = [f.attname for f in Notice._meta.concrete_fields if f.attname not in {"id", "batch_id"}]
    notices = sorted(Notice.objects.filter(source=source).values_list(*fields))
    owners = sorted(NoticeOwner.objects.filter(notice__source=source).values_list("notice__notice_id", "name"))
    return [*notices, *owners]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ntd_lines=_ntd_lines, closed_lines=_closed_lines)
def test_importing_a_pair_twice_equals_importing_it_once(hoster_a, hoster_b, ntd_lines, closed_lines):
    hoster_b.aliases = ["Nforce Entertainment"]
    hoster_b.save()
    source = uuid.uuid4().hex[:12]
    ntd_file = [ntd(url, sent=sent, owner=owner, kind=kind, ip=ip) for url, sent, (owner, kind), ip in ntd_lines]
    closed_file = [closed(url, last_seen=seen) for url, seen in closed_lines]

    def pair() -> tuple:
        first = import_ntd(ntd_file, source=source)
        second = import_closed(closed_file, source=source)
        assert first.ok and second.ok, (first.errors, second.errors)
        return first, second

    pair()
    once = snapshot(source)
    ntd_again, closed_again = pair()
    assert snapshot(source) == once
    assert (ntd_again.created, ntd_again.updated, closed_again.updated) == (0, 0, 0)
    assert len([row for row in once if len(row) > 2]) == len({url for url, *_rest in ntd_lines})
