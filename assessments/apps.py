"""The assessments app: questionnaire versions are published after every `migrate`."""

from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def publish_fixtures(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    """Load the questionnaire fixtures once the tables exist; a changed published version stops `migrate`."""
    from assessments.loader import load_questionnaires
    from assessments.models import QuestionnaireVersion

    if QuestionnaireVersion._meta.db_table not in connections[using].introspection.table_names():
        return
    load_questionnaires(audit=False)


class AssessmentsConfig(AppConfig):
    name = "assessments"
    verbose_name = _("Assessments")

    def ready(self) -> None:
        post_migrate.connect(publish_fixtures, sender=self, dispatch_uid="assessments.publish_fixtures")
