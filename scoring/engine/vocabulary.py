"""The scoring vocabulary: a criterion's status on a card, the kinds of measured criteria and gates, the errors."""

from __future__ import annotations

from enum import StrEnum


class ModelError(ValueError):
    """A scoring-model file is malformed; the message names the file, the item and the problem."""


class ScoringInputError(ValueError):
    """Answers or metrics handed to the engine do not fit the model."""


class Status(StrEnum):
    """How a criterion stands on a card; its value is what a stored card says."""

    SCORED = "scored"
    NA = "na"
    INCONCLUSIVE = "inconclusive"
    UNANSWERED = "unanswered"

    @property
    def included(self) -> bool:
        """Counts in a score: scored, or unanswered with 0 points; N/A and inconclusive leave the denominator."""
        return self in (Status.SCORED, Status.UNANSWERED)


class MeasuredKind(StrEnum):
    WITHIN_NORM = "within_norm"
    SLOWEST_DECILE = "slowest_decile"
    LEFT_OPEN = "left_open"
    HASH_CHECK_WEEKS = "hash_check_weeks"
    """Hash-check statistics: the share of the period's last weeks with checks (MEA-4, from good-hoster-2026)."""


class GateKind(StrEnum):
    ANSWER = "answer"
    WILSON_UPPER_BELOW = "wilson_upper_below"
    OPEN_OVER_NORM_SHARE_ABOVE = "open_over_norm_share_above"
    DECLARED_BUT_NO_HASH_CHECKS = "declared_but_no_hash_checks"
    """An answer declares hash checks (HCS-1 = yes) but the statistics show none in the period's last weeks."""
