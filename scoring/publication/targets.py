"""What the scheme asks of the public figures, from the scoring model in force: the share to remove within the norm."""

from __future__ import annotations

from scoring.engine.vocabulary import GateKind
from scoring.rating.models import ScoringModelVersion


def within_norm_target_pct() -> float | None:
    """The share (percent) of notices to remove within the norm: the threshold of the model's Wilson gate, below
    which a hoster is capped. None when the model in force has no such gate (then no figure is judged by colour)."""
    version = ScoringModelVersion.objects.current()
    if version is None:
        return None
    gate = next((gate for gate in version.parsed.gates if gate.kind == GateKind.WILSON_UPPER_BELOW), None)
    return None if gate is None or gate.threshold is None else round(gate.threshold * 100, 2)
