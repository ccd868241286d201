"""The certificate PDF speaks Dutch and English, parsed back from the real document (issue 14, #13)."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from pypdf import PdfReader

from scoring.certification.pdf import render_certificate_pdf
from tests.scoring.certification.helpers import certify, pdf_text

pytestmark = pytest.mark.django_db

# (Dutch, English) pairs that must both be in the document, from its letterhead to its footer.
BOTH = [
    ("Good Hoster-certificaat", "Good Hoster certificate"),
    ("Voorkomen en verwijderen van seksueel kindermisbruikmateriaal", "Preventing and removing child sexual abuse"),
    ("Hierbij wordt verklaard dat", "This certifies that"),
    ("Score per onderdeel", "Score per section"),
    ("Ken uw klant", "Know your customer"),
    ("Volgnummer", "Serial"),
    ("Geldig tot", "Valid until"),
    ("Meetperiode", "Measurement period"),
    ("Controleer dit certificaat", "Verify this certificate"),
]
SAVE_TO = os.environ.get("CERTIFICATE_PDF_SAMPLE")  # set to keep a sample for looking at


@pytest.fixture
def certificate(owner_a, hoster_a, supervisor):
    return certify(owner_a, hoster_a, supervisor)


def flat(data: bytes) -> str:
    return " ".join(pdf_text(data).split())


def test_the_issued_pdf_holds_both_languages(certificate):
    text = flat(bytes(certificate.pdf))
    missing = [pair for pair in BOTH if not all(part in text for part in pair)]
    assert missing == []
    assert certificate.serial in text and "Hoster A" in text
    if SAVE_TO:
        Path(SAVE_TO).write_bytes(bytes(certificate.pdf))


def test_dates_are_written_as_each_language_writes_them(certificate):
    certificate.valid_until = certificate.valid_until.replace(month=3, day=1)
    text = flat(render_certificate_pdf(certificate, "nl"))
    year = certificate.valid_until.year
    assert f"1 maart {year}" in text and f"1 March {year}" in text


@pytest.mark.parametrize(
    ("language", "first", "second"), [("nl", "Geldig tot", "Valid until"), ("en", "Valid until", "Geldig tot")]
)
def test_the_chosen_language_comes_first(certificate, language, first, second):
    text = flat(render_certificate_pdf(certificate, language))
    assert text.index(first) < text.index(second)
    assert PdfReader(io.BytesIO(render_certificate_pdf(certificate, language))).pdf_header.startswith("%PDF")


def test_the_certificate_stays_one_page_and_the_same_bytes(certificate):
    data = render_certificate_pdf(certificate, "nl")
    assert len(PdfReader(io.BytesIO(data)).pages) == 1
    assert render_certificate_pdf(certificate, "nl") == data  # its hash is published: rendering is repeatable


def test_a_long_hoster_name_and_website_keep_to_one_page(certificate):
    certificate.hoster.name = ("Zeer Lange Naam Hosting en Datacenter Diensten Nederland B.V. " * 4)[:200]
    certificate.hoster.website = "https://www." + "heel-lang-domein-" * 10 + "example.nl/"
    data = render_certificate_pdf(certificate, "en")
    if SAVE_TO:
        Path(SAVE_TO).with_suffix(".long.pdf").write_bytes(data)
    assert len(PdfReader(io.BytesIO(data)).pages) == 1
    assert "Zeer Lange Naam" in flat(data)
