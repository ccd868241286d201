"""The scoring app: its stages' signal receivers and the scoring-model fixtures published after every `migrate`."""

from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def publish_fixtures(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    """Publish fixtures/scoring once the tables exist (the questionnaires are published just before)."""
    from assessments.models import QuestionnaireVersion
    from scoring.rating.models import ScoringModelVersion
    from scoring.rating.scorecards import load_scoring_models

    tables = connections[using].introspection.table_names()
    if ScoringModelVersion._meta.db_table in tables and QuestionnaireVersion._meta.db_table in tables:
        load_scoring_models()


class ScoringConfig(AppConfig):
    name = "scoring"
    verbose_name = _("Scoring")

    def ready(self) -> None:
        from assessments.signals import assessment_approved
        from portal.identity import hoster_identity_changed
        from portal.services import hoster_network_changed
        from scoring.certification.receivers import certify_approved, refresh_registry
        from scoring.measurement.attribution import reattribute_for_hoster_change
        from scoring.measurement.signals import notices_attributed
        from scoring.publication.receivers import name_in_reviews

        post_migrate.connect(publish_fixtures, sender=self, dispatch_uid="scoring.publish_fixtures")
        # A supervisor's change to a hoster's ASNs or prefixes re-attributes the notices at once.
        hoster_network_changed.connect(reattribute_for_hoster_change, dispatch_uid="scoring.reattribute_notices")
        # A hoster given notices of a period in review gets its right of reply (connected after the re-attribution).
        hoster_network_changed.connect(name_in_reviews, dispatch_uid="scoring.name_in_reviews_network")
        notices_attributed.connect(name_in_reviews, dispatch_uid="scoring.name_in_reviews")
        # An auditor's approval is certified here: assessments knows nothing of scoring.
        assessment_approved.connect(certify_approved, dispatch_uid="scoring.certify_approved")
        hoster_identity_changed.connect(refresh_registry, dispatch_uid="scoring.refresh_registry")
