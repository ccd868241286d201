"""Publishing questionnaire files into the database: idempotent, and a published version never changes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction

from assessments.catalogue import CatalogueError, Questionnaire, load_questionnaire, questionnaire_to_dict
from assessments.models import QuestionnaireVersion, checksum
from portal.audit import log_action


def questionnaire_dir() -> Path:
    return Path(settings.BASE_DIR) / "fixtures" / "questionnaires"


@dataclass(frozen=True)
class Published:
    version: QuestionnaireVersion
    created: bool


@transaction.atomic
def publish_questionnaire(questionnaire: Questionnaire, source: str, *, audit: bool = True) -> Published:
    """Store `questionnaire` once; the same code and version with other content is refused.

    `migrate` publishes without an audit event, like any schema or data migration; the command audits.
    """
    definition = questionnaire_to_dict(questionnaire)
    digest = checksum(definition)
    existing = QuestionnaireVersion.objects.filter(code=questionnaire.code, version=questionnaire.version).first()
    if existing is not None:
        if existing.checksum != digest:
            raise CatalogueError(
                f"{source}: {questionnaire.code} version {questionnaire.version} is already published with"
                f" different content (published {existing.published_at:%Y-%m-%d}); a published version is"
                f" immutable, so give the changed questionnaire a new version number"
            )
        return Published(existing, created=False)
    version = QuestionnaireVersion.objects.create(
        code=questionnaire.code,
        version=questionnaire.version,
        title=questionnaire.title.to_dict(),
        definition=definition,
        checksum=digest,
        source=source,
    )
    if audit:
        log_action(
            None,
            "assessments.questionnaire.published",
            version,
            {"code": version.code, "version": version.version, "checksum": digest, "source": source},
        )
    return Published(version, created=True)


def load_questionnaires(directory: Path | None = None, *, audit: bool = True) -> list[Published]:
    """Publish every `<code>.yaml` of the directory (the fixtures by default); refuses the first bad file loudly."""
    directory = directory or questionnaire_dir()
    if not directory.is_dir():
        return []
    results: list[Published] = []
    for path in sorted(directory.glob("*.yaml")):
        results.append(publish_questionnaire(load_questionnaire(path), path.name, audit=audit))
    return results
