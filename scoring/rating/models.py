"""Scoring-model versions published from fixtures/scoring and the ratings (stored score cards) computed with them."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models.fields.related_descriptors import ReverseOneToOneDescriptor
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from assessments.models import Assessment, Decision, QuestionnaireVersion
from portal.models import AppendOnly, ImmutableQuerySet
from portal.versioning import PublishedDefinition
from scoring.engine import ScoreCard, ScoringModel, parse_scoring_model
from scoring.measurement.methodology import Methodology, methodology_of

if TYPE_CHECKING:  # the stubs make these generic; Django's classes take no subscript at run time
    _DecisionToRating = ReverseOneToOneDescriptor[Decision, "Rating"]
    _DecisionField = models.OneToOneField[Decision | None, Decision | None]
else:
    _DecisionToRating = ReverseOneToOneDescriptor
    _DecisionField = models.OneToOneField


def default_model_code() -> str:
    """The code of the scoring model in force: the `SCORING_MODEL` setting (environment, README)."""
    return str(settings.SCORING_MODEL)


class ScoringModelVersionQuerySet(models.QuerySet["ScoringModelVersion"]):
    def current(self, code: str | None = None) -> ScoringModelVersion | None:
        """The highest published version of `code` (the model in force by default)."""
        return self.filter(code=code or default_model_code()).order_by("-version").first()

    def latest_versions(self) -> list[ScoringModelVersion]:
        """The highest version of every published model code, by code."""
        latest: dict[str, ScoringModelVersion] = {}
        for version in self.select_related("questionnaire").order_by("code", "-version"):
            latest.setdefault(version.code, version)
        return list(latest.values())


def model_and_norm_in_force() -> tuple[str, float]:
    """The code of the scoring model in force and its removal norm (hours), for pages that say which they used."""
    version = ScoringModelVersion.objects.current()
    if version is None:
        raise LookupError(f"The scoring model in force ({default_model_code()}) is not published; run migrate.")
    return version.code, version.norm_hours


def norm_in_force() -> float:
    """The removal norm (hours) of the scoring model in force: what every figure, page and command defaults to."""
    return model_and_norm_in_force()[1]


class ScoringModelVersion(PublishedDefinition):
    """One published version of a scoring model; its definition never changes once stored."""

    questionnaire = models.ForeignKey(
        QuestionnaireVersion,
        on_delete=models.PROTECT,
        related_name="scoring_models",
        verbose_name=_("questionnaire version"),
    )
    norm_hours = models.FloatField(_("removal norm in hours"))

    objects = ScoringModelVersionQuerySet.as_manager()

    class Meta(PublishedDefinition.Meta):
        verbose_name = _("scoring-model version")
        verbose_name_plural = _("scoring-model versions")
        constraints = [models.UniqueConstraint(fields=["code", "version"], name="unique_scoring_model_version")]

    @cached_property
    def parsed(self) -> ScoringModel:
        """The engine's model, bound to the questionnaire version it was published with."""
        return parse_scoring_model(self.definition, self.questionnaire.parsed, str(self))

    def parsed_for(self, questionnaire: QuestionnaireVersion) -> ScoringModel:
        """The engine's model for an assessment on `questionnaire` (another version of the same code)."""
        if questionnaire.pk == self.questionnaire_id:
            return self.parsed
        cache: dict[int, ScoringModel] = self.__dict__.setdefault("_parsed_by_questionnaire", {})
        if questionnaire.pk not in cache:
            cache[questionnaire.pk] = parse_scoring_model(self.definition, questionnaire.parsed, str(self))
        return cache[questionnaire.pk]

    def title_in(self, language: str) -> str:
        return self.parsed.title.get_text(language)


class _RatingOrNone(_DecisionToRating):
    """`decision.rating` is None for a decision without a verified rating (a rejection), not an exception."""

    def __get__(self, instance: Any, cls: Any = None) -> Any:
        try:
            return super().__get__(instance, cls)
        except self.RelatedObjectDoesNotExist:
            return None


class DecisionLink(_DecisionField):
    """The link from a verified rating to the auditor's decision; it lives on this side because scoring builds on
    the assessments app, never the other way round."""

    related_accessor_class = _RatingOrNone


class RatingQuerySet(ImmutableQuerySet):
    def latest_for(self, assessment: Assessment, basis: str | None = None) -> Rating | None:
        ratings = self.filter(assessment=assessment)
        if basis:
            ratings = ratings.filter(basis=basis)
        return ratings.order_by("-computed_at", "-id").first()


class Rating(AppendOnly):
    """A score card as the engine computed it for an assessment at one moment; append-only."""

    class Basis(models.TextChoices):
        SELF_ASSESSED = "self_assessed", _("Self-assessed (every current answer)")
        VERIFIED = "verified", _("Verified (only answers an auditor accepted)")

    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="ratings")
    model_version = models.ForeignKey(
        ScoringModelVersion, on_delete=models.PROTECT, related_name="ratings", verbose_name=_("scoring model")
    )
    basis = models.CharField(_("basis"), max_length=20, choices=Basis.choices)
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2)
    grade = models.CharField(_("grade"), max_length=2)
    grade_by_score = models.CharField(_("grade by score alone"), max_length=2)
    certifiable_by_score = models.BooleanField(_("certifiable by score"))
    scorecard = models.JSONField(_("score card"))
    metrics = models.JSONField(_("measured data used"), null=True, blank=True)
    # The methodology the measured data was computed with (`measurement.methodology`); null: a rating kept before
    # methodologies were recorded (the legacy one, with the model's norm).
    methodology = models.JSONField(_("methodology"), null=True, blank=True, encoder=DjangoJSONEncoder)
    decision = DecisionLink(
        Decision,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="rating",
        verbose_name=_("decision it verifies"),
    )
    computed_at = models.DateTimeField(_("computed"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = RatingQuerySet.as_manager()

    class Meta:
        ordering = ["-computed_at", "-id"]
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        indexes = [models.Index(fields=["assessment", "basis", "-computed_at"], name="rating_latest")]

    def __str__(self) -> str:
        return f"{self.assessment_id} {self.grade} {self.score} ({self.model_version}, {self.basis})"

    @property
    def methodology_used(self) -> Methodology:
        """The methodology of the rating's measured data (the legacy one when it recorded none)."""
        return Methodology.from_dict(self.methodology, norm_hours=self.model_version.norm_hours)

    @classmethod
    def of_card(
        cls, card: ScoreCard, assessment: Assessment, model_version: ScoringModelVersion, basis: str, **fields: Any
    ) -> Rating:
        """A new (unsaved) rating keeping `card`, its score and grades as columns and the card itself as JSON."""
        return cls(
            assessment=assessment,
            model_version=model_version,
            basis=basis,
            score=Decimal(str(card.score)),
            grade=card.grade,
            grade_by_score=card.grade_by_score,
            certifiable_by_score=card.certifiable_by_score,
            scorecard=card.to_dict(),
            methodology=methodology_of(fields.get("metrics"), model_version.norm_hours).as_dict(),
            **fields,
        )
