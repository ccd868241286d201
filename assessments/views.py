"""Assessment pages: list, start, overview, section forms with autosave, evidence and submission."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assessments.access import get_assessment_for, role_in
from assessments.answers import AssessmentLocked, codes_in_question, progress_of, save_answer
from assessments.attachments import attach_evidence_file, attach_evidence_url, evidence_rule_text, remove_evidence
from assessments.catalogue import Section
from assessments.downloads import evidence_file_response
from assessments.evidence import EvidenceRefused
from assessments.forms import AnswerForm, EvidenceForm, StartAssessmentForm
from assessments.models import Answer, Assessment, Evidence
from assessments.submission import SubmissionBlocked, default_period, missing_items, start_assessment, submit_assessment
from portal.access import AuthenticatedHttpRequest, get_hoster_for
from portal.models import MemberRole
from portal.refusals import show_refusal


def _context(request: AuthenticatedHttpRequest, assessment: Assessment) -> dict[str, Any]:
    role = role_in(request.user, assessment)
    in_question = codes_in_question(assessment) if assessment.status == Assessment.Status.CHANGES_REQUESTED else []
    return {
        "assessment": assessment,
        "questionnaire": assessment.questionnaire.parsed,
        "role": role,
        "can_edit": assessment.is_editable and role in {MemberRole.OWNER, MemberRole.EDITOR},
        "can_submit": role == MemberRole.OWNER and assessment.status in Assessment.SUBMITTABLE_STATUSES,
        "in_question": in_question,
    }


@require_GET
def assessment_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    assessments = (
        Assessment.objects.visible_to(request.user).select_related("hoster", "questionnaire").order_by("-created_at")
    )
    rows = [(assessment, progress_of(assessment)) for assessment in assessments]
    startable = [
        membership.hoster
        for membership in request.memberships
        if membership.is_owner and not Assessment.objects.filter(hoster=membership.hoster).open().exists()
    ]
    return render(request, "assessments/list.html", {"rows": rows, "startable": startable})


@require_http_methods(["GET", "POST"])
def start(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    hoster = get_hoster_for(request.user, slug, owner=True)
    period_start, period_end = default_period()
    form = StartAssessmentForm(request.POST or None, initial={"period_start": period_start, "period_end": period_end})
    if request.method == "POST" and form.is_valid():
        try:
            assessment = start_assessment(
                request.user, hoster, form.cleaned_data["period_start"], form.cleaned_data["period_end"]
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.error_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, exc)
        else:
            messages.success(request, _("The assessment has started. Answer the questions section by section."))
            return redirect("assessments:detail", pk=assessment.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "assessments/start.html", {"hoster": hoster, "form": form}, status=status)


@require_GET
def detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    assessment = get_assessment_for(request.user, pk)
    context = _context(request, assessment)
    context["progress"] = progress_of(assessment)
    context["missing"] = missing_items(assessment) if context["can_edit"] else []
    context["snapshots"] = assessment.snapshots.all()
    return render(request, "assessments/detail.html", context)


def _section_of(assessment: Assessment, code: str) -> Section:
    for section in assessment.questionnaire.parsed.sections:
        if section.code == code:
            return section
    raise Http404


def _render_section(
    request: AuthenticatedHttpRequest,
    assessment: Assessment,
    section: Section,
    bound: dict[str, AnswerForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    context = _context(request, assessment)
    answers = {
        answer.criterion_code: answer
        for answer in assessment.answers.prefetch_related("evidence").select_related("updated_by")
    }
    items = []
    for criterion in section.criteria:
        answer = answers.get(criterion.code)
        # While changes are requested only the answers in question stay open.
        editable = context["can_edit"] and (
            assessment.status != Assessment.Status.CHANGES_REQUESTED or criterion.code in context["in_question"]
        )
        form = (bound or {}).get(criterion.code) or AnswerForm.for_answer(criterion, answer, disabled=not editable)
        items.append(
            {
                "criterion": criterion,
                "editable": editable,
                "in_question": criterion.code in context["in_question"],
                "form": form,
                "answer": answer,
                "evidence": list(answer.evidence.all()) if answer else [],
                "evidence_form": EvidenceForm(criterion),
                "evidence_rule": evidence_rule_text(criterion.evidence),
            }
        )
    sections = list(assessment.questionnaire.parsed.sections)
    index = sections.index(section)
    context.update(
        section=section,
        items=items,
        progress=progress_of(assessment, answers),
        previous_section=sections[index - 1] if index > 0 else None,
        next_section=sections[index + 1] if index + 1 < len(sections) else None,
    )
    return render(request, "assessments/section.html", context, status=status)


@require_GET
def section(request: AuthenticatedHttpRequest, pk: int, code: str) -> HttpResponse:
    assessment = get_assessment_for(request.user, pk)
    return _render_section(request, assessment, _section_of(assessment, code))


@require_POST
def answer(request: AuthenticatedHttpRequest, pk: int, code: str) -> HttpResponse:
    """Save one answer: an htmx autosave gets the status fragment and the new progress, a plain post a redirect."""
    assessment = get_assessment_for(request.user, pk, write=True)
    criterion = assessment.questionnaire.criteria_by_code.get(code)
    if criterion is None:
        raise Http404
    form = AnswerForm(criterion, request.POST)
    saved: Answer | None = None
    if form.is_valid() and form.cleaned_answer is not None:
        try:
            saved = save_answer(request.user, assessment, code, form.cleaned_answer)
        except AssessmentLocked as refusal:
            if not request.htmx:
                raise  # a 403: the page offered no form for this answer
            show_refusal(request, refusal, form)
    if request.htmx:
        context = {
            "assessment": assessment,
            "criterion": criterion,
            "form": form,
            "saved": saved,
            "progress": progress_of(assessment),
        }
        response = render(request, "assessments/_answer_saved.html", context)
        if saved:
            response["HX-Trigger"] = "answerSaved"  # the score-card preview refreshes itself
        return response
    section_obj = _section_of(assessment, criterion.section)
    if saved is None:
        return _render_section(request, assessment, section_obj, {code: form}, status=400)
    messages.success(request, _("Answer to %(code)s saved.") % {"code": code})
    return redirect(f"{reverse('assessments:section', args=[assessment.pk, criterion.section])}#crit-{code}")


@require_POST
def evidence_add(request: AuthenticatedHttpRequest, pk: int, code: str) -> HttpResponse:
    assessment = get_assessment_for(request.user, pk, write=True)
    criterion = assessment.questionnaire.criteria_by_code.get(code)
    if criterion is None:
        raise Http404
    form = EvidenceForm(criterion, request.POST, request.FILES)
    target = f"{reverse('assessments:section', args=[assessment.pk, criterion.section])}#crit-{code}"
    if not form.is_valid():
        for error in form.errors.get("__all__", []) + form.errors.get("url", []) + form.errors.get("file", []):
            messages.error(request, f"{code}: {error}")
        return redirect(target)
    upload = form.cleaned_data.get("file")
    try:
        if upload is not None:
            evidence = attach_evidence_file(request.user, assessment, code, upload, upload.name)
            messages.success(
                request, _("%(code)s: document %(name)s added.") % {"code": code, "name": evidence.original_name}
            )
        else:
            attach_evidence_url(request.user, assessment, code, form.cleaned_data["url"])
            messages.success(request, _("%(code)s: web address added.") % {"code": code})
    except EvidenceRefused as refusal:
        show_refusal(request, refusal)
    except ValidationError as exc:
        messages.error(request, f"{code}: {' '.join(exc.messages)}")
    return redirect(target)


def _evidence_of(assessment: Assessment, evidence_pk: int) -> Evidence:
    return get_object_or_404(Evidence.objects.select_related("answer"), pk=evidence_pk, answer__assessment=assessment)


@require_GET
def evidence_download(request: AuthenticatedHttpRequest, pk: int, evidence_pk: int) -> HttpResponseBase:
    """The stored document, only through this access check, always as a download named by its detected type."""
    assessment = get_assessment_for(request.user, pk)
    evidence = _evidence_of(assessment, evidence_pk)
    if evidence.kind != Evidence.Kind.FILE:
        raise Http404
    return evidence_file_response(evidence, inline=False, csp="default-src 'none'; sandbox")


@require_POST
def evidence_remove(request: AuthenticatedHttpRequest, pk: int, evidence_pk: int) -> HttpResponse:
    assessment = get_assessment_for(request.user, pk, write=True)
    evidence = _evidence_of(assessment, evidence_pk)
    code = evidence.answer.criterion_code
    remove_evidence(request.user, assessment, evidence)
    messages.success(request, _("%(code)s: evidence removed.") % {"code": code})
    criterion = assessment.questionnaire.criteria_by_code[code]
    return redirect(f"{reverse('assessments:section', args=[assessment.pk, criterion.section])}#crit-{code}")


@require_POST
def submit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    assessment = get_assessment_for(request.user, pk, owner=True)
    try:
        submit_assessment(request.user, assessment)
    except SubmissionBlocked as blocked:
        # Not a message: the page lists every missing item where the owner can act on it.
        context = _context(request, assessment)
        context.update(
            progress=progress_of(assessment),
            missing=blocked.missing,
            submit_blocked=True,
            snapshots=assessment.snapshots.all(),
        )
        return render(request, "assessments/detail.html", context, status=400)
    messages.success(request, _("The assessment has been submitted. Its answers are now frozen for review."))
    return redirect("assessments:detail", pk=assessment.pk)
