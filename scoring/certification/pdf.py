"""The certificate PDF (reportlab) in named drawing steps; its colours, styles and helpers serve the monitor report.

The certificate is a public document that travels (a hoster shows it to customers abroad), so it speaks both of the
site's languages: every text in the document's first language, then in the other, smaller and muted.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from datetime import date, datetime
from decimal import Decimal
from functools import partial
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing, Rect
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.flowables import Flowable

if TYPE_CHECKING:
    from portal.models import Hoster
    from scoring.certification.models import Certificate

NAVY = colors.HexColor("#0b2545")
ACCENT = colors.HexColor("#1d7a46")
MUTED = colors.HexColor("#5c6670")
RULE = colors.HexColor("#d5dbe1")
LIGHT = colors.HexColor("#f1f4f7")
GRADE_COLOURS = {
    "A": colors.HexColor("#1d7a46"),
    "B": colors.HexColor("#3d8b2f"),
    "C": colors.HexColor("#b7791f"),
    "D": colors.HexColor("#c05621"),
    "F": colors.HexColor("#b42318"),
}
# Removal time: within the norm, later within 48 hours, over 48 hours or never (publication.charts.removal_time_bars).
BUCKET_COLOURS = (colors.HexColor("#1d7a46"), colors.HexColor("#b7791f"), colors.HexColor("#b42318"))

_BASE = ParagraphStyle("base", fontName="Helvetica", fontSize=10, leading=13, textColor=colors.black)
STYLES = {
    "kicker": ParagraphStyle("kicker", _BASE, fontSize=11, textColor=MUTED, alignment=TA_CENTER),
    "hoster": ParagraphStyle("hoster", _BASE, fontName="Helvetica-Bold", fontSize=26, leading=31, alignment=TA_CENTER),
    "website": ParagraphStyle("website", _BASE, textColor=MUTED, alignment=TA_CENTER),
    "h2": ParagraphStyle("h2", _BASE, fontName="Helvetica-Bold", fontSize=12, leading=15, textColor=NAVY),
    "body": _BASE,
    "small": ParagraphStyle("small", _BASE, fontSize=8, leading=10, textColor=MUTED),
    "cell": ParagraphStyle("cell", _BASE, fontSize=9, leading=11),
    "cell_bold": ParagraphStyle("cell_bold", _BASE, fontName="Helvetica-Bold", fontSize=9, leading=11),
    "title": ParagraphStyle("title", _BASE, fontName="Helvetica-Bold", fontSize=20, leading=24, textColor=NAVY),
    "second": ParagraphStyle("second", _BASE, fontName="Helvetica-Oblique", fontSize=8.5, leading=11, textColor=MUTED),
}
PRODUCER = "Good Hoster portal"
MARGIN = 20 * mm
FULL_WIDTH = A4[0] - 2 * MARGIN
SEAL_COLUMN = 56 * mm
QR_COLUMN = 40 * mm


# --- shared helpers -------------------------------------------------------------------------------------------


def escape(text: object) -> str:
    """Text made safe for a reportlab paragraph, which reads a little markup."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def day(value: date | datetime) -> str:
    """A date (a moment: its local day) as the active language writes it."""
    if isinstance(value, datetime):
        value = timezone.localtime(value).date()
    return formats.date_format(value, "DATE_FORMAT")


def number(value: float | Decimal | None, places: int = 2) -> str:
    if value is None:
        return "\u2013"  # an en dash for "no value"
    return formats.number_format(value, places)


def document(buffer: io.BytesIO, *, language: str, title: str, **layout: Any) -> SimpleDocTemplate:
    """A document of the portal: `invariant`, so the same content gives the same bytes (its hash is published)."""
    return SimpleDocTemplate(
        buffer, title=title, author=_("Good Hoster portal"), creator=PRODUCER, invariant=1, lang=language, **layout
    )


def in_language(render: Callable[[Any, str], bytes], subject: Any, language: str | None) -> bytes:
    """`render(subject, language)` in `language`, the site's default when None."""
    with translation.override(language or settings.LANGUAGE_CODE):
        return render(subject, translation.get_language())


def in_each(languages: Sequence[str], text: Callable[[], str]) -> list[str]:
    """`text()` once in each language, in that order (dates and numbers as each language writes them)."""
    texts = []
    for language in languages:
        with translation.override(language):
            texts.append(text())
    return texts


def document_languages(first: str) -> tuple[str, ...]:
    """The site's languages with `first` first."""
    return (first, *(code for code, _name in settings.LANGUAGES if code != first))


# --- the certificate ------------------------------------------------------------------------------------------


class GradeSeal(Flowable):  # type: ignore[misc]  # reportlab ships no type hints: Flowable is Any
    """The grade as a large letter in a coloured disc, with the score underneath."""

    def __init__(self, grade: str, score: Decimal | float, size: float = 48 * mm) -> None:
        super().__init__()
        self.grade, self.score, self.size = grade, score, size

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.size, self.size + 10 * mm

    def draw(self) -> None:
        canvas, size = self.canv, self.size
        radius = size / 2
        canvas.setFillColor(GRADE_COLOURS.get(self.grade, NAVY))
        canvas.circle(radius, radius + 10 * mm, radius, stroke=0, fill=1)
        canvas.setFillColor(colors.white)
        canvas.setFont("Helvetica-Bold", size * 0.62)
        canvas.drawCentredString(radius, radius + 10 * mm - size * 0.22, self.grade)
        canvas.setFillColor(NAVY)
        canvas.setFont("Helvetica-Bold", 13)
        canvas.drawCentredString(radius, 3 * mm, _("Score %(score)s / 100") % {"score": number(self.score)})


def render_certificate_pdf(certificate: Certificate, language: str | None = None) -> bytes:
    """The certificate as an A4 PDF in both languages, `language` (the site's default when None) first:
    byte-for-byte the same for the same certificate and language."""
    return in_language(_render_certificate, certificate, language)


def _render_certificate(certificate: Certificate, language: str) -> bytes:
    languages = document_languages(language)
    buffer = io.BytesIO()
    doc = document(
        buffer,
        language=language,
        title=" / ".join(
            in_each(languages, lambda: _("Good Hoster certificate %(serial)s") % {"serial": certificate.serial})
        ),
        subject=certificate.hoster.name,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=48 * mm,
        bottomMargin=24 * mm,
    )
    story = [
        *_dedication(certificate.hoster, languages),
        Spacer(0, 6 * mm),
        _headline(certificate, languages),
        Spacer(0, 6 * mm),
        _verification(certificate, languages),
    ]
    on_page = partial(_on_certificate_page, serial=certificate.serial, languages=languages)
    doc.build(story, onFirstPage=on_page, onLaterPages=on_page)
    return buffer.getvalue()


def _bilingual(texts: Sequence[str], style: ParagraphStyle, second: ParagraphStyle | None = None) -> list[Flowable]:
    """A text in the first language in `style`, then in the others (when they differ) in the muted `second`."""
    first, *others = texts
    second = second or ParagraphStyle(f"{style.name}-second", STYLES["second"], alignment=style.alignment)
    return [Paragraph(escape(first), style), *(Paragraph(escape(text), second) for text in others if text != first)]


def _on_certificate_page(canvas: Canvas, doc: SimpleDocTemplate, *, serial: str, languages: Sequence[str]) -> None:
    canvas.saveState()
    _draw_letterhead(canvas, serial, languages)
    _draw_footer(canvas, serial, languages)
    canvas.restoreState()


def _draw_letterhead(canvas: Canvas, serial: str, languages: Sequence[str]) -> None:
    """A navy band with an accent line: the title and what it is about in both languages, the serial on the right."""
    width, height = A4
    title, title_second = in_each(languages, lambda: _("Good Hoster certificate"))[:2]
    about = in_each(languages, lambda: _("Preventing and removing child sexual abuse material"))
    canvas.setFillColor(NAVY)
    canvas.rect(0, height - 38 * mm, width, 38 * mm, stroke=0, fill=1)
    canvas.setFillColor(ACCENT)
    canvas.rect(0, height - 40 * mm, width, 2 * mm, stroke=0, fill=1)
    canvas.setFillColor(colors.white)
    canvas.setFont("Helvetica-Bold", 22)
    canvas.drawString(MARGIN, height - 16 * mm, title)
    canvas.setFont("Helvetica", 12)
    canvas.drawString(MARGIN, height - 22.5 * mm, title_second)
    canvas.setFont("Helvetica", 9)
    for index, text in enumerate(about[:2]):
        canvas.drawString(MARGIN, height - (29 + 4.5 * index) * mm, text)
    canvas.setFont("Helvetica-Bold", 11)
    canvas.drawRightString(width - MARGIN, height - 16 * mm, serial)


def _draw_footer(canvas: Canvas, serial: str, languages: Sequence[str]) -> None:
    """A rule, who issued it and where its status lives (in both languages), and the serial again."""
    width = A4[0]
    canvas.setStrokeColor(RULE)
    canvas.line(MARGIN, 18 * mm, width - MARGIN, 18 * mm)
    canvas.setFillColor(MUTED)
    canvas.setFont("Helvetica", 7.5)
    notes = in_each(
        languages, lambda: _("Issued by the Good Hoster portal. Only the verification page shows the current status.")
    )
    for index, text in enumerate(notes[:2]):
        canvas.drawString(MARGIN, (13.5 - 4 * index) * mm, text)
    canvas.drawRightString(width - MARGIN, 13.5 * mm, serial)


def _dedication(hoster: Hoster, languages: Sequence[str]) -> list[Flowable]:
    """Whom the certificate is for, by name and website, and what it says of them."""
    intro = ParagraphStyle("intro", STYLES["body"], fontSize=9.5, leading=12.5, alignment=TA_CENTER, textColor=MUTED)
    return [
        Paragraph(escape(" / ".join(in_each(languages, lambda: _("This certifies that")))), STYLES["kicker"]),
        Spacer(0, 3 * mm),
        Paragraph(escape(hoster.name), _name_style(hoster.name)),
        Spacer(0, 1 * mm),
        Paragraph(escape(hoster.website or hoster.slug), STYLES["website"]),
        Spacer(0, 4 * mm),
        *_bilingual(
            in_each(
                languages,
                lambda: _(
                    "meets the Good Hoster criteria for preventing and removing child sexual abuse material: know your"
                    " customer, customer contracts, hash checks, notice handling and commitment, together with its"
                    " measured removal times. An independent auditor verified the self-assessment and its evidence."
                ),
            ),
            intro,
            ParagraphStyle("intro-second", STYLES["second"], alignment=TA_CENTER, spaceBefore=1.5 * mm),
        ),
    ]


def _name_style(name: str) -> ParagraphStyle:
    """The hoster's name large, smaller as it grows (up to 200 characters), so the certificate keeps to one page."""
    size = 26 if len(name) <= 32 else 19 if len(name) <= 70 else 13
    return ParagraphStyle("hoster-sized", STYLES["hoster"], fontSize=size, leading=size * 1.2)


def _headline(certificate: Certificate, languages: Sequence[str]) -> Table:
    """The grade seal beside the score of every section."""
    section_block = [
        Paragraph(escape(" / ".join(in_each(languages, lambda: _("Score per section")))), STYLES["h2"]),
        Spacer(0, 2 * mm),
        _section_scores(certificate.section_scores, languages),
    ]
    headline = Table(
        [[GradeSeal(certificate.grade, certificate.score), section_block]],
        colWidths=(SEAL_COLUMN, FULL_WIDTH - SEAL_COLUMN),
    )
    headline.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    return headline


def _section_scores(sections: Sequence[dict[str, Any]], languages: Sequence[str]) -> Table:
    """Per section its title (in both languages), a bar of its score and the score."""
    table = Table(
        [
            [
                _bilingual(
                    [section["title"].get(language) or section["code"] for language in languages], STYLES["cell"]
                ),
                _score_bar(section["score"]),
                Paragraph(number(section["score"], 1), STYLES["cell_bold"]),
            ]
            for section in sections
        ],
        colWidths=(FULL_WIDTH - 48 * mm - 60 * mm, 60 * mm, 14 * mm),
        hAlign="LEFT",
    )
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("ALIGN", (2, 0), (2, -1), "RIGHT"),
                ("LINEBELOW", (0, 0), (-1, -2), 0.4, RULE),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return table


def _score_bar(score: float | None, width: float = 55 * mm, height: float = 3.2 * mm) -> Drawing:
    drawing = Drawing(width, height)
    drawing.add(Rect(0, 0, width, height, fillColor=LIGHT, strokeColor=None))
    if score is not None:
        drawing.add(Rect(0, 0, width * max(0.0, min(100.0, score)) / 100, height, fillColor=ACCENT, strokeColor=None))
    return drawing


def _verification(certificate: Certificate, languages: Sequence[str]) -> Table:
    """The certificate's details beside its QR code, and below them how to verify it."""
    block = Table(
        [
            [_details(certificate, languages), _qr_code(certificate.verify_url)],
            [_how_to_verify(certificate.verify_url, languages), ""],
        ],
        colWidths=(FULL_WIDTH - QR_COLUMN, QR_COLUMN),
    )
    block.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("ALIGN", (1, 0), (1, 0), "RIGHT"),
                ("SPAN", (0, 1), (1, 1)),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 1), (-1, 1), 5 * mm),
            ]
        )
    )
    return block


def _details(certificate: Certificate, languages: Sequence[str]) -> Table:
    """Label and value per row, each in both languages where they differ (a date's month, a word)."""

    def period() -> str:
        return _("%(start)s to %(end)s") % {"start": day(certificate.period_start), "end": day(certificate.period_end)}

    used = certificate.methodology_used

    def methodology() -> str:  # the same in both languages, so one line: the page has no room for two
        return f"{used.version} · {used.norm_hours:g} h"

    rows = [
        (lambda: _("Serial"), lambda: certificate.serial),
        (lambda: _("Issued"), lambda: day(certificate.issued_at)),
        (lambda: _("Valid until"), lambda: day(certificate.valid_until)),
        (lambda: _("Measurement period"), period),
        (lambda: _("Scoring model"), lambda: certificate.scoring_model_label),
        (lambda: _("Questionnaire"), lambda: certificate.questionnaire_label),
        (lambda: _("Methodology"), methodology),
    ]
    table = Table(
        [
            [
                Paragraph(escape(" / ".join(in_each(languages, label))), STYLES["small"]),
                _bilingual(in_each(languages, value), STYLES["cell_bold"]),
            ]
            for label, value in rows
        ],
        colWidths=(40 * mm, FULL_WIDTH - 40 * mm - QR_COLUMN),
        hAlign="LEFT",
    )
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LINEBELOW", (0, 0), (-1, -2), 0.4, RULE),
                ("TOPPADDING", (0, 0), (-1, -1), 2.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return table


def _qr_code(value: str, size: float = 34 * mm) -> Drawing:
    # Sized directly rather than scaled from getBounds(), which would draw the whole code an extra time.
    drawing = Drawing(size, size)
    drawing.add(QrCodeWidget(value, barLevel="M", barWidth=size, barHeight=size))
    return drawing


def _how_to_verify(verify_url: str, languages: Sequence[str]) -> list[Flowable]:
    return [
        Paragraph(escape(" / ".join(in_each(languages, lambda: _("Verify this certificate")))), STYLES["h2"]),
        Spacer(0, 1.5 * mm),
        *_bilingual(
            in_each(
                languages,
                lambda: _("Scan the code or open the address below to see whether the certificate is valid today."),
            ),
            STYLES["body"],
        ),
        Spacer(0, 1.5 * mm),
        Paragraph(f'<link href="{escape(verify_url)}">{escape(verify_url)}</link>', STYLES["cell_bold"]),
    ]
