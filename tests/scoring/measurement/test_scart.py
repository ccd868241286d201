"""SCARt's exports read exactly as SCARt writes them, and mapped onto notices as DESIGN §4.2 says."""

from __future__ import annotations

import hashlib
import io
from datetime import UTC, datetime

import pytest

from scoring.measurement.changes import NoticeOwner
from scoring.measurement.imports import import_notices
from scoring.measurement.models import Attribution, ImportBatch, Notice, NoticeReminder
from scoring.measurement.scart import CLOSED_HEADER, FileFormat, detect_format, split_line
from tests import factories
from tests.scoring.measurement.scart_lines import SOURCE, closed, export, import_closed, import_ntd, line, ntd

pytestmark = pytest.mark.django_db

ESCAPED_URL = 'https://img.example/p;1/"x".jpg'


def notice(url: str) -> Notice:
    return Notice.objects.get(source=SOURCE, notice_id=hashlib.sha256(url.encode()).hexdigest())


def test_split_line_reads_addslashes_escapes_and_the_trailing_semicolon():
    text = r'"O\'Brien Hosting Ltd";"https://img.example/p;1/\"x\".jpg";"C:\\share";"nul\0";"";'
    assert split_line(text) == ["O'Brien Hosting Ltd", ESCAPED_URL, "C:\\share", "nul\x00", ""]


@pytest.mark.parametrize(
    "text",
    [
        '"a";"b"',  # no `;` after the last value
        '"a";b;',  # a value without quotes
        '"a";"b";x',  # something after the last `;`
        r'"a\n";',  # an escape addslashes never writes
        '"a"b";',  # a quote that addslashes would have escaped
    ],
)
def test_split_line_refuses_what_scart_does_not_write(text):
    assert split_line(text) is None


def test_the_header_tells_the_format():
    assert detect_format(line("NTD filenumber", "NTD type", "NTD status", "NTD status time", "abuse owner",
                              "abuse type", "abuse country", "abuse email", "url", "IP", "first seen", "last seen",
                              "online counter")) == FileFormat.SCART_NTD  # fmt: skip
    assert detect_format(b'\xef\xbb\xbf"filenumber";"url";"status";"abuse owner";"abuse country";"abuse email";'
                         b'"IP";"first seen";"last seen";"online counter";\n') == FileFormat.SCART_CLOSED  # fmt: skip
    assert detect_format("notice_id,reported_at,removed_at,ip,asn") == FileFormat.PORTAL
    assert detect_format('"NTD filenumber";"url";') == FileFormat.PORTAL


def test_escaped_owner_and_url_are_read_and_the_url_kept_only_as_hash_and_host(hoster_a):
    hoster_a.aliases = ["O'Brien Hosting"]
    hoster_a.save()
    result = import_ntd([ntd(ESCAPED_URL, owner="O'Brien Hosting Ltd", ip="100.64.0.1")])
    assert result.ok, result.errors
    stored = notice(ESCAPED_URL)
    assert (stored.hoster, stored.attribution, stored.url_host) == (hoster_a, Attribution.EXPLICIT, "img.example")
    assert stored.url_sha256 == hashlib.sha256(ESCAPED_URL.encode()).hexdigest() == stored.notice_id
    assert NoticeOwner.objects.get(notice=stored).name == "O'Brien Hosting Ltd"
    values = Notice.objects.values_list(*(f.attname for f in Notice._meta.concrete_fields))
    assert not any("p;1" in str(value) for row in values for value in row)


def test_a_line_without_the_trailing_semicolon_is_refused_naming_it(hoster_a):
    result = import_ntd([ntd(), ntd("https://img.example/b.jpg")[:-1]])
    assert [str(error) for error in result.errors] == [
        "line 3: row: This line is not as SCARt writes it: every value in double quotes, each followed by “;”."
    ]
    assert not Notice.objects.exists() and not ImportBatch.objects.exists()


def test_ipv6_address_attributes_by_the_declared_prefix(hoster_a):
    hoster_a.prefixes = ["2001:db8:a::/48"]
    hoster_a.save()
    result = import_ntd([ntd(owner="unknown", ip="2001:db8:a::17")])
    assert result.ok, result.errors
    stored = notice("https://img.example/a.jpg")
    assert (stored.ip, stored.hoster, stored.attribution) == ("2001:db8:a::17", hoster_a, Attribution.PREFIX)


def test_a_police_routed_ntd_is_attributed_by_ip_never_to_the_police(hoster_a, hoster_b):
    police = factories.make_hoster("politie", name="Politie")  # even a hoster by the police's name is not named
    result = import_ntd([ntd(owner="Politie", kind="police", ip="198.51.100.7")])
    assert result.ok, result.errors
    stored = notice("https://img.example/a.jpg")
    assert (stored.hoster, stored.attribution, stored.declared_hoster) == (hoster_b, Attribution.PREFIX, None)
    assert stored.hoster != police and not NoticeOwner.objects.exists()


def test_the_clock_starts_at_the_police_ntd_and_the_later_host_ntd_names_the_hoster(hoster_a, hoster_b):
    url = "https://img.example/a.jpg"
    result = import_ntd(
        [
            ntd(url, sent="2024-03-02 10:00:00", owner="HOSTER A B.V.", ip="198.51.100.7", number="N2"),
            ntd(url, sent="2024-03-01 10:00:00", owner="Politie", kind="police", ip="198.51.100.7", number="N1"),
        ]
    )
    assert result.ok, result.errors
    stored = notice(url)
    assert (stored.reported_at, stored.reminders) == (datetime(2024, 3, 1, 9, tzinfo=UTC), 1)
    assert (stored.hoster, stored.attribution) == (hoster_a, Attribution.EXPLICIT)
    assert NoticeOwner.objects.get(notice=stored).name == "HOSTER A B.V."


@pytest.mark.parametrize("kind", ["site_owner", "registrar", "unknown", ""])
def test_only_host_lines_name_the_hoster(hoster_a, hoster_b, kind):
    result = import_ntd([ntd(owner="Hoster A", kind=kind, ip="198.51.100.7")])
    assert result.ok, result.errors
    assert notice("https://img.example/a.jpg").hoster == hoster_b


def test_the_unknown_owner_falls_back_to_the_ip_and_unmatched_owners_are_kept(hoster_a):
    result = import_ntd(
        [
            ntd("https://img.example/1", owner="unknown", ip="192.0.2.20"),
            ntd("https://img.example/2", owner="Nobody Hosting B.V.", ip="100.64.0.9"),
        ]
    )
    assert result.ok, result.errors
    assert notice("https://img.example/1").hoster == hoster_a
    lost = notice("https://img.example/2")
    assert (lost.hoster, lost.attribution) == (None, Attribution.NONE)
    assert NoticeOwner.objects.get().name == "Nobody Hosting B.V." and result.unattributed == 1


def test_an_owner_matches_through_an_alias(hoster_a, hoster_b):
    hoster_b.aliases = ["NFORCE ENTERTAINMENT"]
    hoster_b.save()
    result = import_ntd([ntd(owner="nforce entertainment b.v.", ip="192.0.2.10")])  # hoster A's network
    assert result.ok, result.errors
    stored = notice("https://img.example/a.jpg")
    assert (stored.hoster, stored.declared_hoster, stored.attribution) == (hoster_b, hoster_b, Attribution.EXPLICIT)


@pytest.mark.parametrize("owner", ["HOSTER A B.V.", "hoster a bv", "Hoster-A Ltd.", "Hoster A GmbH", "hoster a, inc."])
def test_legal_forms_case_and_punctuation_do_not_matter(hoster_a, hoster_b, owner):
    result = import_ntd([ntd(owner=owner, ip="198.51.100.7")])
    assert result.ok, result.errors
    assert notice("https://img.example/a.jpg").hoster == hoster_a


def test_scart_writes_hoster_for_the_host_type_and_both_name_the_hoster(hoster_a, hoster_b):
    result = import_ntd([ntd(owner="Hoster A", kind="hoster", ip="198.51.100.7")])
    assert result.ok, result.errors
    assert notice("https://img.example/a.jpg").hoster == hoster_a


def test_a_repeat_ntd_of_an_open_url_is_a_reminder_never_a_new_notice(hoster_a):
    url = "https://img.example/a.jpg"
    result = import_ntd(
        [
            ntd(url, sent="2024-03-02 10:00:00", number="N2"),
            ntd(url, sent="2024-03-01 10:00:00", number="N1"),
            ntd(url, sent="2024-03-01 10:00:00", owner="Site Owner", kind="site_owner", number="N1"),  # same NTD
            ntd(url, sent="2024-03-03 10:00:00", number="N3"),
        ]
    )
    assert result.ok, result.errors
    assert (result.created, result.reminders) == (1, 2)
    stored = notice(url)
    assert (stored.reported_at, stored.reminders) == (datetime(2024, 3, 1, 9, tzinfo=UTC), 2)
    assert Notice.objects.count() == 1
    later = import_ntd([ntd(url, sent="2024-03-04 10:00:00", number="N4")])  # the next export: one more
    assert (later.created, later.updated, later.reminders) == (0, 1, 1)
    assert (notice(url).reported_at, notice(url).reminders) == (datetime(2024, 3, 1, 9, tzinfo=UTC), 3)


def test_consecutive_exports_add_their_reminders_up_and_overlaps_count_nothing_twice(hoster_a):
    url = "https://img.example/a.jpg"
    january = [ntd(url, sent="2024-01-31 10:00:00", number="N1")]
    february = [ntd(url, sent="2024-02-01 10:00:00", number="N2"), ntd(url, sent="2024-02-02 10:00:00", number="N3")]
    march = [ntd(url, sent="2024-03-01 10:00:00", number="N4")]
    assert import_ntd(january).created == 1
    assert import_ntd(february).reminders == 2
    assert import_ntd(march).reminders == 1
    assert notice(url).reminders == 3
    overlap = import_ntd([*february[1:], *march, ntd(url, sent="2024-03-02 10:00:00", number="N5")])
    assert (overlap.updated, overlap.reminders, notice(url).reminders) == (1, 1, 4)
    again = [import_ntd(part) for part in (january, february, march)]
    assert [(r.updated, r.reminders) for r in again] == [(0, 0)] * 3 and notice(url).reminders == 4
    # An earlier NTD found later moves the clock back: the old first NTD becomes a reminder.
    earlier = import_ntd([ntd(url, sent="2024-01-30 10:00:00", number="N0")])
    assert (earlier.updated, earlier.reminders) == (1, 1)
    stored = notice(url)
    assert (stored.reported_at, stored.reminders) == (datetime(2024, 1, 30, 9, tzinfo=UTC), 5)
    sends = sorted(
        f"{sent:%m-%d}" for sent in NoticeReminder.objects.filter(notice=stored).values_list("sent_at", flat=True)
    )
    assert sends == ["01-31", "02-01", "02-02", "03-01", "03-02"]


def test_an_earlier_ntd_moves_the_clock_back_and_brings_its_address(hoster_a, hoster_b):
    url = "https://img.example/a.jpg"
    import_ntd([ntd(url, sent="2024-03-02 10:00:00", ip="192.0.2.10", owner="unknown")])
    result = import_ntd([ntd(url, sent="2024-03-01 10:00:00", ip="198.51.100.7", owner="unknown")])
    assert (result.created, result.updated) == (0, 1)
    stored = notice(url)
    assert (stored.reported_at, stored.ip) == (datetime(2024, 3, 1, 9, tzinfo=UTC), "198.51.100.7")
    assert (stored.hoster, stored.reminders) == (hoster_b, 1)  # the NTD of 2 March was a repeat after all


def test_the_closed_export_gives_the_removal_and_reports_unknown_urls(hoster_a):
    import_ntd([ntd("https://img.example/a.jpg"), ntd("https://img.example/b.jpg")])
    result = import_closed(
        [
            closed("https://img.example/a.jpg", last_seen="2024-03-01 12:30:00"),
            closed("https://nowhere.example/x", last_seen="2024-03-01 12:00:00"),
            closed("https://img.example/b.jpg", last_seen="2024-03-01 08:00:00", status="close_offline_manual"),
        ]
    )
    assert result.ok, result.errors
    assert (result.created, result.updated, result.unmatched) == (0, 2, 1)
    assert [str(warning) for warning in result.warnings] == [
        "line 3: url: No notice of this source has this URL; import the NTD export that sent it first."
    ]
    assert notice("https://img.example/a.jpg").removed_at == datetime(2024, 3, 1, 11, 30, tzinfo=UTC)
    # Last seen before the NTD went out (SCARt copies it when sending): removed at the report, not before it.
    assert notice("https://img.example/b.jpg").removed_at == datetime(2024, 3, 1, 9, tzinfo=UTC)
    batch = ImportBatch.objects.get(pk=result.batch.pk)
    assert batch.errors[0] == "Format: SCARt closed-URL export." and "line 3: url:" in batch.errors[-1]


def test_the_latest_last_seen_wins_and_an_older_export_changes_nothing(hoster_a):
    import_ntd([ntd()])
    import_closed([closed(last_seen="2024-03-02 12:00:00"), closed(last_seen="2024-03-01 12:00:00")])
    assert notice("https://img.example/a.jpg").removed_at == datetime(2024, 3, 2, 11, tzinfo=UTC)
    older = import_closed([closed(last_seen="2024-03-01 11:00:00")])
    assert (older.updated, older.unchanged) == (0, 1)


def test_times_on_the_nights_the_clocks_change(hoster_a):
    result = import_ntd(
        [
            ntd("https://img.example/1", sent="2024-10-27 02:30:00"),  # comes twice: the first, summer time
            ntd("https://img.example/2", sent="2024-10-27 03:00:00"),
            ntd("https://img.example/3", sent="2024-03-31 01:59:59"),
            ntd("https://img.example/4", sent="2024-03-31 03:00:00"),
        ]
    )
    assert result.ok, result.errors
    assert notice("https://img.example/1").reported_at == datetime(2024, 10, 27, 0, 30, tzinfo=UTC)
    assert notice("https://img.example/2").reported_at == datetime(2024, 10, 27, 2, 0, tzinfo=UTC)
    assert notice("https://img.example/3").reported_at == datetime(2024, 3, 31, 0, 59, 59, tzinfo=UTC)
    assert notice("https://img.example/4").reported_at == datetime(2024, 3, 31, 1, 0, tzinfo=UTC)


def test_a_time_that_never_happened_is_refused_naming_its_line(hoster_a):
    result = import_ntd([ntd("https://img.example/1"), ntd("https://img.example/2", sent="2024-03-31 02:30:00")])
    assert [str(error) for error in result.errors] == [
        "line 3: NTD status time: “2024-03-31 02:30:00” never happened in Europe/Amsterdam: "
        "the clocks were put forward over it."
    ]
    assert not Notice.objects.exists()


def test_bad_ip_and_bad_time_name_their_lines_and_store_nothing(hoster_a):
    result = import_ntd(
        [
            ntd("https://img.example/1"),
            ntd("https://img.example/2", ip="192.0.2.300"),
            ntd("https://img.example/3", sent="2024-03-01T10:00:00"),
            ntd("https://img.example/4", sent="2024-02-30 10:00:00"),
        ]
    )
    assert [str(error) for error in result.errors] == [
        "line 3: IP: “192.0.2.300” is not an IPv4 or IPv6 address.",
        "line 4: NTD status time: “2024-03-01T10:00:00” is not a time as SCARt writes it (YYYY-MM-DD HH:MM:SS).",
        "line 5: NTD status time: “2024-02-30 10:00:00” is not a time as SCARt writes it (YYYY-MM-DD HH:MM:SS).",
    ]
    assert result.rejected == 3 and not Notice.objects.exists() and not ImportBatch.objects.exists()


def test_a_bad_closed_line_names_its_line(hoster_a):
    import_ntd([ntd()])
    result = import_closed([closed(last_seen=""), closed(status="open")])
    assert [str(error) for error in result.errors] == [
        "line 2: last seen: A time is required here.",
        "line 3: status: “open” is not a status of a URL found offline (close_offline, close_offline_manual).",
    ]
    assert notice("https://img.example/a.jpg").removed_at is None


def test_statuses_types_and_widths_scart_does_not_write_are_refused(hoster_a):
    result = import_ntd([ntd(status="sent_failed"), ntd(kind="hosting"), line("N1", "email")])
    assert [f"{error.line}:{error.column}" for error in result.errors] == ["2:NTD status", "3:abuse type", "4:row"]


def test_a_scart_file_in_another_format_says_which_it_is(hoster_a):
    data = export(CLOSED_HEADER, [closed()])
    as_csv = import_notices(stream=io.BytesIO(data), source=SOURCE)
    assert [str(e) for e in as_csv.errors] == [
        "line 1: header: This is the header of a SCARt closed-URL export; import the file in that format "
        "(scart-closed)."
    ]
    as_ntd = import_notices(stream=io.BytesIO(data), source=SOURCE, file_format="scart-ntd")
    assert [str(e) for e in as_ntd.errors] == [
        "line 1: header: This is the header of a SCARt closed-URL export, not of a SCARt NTD export; "
        "choose that format."
    ]
    assert import_ntd([]).ok  # only the header: nothing to import, and nothing wrong


def test_reimporting_the_pair_changes_nothing(hoster_a):
    lines = [ntd("https://img.example/1"), ntd("https://img.example/1", sent="2024-03-02 10:00:00"), ntd()]
    first = import_ntd(lines)
    import_closed([closed()])
    again = import_ntd(lines)
    closed_again = import_closed([closed()])
    assert (first.created, again.created, again.updated, again.unchanged) == (2, 0, 0, 2)
    assert (closed_again.updated, closed_again.unchanged) == (0, 1)
    assert again.summary() == "created=0 updated=0 unchanged=2 unattributed=0 rejected=0 reminders=0"


def test_dry_run_stores_nothing(hoster_a):
    result = import_ntd([ntd()], dry_run=True)
    assert result.ok and result.created == 1 and not Notice.objects.exists()
