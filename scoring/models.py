"""The scoring app's models, one module per stage; Django finds them all through this face."""

from scoring.certification.models import Certificate, CertificateEvent, SerialCounter
from scoring.measurement.models import Attribution, Dispute, ImportBatch, Notice
from scoring.publication.models import MonitorPeriod
from scoring.rating.models import Rating, ScoringModelVersion

__all__ = [
    "Attribution",
    "Certificate",
    "CertificateEvent",
    "Dispute",
    "ImportBatch",
    "MonitorPeriod",
    "Notice",
    "Rating",
    "ScoringModelVersion",
    "SerialCounter",
]
