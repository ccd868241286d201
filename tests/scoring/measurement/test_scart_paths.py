"""SCARt's exports on every path: the command, the supervisor's upload (the format found, its language) and the API;
the upload form's time zones; the portal CSV's hoster column by name or alias; errors in the importer's language."""

from __future__ import annotations

import io
import re
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import translation

from portal.api import create_api_key
from portal.identity import update_hoster_aliases
from portal.models import ApiKey, Hoster
from scoring.measurement import rows, views
from scoring.measurement.changes import NoticeOwner
from scoring.measurement.forms import NoticeUploadForm
from scoring.measurement.models import Attribution, ImportBatch, Notice
from scoring.measurement.rows import RowError
from scoring.measurement.scart import CLOSED_HEADER, NTD_HEADER
from scoring.measurement.tasks import run_notice_import
from tests.scoring.measurement.helpers import run_import
from tests.scoring.measurement.scart_lines import closed, export, ntd

pytestmark = pytest.mark.django_db

NTD_FILE = export(NTD_HEADER, [ntd(), ntd(sent="2024-03-02 10:00:00")])
BAD_NTD_FILE = export(NTD_HEADER, [ntd(), ntd("https://img.example/b.jpg", ip="192.0.2.300")])
CLOSED_FILE = export(CLOSED_HEADER, [closed(), closed("https://elsewhere.example/x")])


# --- the command -----------------------------------------------------------------------------------------------


def test_the_command_imports_both_exports_and_reports_unmatched_lines(tmp_path, hoster_a):
    (tmp_path / "ntd.csv").write_bytes(NTD_FILE)
    (tmp_path / "closed.csv").write_bytes(CLOSED_FILE)
    out, err = io.StringIO(), io.StringIO()
    call_command("import_notices", str(tmp_path / "ntd.csv"), "--format", "scart-ntd", "--no-progress", stdout=out)
    assert out.getvalue().strip() == "created=1 updated=0 unchanged=0 unattributed=0 rejected=0 reminders=1"
    call_command("import_notices", str(tmp_path / "closed.csv"), "--format=scart-closed", "--no-progress",
                 stdout=out, stderr=err)  # fmt: skip
    assert "unmatched=1" in out.getvalue()
    assert "warning: line 3: url: No notice of this source has this URL" in err.getvalue()
    assert Notice.objects.get().removed_at is not None


def test_the_command_rejects_a_bad_export_naming_its_lines(tmp_path, hoster_a):
    (tmp_path / "ntd.csv").write_bytes(BAD_NTD_FILE)
    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing was stored"):
        call_command("import_notices", str(tmp_path / "ntd.csv"), "--format", "scart-ntd", "--no-progress", stderr=err)
    assert "line 3: IP: “192.0.2.300” is not an IPv4 or IPv6 address." in err.getvalue()
    assert not Notice.objects.exists() and not ImportBatch.objects.exists()


def test_the_command_reads_the_portal_csv_by_default_and_names_a_scart_file(tmp_path, hoster_a):
    (tmp_path / "ntd.csv").write_bytes(NTD_FILE)
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_notices", str(tmp_path / "ntd.csv"), "--no-progress", stderr=err)
    assert "This is the header of a SCARt NTD export; import the file in that format (scart-ntd)." in err.getvalue()


# --- the upload ------------------------------------------------------------------------------------------------


def upload(client, data: bytes, *, name: str = "export.csv", **fields):
    file = SimpleUploadedFile(name, data, content_type="text/csv")
    return client.post(reverse("scoring:imports"), {"file": file, "source": "meldpunt", **fields}, follow=True)


def test_the_upload_finds_the_format_in_the_header_and_imports_it(client_for, supervisor, hoster_a):
    client = client_for(supervisor)
    page = upload(client, NTD_FILE).content.decode()
    assert "Format found in the header: SCARt NTD export. The file is being imported." in page
    batch = ImportBatch.objects.get()
    assert (batch.status, batch.created, batch.errors) == (
        "succeeded", 1, ["Format: SCARt NTD export.", "1 repeat NTD counted as a reminder."]
    )  # fmt: skip
    assert "1 repeat NTD counted as a reminder." in page and batch.timezone == "Europe/Amsterdam"
    page = upload(client, CLOSED_FILE).content.decode()
    assert "line 3: url: No notice of this source has this URL" in page
    assert Notice.objects.get().removed_at is not None


def test_a_chosen_format_that_the_header_contradicts_stores_nothing(client_for, supervisor, hoster_a):
    response = upload(client_for(supervisor), CLOSED_FILE, file_format="scart-ntd")
    assert "The file&#x27;s header is that of a SCARt closed-URL export, not of a SCARt NTD export." in (
        response.content.decode()
    )
    assert not ImportBatch.objects.exists()


def test_the_upload_page_offers_the_formats_and_its_script(client_for, supervisor):
    html = client_for(supervisor).get(reverse("scoring:imports")).content.decode()
    assert 'id="notice-formats"' in html and "ntd filenumber|ntd type|ntd status" in html
    assert "scoring/notice_upload.js" in html and 'id="format-found"' in html and 'aria-live="polite"' in html


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "“192.0.2.300” is not an IPv4 or IPv6 address."), ("nl", "“192.0.2.300” is geen IPv4- of IPv6-adres.")],
)
def test_errors_come_in_the_language_of_the_page_the_file_was_uploaded_from(
    client_for, supervisor, hoster_a, language, expected
):
    client = client_for(supervisor)
    client.cookies["django_language"] = language
    upload(client, BAD_NTD_FILE)
    batch = ImportBatch.objects.get()
    assert batch.status == "rejected" and batch.errors[0].endswith(f"IP: {expected}")


@pytest.mark.parametrize(
    ("language", "worker_language", "expected"),
    [
        ("en", "nl", "line 3: IP: “192.0.2.300” is not an IPv4 or IPv6 address."),
        ("nl", "en", "regel 3: IP: “192.0.2.300” is geen IPv4- of IPv6-adres."),
    ],
)
def test_the_worker_speaks_the_uploaders_language_not_its_own(
    client_for, supervisor, hoster_a, monkeypatch, language, worker_language, expected
):
    """The upload only queues the file; the worker, whose own language differs, imports it later."""
    queued = []
    monkeypatch.setattr(views, "run_notice_import", SimpleNamespace(enqueue=lambda *args: queued.append(args)))
    client = client_for(supervisor)
    client.cookies["django_language"] = language
    upload(client, BAD_NTD_FILE)
    ((batch_id, uploader_language, file_format),) = queued
    with translation.override(worker_language):
        run_notice_import.call(batch_id, uploader_language, file_format)
    batch = ImportBatch.objects.get()
    assert batch.status == "rejected" and batch.errors[0] == expected


def test_every_part_of_an_error_goes_through_the_translation(monkeypatch):
    dutch = {"line %(line)d: %(column)s: %(message)s": "regel %(line)d: %(column)s: %(message)s", "row": "rij",
             "item %(line)d: %(column)s: %(message)s": "item %(line)d: %(column)s: %(message)s"}  # fmt: skip
    monkeypatch.setattr(rows, "_", lambda text: dutch.get(text, text))
    assert str(RowError(2, "row", "Te kort.")) == "regel 2: rij: Te kort."
    assert str(RowError(3, "IP", "Fout.")) == "regel 3: IP: Fout."  # the file's own column names stay as they are
    assert str(RowError(4, "asn", "Fout.", label="item")) == "item 4: asn: Fout."


# --- the time-zone field -----------------------------------------------------------------------------------------


def test_the_zone_field_offers_amsterdam_and_utc_first_and_the_rest_to_search(client_for, supervisor):
    html = client_for(supervisor).get(reverse("scoring:imports")).content.decode()
    field = html[html.index('name="timezone"') :]
    options = field[field.index("<datalist") :]
    assert 'list="id_timezone-zones"' in html and '<datalist id="id_timezone-zones">' in options
    first = [chunk.split('"')[1] for chunk in options.split("<option value=")[1:4]]
    assert first == ["Europe/Amsterdam", "UTC", "Africa/Abidjan"]
    assert options.count("<option") > 300


def test_every_upload_field_is_described_by_its_help_and_its_error(client_for, supervisor):
    """Each field's aria-describedby names elements the page has: its help, and after a refusal its error."""
    client = client_for(supervisor)
    for html in (
        client.get(reverse("scoring:imports")).content.decode(),
        upload(client, NTD_FILE, timezone="Mars/Olympus").content.decode(),
    ):
        described = re.findall(r'aria-describedby="([^"]+)"', html)
        assert described, "no field is described"
        for ids in described:
            for element in ids.split():
                assert f'id="{element}"' in html, element
    assert "id_timezone_error" in html


@pytest.mark.parametrize("zone", ["UTC", "Europe/Amsterdam", "", "Mars/Base", "europe/amsterdam"])
def test_the_zone_field_takes_only_zones_it_offers(zone):
    file = SimpleUploadedFile("n.csv", b"notice_id,reported_at,removed_at,ip,asn\n", content_type="text/csv")
    form = NoticeUploadForm({"source": "meldpunt", "timezone": zone}, {"file": file})
    assert form.is_valid() is (zone in ("UTC", "Europe/Amsterdam", "")), form.errors
    assert form.is_valid() or "is not a time zone the portal knows" in str(form.errors["timezone"])


# --- the API ---------------------------------------------------------------------------------------------------


def post_export(token: str, data: bytes, **params):
    query = "&".join(f"{key}={value}" for key, value in params.items())
    url = reverse("api:scoring_api:notices") + f"?{query}"
    return Client().post(url, data, content_type="text/csv", HTTP_AUTHORIZATION=f"Api-Key {token}")


def test_the_api_takes_scart_exports_with_the_same_guarantees(supervisor, hoster_a):
    _, token = create_api_key(supervisor, "scart", ApiKey.Scope.SUPERVISOR)
    response = post_export(token, NTD_FILE, file_format="scart-ntd")
    assert response.status_code == 201, response.content
    assert response.json() | {"batch": None} == {"batch": None, "dry_run": False, "created": 1, "updated": 0,
        "unchanged": 0, "unattributed": 0, "rejected": 0, "reminders": 1, "unmatched": 0, "warnings": []}  # fmt: skip
    assert post_export(token, NTD_FILE, file_format="scart-ntd").json()["created"] == 0
    closed_response = post_export(token, CLOSED_FILE, file_format="scart-closed")
    assert closed_response.json()["unmatched"] == 1 and closed_response.json()["warnings"][0].startswith("line 3: url:")
    bad = post_export(token, BAD_NTD_FILE, file_format="scart-ntd", source="other")
    assert bad.status_code == 400
    assert bad.json() == {"rejected": 1, "errors": ["line 3: IP: “192.0.2.300” is not an IPv4 or IPv6 address."]}
    assert not Notice.objects.filter(source="other").exists()
    assert post_export(token, NTD_FILE, file_format="excel").status_code == 400
    assert post_export(token, NTD_FILE, file_format="").status_code == 400  # a format named empty is not the default


# --- the portal's CSV: the hoster column by slug, name or alias -------------------------------------------------


def test_the_csv_hoster_column_takes_a_name_or_an_alias(hoster_a, hoster_b):
    hoster_b.aliases = ["NFORCE ENTERTAINMENT"]
    hoster_b.save()
    result = run_import(
        [
            ("slug", "2024-03-01T10:00:00Z", "", "", "", "hoster-a", ""),
            ("name", "2024-03-01T10:00:00Z", "", "", "", "HOSTER A B.V.", ""),
            ("alias", "2024-03-01T10:00:00Z", "", "192.0.2.1", "", "Nforce Entertainment BV", ""),
        ]
    )
    assert result.ok, result.errors
    found = dict(Notice.objects.values_list("notice_id", "declared_hoster__slug"))
    assert found == {"slug": "hoster-a", "name": "hoster-a", "alias": "hoster-b"}
    assert set(Notice.objects.values_list("attribution", flat=True)) == {Attribution.EXPLICIT}
    unknown = run_import([("x", "2024-03-01T10:00:00Z", "", "", "", "Nobody B.V.", "")], source="other")
    assert [str(e) for e in unknown.errors] == ["line 2: hoster: No hoster has the slug, name or alias “Nobody B.V.”."]


def test_a_notice_the_csv_named_by_alias_follows_the_alias_to_its_new_hoster(supervisor, hoster_a, hoster_b):
    hoster_b.aliases = ["NFORCE ENTERTAINMENT"]
    hoster_b.save()
    rows = [
        ("slug", "2024-03-01T10:00:00Z", "", "192.0.2.1", "", "hoster-b", ""),
        ("alias", "2024-03-01T10:00:00Z", "", "192.0.2.1", "", "Nforce Entertainment BV", ""),
    ]
    assert run_import(rows).ok
    assert dict(NoticeOwner.objects.values_list("notice__notice_id", "name")) == {"alias": "Nforce Entertainment BV"}
    update_hoster_aliases(supervisor, hoster_b, [])
    update_hoster_aliases(supervisor, Hoster.objects.get(pk=hoster_a.pk), ["nforce entertainment"])
    found = dict(Notice.objects.values_list("notice_id", "hoster__slug"))
    assert found == {"slug": "hoster-b", "alias": "hoster-a"}  # the slug names hoster B whatever its aliases
    assert run_import(rows, source="other", dry_run=True).ok and NoticeOwner.objects.count() == 1
