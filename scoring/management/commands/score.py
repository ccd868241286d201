"""`score --answers FILE.json [--metrics FILE.json] [--model CODE] --json`: what-if scoring (DESIGN §5)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from scoring.engine import ScoreCard, ScoringInputError, score
from scoring.rating.inputs import parse_answers_json, parse_metrics_json
from scoring.rating.publishing import UnknownScoringModel, model_version


def read_json(path: Path, what: str) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CommandError(f"{what} file {path}: cannot read it: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise CommandError(f"{what} file {path}: not UTF-8 text") from exc
    except json.JSONDecodeError as exc:
        raise CommandError(f"{what} file {path}: not valid JSON: line {exc.lineno} column {exc.colno}: {exc.msg}")


class Command(BaseCommand):
    help = (
        "Score answers ({criterion code: option value}; unanswered scored criteria count 0 points) and optional "
        "metrics (one hoster row as `hoster_metrics` prints it; absent: the measured criteria are inconclusive)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--answers", type=Path, required=True, help="JSON file {criterion code: option value}")
        parser.add_argument("--metrics", type=Path, help="JSON file with one metrics row (DESIGN 4.2)")
        parser.add_argument("--model", help="scoring-model code; default: the model in force")
        parser.add_argument("--json", action="store_true", help="print the score card as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        answers_data = read_json(options["answers"], "answers")
        metrics_data = read_json(options["metrics"], "metrics") if options["metrics"] else None
        try:
            version = model_version(options["model"])
            answers = parse_answers_json(answers_data)
            metrics = parse_metrics_json(metrics_data) if metrics_data is not None else None
            card = score(version.parsed, answers, metrics)
        except (UnknownScoringModel, ScoringInputError) as exc:
            raise CommandError(str(exc.args[0])) from exc
        if options["json"]:
            self.stdout.write(json.dumps(card.to_dict(), ensure_ascii=False, indent=2))
        else:
            self.stdout.write(self.as_text(card))

    @staticmethod
    def as_text(card: ScoreCard) -> str:
        lines = [
            f"model {card.model}: score {card.score:.2f}, grade {card.grade} (by score {card.grade_by_score}),"
            f" certifiable by score: {'yes' if card.certifiable_by_score else 'no'}"
        ]
        for gate in card.gates:
            state = "passed" if gate.passed else f"FAILED, caps at {gate.cap}"
            lines.append(f"gate {gate.code}: {state}: {gate.reason.en}")
        for item in card.criteria:
            points = "-" if item.points is None else f"{item.points:.2f}"
            lines.append(
                f"{item.code:<7} {item.status.value:<13} answer {item.answer!s:<22} points {points:>5}"
                f"  weight {item.weight:g}  contribution {item.contribution:.2f}"
            )
        return "\n".join(lines)
