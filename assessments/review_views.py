"""Review pages: the supervisor's assignment list, the auditor's queue, the review page, evidence inline, timeline."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_POST

from assessments import review
from assessments.access import get_assessment_for
from assessments.answers import codes_in_question
from assessments.attachments import evidence_rule_text
from assessments.downloads import evidence_file_response
from assessments.models import AnswerReview, Assessment, Comment, Decision, Evidence
from portal.access import AuthenticatedHttpRequest, require_auditor, require_supervisor
from portal.models import Role, User
from portal.refusals import show_refusal

TEXT_PREVIEW_BYTES = 256 * 1024
TEXT_TYPES = {"csv", "txt"}


# Supervisor: assignment ------------------------------------------------------------------------------------------


@require_GET
def assignments(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Submitted assessments awaiting an auditor, and those in review with their auditors."""
    require_supervisor(request.user, hide=True)
    awaiting = [
        (assessment, review.eligible_auditors(assessment))
        for assessment in Assessment.objects.awaiting_assignment().select_related("hoster")
    ]
    in_review = list(
        Assessment.objects.filter(status__in=[Assessment.Status.IN_REVIEW, Assessment.Status.CHANGES_REQUESTED])
        .select_related("hoster")
        .prefetch_related("assignments__auditor")
        .order_by("submitted_at", "pk")
    )
    return render(request, "assessments/review/assignments.html", {"awaiting": awaiting, "in_review": in_review})


@require_POST
def assign(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    require_supervisor(request.user, hide=True)
    assessment = get_assessment_for(request.user, pk)
    auditor = User.objects.filter(pk=request.POST.get("auditor") or 0, groups__name=Role.AUDITOR).first()
    try:
        if auditor is None:
            raise review.ReviewRefused(_("Choose an auditor from the list."))
        review.assign_auditor(request.user, assessment, auditor)
    except review.ReviewRefused as refusal:
        show_refusal(request, refusal, about=assessment.hoster)
    else:
        messages.success(
            request,
            _("%(auditor)s now reviews the assessment of %(hoster)s.")
            % {"auditor": auditor.email, "hoster": assessment.hoster},
        )
    if request.POST.get("next") == "review":
        return redirect("assessments:review", pk=assessment.pk)
    return redirect("assessments:assignments")


# Auditor: queue --------------------------------------------------------------------------------------------------


@require_GET
def queue(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The auditor's assigned assessments grouped by status, oldest submission first."""
    require_auditor(request.user, hide=True)
    groups: dict[str, list[Assessment]] = defaultdict(list)
    for assessment in review.queue_for(request.user):
        groups[assessment.status].append(assessment)
    order = [
        Assessment.Status.IN_REVIEW,
        Assessment.Status.CHANGES_REQUESTED,
        Assessment.Status.APPROVED,
        Assessment.Status.REJECTED,
    ]
    sections = [(status, Assessment.Status(status).label, groups[status]) for status in order]
    return render(request, "assessments/review/queue.html", {"sections": sections})


# The review page -------------------------------------------------------------------------------------------------


def _text_preview(evidence: Evidence) -> tuple[str, bool]:
    with evidence.file.open("rb") as stored:
        content = stored.read(TEXT_PREVIEW_BYTES + 1)
    return content[:TEXT_PREVIEW_BYTES].decode("utf-8", errors="replace"), len(content) > TEXT_PREVIEW_BYTES


def _evidence_items(evidence: list[Evidence]) -> list[dict[str, Any]]:
    items = []
    for item in evidence:
        check = review.check_evidence(item)
        entry: dict[str, Any] = {"evidence": item, "check": check, "pdf": False, "text": None, "truncated": False}
        if item.kind == Evidence.Kind.FILE and check.ok:
            entry["pdf"] = item.detected_type == "pdf"
            if item.detected_type in TEXT_TYPES:
                entry["text"], entry["truncated"] = _text_preview(item)
        items.append(entry)
    return items


def _review_context(request: AuthenticatedHttpRequest, assessment: Assessment) -> dict[str, Any]:
    user = request.user
    answers = {a.criterion_code: a for a in assessment.answers.prefetch_related("evidence")}
    in_force = AnswerReview.objects.in_force(assessment)
    history: dict[str, list[AnswerReview]] = defaultdict(list)
    for item in AnswerReview.objects.filter(assessment=assessment).select_related("reviewer").order_by("created_at"):
        history[item.criterion_code].append(item)
    threads: dict[str, list[Comment]] = defaultdict(list)
    for comment in Comment.objects.filter(assessment=assessment).select_related("author"):
        threads[comment.criterion_code].append(comment)
    changes = review.changes_since_last_round(assessment)
    sections = []
    for section in assessment.questionnaire.parsed.sections:
        items = []
        for criterion in section.criteria:
            answer = answers.get(criterion.code)
            items.append(
                {
                    "criterion": criterion,
                    "answer": answer,
                    "evidence": _evidence_items(list(answer.evidence.all())) if answer else [],
                    "evidence_rule": evidence_rule_text(criterion.evidence),
                    "review": in_force.get(criterion.code),
                    "history": history.get(criterion.code, []),
                    "thread": threads.get(criterion.code, []),
                    "change": changes.get(criterion.code) if changes else None,
                }
            )
        sections.append({"section": section, "items": items})
    reviewed = sum(1 for code in in_force if code in assessment.questionnaire.criteria_by_code)
    is_reviewer = review.is_reviewer(user, assessment)
    context: dict[str, Any] = {
        "assessment": assessment,
        "questionnaire": assessment.questionnaire.parsed,
        "sections": sections,
        "assessment_thread": threads.get("", []),
        "changes": changes,
        "auditors": review.auditors_of(assessment),
        "decision": Decision.objects.filter(assessment=assessment).select_related("decided_by").first(),
        "is_reviewer": is_reviewer,
        "can_review": is_reviewer and assessment.status == Assessment.Status.IN_REVIEW,
        "can_comment": review.can_comment(user, assessment),
        "can_assign": user.is_supervisor and assessment.status in review.ASSIGNABLE_STATUSES,
        "in_question": codes_in_question(assessment),
        "reviewed_count": reviewed,
        "criteria_count": len(assessment.questionnaire.criteria_by_code),
        "decisions": AnswerReview.Decision.choices,
        "errors": {},
        "posted": {},
    }
    if context["can_assign"]:
        context["eligible"] = review.eligible_auditors(assessment)
    return context


def _render_review(
    request: AuthenticatedHttpRequest,
    assessment: Assessment,
    *,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    context = _review_context(request, assessment)
    context["errors"] = errors or {}
    context["posted"] = request.POST if request.method == "POST" else {}
    return render(request, "assessments/review/review.html", context, status=status)


@require_GET
def review_page(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Every answer with its evidence inline, the metrics and the score card; actions for the assigned auditor."""
    return _render_review(request, get_assessment_for(request.user, pk))


def _back_to(assessment: Assessment, anchor: str = "") -> HttpResponse:
    return redirect(f"{reverse('assessments:review', args=[assessment.pk])}{'#' + anchor if anchor else ''}")


@require_POST
def review_answer(request: AuthenticatedHttpRequest, pk: int, code: str) -> HttpResponse:
    assessment = get_assessment_for(request.user, pk)
    if code not in assessment.questionnaire.criteria_by_code:
        raise Http404
    try:
        item = review.review_answer(
            request.user, assessment, code, request.POST.get("decision", ""), request.POST.get("note", "")
        )
    except review.ReviewRefused as exc:
        return _render_review(request, assessment, errors={code: str(exc)}, status=400)
    messages.success(request, _("%(code)s: %(decision)s.") % {"code": code, "decision": item.get_decision_display()})
    return _back_to(assessment, f"crit-{code}")


@require_POST
def request_changes(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    assessment = get_assessment_for(request.user, pk)
    try:
        codes = review.request_changes(request.user, assessment, request.POST.get("message", ""))
    except review.ReviewRefused as exc:
        return _render_review(request, assessment, errors={"changes": str(exc)}, status=400)
    messages.success(
        request, _("Changes requested for %(codes)s; the hoster has been told.") % {"codes": ", ".join(codes)}
    )
    return _back_to(assessment)


@require_POST
def decide(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    assessment = get_assessment_for(request.user, pk)
    try:
        decision = review.decide(
            request.user, assessment, request.POST.get("outcome", ""), request.POST.get("rationale", "")
        )
    except review.ReviewRefused as exc:
        return _render_review(request, assessment, errors={"decision": str(exc)}, status=400)
    if decision.outcome == Decision.Outcome.REJECTED:
        messages.success(request, _("The assessment has been rejected."))
    elif decision.certificate_serial:
        messages.success(
            request,
            _("The assessment has been approved; certificate %(serial)s has been issued.")
            % {"serial": decision.certificate_serial},
        )
    elif decision.certifiable:
        messages.success(request, _("The assessment has been approved and is certifiable."))
    else:
        messages.success(request, _("The assessment has been approved; it does not certify."))
    return _back_to(assessment)


@require_POST
def comment(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    assessment = get_assessment_for(request.user, pk)
    code = request.POST.get("criterion", "")
    if code and code not in assessment.questionnaire.criteria_by_code:
        raise Http404
    try:
        review.post_comment(request.user, assessment, request.POST.get("body", ""), code)
    except review.ReviewRefused as exc:
        return _render_review(request, assessment, errors={f"comment-{code}": str(exc)}, status=400)
    messages.success(request, _("Your message has been sent."))
    return _back_to(assessment, f"thread-{code or 'assessment'}")


@require_GET
@xframe_options_sameorigin
def evidence_inline(request: AuthenticatedHttpRequest, pk: int, evidence_pk: int) -> HttpResponseBase:
    """A PDF for the review page's frame: access-checked, only while its hash still matches, sandboxed by CSP."""
    assessment = get_assessment_for(request.user, pk)
    evidence = get_object_or_404(Evidence, pk=evidence_pk, answer__assessment=assessment, kind=Evidence.Kind.FILE)
    if evidence.detected_type != "pdf":
        raise Http404
    if not review.check_evidence(evidence).ok:
        raise PermissionDenied(_("This file no longer matches its SHA-256 and is not shown; download it to inspect."))
    # The browser's own PDF viewer renders it; the document may not run script, load anything or leave its frame.
    return evidence_file_response(evidence, inline=True, csp="default-src 'none'; frame-ancestors 'self'; sandbox")


# Timeline --------------------------------------------------------------------------------------------------------


@require_GET
def timeline(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Every audit event of the assessment, for its hoster's members, its auditors and supervisors."""
    assessment = get_assessment_for(request.user, pk)
    events = review.timeline(assessment)
    return render(request, "assessments/review/timeline.html", {"assessment": assessment, "events": events})
