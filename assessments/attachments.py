"""Evidence behind answers: what a criterion asks for, attaching a document or a web address, removing it."""

from __future__ import annotations

import hashlib
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import URLValidator
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessments.answers import ensure_editable, lock
from assessments.catalogue import Criterion
from assessments.evidence import DetectedDocument, EvidenceRefused, detect_document, read_limited, sanitise_filename
from assessments.models import Answer, Assessment, Evidence
from portal.audit import log_action
from portal.models import User

EVIDENCE_NEEDED = {
    "document": gettext_lazy("a document"),
    "url": gettext_lazy("a web address (URL)"),
    "document_or_url": gettext_lazy("a document or a web address (URL)"),
}


# What a criterion asks for ---------------------------------------------------------------------------------------


def evidence_required(criterion: Criterion, answer: Answer | None) -> bool:
    """Evidence backs an answered claim: not for N/A, nor for a choice worth no points."""
    if criterion.evidence == "none" or answer is None or not answer.is_answered or answer.na:
        return False
    return not (criterion.scored and criterion.option(answer.value).points == 0)


def evidence_satisfies(criterion: Criterion, evidence: list[Evidence]) -> bool:
    kinds = {item.kind for item in evidence}
    if criterion.evidence == "document":
        return Evidence.Kind.FILE in kinds
    if criterion.evidence == "url":
        return Evidence.Kind.URL in kinds
    return bool(kinds)


def evidence_rule_text(rule: str) -> str:
    return {
        "none": _("No evidence needed"),
        "document": _("Evidence: a document"),
        "url": _("Evidence: a web address (URL)"),
        "document_or_url": _("Evidence: a document or a web address (URL)"),
    }[rule]


# Attaching and removing ------------------------------------------------------------------------------------------


def _answer_for_evidence(assessment: Assessment, criterion_code: str) -> Answer:
    criterion = assessment.questionnaire.criteria_by_code.get(criterion_code)
    if criterion is None:
        raise Http404
    if criterion.evidence == "none":
        raise ValidationError(_("%(code)s asks for no evidence.") % {"code": criterion_code})
    answer, _created = Answer.objects.get_or_create(assessment=assessment, criterion_code=criterion_code)
    return answer


def _read_document(criterion_code: str, upload: IO[bytes]) -> tuple[bytes, DetectedDocument]:
    """The upload's content and type, or EvidenceRefused saying which criterion's document was refused and why."""
    try:
        content = read_limited(upload, settings.EVIDENCE_MAX_BYTES)
        return content, detect_document(content)
    except EvidenceRefused as refusal:
        raise EvidenceRefused(
            _("%(code)s: the document was refused. %(reason)s") % {"code": criterion_code, "reason": refusal}
        ) from refusal


@transaction.atomic
def attach_evidence_file(
    user: User, assessment: Assessment, criterion_code: str, upload: IO[bytes], name: str
) -> Evidence:
    """Sniff, hash and store an uploaded document; EvidenceRefused (nothing stored) when it may not enter."""
    ensure_editable(lock(assessment), [criterion_code])
    answer = _answer_for_evidence(assessment, criterion_code)
    content, detected = _read_document(criterion_code, upload)
    evidence = Evidence(
        answer=answer,
        kind=Evidence.Kind.FILE,
        original_name=sanitise_filename(name),
        detected_type=detected.kind,
        content_type=detected.content_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_by=user,
    )
    evidence.file.save("evidence", ContentFile(content), save=False)
    try:
        evidence.save()
        log_action(
            user,
            "assessments.evidence.added",
            assessment,
            {
                "criterion": criterion_code,
                "kind": "file",
                "name": evidence.original_name,
                "type": detected.kind,
                "size": evidence.size,
                "sha256": evidence.sha256,
            },
        )
    except BaseException:
        # The row is rolled back with the transaction; the written file must go with it.
        evidence.file.delete(save=False)
        raise
    return evidence


@transaction.atomic
def attach_evidence_url(user: User, assessment: Assessment, criterion_code: str, url: str) -> Evidence:
    ensure_editable(lock(assessment), [criterion_code])
    url = url.strip()
    URLValidator(schemes=["https", "http"], message=_("Enter a web address starting with https://."))(url)
    answer = _answer_for_evidence(assessment, criterion_code)
    evidence = Evidence.objects.create(answer=answer, kind=Evidence.Kind.URL, url=url, uploaded_by=user)
    log_action(user, "assessments.evidence.added", assessment, {"criterion": criterion_code, "kind": "url", "url": url})
    return evidence


@transaction.atomic
def remove_evidence(user: User, assessment: Assessment, evidence: Evidence) -> None:
    if evidence.answer.assessment_id != assessment.pk:
        raise Http404
    ensure_editable(lock(assessment), [evidence.answer.criterion_code])
    data = {"criterion": evidence.answer.criterion_code, **evidence.as_snapshot()}
    name, storage = (evidence.file.name, evidence.file.storage) if evidence.kind == Evidence.Kind.FILE else ("", None)
    evidence.delete()
    if name and storage is not None:
        # After commit: a rolled-back removal keeps its file, on the local disk or in the bucket alike.
        transaction.on_commit(lambda: storage.delete(name))
    log_action(user, "assessments.evidence.removed", assessment, data)
