"""The certificate PDF (reportlab) in named drawing steps; its colours, styles and helpers serve the monitor report."""

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
BUCKET_COLOURS = (colors.HexColor("#1d7a46"), colors.HexColor("#d69e2e"), colors.HexColor("#b42318"))

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
    """The certificate as an A4 PDF: byte-for-byte the same for the same certificate and language."""
    return in_language(_render_certificate, certificate, language)


def _render_certificate(certificate: Certificate, language: str) -> bytes:
    buffer = io.BytesIO()
    doc = document(
        buffer,
        language=language,
        title=_("Good Hoster certificate %(serial)s") % {"serial": certificate.serial},
        subject=certificate.hoster.name,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=46 * mm,
        bottomMargin=22 * mm,
    )
    story = [
        *_dedication(certificate.hoster),
        Spacer(0, 8 * mm),
        _headline(certificate, language),
        Spacer(0, 8 * mm),
        _verification(certificate),
    ]
    on_page = partial(_on_certificate_page, serial=certificate.serial)
    doc.build(story, onFirstPage=on_page, onLaterPages=on_page)
    return buffer.getvalue()


def _on_certificate_page(canvas: Canvas, doc: SimpleDocTemplate, *, serial: str) -> None:
    canvas.saveState()
    _draw_letterhead(canvas, serial)
    _draw_footer(canvas, serial)
    canvas.restoreState()


def _draw_letterhead(canvas: Canvas, serial: str) -> None:
    """A navy band with an accent line: the title, what it is about, and the serial on the right."""
    width, height = A4
    canvas.setFillColor(NAVY)
    canvas.rect(0, height - 34 * mm, width, 34 * mm, stroke=0, fill=1)
    canvas.setFillColor(ACCENT)
    canvas.rect(0, height - 36 * mm, width, 2 * mm, stroke=0, fill=1)
    canvas.setFillColor(colors.white)
    canvas.setFont("Helvetica-Bold", 22)
    canvas.drawString(MARGIN, height - 19 * mm, _("Good Hoster certificate"))
    canvas.setFont("Helvetica", 10)
    canvas.drawString(MARGIN, height - 26 * mm, _("Preventing and removing child sexual abuse material"))
    canvas.setFont("Helvetica-Bold", 11)
    canvas.drawRightString(width - MARGIN, height - 19 * mm, serial)


def _draw_footer(canvas: Canvas, serial: str) -> None:
    """A rule, who issued it and where its status lives, and the serial again."""
    width = A4[0]
    canvas.setStrokeColor(RULE)
    canvas.line(MARGIN, 16 * mm, width - MARGIN, 16 * mm)
    canvas.setFillColor(MUTED)
    canvas.setFont("Helvetica", 7.5)
    canvas.drawString(
        MARGIN, 11 * mm, _("Issued by the Good Hoster portal. Only the verification page shows the current status.")
    )
    canvas.drawRightString(width - MARGIN, 11 * mm, serial)


def _dedication(hoster: Hoster) -> list[Flowable]:
    """Whom the certificate is for, by name and website, and what it says of them."""
    return [
        Paragraph(_("This certifies that"), STYLES["kicker"]),
        Spacer(0, 3 * mm),
        Paragraph(escape(hoster.name), STYLES["hoster"]),
        Spacer(0, 1 * mm),
        Paragraph(escape(hoster.website or hoster.slug), STYLES["website"]),
        Spacer(0, 4 * mm),
        Paragraph(
            _(
                "meets the Good Hoster criteria for preventing and removing child sexual abuse material: know your"
                " customer, customer contracts, hash checks, notice handling and commitment, together with its"
                " measured removal times. An independent auditor verified the self-assessment and its evidence."
            ),
            ParagraphStyle("intro", STYLES["body"], alignment=TA_CENTER, textColor=MUTED),
        ),
    ]


def _headline(certificate: Certificate, language: str) -> Table:
    """The grade seal beside the score of every section."""
    section_block = [
        Paragraph(_("Score per section"), STYLES["h2"]),
        Spacer(0, 2 * mm),
        _section_scores(certificate.section_scores, language),
    ]
    headline = Table(
        [[GradeSeal(certificate.grade, certificate.score), section_block]],
        colWidths=(SEAL_COLUMN, FULL_WIDTH - SEAL_COLUMN),
    )
    headline.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    return headline


def _section_scores(sections: Sequence[dict[str, Any]], language: str) -> Table:
    """Per section its title, a bar of its score and the score."""
    table = Table(
        [
            [
                Paragraph(escape(section["title"].get(language) or section["code"]), STYLES["cell"]),
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
                ("TOPPADDING", (0, 0), (-1, -1), 2.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
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


def _verification(certificate: Certificate) -> Table:
    """The certificate's details beside its QR code, and below them how to verify it."""
    block = Table(
        [[_details(certificate), _qr_code(certificate.verify_url)], [_how_to_verify(certificate.verify_url), ""]],
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
                ("TOPPADDING", (0, 1), (-1, 1), 6 * mm),
            ]
        )
    )
    return block


def _details(certificate: Certificate) -> Table:
    period = _("%(start)s to %(end)s") % {"start": day(certificate.period_start), "end": day(certificate.period_end)}
    rows = [
        (_("Serial"), certificate.serial),
        (_("Issued"), day(certificate.issued_at)),
        (_("Valid until"), day(certificate.valid_until)),
        (_("Measurement period"), period),
        (_("Scoring model"), certificate.scoring_model_label),
        (_("Questionnaire"), certificate.questionnaire_label),
    ]
    table = Table(
        [
            [Paragraph(escape(label), STYLES["small"]), Paragraph(escape(value), STYLES["cell_bold"])]
            for label, value in rows
        ],
        colWidths=(38 * mm, FULL_WIDTH - 38 * mm - QR_COLUMN),
        hAlign="LEFT",
    )
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LINEBELOW", (0, 0), (-1, -2), 0.4, RULE),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
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


def _how_to_verify(verify_url: str) -> list[Flowable]:
    return [
        Paragraph(_("Verify this certificate"), STYLES["h2"]),
        Spacer(0, 1.5 * mm),
        Paragraph(
            _("Scan the code or open the address below to see whether the certificate is valid today."),
            STYLES["body"],
        ),
        Spacer(0, 1.5 * mm),
        Paragraph(f'<link href="{escape(verify_url)}">{escape(verify_url)}</link>', STYLES["cell_bold"]),
    ]
