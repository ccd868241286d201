"""`compare_models A B [--json]`: every current assessment under scoring models A and B, and what changes."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from scoring.engine import ScoringInputError
from scoring.rating.impact import compare_models
from scoring.rating.models import Rating
from scoring.rating.publishing import UnknownScoringModel, model_version

ARROWS = {"up": "up", "down": "DOWN", "same": "same"}


class Command(BaseCommand):
    help = "Impact of moving from scoring model A to B: per current assessment the score and grade under both."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("model_a", metavar="A", help="scoring-model code in force")
        parser.add_argument("model_b", metavar="B", help="scoring-model code considered")
        parser.add_argument("--basis", choices=Rating.Basis.values, default=Rating.Basis.SELF_ASSESSED)
        parser.add_argument("--json", action="store_true", help="print the comparison as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            impact = compare_models(
                model_version(options["model_a"]), model_version(options["model_b"]), basis=options["basis"]
            )
        except (UnknownScoringModel, ScoringInputError) as exc:
            raise CommandError(str(exc.args[0])) from exc
        if options["json"]:
            self.stdout.write(json.dumps(impact.to_dict(), ensure_ascii=False, indent=2))
            return
        self.stdout.write(f"{'hoster':<30} {'assessment':>10}  {'A':>12}  {'B':>12}  change")
        for row in impact.rows:
            self.stdout.write(
                f"{row.hoster:<30} {row.assessment:>10}  {row.score_a:>6.2f} {row.grade_a:<5}"
                f"  {row.score_b:>6.2f} {row.grade_b:<5}  {ARROWS[row.direction]}"
            )
        summary = impact.summary()
        self.stdout.write(
            f"{impact.model_a} -> {impact.model_b}: {summary['assessments']} assessments;"
            f" grades up {summary['up']}, down {summary['down']}, same {summary['same']}"
        )
        losing = ", ".join(summary["lose_certifiability"]) or "none"
        self.stdout.write(f"lose certifiability: {losing}")
        gaining = ", ".join(summary["gain_certifiability"]) or "none"
        self.stdout.write(f"gain certifiability: {gaining}")
        for difference in impact.methodology_differences:
            self.stdout.write(f"warning: the figures do not compare: {difference}")
