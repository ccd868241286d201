"""The notice import: one validation, all or nothing, idempotent, URLs never stored."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoring.measurement import imports
from scoring.measurement.models import Attribution, ImportBatch, Notice
from tests.scoring.measurement.helpers import run_import

pytestmark = pytest.mark.django_db


def test_valid_file_is_imported_with_counts(hoster_a, hoster_b):
    result = run_import(
        [
            ("n1", "2024-03-01T10:00:00Z", "2024-03-01T12:00:00Z", "192.0.2.7", "", "", ""),
            ("n2", "2024-03-01T10:00:00Z", "", "", "AS64501", "", ""),
            ("n3", "2024-03-01T10:00:00Z", "", "203.0.113.9", "", "", ""),
        ]
    )
    assert result.ok, result.errors
    assert result.summary() == "created=3 updated=0 unchanged=0 unattributed=1 rejected=0"
    assert Notice.objects.get(notice_id="n1").hoster == hoster_a
    assert Notice.objects.get(notice_id="n2").hoster == hoster_b
    assert ImportBatch.objects.get().status == ImportBatch.Status.SUCCEEDED


def test_offsets_z_plus_two_and_minus_five_are_the_same_instant(hoster_a):
    result = run_import(
        [
            ("z", "2024-03-01T10:00:00Z", "", "192.0.2.1", "", "", ""),
            ("plus2", "2024-03-01T12:00:00+02:00", "", "192.0.2.1", "", "", ""),
            ("minus5", "2024-03-01T05:00:00-05:00", "", "192.0.2.1", "", "", ""),
        ]
    )
    assert result.ok, result.errors
    instants = set(Notice.objects.values_list("reported_at", flat=True))
    assert instants == {datetime(2024, 3, 1, 10, tzinfo=UTC)}


def test_naive_timestamp_rejected_without_timezone(hoster_a):
    result = run_import([("n1", "2024-03-01T10:00:00", "", "192.0.2.1", "", "", "")])
    assert [f"{e.line}:{e.column}" for e in result.errors] == ["2:reported_at"]
    assert "offset" in result.errors[0].message
    assert not Notice.objects.exists()


def test_naive_timestamp_read_in_the_given_timezone(hoster_a):
    result = run_import(
        [
            ("winter", "2024-01-15T12:00:00", "2024-01-15 13:30:00", "192.0.2.1", "", "", ""),
            ("summer", "2024-07-15T12:00:00", "", "192.0.2.1", "", "", ""),
        ],
        tz=ZoneInfo("Europe/Amsterdam"),
    )
    assert result.ok, result.errors
    winter = Notice.objects.get(notice_id="winter")
    assert winter.reported_at == datetime(2024, 1, 15, 11, tzinfo=UTC)
    assert winter.removed_at == datetime(2024, 1, 15, 12, 30, tzinfo=UTC)
    assert Notice.objects.get(notice_id="summer").reported_at == datetime(2024, 7, 15, 10, tzinfo=UTC)


def test_bad_file_stores_nothing_and_names_every_bad_line(hoster_a):
    rows = [
        ("ok1", "2024-03-01T10:00:00Z", "", "192.0.2.1", "", "", ""),
        ("bad-ip", "2024-03-01T10:00:00Z", "", "192.0.2.300", "", "", ""),
        ("bad-asn", "2024-03-01T10:00:00Z", "", "", "ASX12", "", ""),
        ("early", "2024-03-01T10:00:00Z", "2024-03-01T09:59:59Z", "192.0.2.1", "", "", ""),
        ("ok1", "2024-03-02T10:00:00Z", "", "192.0.2.1", "", "", ""),
        ("who", "2024-03-01T10:00:00Z", "", "", "", "no-such-hoster", ""),
        ("nothing", "2024-03-01T10:00:00Z", "", "", "", "", "https://x.example/"),
        ("naive", "2024-03-01 10:00", "", "192.0.2.1", "", "", ""),
        ("when", "yesterday", "", "192.0.2.1", "", "", ""),
        ("ok2", "2024-03-01T10:00:00Z", "", "2001:db8::1", "", "", ""),
    ]
    result = run_import(rows)
    assert [(e.line, e.column) for e in result.errors] == [
        (3, "ip"),
        (4, "asn"),
        (5, "removed_at"),
        (6, "notice_id"),
        (7, "hoster"),
        (8, "hoster"),
        (9, "reported_at"),
        (10, "reported_at"),
    ]
    assert str(result.errors[0]) == "line 3: ip: “192.0.2.300” is not an IPv4 or IPv6 address."
    assert result.rejected == 8
    assert not Notice.objects.exists()
    assert not ImportBatch.objects.exists()


def test_header_problems_are_reported_on_line_one(db):
    result = run_import([("n1", "2024-03-01T10:00:00Z", "", "1.2.3.4")], header="notice_id,reported_at,ip,colour")
    assert [str(e) for e in result.errors] == [
        "line 1: header: Missing column(s): removed_at, asn.",
        "line 1: header: Unknown column(s): colour.",
    ]


def test_hoster_and_url_columns_may_be_absent(hoster_a):
    result = run_import(
        [("n1", "2024-03-01T10:00:00Z", "", "192.0.2.1", "")], header="notice_id,reported_at,removed_at,ip,asn"
    )
    assert result.ok and result.created == 1


def test_wrong_number_of_fields_is_a_bad_row(hoster_a):
    result = run_import([("n1", "2024-03-01T10:00:00Z", "", "192.0.2.1")])
    assert [str(e) for e in result.errors] == ["line 2: row: Expected 7 fields, found 4."]


def test_reimport_updates_changed_rows_and_leaves_the_rest(hoster_a):
    first = [
        ("n1", "2024-03-01T10:00:00Z", "", "192.0.2.1", "", "", ""),
        ("n2", "2024-03-01T10:00:00Z", "2024-03-01T11:00:00Z", "192.0.2.1", "", "", ""),
    ]
    assert run_import(first).created == 2
    second = [("n1", "2024-03-01T10:00:00Z", "2024-03-02T09:00:00Z", "192.0.2.1", "", "", ""), first[1]]
    result = run_import(second)
    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    assert Notice.objects.get(notice_id="n1").removed_at == datetime(2024, 3, 2, 9, tzinfo=UTC)
    assert run_import(second).unchanged == 2


def test_notice_ids_are_unique_per_source(hoster_a):
    row = [("n1", "2024-03-01T10:00:00Z", "", "192.0.2.1", "", "", "")]
    run_import(row, source="meldpunt")
    run_import(row, source="police")
    assert Notice.objects.filter(notice_id="n1").count() == 2


def test_url_is_kept_only_as_hash_and_host(hoster_a):
    url = "https://User@Gallery.Example:8443/secret/path?x=1"
    run_import([("n1", "2024-03-01T10:00:00Z", "", "192.0.2.1", "", "", url)])
    notice = Notice.objects.get()
    assert notice.url_host == "gallery.example"
    assert notice.url_sha256 == hashlib.sha256(url.encode()).hexdigest()
    stored = " ".join(str(value) for value in Notice.objects.values().get().values())
    assert "secret" not in stored


def test_dry_run_counts_but_stores_nothing(hoster_a):
    result = run_import([("n1", "2024-03-01T10:00:00Z", "", "192.0.2.1", "", "", "")], dry_run=True)
    assert result.ok and result.created == 1 and result.dry_run
    assert not Notice.objects.exists()
    assert not ImportBatch.objects.exists()


def test_crash_halfway_leaves_nothing_partial(hoster_a, monkeypatch):
    run_import([("n1", "2024-03-01T10:00:00Z", "", "192.0.2.1", "", "", "")])
    original = imports._Staging.merge

    def crash(self, source, batch_id):
        original(self, source, batch_id)
        raise RuntimeError("disk full")

    monkeypatch.setattr(imports._Staging, "merge", crash)
    with pytest.raises(RuntimeError):
        run_import(
            [
                ("n1", "2024-03-01T10:00:00Z", "2024-03-01T11:00:00Z", "192.0.2.1", "", "", ""),
                ("n2", "2024-03-01T10:00:00Z", "", "192.0.2.1", "", "", ""),
            ]
        )
    assert list(Notice.objects.values_list("notice_id", "removed_at")) == [("n1", None)]
    assert ImportBatch.objects.count() == 1


@pytest.mark.parametrize(
    ("ip", "asn", "hoster", "expected", "how"),
    [
        ("2001:db8:100::5", "", "", "a6", Attribution.PREFIX),
        ("10.1.2.3", "", "", "long", Attribution.PREFIX),
        ("10.1.9.9", "", "", "short", Attribution.PREFIX),
        ("10.1.2.3", "AS65010", "", "short", Attribution.ASN),
        ("10.1.2.3", "65010", "long", "long", Attribution.EXPLICIT),
        ("100.64.0.1", "AS65999", "", None, Attribution.NONE),
    ],
)
def test_attribution_order(ip, asn, hoster, expected, how):
    from tests import factories

    factories.make_hoster("short", asns=[65010], prefixes=["10.1.0.0/16"])
    factories.make_hoster("long", prefixes=["10.1.2.0/24"])
    factories.make_hoster("a6", prefixes=["2001:db8:100::/48"])
    result = run_import([("n1", "2024-03-01T10:00:00Z", "", ip, asn, hoster, "")])
    assert result.ok, result.errors
    notice = Notice.objects.get()
    assert (notice.hoster.slug if notice.hoster else None, notice.attribution) == (expected, how)


# Plausible times only (a notice from the future is rejected): up to 2025, removals at most ten days later.
_timestamps = st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2025, 1, 1)).map(
    lambda d: d.replace(microsecond=0, tzinfo=UTC)
)
_rows = st.lists(
    st.tuples(
        st.text("abcdefXYZ0123456789-_", min_size=1, max_size=12),
        _timestamps,
        st.one_of(st.none(), st.integers(0, 10 * 86400)),
        st.sampled_from(["192.0.2.9", "198.51.100.1", "2001:db8::7", "203.0.113.5", ""]),
        st.sampled_from(["", "AS64500", "64501", "64999"]),
    ),
    max_size=25,
    unique_by=lambda row: row[0],
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=_rows)
def test_importing_twice_equals_importing_once(hoster_a, hoster_b, rows):
    source = uuid.uuid4().hex[:12]
    lines = []
    for notice_id, reported, removal, ip, asn in rows:
        if not ip and not asn:
            asn = "64500"
        removed = "" if removal is None else (reported.timestamp() + removal)
        removed_text = "" if removed == "" else datetime.fromtimestamp(removed, UTC).isoformat()
        lines.append((notice_id, reported.isoformat(), removed_text, ip, asn, "", ""))

    def snapshot():
        return sorted(
            Notice.objects.filter(source=source).values_list(
                "notice_id", "reported_at", "removed_at", "ip", "asn", "hoster_id", "attribution"
            )
        )

    once = run_import(lines, source=source)
    assert once.ok, once.errors
    after_once = snapshot()
    twice = run_import(lines, source=source)
    assert (twice.created, twice.updated, twice.unchanged) == (0, 0, len(lines))
    assert snapshot() == after_once


def test_reimport_counts_unattributed_after_disputes(hoster_a):
    """The count honours what disputes fixed: a hoster kept, a notice excluded; a dry run counts the same."""
    rows = [
        ("fixed", "2024-03-01T10:00:00Z", "", "203.0.113.9", "", "", ""),
        ("unfixed", "2024-03-01T10:00:00Z", "", "192.0.2.1", "", "", ""),
        ("excluded", "2024-03-01T10:00:00Z", "", "203.0.113.10", "", "", ""),
        ("open", "2024-03-01T10:00:00Z", "", "203.0.113.11", "", "", ""),
    ]
    assert run_import(rows).unattributed == 3
    Notice.objects.filter(notice_id="fixed").update(hoster=hoster_a, attribution=Attribution.DISPUTE)
    Notice.objects.filter(notice_id="unfixed").update(hoster=None, attribution=Attribution.DISPUTE)
    Notice.objects.filter(notice_id="excluded").update(excluded=True, attribution=Attribution.DISPUTE)
    again = [*rows, ("new", "2024-03-02T10:00:00Z", "", "203.0.113.12", "", "", "")]
    before = sorted(Notice.objects.values_list("notice_id", "hoster_id", "attribution", "excluded"))
    dry = run_import(again, dry_run=True)
    assert sorted(Notice.objects.values_list("notice_id", "hoster_id", "attribution", "excluded")) == before
    result = run_import(again)
    assert (result.created, result.updated, result.unchanged, result.unattributed) == (1, 0, 4, 3)
    assert (dry.created, dry.updated, dry.unchanged, dry.unattributed) == (1, 0, 4, 3)
    assert Notice.objects.unattributed().count() == 3
    assert Notice.objects.get(notice_id="fixed").hoster == hoster_a


def test_every_iso_form_python_accepts_is_stored_as_the_same_instant(hoster_a):
    """Plain ISO text goes to the database as it is; other forms (week date, basic, fraction) are rewritten."""
    rows = [
        ("plain", "2024-03-01T10:00:00Z", "2024-03-01T12:00:00+02:00", "192.0.2.1", "", "", ""),
        ("space", "2024-03-01 10:00:00Z", "2024-03-01 05:00:00-05:00", "192.0.2.1", "", "", ""),
        ("basic", "20240301T100000Z", "20240301T120000+0200", "192.0.2.1", "", "", ""),
        ("week", "2024-W09-5T10:00:00+00:00", "2024-W09-5T11:00:00+01:00", "192.0.2.1", "", "", ""),
        ("fraction", "2024-03-01T11:59:59.500000+02:00", "2024-03-01T10:00:00.000000Z", "2001:DB8::1", "", "", ""),
    ]
    result = run_import(rows)
    assert result.ok, result.errors
    instants = dict(Notice.objects.values_list("notice_id", "reported_at"))
    assert instants["fraction"] == datetime(2024, 3, 1, 9, 59, 59, 500000, tzinfo=UTC)
    del instants["fraction"]
    assert set(instants.values()) == {datetime(2024, 3, 1, 10, tzinfo=UTC)}
    assert set(Notice.objects.exclude(notice_id="fraction").values_list("removed_at", flat=True)) == {
        datetime(2024, 3, 1, 10, tzinfo=UTC)
    }
    assert Notice.objects.get(notice_id="fraction").ip == "2001:db8::1"
    assert run_import(rows).unchanged == len(rows)


def test_nul_characters_are_bad_rows_named_by_line(hoster_a):
    """PostgreSQL stores no NUL: the file is rejected like any other, and the errors show the NUL as ␀."""
    rows = [
        ("n\x001", "2024-03-01T10:00:00Z", "", "192.0.2.1", "", "", ""),
        ("n2", "2024-03-01T10:00:00Z", "", "192.0.2.1", "", "", "https://a.example/\x00"),
        ("n3", "2024-03-01T10:00:00Z\x00", "", "192.0.2.1", "", "", ""),
        ("n4", "2024-03-01T10:00:00Z", "", "192.0.2.1", "", "", ""),
    ]
    result = run_import(rows)
    assert [str(error) for error in result.errors] == [
        "line 2: notice_id: A NUL character is not allowed here.",
        "line 3: url: A NUL character is not allowed here.",
        "line 4: reported_at: “2024-03-01T10:00:00Z␀” is not an ISO 8601 timestamp.",
    ]
    assert not Notice.objects.exists()


def test_the_pages_and_the_worker_load_no_arrow_until_a_file_is_imported_on_postgresql():
    """Arrow and numpy take memory: only `imports._arrow_rows` loads them, in the process importing the file (and
    numpy the first figures picked from their durations, `quantiles`)."""
    code = (
        "import sys, django; django.setup(); "
        "import portal.urls, scoring.measurement.imports, scoring.measurement.tasks, scoring.measurement.demo; "
        "print(sorted({name.partition('.')[0] for name in sys.modules} & {'numpy', 'pyarrow'}))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    root = Path(__file__).resolve().parents[3]
    output = subprocess.run([sys.executable, "-c", code], cwd=root, env=env, capture_output=True, text=True, check=True)
    assert output.stdout.strip() == "[]"
