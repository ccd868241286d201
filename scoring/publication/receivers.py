"""Publication's receivers of earlier stages' signals: a hoster given notices joins the monitor reviews in progress."""

from __future__ import annotations

from typing import Any

from portal.models import User
from scoring.publication.review import name_hosters_given_notices


def name_in_reviews(sender: object, actor: User | None = None, **kwargs: Any) -> None:
    """Receiver of `notices_attributed` and `hoster_network_changed` (after the notices have followed the network)."""
    name_hosters_given_notices(actor)
