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
from assessments.catalogue import Criterion, Section
from assessments.downloads import evidence_file_response
from assessments.evidence import EvidenceRefused
from assessments.forms import AnswerForm, EvidenceForm, StartAssessmentForm
from assessments.models import Answer, Assessment, Evidence
from assessments.submission import SubmissionBlocked, default_period, missing_items, start_assessment, submit_assessment
from portal.access import AuthenticatedHttpRequest, get_hoster_for
from portal.models import MemberRole
from portal.refusals import show_refusal

EVIDENCE_FEEDBACK_KEY = "assessments.evidence_feedback"
"""The session key of an evidence outcome waiting for the section page that a plain (no-JavaScript) post lands on."""


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


def _item(
    context: dict[str, Any],
    criterion: Criterion,
    answer: Answer | None,
    form: AnswerForm | None = None,
    *,
    feedback: dict[str, str] | None = None,
) -> dict[str, Any]:
    """One question of a section page: its answer form, its evidence block and the feedback of the last action."""
    assessment: Assessment = context["assessment"]
    # While changes are requested only the answers in question stay open.
    editable = context["can_edit"] and (
        assessment.status != Assessment.Status.CHANGES_REQUESTED or criterion.code in context["in_question"]
    )
    return {
        "criterion": criterion,
        "editable": editable,
        "in_question": criterion.code in context["in_question"],
        "form": form or AnswerForm.for_answer(criterion, answer, disabled=not editable),
        "answer": answer,
        "evidence": list(answer.evidence.all()) if answer else [],
        "evidence_form": EvidenceForm(criterion),
        "evidence_rule": evidence_rule_text(criterion.evidence),
        **{f"evidence_{key}": value for key, value in (feedback or {}).items()},
    }


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
    feedback = _pop_evidence_feedback(request, assessment)
    items = [
        _item(
            context,
            criterion,
            answers.get(criterion.code),
            (bound or {}).get(criterion.code),
            feedback=feedback.get(criterion.code),
        )
        for criterion in section.criteria
    ]
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
    criterion = _criterion_of(assessment, code)
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


def _criterion_of(assessment: Assessment, code: str) -> Criterion:
    criterion = assessment.questionnaire.criteria_by_code.get(code)
    if criterion is None:
        raise Http404
    return criterion


def _evidence_feedback(
    request: AuthenticatedHttpRequest,
    assessment: Assessment,
    criterion: Criterion,
    *,
    error: str,
    done: str,
    **extra: str,
) -> HttpResponse:
    """The outcome of adding or removing evidence, at the question it concerns.

    htmx swaps the question's evidence block: a refusal appears in it at the field (which takes focus), a
    confirmation in the live region beside it. Without JavaScript the post returns to the section page, at the
    refused field (which the browser then focuses) or at the question, and shows the outcome in the same places:
    it waits in the session for that one render.
    """
    code = criterion.code
    feedback = {"error": error.removeprefix(f"{code}: "), "done": done, **extra}
    if request.htmx:
        context = _context(request, assessment)
        answer = assessment.answers.prefetch_related("evidence").filter(criterion_code=code).first()
        item = _item(context, criterion, answer, feedback=feedback)
        return render(request, "assessments/_evidence_response.html", {**context, "item": item})
    request.session[EVIDENCE_FEEDBACK_KEY] = {"assessment": assessment.pk, "criterion": code, "feedback": feedback}
    # The browser focuses the element a fragment names: a refused field gets the keyboard, its error read with it.
    anchor = f"crit-{code}"
    if error and criterion.evidence != "none":
        anchor = EvidenceForm(criterion)[extra.get("error_field", "file")].id_for_label
    return redirect(f"{reverse('assessments:section', args=[assessment.pk, criterion.section])}#{anchor}")


def _pop_evidence_feedback(request: AuthenticatedHttpRequest, assessment: Assessment) -> dict[str, dict[str, str]]:
    """The outcome left by the last evidence action without JavaScript, by criterion; shown once, then gone."""
    stored = request.session.pop(EVIDENCE_FEEDBACK_KEY, None)
    if not isinstance(stored, dict) or stored.get("assessment") != assessment.pk:
        return {}
    return {stored["criterion"]: stored["feedback"]}


def _add_evidence(request: AuthenticatedHttpRequest, assessment: Assessment, code: str, form: EvidenceForm) -> str:
    """Attach the form's document or web address; the confirmation, or EvidenceRefused/ValidationError."""
    upload = form.cleaned_data.get("file")
    if upload is not None:
        evidence = attach_evidence_file(request.user, assessment, code, upload, upload.name)
        return _("%(code)s: document %(name)s added.") % {"code": code, "name": evidence.original_name}
    attach_evidence_url(request.user, assessment, code, form.cleaned_data["url"])
    return _("%(code)s: web address added.") % {"code": code}


@require_POST
def evidence_add(request: AuthenticatedHttpRequest, pk: int, code: str) -> HttpResponse:
    assessment = get_assessment_for(request.user, pk, write=True)
    criterion = _criterion_of(assessment, code)
    form = EvidenceForm(criterion, request.POST, request.FILES)
    error, done = "", ""
    if not form.is_valid():
        error = " ".join(str(message) for name in ("__all__", "url", "file") for message in form.errors.get(name, []))
    else:
        try:
            done = _add_evidence(request, assessment, code, form)
        except EvidenceRefused as refusal:
            error = str(refusal)
        except ValidationError as exc:
            error = " ".join(exc.messages)
    # The refused field: the one that was filled in (the document when both or neither were).
    typed_url = request.POST.get("url", "").strip()
    field = "url" if criterion.evidence == "url" or (typed_url and not request.FILES.get("file")) else "file"
    return _evidence_feedback(
        request, assessment, criterion, error=error, done=done, error_field=field, url=typed_url if error else ""
    )


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
    criterion = _criterion_of(assessment, evidence.answer.criterion_code)
    remove_evidence(request.user, assessment, evidence)
    done = _("%(code)s: evidence removed.") % {"code": criterion.code}
    return _evidence_feedback(request, assessment, criterion, error="", done=done)


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
