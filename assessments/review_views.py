"""Review pages: the supervisor's assignments, the auditor's queue, the review workspace, evidence inline, timeline."""

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
from assessments.downloads import evidence_file_response
from assessments.models import Assessment, Comment, Decision, Evidence
from assessments.review_workspace import (
    SUMMARY,
    ReviewRecords,
    pane_url,
    read_records,
    review_items,
    section_of,
    summary_context,
    thread_label,
    workspace_context,
)
from portal.access import AuthenticatedHttpRequest, require_auditor, require_supervisor
from portal.models import Role, User
from portal.refusals import show_refusal

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


# The review workspace ------------------------------------------------------------------------------------------


def _pane_of(assessment: Assessment, requested: str) -> str:
    """The pane asked for: the summary, or a section of the questionnaire; anything else is not a page."""
    if requested in ("", SUMMARY):
        return SUMMARY
    if section_of(assessment, requested) is None:
        raise Http404
    return requested


def _next_link(assessment: Assessment, records: ReviewRecords, next_code: str | None) -> dict[str, Any]:
    if next_code is None:
        return {"next_code": None, "next_url": ""}
    base = reverse("assessments:review", args=[assessment.pk])
    return {"next_code": next_code, "next_url": pane_url(base, records.progress.section_of[next_code], next_code)}


def _render_workspace(
    request: AuthenticatedHttpRequest,
    assessment: Assessment,
    pane: str,
    *,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    records = read_records(assessment)
    context = workspace_context(request.user, assessment, records)
    if pane == SUMMARY:
        context.update(summary_context(records))
        next_code = records.progress.next_to_do()
    else:
        section = section_of(assessment, pane)
        assert section is not None  # _pane_of checked it
        sections = list(assessment.questionnaire.parsed.sections)
        index = sections.index(section)
        context.update(
            pane=section.code,
            section=section,
            items=review_items(records, section.criteria),
            previous_section=sections[index - 1] if index > 0 else None,
            next_section=sections[index + 1] if index + 1 < len(sections) else None,
        )
        next_code = records.progress.next_in_or_after(section.code)
    context.update(_next_link(assessment, records, next_code))
    context["errors"] = errors or {}
    context["posted"] = request.POST if request.method == "POST" else {}
    context["saved"] = request.GET.get("saved", "")
    return render(request, "assessments/review/review.html", context, status=status)


@require_GET
def review_page(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The workspace: the summary and decision, or one section's answers with their evidence beside them."""
    assessment = get_assessment_for(request.user, pk)
    return _render_workspace(request, assessment, _pane_of(assessment, request.GET.get("section", "")))


def _render_item(
    request: AuthenticatedHttpRequest, assessment: Assessment, code: str, *, error: str = ""
) -> HttpResponse:
    """One answer's card after an in-place verdict, with the progress and the section navigation out of band."""
    records = read_records(assessment)
    context = workspace_context(request.user, assessment, records)
    criterion = context["criteria"][code]
    context.update(
        pane=criterion.section,
        item=review_items(records, [criterion])[0],
        errors={code: error} if error else {},
        posted=request.POST if error else {},
        saved="" if error else code,
        **_next_link(assessment, records, records.progress.next_to_do(code)),
    )
    return render(request, "assessments/review/_item_saved.html", context)


@require_POST
def review_answer(request: AuthenticatedHttpRequest, pk: int, code: str) -> HttpResponse:
    """Record a verdict: htmx gets the card back in place, a plain post goes back to the card."""
    assessment = get_assessment_for(request.user, pk)
    criterion = assessment.questionnaire.criteria_by_code.get(code)
    if criterion is None:
        raise Http404
    try:
        review.review_answer(
            request.user, assessment, code, request.POST.get("decision", ""), request.POST.get("note", "")
        )
    except review.ReviewRefused as exc:
        if request.htmx:
            return _render_item(request, assessment, code, error=str(exc))
        return _render_workspace(request, assessment, criterion.section, errors={code: str(exc)}, status=400)
    if request.htmx:
        return _render_item(request, assessment, code)
    base = reverse("assessments:review", args=[assessment.pk])
    return redirect(f"{base}?section={criterion.section}&saved={code}#crit-{code}")


@require_POST
def request_changes(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    assessment = get_assessment_for(request.user, pk)
    try:
        codes = review.request_changes(request.user, assessment, request.POST.get("message", ""))
    except review.ReviewRefused as exc:
        return _render_workspace(request, assessment, SUMMARY, errors={"changes": str(exc)}, status=400)
    messages.success(
        request, _("Changes requested for %(codes)s; the hoster has been told.") % {"codes": ", ".join(codes)}
    )
    return redirect("assessments:review", pk=assessment.pk)


@require_POST
def decide(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    assessment = get_assessment_for(request.user, pk)
    try:
        decision = review.decide(
            request.user, assessment, request.POST.get("outcome", ""), request.POST.get("rationale", "")
        )
    except review.ReviewRefused as exc:
        return _render_workspace(request, assessment, SUMMARY, errors={"decision": str(exc)}, status=400)
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
    return redirect("assessments:review", pk=assessment.pk)


def _thread_context(request: AuthenticatedHttpRequest, assessment: Assessment, code: str) -> dict[str, Any]:
    criterion = assessment.questionnaire.criteria_by_code.get(code)
    return {
        "assessment": assessment,
        "code": code,
        "thread": list(Comment.objects.filter(assessment=assessment, criterion_code=code).select_related("author")),
        "label": thread_label(criterion.code if criterion else ""),
        "can_comment": review.can_comment(request.user, assessment),
    }


@require_POST
def comment(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Send a message: htmx gets the thread back in place, a plain post goes back to the thread."""
    assessment = get_assessment_for(request.user, pk)
    code = request.POST.get("criterion", "")
    criterion = assessment.questionnaire.criteria_by_code.get(code)
    if code and criterion is None:
        raise Http404
    pane = criterion.section if criterion else SUMMARY
    try:
        review.post_comment(request.user, assessment, request.POST.get("body", ""), code)
    except review.ReviewRefused as exc:
        if request.htmx:
            context = {**_thread_context(request, assessment, code), "error": str(exc), "body": request.POST["body"]}
            return render(request, "assessments/review/_thread.html", context)
        return _render_workspace(request, assessment, pane, errors={f"comment-{code}": str(exc)}, status=400)
    if request.htmx:
        context = {**_thread_context(request, assessment, code), "sent": True}
        return render(request, "assessments/review/_thread.html", context)
    messages.success(request, _("Your message has been sent."))
    base = reverse("assessments:review", args=[assessment.pk])
    return redirect(f"{base}?section={pane}#thread-{code or 'assessment'}")


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
