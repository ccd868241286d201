"""An assessment's audit events as sentences in the reader's language, grouped by day.

Each action code that can reach an assessment's timeline has its sentence here; any other code gets a generic
sentence, never the bare code. The raw event stays in the audit log (supervisors may open it on the page).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from portal.models import AuditEvent, User

Facts = dict[str, Any]
Sentence = Callable[[str, Facts], str]
"""The sentence of one event: the actor's name and the event's data in, the text out."""

DETAIL_KEYS = ("note", "message", "body", "rationale", "reason")
"""Free text a person wrote with the event, shown under its sentence."""


def _day(value: Any) -> str:
    return date_format(date.fromisoformat(str(value)[:10]), "j F Y")


def _codes(codes: Iterable[Any]) -> str:
    return ", ".join(str(code) for code in codes)


def _answers_saved(actor: str, data: Facts) -> str:
    codes = list(data.get("answers") or {})
    text = ngettext(
        "%(actor)s saved the answer to %(codes)s.", "%(actor)s saved the answers to %(codes)s.", len(codes)
    ) % {"actor": actor, "codes": _codes(codes)}
    if data.get("via") == "api":
        text = f"{text} {_('(Through the API.)')}"
    return text


def _evidence_added(actor: str, data: Facts) -> str:
    if data.get("kind") == "url":
        return _("%(actor)s added the web address %(url)s as evidence for %(code)s.") % {
            "actor": actor,
            "url": data["url"],
            "code": data["criterion"],
        }
    return _("%(actor)s added the document “%(name)s” as evidence for %(code)s.") % {
        "actor": actor,
        "name": data["name"],
        "code": data["criterion"],
    }


def _evidence_removed(actor: str, data: Facts) -> str:
    what = data.get("url") if data.get("kind") == "url" else data.get("name")
    return _("%(actor)s removed the evidence “%(what)s” from %(code)s.") % {
        "actor": actor,
        "what": what,
        "code": data["criterion"],
    }


def _comment(actor: str, data: Facts) -> str:
    if data.get("criterion"):
        return _("%(actor)s wrote a message about %(code)s.") % {"actor": actor, "code": data["criterion"]}
    return _("%(actor)s wrote a message in the discussion.") % {"actor": actor}


def _approved(actor: str, data: Facts) -> str:
    if data.get("certificate"):
        return _("%(actor)s approved the self-assessment: grade %(grade)s, certificate %(serial)s.") % {
            "actor": actor,
            "grade": data.get("grade"),
            "serial": data["certificate"],
        }
    if data.get("grade"):
        return _("%(actor)s approved the self-assessment: grade %(grade)s, without a certificate.") % {
            "actor": actor,
            "grade": data["grade"],
        }
    return _("%(actor)s approved the self-assessment.") % {"actor": actor}


def _rating_saved(actor: str, data: Facts) -> str:
    facts = {"actor": actor, "grade": data["grade"], "score": data["score"]}
    if data.get("basis") == "verified":
        return _("The verified score was recorded: grade %(grade)s, %(score)s points.") % facts
    return _("%(actor)s recorded the self-assessed score: grade %(grade)s, %(score)s points.") % facts


def _simple(text: str) -> Sentence:
    """A sentence that needs only the actor (the text is translated when the sentence is made, not here)."""
    return lambda actor, data: _(text) % {"actor": actor}


def _about(text: str, key: str = "criterion") -> Sentence:
    """A sentence about one criterion (or another value of the data: `key` is also its placeholder's name)."""
    return lambda actor, data: _(text) % {"actor": actor, key: data[key]}


SENTENCES: dict[str, Sentence] = {
    "assessments.assessment.started": lambda actor, data: (
        _("%(actor)s started the self-assessment for %(start)s to %(end)s.")
        % {"actor": actor, "start": _day(data["period"][0]), "end": _day(data["period"][1])}
    ),
    "assessments.answers.saved": _answers_saved,
    "assessments.evidence.added": _evidence_added,
    "assessments.evidence.removed": _evidence_removed,
    "assessments.assessment.submitted": _simple(gettext_noop("%(actor)s submitted the self-assessment for review.")),
    "assessments.assessment.resubmitted": _simple(
        gettext_noop("%(actor)s submitted the self-assessment again after the changes.")
    ),
    "assessments.auditor.assigned": _about(gettext_noop("%(actor)s assigned %(auditor)s as auditor."), "auditor"),
    "assessments.answer.accepted": _about(gettext_noop("%(actor)s accepted the answer to %(criterion)s.")),
    "assessments.answer.rejected": _about(gettext_noop("%(actor)s rejected the answer to %(criterion)s.")),
    "assessments.answer.clarification": _about(
        gettext_noop("%(actor)s asked for clarification of the answer to %(criterion)s.")
    ),
    "assessments.assessment.changes_requested": lambda actor, data: (
        _("%(actor)s asked for changes to %(codes)s.") % {"actor": actor, "codes": _codes(data["criteria"])}
    ),
    "assessments.comment.posted": _comment,
    "assessments.assessment.approved": _approved,
    "assessments.assessment.rejected": _simple(gettext_noop("%(actor)s rejected the self-assessment.")),
    "scoring.rating.saved": _rating_saved,
    "scoring.certificate.issued": lambda actor, data: (
        _("Certificate %(serial)s was issued with grade %(grade)s, valid until %(until)s.")
        % {"serial": data["serial"], "grade": data["grade"], "until": _day(data["valid_until"])}
    ),
    "scoring.certificate.suspended": _simple(gettext_noop("%(actor)s suspended the certificate.")),
    "scoring.certificate.reinstated": _simple(gettext_noop("%(actor)s reinstated the certificate.")),
    "scoring.certificate.revoked": _simple(gettext_noop("%(actor)s revoked the certificate.")),
    "scoring.certificate.expired": _simple(gettext_noop("The certificate expired.")),
    "scoring.certificate.superseded": _about(
        gettext_noop("The certificate was replaced by certificate %(superseded_by)s."), "superseded_by"
    ),
    "scoring.certificate.expiry_warned": lambda actor, data: (
        ngettext(
            "The owners were warned that the certificate expires in %(days)d day.",
            "The owners were warned that the certificate expires in %(days)d days.",
            int(data["days_left"]),
        )
        % {"days": int(data["days_left"])}
    ),
}


def actor_name(event: AuditEvent) -> str:
    """The person's name, else their e-mail address at the time; the portal itself for automatic events."""
    user: User | None = event.actor
    if user is not None:
        return user.get_full_name() or user.email
    return event.actor_label or _("The portal")


def sentence_for(event: AuditEvent, people: dict[str, str] | None = None) -> str:
    """The event in words; `people` names the users the data knows only by e-mail address (an assigned auditor)."""
    actor = actor_name(event)
    data = event.data if isinstance(event.data, dict) else {}
    sentence = SENTENCES.get(event.action)
    if sentence is not None:
        facts = {**data, "serial": data.get("serial") or event.object_repr}
        if isinstance(data.get("auditor"), str):
            facts["auditor"] = (people or {}).get(data["auditor"]) or data["auditor"]
        try:
            return sentence(actor, facts)
        except (KeyError, IndexError, TypeError, ValueError):
            pass  # data of an older shape: the generic sentence below still says who did something
    return _("%(actor)s did something this timeline cannot put into words yet; the audit log keeps the details.") % {
        "actor": actor
    }


def detail_of(event: AuditEvent) -> str:
    data = event.data if isinstance(event.data, dict) else {}
    return next((data[key] for key in DETAIL_KEYS if isinstance(data.get(key), str) and data[key].strip()), "")


@dataclass(frozen=True)
class Entry:
    event: AuditEvent
    sentence: str
    detail: str
    at: datetime

    @property
    def raw(self) -> str:
        """The event as the audit log holds it, for supervisors."""
        return json.dumps(
            {"action": self.event.action, "object": self.event.object_repr, "data": self.event.data},
            cls=DjangoJSONEncoder,
            ensure_ascii=False,
            indent=2,
            sort_keys=True,
        )


@dataclass(frozen=True)
class Day:
    day: date
    entries: list[Entry]


def _people_named_in(events: list[AuditEvent]) -> dict[str, str]:
    emails = {event.data["auditor"] for event in events if isinstance(event.data, dict) and event.data.get("auditor")}
    users = User.objects.filter(email__in=emails) if emails else User.objects.none()
    return {user.email: user.get_full_name() for user in users if user.get_full_name()}


def timeline_days(events: Iterable[AuditEvent]) -> list[Day]:
    """The events as sentences, in the order given, grouped by their day in the site's time zone."""
    events = list(events)
    people = _people_named_in(events)
    days: list[Day] = []
    for event in events:
        at = timezone.localtime(event.at)
        entry = Entry(event, sentence_for(event, people), detail_of(event), at)
        if days and days[-1].day == at.date():
            days[-1].entries.append(entry)
        else:
            days.append(Day(at.date(), [entry]))
    return days
