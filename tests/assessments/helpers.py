"""Helpers of the assessment tests: real documents and a fully answered assessment."""

from __future__ import annotations

import io

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from assessments import services
from assessments.catalogue import Criterion
from assessments.models import Assessment
from portal.models import User


def make_pdf(text: str = "Our KYC policy") -> bytes:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    pdf.drawString(72, 760, text)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def best_value(criterion: Criterion) -> str:
    if criterion.scored:
        return max(criterion.options, key=lambda option: option.points).value
    return {"number": "3", "percent": "95", "date": "2025-06-01", "url": "https://example.org/x"}.get(
        criterion.type, "Our answer"
    )


def answer_everything(user: User, assessment: Assessment, *, with_evidence: bool = True) -> None:
    """Every criterion answered with its best option, and the evidence each one needs."""
    criteria = assessment.questionnaire.parsed.criteria
    services.save_answers(user, assessment, {c.code: services.AnswerInput(value=best_value(c)) for c in criteria})
    if not with_evidence:
        return
    for criterion in criteria:
        if criterion.evidence in {"document", "document_or_url"}:
            services.attach_evidence_file(
                user, assessment, criterion.code, io.BytesIO(make_pdf(criterion.code)), f"{criterion.code}.pdf"
            )
        elif criterion.evidence == "url":
            services.attach_evidence_url(user, assessment, criterion.code, f"https://example.org/{criterion.code}")
