"""What the review workspace shows: the progress, the section in view with each answer and its evidence, the summary.

Everything per answer comes from a fixed number of queries, however many answers, reviews and messages there are.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from assessments import review
from assessments.attachments import evidence_rule_text
from assessments.catalogue import Criterion, Section
from assessments.models import Answer, AnswerReview, Assessment, Comment, Decision, Evidence, Snapshot
from assessments.review_progress import AnswerState, ReviewProgress, progress_from
from assessments.review_rounds import AnswerChange, evidence_label, snapshot_diff
from portal.models import User

SUMMARY = "summary"
TEXT_PREVIEW_BYTES = 256 * 1024
TEXT_TYPES = {"csv", "txt"}
FIELD_LABELS = {
    "value": gettext_lazy("answer"),
    "na": gettext_lazy("not applicable"),
    "justification": gettext_lazy("justification"),
    "comment": gettext_lazy("the hoster's comment"),
}


@dataclass(frozen=True)
class EvidenceView:
    """One evidence item as the auditor sees it: its hash check and what can be shown beside the answer."""

    evidence: Evidence
    check: review.EvidenceCheck
    pdf: bool = False
    text: str | None = None
    truncated: bool = False


@dataclass(frozen=True)
class ChangeView:
    """What changed in one answer since the last round, in words: field, before, after; evidence by name."""

    fields: list[tuple[str, str, str]]
    added: list[dict[str, str]]
    removed: list[dict[str, str]]


@dataclass
class ReviewItem:
    """One answer in the workspace with everything shown beside it."""

    criterion: Criterion
    answer: Answer | None
    state: AnswerState
    review: AnswerReview | None
    history: list[AnswerReview] = field(default_factory=list)
    thread: list[Comment] = field(default_factory=list)
    evidence: list[EvidenceView] = field(default_factory=list)
    change: ChangeView | None = None

    @property
    def code(self) -> str:
        return self.criterion.code

    @property
    def evidence_rule(self) -> str:
        return evidence_rule_text(self.criterion.evidence)

    @property
    def viewer(self) -> EvidenceView | None:
        """The newest PDF that may be shown beside the answer: in a later round, the one just added."""
        return next((view for view in reversed(self.evidence) if view.pdf), None)

    @property
    def text_views(self) -> list[EvidenceView]:
        """Text and CSV documents, shown as text beside the answer."""
        return [view for view in self.evidence if view.text is not None]


# Reading once ------------------------------------------------------------------------------------------------------


@dataclass
class ReviewRecords:
    """The review's records read in one go: every verdict, the latest two rounds and the progress they give."""

    assessment: Assessment
    history: dict[str, list[AnswerReview]]
    in_force: dict[str, AnswerReview]
    changes: dict[str, AnswerChange] | None
    progress: ReviewProgress


def read_records(assessment: Assessment) -> ReviewRecords:
    """Two queries: every verdict with its reviewer, and the latest two snapshots."""
    history: dict[str, list[AnswerReview]] = defaultdict(list)
    for item in (
        AnswerReview.objects.filter(assessment=assessment).select_related("reviewer").order_by("created_at", "id")
    ):
        history[item.criterion_code].append(item)
    in_force = {code: items[-1] for code, items in history.items()}
    latest_two = list(Snapshot.objects.filter(assessment=assessment).order_by("-created_at", "-id")[:2])
    changes = snapshot_diff(latest_two[1].data, latest_two[0].data) if len(latest_two) == 2 else None
    snapshot_id = latest_two[0].pk if latest_two else None
    return ReviewRecords(assessment, history, in_force, changes, progress_from(assessment, in_force, snapshot_id))


# Items -------------------------------------------------------------------------------------------------------------


def _text_preview(evidence: Evidence) -> tuple[str, bool]:
    with evidence.file.open("rb") as stored:
        content = stored.read(TEXT_PREVIEW_BYTES + 1)
    return content[:TEXT_PREVIEW_BYTES].decode("utf-8", errors="replace"), len(content) > TEXT_PREVIEW_BYTES


def evidence_views(evidence: Iterable[Evidence]) -> list[EvidenceView]:
    """Each item with its SHA-256 re-checked; a PDF or text is shown only while it still matches."""
    views = []
    for item in evidence:
        check = review.check_evidence(item)
        if item.kind == Evidence.Kind.FILE and check.ok and item.detected_type in TEXT_TYPES:
            text, truncated = _text_preview(item)
            views.append(EvidenceView(item, check, text=text, truncated=truncated))
        else:
            pdf = item.kind == Evidence.Kind.FILE and check.ok and item.detected_type == "pdf"
            views.append(EvidenceView(item, check, pdf=pdf))
    return views


def _shown(criterion: Criterion, name: str, value: Any) -> str:
    if name == "na":
        return _("yes") if value else _("no")
    if name == "value" and criterion.type == "choice" and value in criterion.option_values:
        return criterion.option(value).label.get_text(get_language() or "en")
    return str(value) if value not in (None, "") else "—"


def change_view(criterion: Criterion, change: AnswerChange) -> ChangeView:
    def named(items: list[dict[str, Any]]) -> list[dict[str, str]]:
        return [{"label": evidence_label(item), "sha256": str(item.get("sha256") or "")} for item in items]

    return ChangeView(
        fields=[
            (str(FIELD_LABELS.get(name, name)), _shown(criterion, name, before), _shown(criterion, name, after))
            for name, before, after in change.fields
        ],
        added=named(change.evidence_added),
        removed=named(change.evidence_removed),
    )


def review_items(records: ReviewRecords, criteria: Iterable[Criterion]) -> list[ReviewItem]:
    """The given answers with their evidence, verdicts, threads and changes: three queries for any number."""
    criteria = list(criteria)
    codes = [criterion.code for criterion in criteria]
    assessment = records.assessment
    answers = {
        answer.criterion_code: answer
        for answer in Answer.objects.filter(assessment=assessment, criterion_code__in=codes).prefetch_related(
            "evidence"
        )
    }
    threads: dict[str, list[Comment]] = defaultdict(list)
    for comment in Comment.objects.filter(assessment=assessment, criterion_code__in=codes).select_related("author"):
        threads[comment.criterion_code].append(comment)
    changes = records.changes or {}
    items = []
    for criterion in criteria:
        answer = answers.get(criterion.code)
        change = changes.get(criterion.code)
        items.append(
            ReviewItem(
                criterion=criterion,
                answer=answer,
                state=records.progress.states[criterion.code],
                review=records.in_force.get(criterion.code),
                history=records.history.get(criterion.code, []),
                thread=threads.get(criterion.code, []),
                evidence=evidence_views(answer.evidence.all()) if answer else [],
                change=change_view(criterion, change) if change else None,
            )
        )
    return items


# The page ----------------------------------------------------------------------------------------------------------


def thread_label(code: str) -> str:
    """The heading of an answer's discussion, or of the whole assessment's for no code."""
    return _("Discussion of %(code)s") % {"code": code} if code else _("Discussion of the whole assessment")


def section_of(assessment: Assessment, code: str) -> Section | None:
    return next((s for s in assessment.questionnaire.parsed.sections if s.code == code), None)


def pane_url(base: str, section: str, code: str = "") -> str:
    """The workspace link to a section, and to one answer in it."""
    return f"{base}?section={section}{'#crit-' + code if code else ''}"


def workspace_context(user: User, assessment: Assessment, records: ReviewRecords) -> dict[str, Any]:
    """What every pane of the workspace shows: the status, the progress, the section navigation and who may act."""
    questionnaire = assessment.questionnaire.parsed
    progress = records.progress
    counts = {item.code: item for item in progress.sections()}
    is_reviewer = review.is_reviewer(user, assessment)
    context: dict[str, Any] = {
        "assessment": assessment,
        "questionnaire": questionnaire,
        "progress": progress,
        "nav": [(section, counts[section.code]) for section in questionnaire.sections],
        "criteria": assessment.questionnaire.criteria_by_code,
        "auditors": review.auditors_of(assessment),
        "decision": Decision.objects.filter(assessment=assessment).select_related("decided_by").first(),
        "is_reviewer": is_reviewer,
        "can_review": is_reviewer and assessment.status == Assessment.Status.IN_REVIEW,
        "can_comment": review.can_comment(user, assessment),
        "can_assign": user.is_supervisor and assessment.status in review.ASSIGNABLE_STATUSES,
        "decisions": AnswerReview.Decision.choices,
        "errors": {},
        "posted": {},
    }
    if context["can_assign"]:
        context["eligible"] = review.eligible_auditors(assessment)
    return context


OPEN_ORDER = (AnswerState.UNREVIEWED, AnswerState.CLARIFIED, AnswerState.ASKED)


def open_groups(records: ReviewRecords) -> list[tuple[AnswerState, list[Criterion]]]:
    """The answers approval still waits for, grouped by state (to review first), in questionnaire order."""
    criteria = records.assessment.questionnaire.criteria_by_code
    states = records.progress.states
    groups = [
        (state, [criteria[code] for code in records.progress.open if states[code] is state]) for state in OPEN_ORDER
    ]
    return [(state, members) for state, members in groups if members]


def summary_context(records: ReviewRecords) -> dict[str, Any]:
    """The summary pane: what changed since the last round, the whole-assessment thread, what is still open."""
    assessment = records.assessment
    criteria = assessment.questionnaire.criteria_by_code
    changes = records.changes
    return {
        "pane": SUMMARY,
        "changes": None
        if changes is None
        else [
            (criteria[code], change_view(criteria[code], change))
            for code, change in changes.items()
            if code in criteria
        ],
        "assessment_thread": list(
            Comment.objects.filter(assessment=assessment, criterion_code="").select_related("author")
        ),
        "open_groups": open_groups(records),
    }
