"""Publishing scoring models from fixtures/scoring, and finding the published model to score with."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction

from assessments.catalogue import YamlChecker, read_yaml
from assessments.models import Assessment, QuestionnaireVersion
from portal.audit import log_action
from portal.versioning import Published, checksum, publish_once
from scoring.engine import ModelError, ScoringInputError, ScoringModel, parse_scoring_model
from scoring.rating.models import ScoringModelVersion


class UnknownScoringModel(LookupError):
    """No published scoring model has the requested code."""


def scoring_model_dir() -> Path:
    return Path(settings.BASE_DIR) / "fixtures" / "scoring"


def _questionnaire_of(data: Any, source: str) -> QuestionnaireVersion:
    """The published questionnaire the model names; with a malformed name, any one, so the engine explains."""
    code = data.get("questionnaire") if isinstance(data, dict) else None
    if isinstance(code, str) and code:
        questionnaire = QuestionnaireVersion.objects.current(code)
        if questionnaire is None:
            raise ModelError(f"{source}: questionnaire: '{code}' is not published; publish the questionnaire first")
        return questionnaire
    questionnaire = QuestionnaireVersion.objects.first()
    if questionnaire is None:
        raise ModelError(f"{source}: no questionnaire is published yet")
    return questionnaire


@transaction.atomic
def publish_scoring_model(path: Path) -> Published[ScoringModelVersion]:
    """Validate `path` with the engine and store it once; the same code and version with other content is refused."""
    source = path.name
    data = read_yaml(path, ModelError)
    questionnaire = _questionnaire_of(data, source)
    model = parse_scoring_model(data, questionnaire.parsed, source)
    YamlChecker(ModelError, source).file_name(path, model.code)
    digest = checksum(data)
    published = publish_once(
        ScoringModelVersion,
        code=model.code,
        version=model.version,
        checksum=digest,
        refusal=lambda existing: ModelError(
            f"{source}: {model.code} version {model.version} is already published with different content"
            f" (published {existing.published_at:%Y-%m-%d}); a published scoring model is immutable, so give"
            f" the changed model a new version number"
        ),
        questionnaire=questionnaire,
        title=model.title.to_dict(),
        norm_hours=model.norm_hours,
        definition=data,
        source=source,
    )
    if published.created:
        log_action(
            None,
            "scoring.model.published",
            published.version,
            {"code": model.code, "version": model.version, "checksum": digest, "source": source},
        )
    return published


def load_scoring_models(directory: Path | None = None) -> list[Published[ScoringModelVersion]]:
    """Publish every `<code>.yaml` of the directory (fixtures/scoring by default); refuses the first bad file loudly."""
    directory = directory or scoring_model_dir()
    if not directory.is_dir():
        return []
    return [publish_scoring_model(path) for path in sorted(directory.glob("*.yaml"))]


def model_version(code: str | None = None) -> ScoringModelVersion:
    """The latest published version of `code` (the model in force when None)."""
    found = ScoringModelVersion.objects.select_related("questionnaire").current(code)
    if found is None:
        known = ", ".join(sorted(set(ScoringModelVersion.objects.values_list("code", flat=True)))) or "none"
        raise UnknownScoringModel(f"unknown scoring model {code!r} (published: {known})")
    return found


def engine_model(version: ScoringModelVersion, assessment: Assessment) -> ScoringModel:
    """The engine's model of `version` for the questionnaire version `assessment` answers."""
    if version.questionnaire.code != assessment.questionnaire.code:
        raise ScoringInputError(
            f"model {version.code} scores questionnaire {version.questionnaire.code}, but the assessment"
            f" answers {assessment.questionnaire.code}"
        )
    return version.parsed_for(assessment.questionnaire)


def weights_for(questionnaire_code: str) -> Mapping[str, float]:
    """The weight of each risk level for questionnaire `questionnaire_code`: the model in force's when it scores
    that questionnaire, else the latest published model's that does."""
    versions = ScoringModelVersion.objects.select_related("questionnaire")
    found = versions.current()
    if found is None or found.questionnaire.code != questionnaire_code:
        found = versions.filter(questionnaire__code=questionnaire_code).order_by("-published_at", "-pk").first()
    if found is None:
        raise UnknownScoringModel(f"no published scoring model scores questionnaire {questionnaire_code!r}")
    return found.parsed.weights
