"""The monitor report of a published period (reportlab), drawn in named steps: summary, chart, ranking."""

from __future__ import annotations

import io
from collections.abc import Sequence
from functools import partial
from typing import Any

from django.utils import formats
from django.utils.translation import gettext as _
from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.flowables import Flowable

from portal.audit import latest_published_head
from scoring.certification.pdf import (
    BUCKET_COLOURS,
    LIGHT,
    MUTED,
    NAVY,
    STYLES,
    day,
    document,
    escape,
    in_language,
    number,
)
from scoring.publication.charts import removal_time_bars
from scoring.publication.models import MonitorPeriod

_NOTICES_CELL = ParagraphStyle("notices", STYLES["cell"], fontSize=8.5, leading=10, alignment=TA_RIGHT)

CHART_HOSTERS = 12
PAGE = landscape(A4)
MARGIN = 15 * mm
WIDTH = PAGE[0] - 2 * MARGIN
FIGURE_COLUMN = 21 * mm
RANK_COLUMN = 22 * mm  # "Rank by notices" and "Plaats naar meldingen" in two lines, no word broken
FIGURE_COLUMNS = 9
REVIEW_COLUMN = 34 * mm


def render_monitor_pdf(period: MonitorPeriod, language: str | None = None) -> bytes:
    """The monitor report of a published period: totals, a chart of the removal-time buckets, the ranking."""
    return in_language(_render_monitor, period, language)


def _render_monitor(period: MonitorPeriod, language: str) -> bytes:
    buffer = io.BytesIO()
    doc = document(
        buffer,
        language=language,
        title=period.title,
        pagesize=PAGE,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=28 * mm,
        bottomMargin=16 * mm,
    )
    story = [
        Paragraph(escape(period.title), STYLES["title"]),
        Spacer(0, 3 * mm),
        Paragraph(escape(_summary(period)), STYLES["body"]),
        Spacer(0, 5 * mm),
        Paragraph(_("Removal time per hoster (most notices first)"), STYLES["h2"]),
        _bucket_chart(period, WIDTH, 18 * min(CHART_HOSTERS, max(1, len(period.ranking))) + 60),
        Spacer(0, 5 * mm),
        Paragraph(_("Ranking by number of notices"), STYLES["h2"]),
        Spacer(0, 2 * mm),
        _ranking_table(period.ranking, reviewed=period.reviewed_by_hosters),
        Spacer(0, 4 * mm),
        Paragraph(_("Share: the hoster's part of all notices of the period."), STYLES["small"]),
        *_review_note(period),
        *_methodology(period),
        *_audit_anchor(period),
    ]
    on_page = partial(_on_monitor_page, title=period.title)
    doc.build(story, onFirstPage=on_page, onLaterPages=on_page)
    return buffer.getvalue()


def _review_note(period: MonitorPeriod) -> list[Flowable]:
    """What "reviewed" and "corrections" mean, or that the hosters had no review."""
    if period.reviewed_by_hosters:
        text = _(
            "Before publication every hoster named here could see its own draft figures and dispute the attribution"
            " or removal time of its notices. Reviewed: whether the hoster looked at its draft figures. Corrections:"
            " its disputes the supervisor upheld."
        )
    else:
        text = _("This period was published without a review by the hosters.")
    return [Spacer(0, 1 * mm), Paragraph(escape(text), STYLES["small"])]


def _methodology(period: MonitorPeriod) -> list[Flowable]:
    """The methodology the figures were computed with, and the scoring model whose norm they used."""
    rows = period.methodology_used.rows()
    if period.scoring_model:
        rows.insert(1, (_("Scoring model"), period.scoring_model))
    text = "<br/>".join(f"<b>{escape(label)}</b>: {escape(value)}" for label, value in rows)
    return [Spacer(0, 2 * mm), Paragraph(_("Methodology"), STYLES["h2"]), Paragraph(text, STYLES["small"])]


def _audit_anchor(period: MonitorPeriod) -> list[Flowable]:
    """The audit log's head published before this report: a copy of it outside the database (DESIGN §4.6)."""
    head = latest_published_head(period.published_at)
    if head is None:
        return []
    text = _(
        "Audit log head of %(day)s: %(count)s events, last hash %(hash)s. Anyone holding a copy of the log can check"
        " that it still holds this head."
    ) % {"day": day(head.day), "count": head.count, "hash": head.hash}
    return [Spacer(0, 2 * mm), Paragraph(escape(text), STYLES["small"])]


def _on_monitor_page(canvas: Canvas, doc: SimpleDocTemplate, *, title: str) -> None:
    canvas.saveState()
    _draw_banner(canvas, title)
    _draw_footer(canvas, doc.page)
    canvas.restoreState()


def _draw_banner(canvas: Canvas, title: str) -> None:
    """A navy band: the report's name on the left, the period's title on the right."""
    width, height = PAGE
    canvas.setFillColor(NAVY)
    canvas.rect(0, height - 20 * mm, width, 20 * mm, stroke=0, fill=1)
    canvas.setFillColor(colors.white)
    canvas.setFont("Helvetica-Bold", 14)
    canvas.drawString(MARGIN, height - 12.5 * mm, _("Good Hoster monitor"))
    canvas.setFont("Helvetica", 10)
    canvas.drawRightString(width - MARGIN, height - 12.5 * mm, title)


def _draw_footer(canvas: Canvas, page: int) -> None:
    """The licence on the left, the page number on the right."""
    canvas.setFillColor(MUTED)
    canvas.setFont("Helvetica", 7.5)
    canvas.drawString(MARGIN, 8 * mm, _("Open data, licence CC BY 4.0. Good Hoster portal."))
    canvas.drawRightString(PAGE[0] - MARGIN, 8 * mm, _("Page %(page)d") % {"page": page})


def _summary(period: MonitorPeriod) -> str:
    totals = period.totals
    return _(
        "%(notices)s notices reported from %(start)s to %(end)s; %(unattributed)s could not be attributed to a"
        " hoster. Removal norm: %(norm)s hours. Within the norm overall: %(within)s%%."
    ) % {
        "notices": formats.number_format(totals.get("notices", 0), 0, force_grouping=True),
        "start": day(period.date_from),
        "end": day(period.date_to),
        "unattributed": formats.number_format(totals.get("unattributed", 0), 0, force_grouping=True),
        "norm": number(period.norm_hours, 0),
        "within": number(totals.get("within_norm_pct")),
    }


def _bucket_chart(period: MonitorPeriod, width: float, height: float) -> Drawing:
    """Per hoster (most notices first) the share removed within the norm, later within 48 h, and later or never."""
    shown = removal_time_bars([row for row in period.ranking if row["notices"]][:CHART_HOSTERS])
    drawing = Drawing(width, height)
    if not shown:
        drawing.add(String(0, height / 2, _("No notices in this period."), fontName="Helvetica", fontSize=10))
        return drawing
    drawing.add(_bucket_bars(list(reversed(shown)), width, height))  # the chart draws its first category at the bottom
    drawing.add(_bucket_legend(period.norm_hours))
    return drawing


def _bucket_bars(rows: Sequence[dict[str, Any]], width: float, height: float) -> HorizontalBarChart:
    chart = HorizontalBarChart()
    chart.x, chart.y = 150, 30
    chart.width, chart.height = width - 170, height - 50
    chart.data = [[float(row[part]) for row in rows] for part in ("within_norm_part", "later_part", "over_48h_part")]
    chart.categoryAxis.style = "stacked"
    chart.categoryAxis.categoryNames = [row["name"][:28] for row in rows]
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
    return chart


def _bucket_legend(norm_hours: float) -> Legend:
    legend = Legend()
    legend.x, legend.y = 150, 10
    legend.alignment = "right"
    legend.columnMaximum = 1
    legend.fontName, legend.fontSize = "Helvetica", 8
    legend.dx = legend.dy = 7
    legend.deltax = 130
    within = _("within the norm of %(norm)s h") % {"norm": number(norm_hours, 0)}
    legend.colorNamePairs = list(
        zip(BUCKET_COLOURS, (within, _("later, within 48 h"), _("over 48 h or still open")), strict=True)
    )
    return legend


def _ranking_table(ranking: Sequence[dict[str, Any]], *, reviewed: bool = False) -> Table:
    """Every ranked hoster with its figures (and, after a review, whether it reviewed and its corrections); the
    header repeats on each page."""
    figures = [FIGURE_COLUMN] * FIGURE_COLUMNS + ([REVIEW_COLUMN] if reviewed else [])
    table = Table(
        [_ranking_header(reviewed), *(_ranking_row(row, reviewed) for row in ranking)],
        colWidths=(RANK_COLUMN, WIDTH - RANK_COLUMN - sum(figures), *figures),
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
    return table


def _ranking_header(reviewed: bool = False) -> list[Flowable]:
    labels = [
        _("Rank by notices"),
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
    if reviewed:
        labels.append(_("Reviewed (corrections)"))
    return [Paragraph(f"<b>{escape(label)}</b>", STYLES["cell"]) for label in labels]


def _ranking_row(row: dict[str, Any], reviewed: bool = False) -> list[Any]:
    cells = [
        str(row["rank"]),
        Paragraph(escape(row["name"]), STYLES["cell"]),
        _notices_cell(row),
        number(row["share_pct"]),
        number(row["within_norm_pct"]),
        str(row["within_24h"]),
        str(row["between_24_48h"]),
        str(row["over_48h_or_open"]),
        number(row["median_hours"]),
        number(row["p90_hours"]),
        str(row["open_over_norm"]),
    ]
    if reviewed:
        answer = _("yes") if row.get("reviewed") else _("no")
        cells.append(f"{answer} ({row.get('corrections', 0)})")
    return cells


def _notices_cell(row: dict[str, Any]) -> Any:
    """The hoster's notices and, below them, those not yet due at the cut-off (left out of every rate)."""
    notices = formats.number_format(row["notices"], 0, force_grouping=True)
    pending = row.get("pending") or 0
    if not pending:
        return notices
    text = _("%(count)s not yet due") % {"count": formats.number_format(pending, 0, force_grouping=True)}
    return Paragraph(f'{notices}<br/><font size="6.5">{escape(text)}</font>', _NOTICES_CELL)
