"""The engine counts only due notices (DESIGN §4.3): pending ones weigh in neither MEA-1/MEA-3, the sample size nor
the Wilson and open-notice gates."""

from __future__ import annotations

import pytest

from scoring.engine import Metrics, ScoringInputError, Status, score
from tests.scoring.engine.test_engine import BEST, MODEL_2024

# 60 notices due, all removed within the norm, and 40 sent just before the cut-off, still open but not yet due.
RECENT_RUSH = {"notices": 100, "within_norm": 60, "p90_hours": 4.0, "open_over_norm": 0, "pending": 40}


def test_the_wilson_gate_does_not_fire_on_pending_notices() -> None:
    card = score(MODEL_2024, BEST, Metrics.from_dict(RECENT_RUSH))
    assert card.gate("within-norm-wilson").passed and not card.gate("within-norm-wilson").inconclusive
    assert card.criterion("MEA-1").points == 10.0
    assert card.criterion("MEA-1").answer == 1.0


def test_counting_the_pending_notices_as_failures_would_have_failed_the_gate() -> None:
    # The same figures read as before pending existed: the 40 recent notices count against the hoster.
    legacy = score(MODEL_2024, BEST, Metrics.from_dict({**RECENT_RUSH, "pending": 0}))
    assert not legacy.gate("within-norm-wilson").passed
    assert legacy.criterion("MEA-1").points == pytest.approx(2.0)


def test_open_over_norm_is_judged_against_the_due_notices() -> None:
    # 1 open over the norm among 20 due is 5% (> 1%): the pending notices do not dilute it.
    card = score(MODEL_2024, BEST, Metrics(notices=1_000, within_norm=19, p90_hours=4.0, open_over_norm=1, pending=980))
    assert not card.gate("open-over-norm").passed
    assert card.criterion("MEA-3").points == 0.0  # 10 - 10·1/max(1, 0.01·20)
    diluted = score(MODEL_2024, BEST, Metrics(notices=1_000, within_norm=19, p90_hours=4.0, open_over_norm=1))
    assert diluted.gate("open-over-norm").passed
    assert diluted.criterion("MEA-3").points == pytest.approx(9.0)  # 10 - 10·1/max(1, 0.01·1000)


def test_too_few_due_notices_are_inconclusive_however_many_are_pending() -> None:
    metrics = Metrics(notices=500, within_norm=9, p90_hours=4.0, open_over_norm=0, pending=491)
    card = score(MODEL_2024, BEST, metrics)
    assert {card.criterion(code).status for code in ("MEA-1", "MEA-2", "MEA-3")} == {Status.INCONCLUSIVE}
    assert card.gate("within-norm-wilson").inconclusive and card.gate("open-over-norm").inconclusive


def test_a_period_where_every_notice_is_pending_is_inconclusive() -> None:
    row = {"notices": 25, "within_norm": 0, "p90_hours": None, "open_over_norm": 0, "pending": 25, "due": 0}
    card = score(MODEL_2024, BEST, Metrics.from_dict(row))
    for code in ("MEA-1", "MEA-2", "MEA-3"):
        assert card.criterion(code).status is Status.INCONCLUSIVE
    assert card.criterion("MEA-1").answer is None
    assert card.gate("within-norm-wilson").passed and card.gate("within-norm-wilson").inconclusive


def test_a_metrics_row_without_pending_has_none_pending() -> None:
    metrics = Metrics.from_dict({"notices": 12, "within_norm": 11, "p90_hours": 3.0, "open_over_norm": 0})
    assert (metrics.pending, metrics.due) == (0, 12)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"pending": 101}, "pending \\(101\\) exceeds notices"),
        ({"pending": -1}, "pending must be a whole number >= 0"),
        ({"pending": 41}, "exceeds the due notices \\(59\\)"),
    ],
)
def test_impossible_pending_counts_are_refused(changes: dict[str, int], message: str) -> None:
    with pytest.raises(ScoringInputError, match=message):
        Metrics.from_dict({**RECENT_RUSH, **changes})
