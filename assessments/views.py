"""Assessment pages: list, start, overview, section forms with autosave, evidence and submission."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assessments import services
from assessments.catalogue import Section
from assessments.evidence import EvidenceRefused
from assessments.forms import AnswerForm, EvidenceForm, StartAssessmentForm
from assessments.models import Answer, Assessment, Evidence
from portal.access import get_hoster_for
from portal.files import private_file_response
from portal.models import MemberRole


def _context(request: HttpRequest, assessment: Assessment) -> dict[str, Any]:
    role = services.role_in(request.user, assessment)
    in_question = (
        services.codes_in_question(assessment) if assessment.status == Assessment.Status.CHANGES_REQUESTED else []
    )
    return {
        "assessment": assessment,
        "questionnaire": assessment.questionnaire.parsed,
        "role": role,
        "can_edit": assessment.is_editable and role in {MemberRole.OWNER, MemberRole.EDITOR},
        "can_submit": role == MemberRole.OWNER and assessment.status in Assessment.SUBMITTABLE_STATUSES,
        "in_question": in_question,
    }


@require_GET
def assessment_list(request: HttpRequest) -> HttpResponse:
    assessments = (
        Assessment.objects.visible_to(request.user).select_related("hoster", "questionnaire").order_by("-created_at")
    )
    rows = [(assessment, services.progress_of(assessment)) for assessment in assessments]
    startable = [
        membership.hoster
        for membership in request.memberships
        if membership.is_owner and not Assessment.objects.filter(hoster=membership.hoster).open().exists()
    ]
    return render(request, "assessments/list.html", {"rows": rows, "startable": startable})


@require_http_methods(["GET", "POST"])
def start(request: HttpRequest, slug: str) -> HttpResponse:
    hoster = get_hoster_for(request.user, slug, owner=True)
    period_start, period_end = services.default_period()
    form = StartAssessmentForm(request.POST or None, initial={"period_start": period_start, "period_end": period_end})
    if request.method == "POST" and form.is_valid():
        try:
            assessment = services.start_assessment(
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
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = services.get_assessment_for(request.user, pk)
    context = _context(request, assessment)
    context["progress"] = services.progress_of(assessment)
    context["missing"] = services.missing_items(assessment) if context["can_edit"] else []
    context["snapshots"] = assessment.snapshots.all()
    return render(request, "assessments/detail.html", context)


def _section_of(assessment: Assessment, code: str) -> Section:
    for section in assessment.questionnaire.parsed.sections:
        if section.code == code:
            return section
    raise Http404


def _render_section(
    request: HttpRequest,
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
                "evidence_rule": services.evidence_rule_text(criterion.evidence),
            }
        )
    sections = list(assessment.questionnaire.parsed.sections)
    index = sections.index(section)
    context.update(
        section=section,
        items=items,
        progress=services.progress_of(assessment, answers),
        previous_section=sections[index - 1] if index > 0 else None,
        next_section=sections[index + 1] if index + 1 < len(sections) else None,
    )
    return render(request, "assessments/section.html", context, status=status)


@require_GET
def section(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    assessment = services.get_assessment_for(request.user, pk)
    return _render_section(request, assessment, _section_of(assessment, code))


@require_POST
def answer(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    """Save one answer: an htmx autosave gets the status fragment and the new progress, a plain post a redirect."""
    assessment = services.get_assessment_for(request.user, pk, write=True)
    criterion = assessment.questionnaire.criteria_by_code.get(code)
    if criterion is None:
        raise Http404
    form = AnswerForm(criterion, request.POST)
    saved: Answer | None = None
    error = ""
    if form.is_valid():
        try:
            saved = services.save_answer(request.user, assessment, code, form.cleaned_answer)
        except services.AssessmentLocked as exc:
            error = str(exc.args[0])
    if request.htmx:
        context = {
            "assessment": assessment,
            "criterion": criterion,
            "form": form,
            "saved": saved,
            "error": error,
            "progress": services.progress_of(assessment),
        }
        response = render(request, "assessments/_answer_saved.html", context)
        if saved:
            response["HX-Trigger"] = "answerSaved"  # the score-card preview refreshes itself
        return response
    if error:
        raise PermissionDenied(error)
    section_obj = _section_of(assessment, criterion.section)
    if saved is None:
        return _render_section(request, assessment, section_obj, {code: form}, status=400)
    messages.success(request, _("Answer to %(code)s saved.") % {"code": code})
    return redirect(f"{reverse('assessments:section', args=[assessment.pk, criterion.section])}#crit-{code}")


@require_POST
def evidence_add(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    assessment = services.get_assessment_for(request.user, pk, write=True)
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
            evidence = services.attach_evidence_file(request.user, assessment, code, upload, upload.name)
            messages.success(
                request, _("%(code)s: document %(name)s added.") % {"code": code, "name": evidence.original_name}
            )
        else:
            services.attach_evidence_url(request.user, assessment, code, form.cleaned_data["url"])
            messages.success(request, _("%(code)s: web address added.") % {"code": code})
    except EvidenceRefused as exc:
        messages.error(request, _("%(code)s: the document was refused. %(reason)s") % {"code": code, "reason": exc})
        return redirect(target)
    except ValidationError as exc:
        messages.error(request, f"{code}: {' '.join(exc.messages)}")
    return redirect(target)


def _evidence_of(assessment: Assessment, evidence_pk: int) -> Evidence:
    return get_object_or_404(Evidence.objects.select_related("answer"), pk=evidence_pk, answer__assessment=assessment)


@require_GET
def evidence_download(request: HttpRequest, pk: int, evidence_pk: int) -> HttpResponse:
    """The stored document, only through this access check, always as a download."""
    assessment = services.get_assessment_for(request.user, pk)
    evidence = _evidence_of(assessment, evidence_pk)
    if evidence.kind != Evidence.Kind.FILE:
        raise Http404
    return private_file_response(
        evidence.file,
        filename=evidence.original_name,
        content_type=evidence.content_type or "application/octet-stream",
        as_attachment=True,
        csp="default-src 'none'; sandbox",
    )


@require_POST
def evidence_remove(request: HttpRequest, pk: int, evidence_pk: int) -> HttpResponse:
    assessment = services.get_assessment_for(request.user, pk, write=True)
    evidence = _evidence_of(assessment, evidence_pk)
    code = evidence.answer.criterion_code
    services.remove_evidence(request.user, assessment, evidence)
    messages.success(request, _("%(code)s: evidence removed.") % {"code": code})
    criterion = assessment.questionnaire.criteria_by_code[code]
    return redirect(f"{reverse('assessments:section', args=[assessment.pk, criterion.section])}#crit-{code}")


@require_POST
def submit(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = services.get_assessment_for(request.user, pk, owner=True)
    try:
        services.submit_assessment(request.user, assessment)
    except services.SubmissionBlocked as exc:
        context = _context(request, assessment)
        context.update(
            progress=services.progress_of(assessment),
            missing=exc.missing,
            submit_blocked=True,
            snapshots=assessment.snapshots.all(),
        )
        return render(request, "assessments/detail.html", context, status=400)
    messages.success(request, _("The assessment has been submitted. Its answers are now frozen for review."))
    return redirect("assessments:detail", pk=assessment.pk)
