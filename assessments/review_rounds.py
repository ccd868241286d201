"""What changed between two submitted rounds: per answer the fields and the evidence added or removed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from assessments.models import Assessment, Snapshot


@dataclass(frozen=True)
class AnswerChange:
    """How one criterion's answer and evidence differ between two submissions."""

    criterion: str
    fields: list[tuple[str, Any, Any]] = field(default_factory=list)
    evidence_added: list[dict[str, Any]] = field(default_factory=list)
    evidence_removed: list[dict[str, Any]] = field(default_factory=list)


def _evidence_key(item: dict[str, Any]) -> tuple[str, str]:
    return (item.get("kind", ""), item.get("sha256") or item.get("url", ""))


def snapshot_diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, AnswerChange]:
    """Per changed criterion: the answer fields that changed and the evidence added or removed."""
    old, new = before.get("answers", {}), after.get("answers", {})
    changes: dict[str, AnswerChange] = {}
    for code in sorted(set(old) | set(new)):
        was, now = old.get(code, {}), new.get(code, {})
        fields = [
            (name, was.get(name, ""), now.get(name, ""))
            for name in ("value", "na", "justification", "comment")
            if was.get(name, "") != now.get(name, "")
        ]
        was_evidence = {_evidence_key(item): item for item in was.get("evidence", [])}
        now_evidence = {_evidence_key(item): item for item in now.get("evidence", [])}
        added = [item for key, item in now_evidence.items() if key not in was_evidence]
        removed = [item for key, item in was_evidence.items() if key not in now_evidence]
        if fields or added or removed:
            changes[code] = AnswerChange(code, fields, added, removed)
    return changes


def changes_since_last_round(assessment: Assessment) -> dict[str, AnswerChange] | None:
    """The diff of the two latest submissions, or None before there has been a second round."""
    latest_two = list(Snapshot.objects.filter(assessment=assessment).order_by("-created_at", "-id")[:2])
    if len(latest_two) < 2:
        return None
    newer, older = latest_two
    return snapshot_diff(older.data, newer.data)


def evidence_label(item: dict[str, Any]) -> str:
    """How a snapshot's evidence record is named to people: a document by its file name, a link by its URL."""
    return str(item.get("name") or item.get("url") or "")
