"""Signals of the measurement stage: later stages (publication) listen, so measurement imports nothing of theirs."""

from django.dispatch import Signal

notices_attributed = Signal()
"""Sent inside the transaction of a decision that gave notices to a hoster (a dispute upheld in favour of another
hoster, an attribution from the unattributed queue), with `hoster` (the hoster given them) and `actor`."""
