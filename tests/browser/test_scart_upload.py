"""A supervisor imports SCARt's exports in a real browser (screenshots scart-NN-*.png).

The upload page says which format the chosen file's header shows before anything is sent, the import's page
follows its progress until the result, and a rejected file's errors come in the language of the page it was
uploaded from: English on an English page, Dutch ("regel 3: IP: …") on a Dutch one. Selectors use names and ids.
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from playwright.sync_api import expect

from portal.models import Role
from scoring.measurement import tasks
from scoring.measurement.models import ImportBatch, Notice
from scoring.measurement.scart import CLOSED_HEADER, NTD_HEADER
from scoring.measurement.uploads import create_upload_batch
from tests import factories
from tests.browser.conftest import axe_violations, force_session, screenshot
from tests.scoring.measurement.scart_lines import closed, export, ntd

NTD_LINES = [
    ntd("https://img.example/1.jpg", owner="O'Brien Hosting Ltd", ip="192.0.2.10"),
    ntd("https://img.example/1.jpg", sent="2024-03-02 10:00:00", owner="O'Brien Hosting Ltd", ip="192.0.2.10"),
    ntd('https://img.example/p;1/"x".jpg', owner="Politie", kind="police", ip="198.51.100.7"),
]
BAD_LINES = [ntd("https://img.example/1.jpg"), ntd("https://img.example/2.jpg", ip="192.0.2.300")]


def choose_file(page, tmp_path, name: str, data: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    page.set_input_files("#id_file", str(path))


@pytest.mark.django_db(transaction=True)
def test_a_supervisor_uploads_scart_exports_and_reads_the_result(page_for, live_server, tmp_path):
    supervisor = factories.make_role_user(Role.SUPERVISOR, email="toezicht@example.org")
    factories.make_hoster("obrien", name="O'Brien Hosting", prefixes=["192.0.2.0/24"])
    factories.make_hoster("green-host", name="Green Host", prefixes=["198.51.100.0/24"])
    page = page_for("en")
    force_session(page, live_server.url, supervisor)
    page.goto(live_server.url + reverse("scoring:imports"))
    choose_file(page, tmp_path, "ntd-export.csv", export(NTD_HEADER, NTD_LINES))
    expect(page.locator("#format-found")).to_have_text("Format found in the header: SCARt NTD export")
    page.fill("#id_timezone", "Europe/Ams")
    page.fill("#id_timezone", "Europe/Amsterdam")
    assert axe_violations(page) == []
    screenshot(page, "scart-01-format-found")

    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    expect(page.locator("main")).to_contain_text("Format found in the header: SCARt NTD export.")
    expect(page.locator("#import-notes")).to_contain_text("1 repeat NTD counted as a reminder.")
    assert Notice.objects.count() == 2 and ImportBatch.objects.get().status == "succeeded"
    screenshot(page, "scart-02-imported")

    upload = SimpleUploadedFile("closed-export.csv", export(CLOSED_HEADER, [closed("https://img.example/1.jpg"),
                                closed("https://elsewhere.example/x")]), content_type="text/csv")  # fmt: skip
    batch = create_upload_batch(supervisor, upload, "meldpunt")
    page.goto(live_server.url + reverse("scoring:import_detail", args=[batch.pk]))
    expect(page.locator("#import-progress [role=progressbar]")).to_be_visible()
    screenshot(page, "scart-03-waiting-for-the-worker")
    tasks.run_notice_import.call(batch.pk, "en")
    expect(page.locator("#import-progress .alert-success")).to_have_text("The file was imported.", timeout=10_000)
    expect(page.locator("#import-notes")).to_contain_text("line 3: url: No notice of this source has this URL")
    assert axe_violations(page) == []
    screenshot(page, "scart-04-closed-imported")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "line 3: IP: “192.0.2.300” is not an IPv4 or IPv6 address."),
        ("nl", "regel 3: IP: “192.0.2.300” is geen IPv4- of IPv6-adres."),
    ],
)
def test_a_rejected_export_speaks_the_language_of_its_page(page_for, live_server, tmp_path, language, expected):
    supervisor = factories.make_role_user(Role.SUPERVISOR, email="toezicht@example.org")
    factories.make_hoster("green-host", name="Green Host", prefixes=["192.0.2.0/24"])
    page = page_for(language)
    force_session(page, live_server.url, supervisor)
    page.goto(live_server.url + reverse("scoring:imports"))
    assert page.locator("html").get_attribute("lang") == language
    choose_file(page, tmp_path, "ntd-export.csv", export(NTD_HEADER, BAD_LINES))
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    expect(page.locator("#import-progress .alert-danger")).to_be_visible()
    expect(page.locator("#import-progress li").first).to_have_text(expected)
    assert not Notice.objects.exists()
    screenshot(page, f"scart-05-rejected-{language}")
