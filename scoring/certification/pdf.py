"""PDF documents with reportlab: the certificate a hoster hangs on its website, and the monitor report."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing, Rect, String
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.flowables import Flowable

NAVY = colors.HexColor("#0b2545")
TEAL = colors.HexColor("#13315c")
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
    "left": ParagraphStyle("left", _BASE, alignment=TA_LEFT),
}


def _escape(text: object) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _day(value: date | datetime) -> str:
    if isinstance(value, datetime):
        value = timezone.localtime(value).date()
    return formats.date_format(value, "DATE_FORMAT")


def _number(value: float | Decimal | None, places: int = 2) -> str:
    if value is None:
        return "\u2013"  # an en dash for "no value"
    return formats.number_format(value, places)


class GradeSeal(Flowable):
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
        canvas.drawCentredString(radius, 3 * mm, _("Score %(score)s / 100") % {"score": _number(self.score)})


def _bar(score: float | None, width: float = 55 * mm, height: float = 3.2 * mm) -> Drawing:
    drawing = Drawing(width, height)
    drawing.add(Rect(0, 0, width, height, fillColor=LIGHT, strokeColor=None))
    if score is not None:
        drawing.add(Rect(0, 0, width * max(0.0, min(100.0, score)) / 100, height, fillColor=ACCENT, strokeColor=None))
    return drawing


def _qr(value: str, size: float = 34 * mm) -> Drawing:
    # Sized directly rather than scaled from getBounds(), which would draw the whole code an extra time.
    drawing = Drawing(size, size)
    drawing.add(QrCodeWidget(value, barLevel="M", barWidth=size, barHeight=size))
    return drawing


def _certificate_page(canvas: Canvas, doc: SimpleDocTemplate) -> None:
    width, height = A4
    canvas.saveState()
    canvas.setFillColor(NAVY)
    canvas.rect(0, height - 34 * mm, width, 34 * mm, stroke=0, fill=1)
    canvas.setFillColor(ACCENT)
    canvas.rect(0, height - 36 * mm, width, 2 * mm, stroke=0, fill=1)
    canvas.setFillColor(colors.white)
    canvas.setFont("Helvetica-Bold", 22)
    canvas.drawString(20 * mm, height - 19 * mm, _("Good Hoster certificate"))
    canvas.setFont("Helvetica", 10)
    canvas.drawString(20 * mm, height - 26 * mm, _("Preventing and removing child sexual abuse material"))
    canvas.setFont("Helvetica-Bold", 11)
    canvas.drawRightString(width - 20 * mm, height - 19 * mm, doc.serial)
    canvas.setStrokeColor(RULE)
    canvas.line(20 * mm, 16 * mm, width - 20 * mm, 16 * mm)
    canvas.setFillColor(MUTED)
    canvas.setFont("Helvetica", 7.5)
    canvas.drawString(
        20 * mm, 11 * mm, _("Issued by the Good Hoster portal. Only the verification page shows the current status.")
    )
    canvas.drawRightString(width - 20 * mm, 11 * mm, doc.serial)
    canvas.restoreState()


def _details_table(rows: Sequence[tuple[str, str]], widths: tuple[float, float]) -> Table:
    table = Table(
        [
            [Paragraph(_escape(label), STYLES["small"]), Paragraph(_escape(value), STYLES["cell_bold"])]
            for label, value in rows
        ],
        colWidths=widths,
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


def render_certificate_pdf(certificate: Any, language: str | None = None) -> bytes:
    """The certificate as an A4 PDF: byte-for-byte the same for the same certificate and language."""
    with translation.override(language or settings.LANGUAGE_CODE):
        return _render_certificate(certificate, translation.get_language())


def _render_certificate(certificate: Any, language: str) -> bytes:
    buffer = io.BytesIO()
    hoster = certificate.hoster
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=46 * mm,
        bottomMargin=22 * mm,
        title=_("Good Hoster certificate %(serial)s") % {"serial": certificate.serial},
        author=_("Good Hoster portal"),
        subject=hoster.name,
        creator="Good Hoster portal",
        invariant=1,
        lang=language,
    )
    doc.serial = certificate.serial
    full_width = A4[0] - 40 * mm

    sections = Table(
        [
            [
                Paragraph(_escape(section["title"].get(language) or section["code"]), STYLES["cell"]),
                _bar(section["score"]),
                Paragraph(_number(section["score"], 1), STYLES["cell_bold"]),
            ]
            for section in certificate.section_scores
        ],
        colWidths=(full_width - 48 * mm - 60 * mm, 60 * mm, 14 * mm),
        hAlign="LEFT",
    )
    sections.setStyle(
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
    section_block = [Paragraph(_("Score per section"), STYLES["h2"]), Spacer(0, 2 * mm), sections]
    headline = Table(
        [[GradeSeal(certificate.grade, certificate.score), section_block]],
        colWidths=(56 * mm, full_width - 56 * mm),
    )
    headline.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))

    details = _details_table(
        [
            (_("Serial"), certificate.serial),
            (_("Issued"), _day(certificate.issued_at)),
            (_("Valid until"), _day(certificate.valid_until)),
            (
                _("Measurement period"),
                _("%(start)s to %(end)s")
                % {"start": _day(certificate.period_start), "end": _day(certificate.period_end)},
            ),
            (_("Scoring model"), certificate.scoring_model_label),
            (_("Questionnaire"), certificate.questionnaire_label),
        ],
        (38 * mm, full_width - 38 * mm - 40 * mm),
    )
    verification = [
        Paragraph(_("Verify this certificate"), STYLES["h2"]),
        Spacer(0, 1.5 * mm),
        Paragraph(
            _("Scan the code or open the address below to see whether the certificate is valid today."),
            STYLES["body"],
        ),
        Spacer(0, 1.5 * mm),
        Paragraph(
            f'<link href="{_escape(certificate.verify_url)}">{_escape(certificate.verify_url)}</link>',
            STYLES["cell_bold"],
        ),
    ]
    verify_block = Table(
        [[details, _qr(certificate.verify_url)], [verification, ""]],
        colWidths=(full_width - 40 * mm, 40 * mm),
    )
    verify_block.setStyle(
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
    story = [
        Paragraph(_("This certifies that"), STYLES["kicker"]),
        Spacer(0, 3 * mm),
        Paragraph(_escape(hoster.name), STYLES["hoster"]),
        Spacer(0, 1 * mm),
        Paragraph(_escape(hoster.website or hoster.slug), STYLES["website"]),
        Spacer(0, 4 * mm),
        Paragraph(
            _(
                "meets the Good Hoster criteria for preventing and removing child sexual abuse material: know your"
                " customer, customer contracts, hash checks, notice handling and commitment, together with its"
                " measured removal times. An independent auditor verified the self-assessment and its evidence."
            ),
            ParagraphStyle("intro", STYLES["body"], alignment=TA_CENTER, textColor=MUTED),
        ),
        Spacer(0, 8 * mm),
        headline,
        Spacer(0, 8 * mm),
        verify_block,
    ]
    doc.build(story, onFirstPage=_certificate_page, onLaterPages=_certificate_page)
    return buffer.getvalue()


# --- the monitor report ---------------------------------------------------------------------------------------

CHART_HOSTERS = 12


def _bucket_chart(rows: Sequence[dict], width: float, height: float) -> Drawing:
    """Per hoster (most notices first) the share removed within 24 h, within 24-48 h and later or never."""
    shown = [row for row in rows if row["notices"]][:CHART_HOSTERS]
    drawing = Drawing(width, height)
    if not shown:
        drawing.add(String(0, height / 2, _("No notices in this period."), fontName="Helvetica", fontSize=10))
        return drawing
    shown = list(reversed(shown))  # the chart draws its first category at the bottom

    def pct(row: dict, key: str) -> float:
        return 100 * row[key] / row["notices"]

    chart = HorizontalBarChart()
    chart.x, chart.y = 150, 30
    chart.width, chart.height = width - 170, height - 50
    chart.data = [
        [pct(row, "within_24h") for row in shown],
        [pct(row, "between_24_48h") for row in shown],
        [pct(row, "over_48h_or_open") for row in shown],
    ]
    chart.categoryAxis.style = "stacked"
    chart.categoryAxis.categoryNames = [row["name"][:28] for row in shown]
    chart.categoryAxis.labels.fontName = "Helvetica"
    chart.categoryAxis.labels.fontSize = 8
    chart.categoryAxis.labels.boxAnchor = "e"
    chart.valueAxis.valueMin, chart.valueAxis.valueMax, chart.valueAxis.valueStep = 0, 100, 20
    chart.valueAxis.labels.fontName = "Helvetica"
    chart.valueAxis.labels.fontSize = 8
    chart.valueAxis.labelTextFormat = "%d%%"
    chart.barWidth = 8
    chart.groupSpacing = 4
    for index, colour in enumerate(BUCKET_COLOURS):
        chart.bars[index].fillColor = colour
        chart.bars[index].strokeColor = None
    drawing.add(chart)
    legend = Legend()
    legend.x, legend.y = 150, 10
    legend.alignment = "right"
    legend.columnMaximum = 1
    legend.fontName, legend.fontSize = "Helvetica", 8
    legend.dx = legend.dy = 7
    legend.deltax = 110
    legend.colorNamePairs = list(
        zip(BUCKET_COLOURS, (_("within 24 h"), _("24 to 48 h"), _("over 48 h or still open")), strict=True)
    )
    drawing.add(legend)
    return drawing


def _monitor_page(canvas: Canvas, doc: SimpleDocTemplate) -> None:
    width, height = doc.pagesize
    canvas.saveState()
    canvas.setFillColor(NAVY)
    canvas.rect(0, height - 20 * mm, width, 20 * mm, stroke=0, fill=1)
    canvas.setFillColor(colors.white)
    canvas.setFont("Helvetica-Bold", 14)
    canvas.drawString(15 * mm, height - 12.5 * mm, _("Good Hoster monitor"))
    canvas.setFont("Helvetica", 10)
    canvas.drawRightString(width - 15 * mm, height - 12.5 * mm, doc.report_title)
    canvas.setFillColor(MUTED)
    canvas.setFont("Helvetica", 7.5)
    canvas.drawString(15 * mm, 8 * mm, _("Open data, licence CC BY 4.0. Good Hoster portal."))
    canvas.drawRightString(width - 15 * mm, 8 * mm, _("Page %(page)d") % {"page": doc.page})
    canvas.restoreState()


def render_monitor_pdf(period: Any, language: str | None = None) -> bytes:
    """The monitor report of a published period: totals, a chart of the removal-time buckets, the ranking."""
    with translation.override(language or settings.LANGUAGE_CODE):
        return _render_monitor(period, translation.get_language())


def _render_monitor(period: Any, language: str) -> bytes:
    buffer = io.BytesIO()
    pagesize = landscape(A4)
    doc = SimpleDocTemplate(
        buffer,
        pagesize=pagesize,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=28 * mm,
        bottomMargin=16 * mm,
        title=period.title,
        author=_("Good Hoster portal"),
        creator="Good Hoster portal",
        invariant=1,
        lang=language,
    )
    doc.report_title = period.title
    width = pagesize[0] - 30 * mm
    totals = period.totals
    summary = _(
        "%(notices)s notices reported from %(start)s to %(end)s; %(unattributed)s could not be attributed to a"
        " hoster. Removal norm: %(norm)s hours. Within the norm overall: %(within)s%%."
    ) % {
        "notices": formats.number_format(totals.get("notices", 0), 0, force_grouping=True),
        "start": _day(period.date_from),
        "end": _day(period.date_to),
        "unattributed": formats.number_format(totals.get("unattributed", 0), 0, force_grouping=True),
        "norm": _number(period.norm_hours, 0),
        "within": _number(totals.get("within_norm_pct")),
    }
    header = [
        _("#"),
        _("Hoster"),
        _("Notices"),
        _("Share %"),
        _("Within norm %"),
        _("≤ 24 h"),
        _("24 to 48 h"),
        _("> 48 h or open"),
        _("Median h"),
        _("90th pct. h"),
        _("Open over norm"),
    ]
    body = [
        [
            str(row["rank"]),
            Paragraph(_escape(row["name"]), STYLES["cell"]),
            formats.number_format(row["notices"], 0, force_grouping=True),
            _number(row["share_pct"]),
            _number(row["within_norm_pct"]),
            str(row["within_24h"]),
            str(row["between_24_48h"]),
            str(row["over_48h_or_open"]),
            _number(row["median_hours"]),
            _number(row["p90_hours"]),
            str(row["open_over_norm"]),
        ]
        for row in period.ranking
    ]
    table = Table(
        [[Paragraph(f"<b>{_escape(label)}</b>", STYLES["cell"]) for label in header], *body],
        colWidths=(10 * mm, width - 10 * mm - 9 * 21 * mm, *([21 * mm] * 9)),
        repeatRows=1,
        hAlign="LEFT",
    )
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 1), (-1, -1), "Helvetica", 8.5),
                ("ALIGN", (2, 1), (-1, -1), "RIGHT"),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LINEBELOW", (0, 0), (-1, 0), 0.8, NAVY),
                ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, LIGHT]),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    story = [
        Paragraph(_escape(period.title), STYLES["title"]),
        Spacer(0, 3 * mm),
        Paragraph(_escape(summary), STYLES["body"]),
        Spacer(0, 5 * mm),
        Paragraph(_("Removal time per hoster (most notices first)"), STYLES["h2"]),
        _bucket_chart(period.ranking, width, 18 * min(CHART_HOSTERS, max(1, len(period.ranking))) + 60),
        Spacer(0, 5 * mm),
        Paragraph(_("Ranking"), STYLES["h2"]),
        Spacer(0, 2 * mm),
        table,
        Spacer(0, 4 * mm),
        Paragraph(
            _(
                "Share: the hoster's part of all notices of the period. Removal time is measured from the report to"
                " the removal; a notice still open at the end of the period counts as not removed."
            ),
            STYLES["small"],
        ),
    ]
    doc.build(story, onFirstPage=_monitor_page, onLaterPages=_monitor_page)
    return buffer.getvalue()
