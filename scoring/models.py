"""The scoring app's models, one module per stage; Django finds them all through this face."""

from scoring.certification.models import Certificate, CertificateEvent, SerialCounter
from scoring.measurement.changes import AttributionChange, NoticeOwner  # noqa: F401 - the history of attribution
from scoring.measurement.hashchecks import HashCheckWeek
from scoring.measurement.models import Attribution, Dispute, ImportBatch, Notice, NoticeDataVersion, NoticeReminder
from scoring.publication.models import MonitorPeriod, MonitorReview, MonitorReviewHoster
from scoring.rating.models import Rating, ScoringModelVersion

__all__ = [
    "Attribution",
    "Certificate",
    "CertificateEvent",
    "Dispute",
    "HashCheckWeek",
    "ImportBatch",
    "MonitorPeriod",
    "MonitorReview",
    "MonitorReviewHoster",
    "Notice",
    "NoticeDataVersion",
    "NoticeReminder",
    "Rating",
    "ScoringModelVersion",
    "SerialCounter",
]
