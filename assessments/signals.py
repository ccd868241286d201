"""Signals of the assessments app: later stages (scoring) listen, so this app imports nothing of theirs."""

from django.dispatch import Signal

assessment_approved = Signal()
"""Sent inside the approval's transaction once the decision is stored, with `decision` and `auditor`.

A receiver (certification) saves the verified rating, records on the decision whether it certifies
(`Decision.record_certification`) and returns facts for the decision's audit event, e.g. `{"rating": 7, "grade": "B"}`.
A receiver's exception rolls the whole approval back.
"""
