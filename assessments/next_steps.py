"""What a hoster does next with an assessment, in words, by its state and the reader's role at the hoster."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from assessments.answers import codes_in_question
from assessments.models import Assessment, Decision
from assessments.submission import missing_items
from portal.models import MemberRole

ANSWERING_ROLES = {MemberRole.OWNER, MemberRole.EDITOR}


@dataclass(frozen=True)
class NextStep:
    """One sentence, and where to do it when the reader can act (`url` and its `label`)."""

    text: str
    url: str = ""
    label: str = ""


def _draft_step(assessment: Assessment, role: str | None) -> NextStep:
    if role not in ANSWERING_ROLES:
        return NextStep(_("The owners and editors are answering the questions."))
    missing = missing_items(assessment)
    unanswered = [item for item in missing if item.reason == "unanswered"]
    if missing:
        if unanswered:
            text = ngettext(
                "%(count)d question still needs an answer.",
                "%(count)d questions still need an answer.",
                len(unanswered),
            ) % {"count": len(unanswered)}
        else:
            text = ngettext(
                "%(count)d answer still needs evidence or a justification.",
                "%(count)d answers still need evidence or a justification.",
                len(missing),
            ) % {"count": len(missing)}
        section = assessment.questionnaire.criteria_by_code[missing[0].criterion].section
        return NextStep(text, reverse("assessments:section", args=[assessment.pk, section]), _("Continue answering"))
    detail = reverse("assessments:detail", args=[assessment.pk])
    if role == MemberRole.OWNER:
        return NextStep(_("Everything is in place. Submit it for review."), f"{detail}#submit-heading", _("Submit"))
    return NextStep(_("Everything is in place. Ask an owner to submit it."))


def _changes_step(assessment: Assessment, role: str | None) -> NextStep:
    codes = ", ".join(codes_in_question(assessment))
    review = reverse("assessments:review", args=[assessment.pk])
    if role == MemberRole.OWNER:
        text = _("The auditor asks about %(codes)s. Change those answers, reply on the review page, then resubmit.")
    elif role == MemberRole.EDITOR:
        text = _(
            "The auditor asks about %(codes)s. Change those answers and reply on the review page; "
            "an owner then resubmits."
        )
    else:
        return NextStep(_("The auditor asked about %(codes)s; the owners and editors respond.") % {"codes": codes})
    return NextStep(text % {"codes": codes}, review, _("Read the auditor's questions"))


def _decision_of(assessment: Assessment) -> Decision | None:
    """The auditor's decision; no query when the assessment was read with `select_related("decision")`."""
    try:
        return assessment.decision
    except Decision.DoesNotExist:
        return None


def _approved_step(assessment: Assessment) -> NextStep:
    decision = _decision_of(assessment)
    certificate = f"{reverse('hoster_detail', args=[assessment.hoster.slug])}#certificate"
    if decision is not None and not decision.certifiable:
        return NextStep(
            _("Approved, but no certificate was issued; the verified score card says why."),
            reverse("scorecard_detail", args=[assessment.pk]),
            _("Score card"),
        )
    return NextStep(_("Approved. The certificate is on the company page."), certificate, _("Certificate"))


def next_step(assessment: Assessment, role: str | None) -> NextStep:
    """The next step for a member with `role` (None for readers from outside the hoster)."""
    status = assessment.status
    if status == Assessment.Status.DRAFT:
        return _draft_step(assessment, role)
    if status == Assessment.Status.CHANGES_REQUESTED:
        return _changes_step(assessment, role)
    if status == Assessment.Status.SUBMITTED:
        return NextStep(_("A supervisor assigns an auditor; there is nothing for you to do now."))
    if status == Assessment.Status.IN_REVIEW:
        return NextStep(_("An auditor is reviewing the answers. You get an e-mail if they have a question."))
    if status == Assessment.Status.APPROVED:
        return _approved_step(assessment)
    return NextStep(
        _("Read the auditor's rationale on the review page; to try again, start a new self-assessment."),
        reverse("assessments:review", args=[assessment.pk]),
        _("Review and discussion"),
    )
