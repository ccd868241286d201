"""Publishing questionnaire files into the database: idempotent, and a published version never changes."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.db import transaction

from assessments.catalogue import CatalogueError, Questionnaire, load_questionnaire, questionnaire_to_dict
from assessments.models import QuestionnaireVersion
from portal.audit import log_action
from portal.versioning import Published, checksum, publish_once


def questionnaire_dir() -> Path:
    return Path(settings.BASE_DIR) / "fixtures" / "questionnaires"


@transaction.atomic
def publish_questionnaire(
    questionnaire: Questionnaire, source: str, *, audit: bool = True
) -> Published[QuestionnaireVersion]:
    """Store `questionnaire` once; the same code and version with other content is refused.

    `migrate` publishes without an audit event, like any schema or data migration; the command audits.
    """
    definition = questionnaire_to_dict(questionnaire)
    digest = checksum(definition)
    published = publish_once(
        QuestionnaireVersion,
        code=questionnaire.code,
        version=questionnaire.version,
        checksum=digest,
        refusal=lambda existing: CatalogueError(
            f"{source}: {questionnaire.code} version {questionnaire.version} is already published with"
            f" different content (published {existing.published_at:%Y-%m-%d}); a published version is"
            f" immutable, so give the changed questionnaire a new version number"
        ),
        title=questionnaire.title.to_dict(),
        definition=definition,
        source=source,
    )
    version = published.version
    if audit and published.created:
        log_action(
            None,
            "assessments.questionnaire.published",
            version,
            {"code": version.code, "version": version.version, "checksum": digest, "source": source},
        )
    return published


def load_questionnaires(directory: Path | None = None, *, audit: bool = True) -> list[Published[QuestionnaireVersion]]:
    """Publish every `<code>.yaml` of the directory (the fixtures by default); refuses the first bad file loudly."""
    directory = directory or questionnaire_dir()
    if not directory.is_dir():
        return []
    results: list[Published[QuestionnaireVersion]] = []
    for path in sorted(directory.glob("*.yaml")):
        results.append(publish_questionnaire(load_questionnaire(path), path.name, audit=audit))
    return results
