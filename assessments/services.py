"""The assessments' services in one namespace; the verbs live per concern in `access`, `answers`, `attachments`
and `submission` (the auditor's side is `review`)."""

from __future__ import annotations

from assessments.access import get_assessment_for, role_in
from assessments.answers import (
    MAX_TEXT,
    AnswerInput,
    AnswersInvalid,
    AssessmentLocked,
    Progress,
    SectionProgress,
    clean_answer,
    clean_value,
    codes_in_question,
    progress_of,
    save_answer,
    save_answers,
    validate_answers,
)
from assessments.attachments import (
    EVIDENCE_NEEDED,
    attach_evidence_file,
    attach_evidence_url,
    evidence_required,
    evidence_rule_text,
    evidence_satisfies,
    remove_evidence,
)
from assessments.submission import (
    MissingItem,
    SubmissionBlocked,
    default_period,
    missing_items,
    snapshot_data,
    start_assessment,
    submit_assessment,
)

__all__ = [
    "EVIDENCE_NEEDED",
    "MAX_TEXT",
    "AnswerInput",
    "AnswersInvalid",
    "AssessmentLocked",
    "MissingItem",
    "Progress",
    "SectionProgress",
    "SubmissionBlocked",
    "attach_evidence_file",
    "attach_evidence_url",
    "clean_answer",
    "clean_value",
    "codes_in_question",
    "default_period",
    "evidence_required",
    "evidence_rule_text",
    "evidence_satisfies",
    "get_assessment_for",
    "missing_items",
    "progress_of",
    "remove_evidence",
    "role_in",
    "save_answer",
    "save_answers",
    "snapshot_data",
    "start_assessment",
    "submit_assessment",
    "validate_answers",
]
